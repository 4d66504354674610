"""Tokenisation of help messages: lowercase, SMS shorthand expansion, reduplication, stemming, typos.

Each token keeps its original slice (``raw``) so place names can be quoted back as typed.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from rapidfuzz import process
from rapidfuzz.distance import OSA

from siaga.core.text import lexicon, tables

TokenKind = Literal["word", "number", "punct"]


@dataclass(frozen=True, slots=True)
class Token:
    raw: str          # the text as typed (for a multi-token shorthand expansion: the whole word)
    norm: str         # lowercase, shorthand expanded, typo corrected
    stem: str         # PySastrawi stem of norm (norm itself for short words and non-words)
    kind: TokenKind
    start: int        # character offsets in the original text
    end: int
    corrected: bool = False  # norm came from fuzzy typo correction
    base: str = ""           # lowercase word before shorthand expansion/correction (place names)

    @property
    def is_word(self) -> bool:
        return self.kind == "word"


# Words (letters, optional hyphenated parts, optional reduplication "2"), numbers with
# thousands/decimal separators, and the punctuation that separates clauses or list items.
_TOKEN_RE = re.compile(
    r"(?P<number>\d+(?:[.,]\d+)*)"
    r"|(?P<word>[^\W\d_]+(?:-[^\W\d_]+)*(?:2(?:an|nya)?(?![\d]))?)"
    r"|(?P<punct>[.,;:!?/&+()\n-])"
)

_REDUPLICATION = re.compile(r"^([^\W\d_]{2,})2(?:an|nya)?$")

_stemmer_lock = threading.Lock()


@lru_cache(maxsize=1)
def _sastrawi() -> Any:   # (PySastrawi is untyped)
    """Build the PySastrawi stemmer once (it reads a 30k-word dictionary, ~50 ms)."""
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    with _stemmer_lock:
        cached = StemmerFactory().create_stemmer()
    # The factory wraps the stemmer in an unbounded cache; use the bare stemmer behind our
    # bounded lru_cache instead so a long-running service cannot grow without limit.
    return cached.delegatedStemmer


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """PySastrawi stem of one lowercase word (membutuhkan -> butuh, obat-obatan -> obat)."""
    if len(word) < 4 or not word.replace("-", "").isalpha():
        return word
    return _sastrawi().stem(word) or word


def is_dictionary_word(word: str) -> bool:
    """True if ``word`` is an Indonesian root word in PySastrawi's dictionary."""
    return bool(_sastrawi().get_dictionary().contains(word))


@lru_cache(maxsize=1)
def _known_words() -> frozenset[str]:
    words: set[str] = set()
    for phrases in (*lexicon.NEED_KEYWORDS.values(), *lexicon.VULNERABLE_KEYWORDS.values(),
                    *lexicon.URGENCY_CUES.values()):
        for phrase in phrases:
            words.update(phrase.split())
    words.update(lexicon.SHORTHAND)
    for value in lexicon.SHORTHAND.values():
        words.update(value.split())
    words.update(lexicon.FUNCTION_WORDS, lexicon.DISASTER_WORDS, lexicon.NON_PLACE_WORDS,
                 lexicon.PERSON_UNITS, lexicon.HOUSEHOLD_UNITS, lexicon.SUBGROUP_UNITS,
                 lexicon.ENGLISH_MARKERS, lexicon.INDONESIAN_MARKERS, lexicon.PLACE_MARKERS,
                 lexicon.NUMBER_WORDS_ID, lexicon.NUMBER_WORDS_EN, lexicon.BER_NUMBERS,
                 lexicon.FLOOD_CONTEXT_AFTER, lexicon.SUPPLY_STATES,
                 lexicon.PLACE_ABBREVIATIONS, lexicon.CITY_ABBREVIATIONS)  # "smg" is Semarang
    words.update(tables.typo_guard())   # "demak" is Demak, not "demam"
    # city neighbourhoods too: "sunter" is Sunter (Jakarta Utara), not "senter" (a torch)
    words.update(w for name in tables.neighbourhoods() for w in name.lower().split())
    return frozenset(words)


@lru_cache(maxsize=1)
def _typo_targets() -> dict[str, tuple[str, ...]]:
    """Single-word keywords worth correcting typos towards, bucketed by first letter."""
    targets: set[str] = set()
    for phrases in (*lexicon.NEED_KEYWORDS.values(), *lexicon.VULNERABLE_KEYWORDS.values(),
                    *lexicon.URGENCY_CUES.values()):
        targets.update(p for p in phrases if " " not in p and len(p) >= 5)
    targets.update(w for w in lexicon.PERSON_UNITS | lexicon.HOUSEHOLD_UNITS if len(w) >= 5)
    targets.update(w for w in lexicon.PLACE_MARKERS if len(w) >= 5)
    targets.update(w for w in ("butuh", "perlu", "tolong", "bantuan", "segera", "evakuasi"))
    buckets: dict[str, list[str]] = {}
    for word in sorted(targets):
        buckets.setdefault(word[0], []).append(word)
    return {k: tuple(v) for k, v in buckets.items()}


@lru_cache(maxsize=20_000)
def correct_typo(word: str) -> str | None:
    """Closest keyword to an unknown word ("makann" -> "makanan"), or None.

    Only for unknown words of 5+ letters: real Indonesian words (PySastrawi dictionary) are
    never "corrected", because "berat" is not a typo of "beras" nor "lapor" of "lapar".
    Distance (OSA: a swap counts once) <= 1, or <= 2 from 8 letters; same first letter.
    """
    if len(word) < 5 or not word.isalpha() or word in _known_words():
        return None
    if is_dictionary_word(word) or is_dictionary_word(stem(word)):
        return None
    bucket = _typo_targets().get(word[0])
    if not bucket:
        return None
    max_distance = 1 if len(word) < 8 else 2
    best = process.extractOne(word, bucket, scorer=OSA.distance, score_cutoff=max_distance)
    return best[0] if best else None


_VOWELS = frozenset("aeiou")


def devowelled(word: str) -> str | None:
    """The word an SMS writer meant by typing it without vowels ("slmt" -> "selamat",
    "pngngsn" -> "pengungsian"), when word frequencies leave no doubt; else None.

    Only for words with no vowel after the first letter that are not known already; words in
    capitals are acronyms (PLN, BPBD, NTT) and are left alone by the caller.
    """
    if len(word) < 3 or not word.isalpha() or any(c in _VOWELS for c in word[1:]):
        return None
    if word in _known_words():
        return None
    return tables.skeletons().get(word)


def _skeleton(word: str) -> str:
    return word[0] + "".join(c for c in word[1:] if c not in _VOWELS)


@lru_cache(maxsize=1)
def _keyword_skeletons() -> dict[str, tuple[str, ...]]:
    """Skeleton -> the parser's keywords (and help verbs) of 5+ letters that have it."""
    out: dict[str, list[str]] = {}
    for bucket in _typo_targets().values():
        for word in bucket:
            out.setdefault(_skeleton(word), []).append(word)
    return {k: tuple(v) for k, v in out.items()}


def _only_vowels_dropped(typed: str, full: str) -> bool:
    """typed is full with some vowels (not the first letter) left out: "slmut" of "selimut"."""
    j = 0
    for i, c in enumerate(full):
        if j < len(typed) and typed[j] == c:
            j += 1
        elif i == 0 or c not in _VOWELS:
            return False
    return j == len(typed)


@lru_cache(maxsize=20_000)
def partly_devowelled(word: str) -> str | None:
    """The keyword meant by a word typed with some of its vowels left out ("slmut" -> "selimut",
    "evkasi" -> "evakuasi", "pngungsian" -> "pengungsian"), when exactly one keyword fits; else
    None. Not for known or dictionary words, nor for words without any vowel (devowelled)."""
    if len(word) < 4 or not word.isalpha() or not any(c in _VOWELS for c in word[1:]):
        return None
    if word in _known_words() or is_dictionary_word(word) or is_dictionary_word(stem(word)):
        return None
    fits = [w for w in _keyword_skeletons().get(_skeleton(word), ()) if len(w) > len(word)
            and _only_vowels_dropped(word, w)]
    return fits[0] if len(fits) == 1 else None


def _collapse_reduplication(word: str) -> list[str]:
    """"anak-anak" -> ["anak"], "obat-obatan" -> ["obat-obatan"] (stemmed later), "al-ikhlas" -> 2 words."""
    parts = word.split("-")
    if len(parts) == 1:
        return parts
    first = parts[0]
    if all(p.startswith(first) or first.startswith(p) for p in parts[1:]):
        return [word] if any(p != first for p in parts[1:]) else [first]
    return parts


def tokenize(text: str, *, correct_typos: bool = True) -> tuple[Token, ...]:
    """Split a message into tokens with normalised forms and stems."""
    text = unicodedata.normalize("NFKC", text or "")
    tokens: list[Token] = []
    for match in _TOKEN_RE.finditer(text):
        raw = match.group(0)
        start, end = match.span()
        if match.lastgroup == "number":
            tokens.append(Token(raw, raw, raw, "number", start, end, base=raw))
            continue
        if match.lastgroup == "punct":
            tokens.append(Token(raw, raw, raw, "punct", start, end, base=raw))
            continue
        lowered = raw.lower()
        if lowered not in lexicon.SHORTHAND:
            # SMS reduplication: "anak2" -> anak, "obat2an" -> obat, "anak2nya" -> anak
            lowered = _REDUPLICATION.sub(r"\1", lowered)
        for part in _collapse_reduplication(lowered):
            expanded = lexicon.SHORTHAND.get(part, part)
            if expanded == part:
                expanded = _sundanese_keun(part)
            corrected = False
            if correct_typos and expanded == part and not _after_place_word(tokens):
                fixed = (None if raw.isupper() else devowelled(part) or partly_devowelled(part)) \
                    or correct_typo(part)
                if fixed is not None:
                    expanded, corrected = fixed, True
            for word in expanded.split():
                tokens.append(Token(raw, word, stem(word), "word", start, end, corrected, part))
    if correct_typos:
        _read_among_needs(tokens)
    return tuple(tokens)


@lru_cache(maxsize=1)
def _need_context_words() -> frozenset[str]:
    words = {p for phrases in lexicon.NEED_KEYWORDS.values() for p in phrases if " " not in p}
    return frozenset(words | lexicon.NEED_VERBS | lexicon.REQUEST_VERBS | lexicon.LACKING)


def _read_among_needs(tokens: list[Token]) -> None:
    """"kurg mkn & slmt", "butuh brs": a skeleton whose need reading is meant only among other
    needs (tables.need_skeletons) takes it when the next word before or after it, past list
    joiners, is a need or a need verb."""
    alternatives = tables.need_skeletons()
    if not alternatives:
        return
    context = _need_context_words()
    for i, tok in enumerate(tokens):
        meant = alternatives.get(tok.base) if tok.kind == "word" and tok.raw.lower() == tok.base else None
        if meant is None:
            continue
        for step in (-1, 1):
            k = i + step
            while 0 <= k < len(tokens) and tokens[k].norm in lexicon.LIST_JOINERS:
                k += step
            if 0 <= k < len(tokens) and tokens[k].kind == "word" and tokens[k].norm in context:
                tokens[i] = Token(tok.raw, meant, stem(meant), "word", tok.start, tok.end, True, tok.base)
                break


def _sundanese_keun(word: str) -> str:
    """Sundanese verbs in -keun are the Indonesian ones in -kan ("dibagikeun" -> "dibagikan",
    "disalurkeun" -> "disalurkan"), when the -kan form stems to an Indonesian root word."""
    if len(word) < 7 or not word.endswith("keun"):
        return word
    candidate = word[:-4] + "kan"
    root = stem(candidate)
    return candidate if root != candidate and is_dictionary_word(root) else word


def _after_place_word(tokens: list[Token]) -> bool:
    # Words right after "desa", "kec.", "di" are usually names: do not "correct" them
    # ("Kel. Lampa" is no lamp).
    last = tokens[-2:] if len(tokens) >= 2 and tokens[-1].norm == "." else tokens[-1:]
    if not last:
        return False
    prev = last[0].norm
    return prev in lexicon.PLACE_MARKERS or prev in lexicon.PLACE_PREPOSITIONS


def doubled_word(tok: Token) -> str | None:
    """The word of a doubled one, the Indonesian plural: "desa2", "desa-desa" -> "desa"."""
    raw = tok.raw.lower()
    if raw.endswith("2") and len(raw) > 2 and raw[:-1].isalpha():
        return raw[:-1]
    first, sep, second = raw.partition("-")
    return first if sep and first == second and first.isalpha() else None


def is_doubled(tok: Token) -> bool:
    """A word written doubled, as a plural: "desa2", "desa-desa" (the villages)."""
    return doubled_word(tok) is not None


def word_tokens(tokens: tuple[Token, ...]) -> list[Token]:
    return [t for t in tokens if t.kind == "word"]
