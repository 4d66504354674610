"""Place-name text in a help message, for the gazetteer: "di ds Sumberharjo kec. Prambanan" -> one candidate.

Three groups, from most to least trustworthy:
- marked: runs that start at an administrative marker (desa, ds, dusun, kel, kec, kab, kota,
  RT/RW, village ...) or a locative ("di", "in", "at", "dekat") and continue over name-like
  words, commas and further markers;
- bare: other runs of name-like words (capitalised words in mixed-case text; in all-lowercase
  or all-caps text, words that are not in the Indonesian dictionary);
- landmarks: names after a landmark noun ("GOR Klaten", "kali Gendol", "masjid Al Huda"):
  sometimes a place ("Lapangan Kretek"), often not ("Al Huda"), so they are tried last.
Street names ("jl. Magelang km 10") are dropped: a street named after a town is not in it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from siaga.core.text import lexicon
from siaga.core.text.normalize import Token, is_dictionary_word, is_doubled

_ADMIN_LEVELS = frozenset({"desa", "dusun", "kecamatan", "kabupaten", "kota", "provinsi"})
_DIRECTIONS = frozenset({
    "utara", "selatan", "timur", "barat", "tengah", "kulon", "wetan", "lor", "kidul", "baru",
    "lama", "hilir", "hulu", "ilir", "atas", "bawah", "dalam", "luar", "raya", "jaya", "indah",
})
_HONORIFICS = frozenset({"pak", "bu", "bapak", "ibu", "mas", "mbak", "kak", "bang", "mr", "mrs", "haji", "h"})
# Titles of the heroes streets are named after, written without "jl." ("banjir di pangeran
# jayakarta", "re martadinata sblm ancom"): the name after one is a person's, not a place's.
_PERSON_TITLES = frozenset({"pangeran", "sultan", "jenderal", "jendral", "jend", "letjen", "mayjen", "brigjen",
                            "laksamana", "kapten", "kolonel", "re", "kh", "ki", "raden", "teuku"})
_FILLERS_AFTER_PREPOSITION = frozenset({
    "daerah", "wilayah", "sekitar", "dekat", "kawasan", "area", "lokasi", "alamat", "the",
})
_MAX_TOKENS = 12


@dataclass(frozen=True, slots=True)
class PlaceCandidates:
    marked: tuple[str, ...] = ()
    bare: tuple[str, ...] = ()
    landmarks: tuple[str, ...] = ()

    def all(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.marked, *self.bare, *self.landmarks)))

    def stages(self) -> list[tuple[str, ...]]:
        """Growing candidate sets to try in turn: marked, + bare, + landmarks."""
        out: list[tuple[str, ...]] = []
        for group in (self.marked, self.marked + self.bare, self.all()):
            group = tuple(dict.fromkeys(group))
            if group and (not out or group != out[-1]):
                out.append(group)
        return out


@dataclass
class _Collector:
    used: set[int] = field(default_factory=set)
    landmarks: list[str] = field(default_factory=list)
    capitalised: bool = False     # the writer capitalises names (capitalises_names)


@lru_cache(maxsize=1)
def _never_name() -> frozenset[str]:
    words = set(lexicon.FUNCTION_WORDS) - _DIRECTIONS
    words |= lexicon.DISASTER_WORDS | lexicon.REQUEST_VERBS | lexicon.NEED_VERBS
    words |= lexicon.GENERIC_HELP | lexicon.PERSON_UNITS | lexicon.HOUSEHOLD_UNITS
    words |= lexicon.SUBGROUP_UNITS | lexicon.CLAUSE_BREAKERS | lexicon.NEGATORS
    words |= set(lexicon.NUMBER_WORDS_ID) | set(lexicon.NUMBER_WORDS_EN) | set(lexicon.BER_NUMBERS)
    words |= _HONORIFICS
    for cues in lexicon.URGENCY_CUES.values():
        words.update(c for c in cues if " " not in c)
    return frozenset(words)


@lru_cache(maxsize=1)
def _keywords() -> frozenset[str]:
    words: set[str] = set()
    for phrases in (*lexicon.NEED_KEYWORDS.values(), *lexicon.VULNERABLE_KEYWORDS.values()):
        for phrase in phrases:
            words.update(phrase.split())
    return frozenset(words)


def _strict_name(tok: Token, continuation: bool) -> bool:
    if tok.kind != "word" or len(tok.norm) < 2:
        return False
    if continuation and tok.norm in _DIRECTIONS:
        return True
    return not (tok.norm in _never_name() or tok.norm in _keywords() or tok.stem in _keywords()
                or tok.norm in lexicon.NON_PLACE_WORDS or tok.norm in lexicon.PLACE_PREPOSITIONS
                or tok.norm in lexicon.PLACE_MARKERS or tok.norm in lexicon.POI_NOUNS
                or tok.corrected)


def name_word(tok: Token, continuation: bool = False) -> bool:
    """Whether a word may be part of a place name at all (not a need, a verb, a number word...)."""
    return _strict_name(tok, continuation)


def _relaxed_name(tok: Token) -> bool:
    """The first word after "desa"/"kec"/"kab": may be an ordinary word ("Desa Air Hitam")."""
    if tok.kind != "word" or len(tok.norm) < 2:
        return False
    if len(tok.raw) <= 3 and tok.norm != tok.raw.lower() and tok.norm in _never_name():
        return False     # a short form of a function word: "kami di kampung su tida ada air" (su: sudah)
    return tok.raw.lower() not in _never_name() and tok.norm not in lexicon.PLACE_MARKERS


def extract_place_candidates(tokens: Sequence[Token]) -> tuple[str, ...]:
    """All place-name candidates, most trustworthy first (see the module docstring)."""
    return place_candidate_groups(tokens).all()


def place_candidate_groups(tokens: Sequence[Token]) -> PlaceCandidates:
    collector = _Collector(capitalised=capitalises_names(tokens))
    marked = _marker_candidates(tokens, collector)
    bare = _bare_name_candidates(tokens, collector)
    marked_t = tuple(dict.fromkeys(marked))
    bare_t = tuple(dict.fromkeys(b for b in bare if b not in marked_t))
    landmarks = tuple(dict.fromkeys(x for x in collector.landmarks if x not in marked_t and x not in bare_t))
    return PlaceCandidates(marked_t, bare_t, landmarks)


_NAME_BEFORE_MARKER = 3   # words an English marker after a name reaches back ("Matang Glumpang Dua village")


def _named_before(tokens: Sequence[Token], i: int, collector: _Collector) -> int:
    """Where the name that an English marker at i closes begins (i if none): "Peusangan
    sub-district" -> the index of "Peusangan". Up to three name words, capitalised if the writer
    capitalises names, none already read."""
    k = i - 1
    if k >= 0 and tokens[k].norm == "sub":
        k -= 1
    start = k + 1
    while k >= 0 and start - k <= _NAME_BEFORE_MARKER and k not in collector.used:
        tok = tokens[k]
        if not _strict_name(tok, continuation=True) or (collector.capitalised and not tok.raw[:1].isupper()):
            break
        start = k
        k -= 1
    return start if start < i and tokens[start].norm != "sub" else i


def _marker_candidates(tokens: Sequence[Token], collector: _Collector) -> list[str]:
    out: list[str] = []
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        if tok.kind == "word" and (tok.norm in lexicon.PLACE_MARKERS or tok.norm in lexicon.PLACE_PREPOSITIONS) \
                and not is_doubled(tok):       # "ke desa2 hulu": the upstream villages, no name
            if tok.norm in lexicon.ENGLISH_POST_MARKERS:
                i = _named_before(tokens, i, collector)
            text, j = _read_run(tokens, i, collector)
            collector.used.update(range(i, j))
            if text:
                out.append(text)
            i = j
        else:
            i += 1
    return out


def _read_landmark_name(tokens: Sequence[Token], j: int, collector: _Collector) -> int:
    """After "masjid"/"kali"/...: the landmark's own name, up to a comma or a marker."""
    start, n = j, len(tokens)
    while j < n:
        tok = tokens[j]
        if tok.kind != "word" or tok.norm in lexicon.PLACE_MARKERS or tok.norm in _never_name():
            break
        if tok.norm in lexicon.NON_PLACE_WORDS or tok.norm in _keywords():
            break
        j += 1
    name = tokens[start:j]
    # "bukit batu", "kali putih": a hill of stone, a white river, not the town named Batu
    natural = start > 0 and tokens[start - 1].norm in lexicon.NAME_HEADS
    if name and not (natural and len(name) == 1 and is_dictionary_word(name[0].norm)):
        collector.landmarks.append(" ".join(t.raw for t in name))
    return j


def _read_run(tokens: Sequence[Token], i: int, collector: _Collector) -> tuple[str | None, int]:
    """Read one candidate from a marker/preposition at i; return it and where to continue."""
    parts: list[str] = []
    has_name = False
    relaxed_next = False   # next word follows an admin marker
    numbers_ok = False     # next number belongs to RT/RW
    skipping_street = False
    skipped = False        # a street or landmark name was read: a comma may continue the run
    closed = False         # an English marker ended the name ("Bireuen regency"): only a comma goes on
    n = len(tokens)
    j = i
    while j < n and len(parts) < _MAX_TOKENS:
        tok = tokens[j]
        norm = tok.norm
        if tok.kind == "punct":
            if norm == "." and j > i and ((tokens[j - 1].norm in lexicon.PLACE_MARKERS
                                           and tokens[j - 1].norm not in lexicon.ENGLISH_POST_MARKERS)
                                          or _head_dot(tokens, j)):
                j += 1                                   # "kec." "ds." "Tj. Priok"
                continue
            if norm == "/" and numbers_ok:
                j += 1                                   # "RT 03/05"
                continue
            if norm in {",", "-"} and (has_name or parts or skipped) and _continues(tokens, j + 1):
                skipping_street = closed = False
                if parts and parts[-1] != ",":
                    parts.append(",")
                j += 1
                continue
            break
        if tok.kind == "number":
            if numbers_ok or skipping_street:
                if numbers_ok:
                    parts.append(tok.raw)
                j += 1
                continue
            break
        # words
        if norm in lexicon.PLACE_MARKERS:
            level = lexicon.PLACE_MARKERS[norm]
            if level == "street":
                skipping_street, relaxed_next, numbers_ok, skipped = True, False, False, True
            else:
                skipping_street = False
                parts.append(tok.raw)
                # "Bireuen regency says": an English marker closes the name before it
                closed = norm in lexicon.ENGLISH_POST_MARKERS and has_name
                relaxed_next = level in _ADMIN_LEVELS and not closed
                numbers_ok = level in {"rt", "rw"}
            j += 1
            continue
        if closed:
            break
        if norm == "sub" and j + 1 < n and tokens[j + 1].norm in lexicon.ENGLISH_POST_MARKERS and has_name:
            j += 1                                       # "sub-district"
            continue
        if skipping_street:
            if norm in {"km", "no", "nomor"} or _strict_name(tok, True) or (
                    _relaxed_name(tok) and norm not in _never_name()):
                j += 1
                continue
            break
        if norm in lexicon.PLACE_PREPOSITIONS:
            if parts or has_name:
                break                                     # a new locative starts a new candidate
            j += 1
            continue
        if not parts and not has_name and norm in _FILLERS_AFTER_PREPOSITION:
            j += 1
            continue
        if norm in _PERSON_TITLES and not relaxed_next and not has_name:
            skipping_street, skipped = True, True     # a street named after a hero
            j += 1
            continue
        if norm in lexicon.POI_NOUNS and not relaxed_next:
            # "di masjid Al Huda, Glagaharjo": the landmark's name is kept apart
            j = _read_landmark_name(tokens, j + 1, collector)
            skipped = True
            continue
        if not has_name and not relaxed_next and collector.capitalised and tok.raw.islower() \
                and (is_dictionary_word(tok.norm) or is_dictionary_word(tok.stem)):
            break    # "... Tanjung Duren Utara. ... di sepanjang jalan ini": along, not Kel. Sepanjang
        if (relaxed_next and _relaxed_name(tok)) or _strict_name(tok, continuation=has_name) or (
                has_name and parts and parts[-1] != "," and _letter_suffix(tok)):
            parts.append(tok.raw)
            has_name = True
            relaxed_next = False
            numbers_ok = False
            j += 1
            continue
        break
    while parts and parts[-1] == ",":
        parts.pop()
    text = " ".join(parts).replace(" ,", ",") if has_name else None
    return text, max(j, i + 1)


def _head_dot(tokens: Sequence[Token], j: int) -> bool:
    """The token at j is the dot of a shortened name head ("Tj. Priok", "Kep. Sula"), which does
    not end the name (gazetteer._query_words reads it the same way)."""
    return (tokens[j].kind == "punct" and tokens[j].norm == "." and j > 0
            and tokens[j - 1].norm in lexicon.NAME_HEAD_ABBREVIATIONS)


def _continues(tokens: Sequence[Token], j: int) -> bool:
    """After a comma: does the place go on ("Sumberharjo, Prambanan, Sleman")?"""
    if j >= len(tokens):
        return False
    tok = tokens[j]
    if tok.kind != "word":
        return False
    if tok.norm in lexicon.PLACE_MARKERS:
        return lexicon.PLACE_MARKERS[tok.norm] != "street"
    return _strict_name(tok, continuation=False)


def _acronym(tok: Token) -> bool:
    return 2 <= len(tok.raw) <= 5 and tok.raw.isupper() and tok.raw.isalpha()


def capitalises_names(tokens: Sequence[Token]) -> bool:
    """A word inside a sentence written with a capital ("Jl. Pagarsih arus deras"): the writer
    capitalises names, so lower-case ordinary words are none. Acronyms ("PDAM") and sentence
    openings prove nothing."""
    for i, tok in enumerate(tokens):
        if tok.kind == "word" and len(tok.raw) > 1 and tok.raw[0].isupper() and tok.raw[1:].islower() \
                and i > 0 and not _sentence_end(tokens, i - 1):
            return True
    return False


def _sentence_end(tokens: Sequence[Token], i: int) -> bool:
    """A full stop, "!" or "?" at i, not the dot of a short form ("Jl.", "Kec.", "Ds.")."""
    tok = tokens[i]
    if tok.kind != "punct" or tok.norm not in {".", "!", "?"}:
        return False
    before = tokens[i - 1] if i > 0 else None
    return not (tok.norm == "." and before is not None and before.kind == "word" and len(before.raw) <= 3)


def _bare_name_candidates(tokens: Sequence[Token], collector: _Collector) -> list[str]:
    # acronyms ("12 KK", "tim SAR") and words shouted in capitals ("itu PENIPUAN") say nothing
    # about whether the writer capitalises names
    letters = [c for t in tokens if t.kind == "word" and not _acronym(t) and not t.raw.isupper()
               for c in t.raw if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    mixed_case = bool(letters) and 0 < upper < 0.6 * len(letters)
    out: list[str] = []
    run: list[str] = []
    prev_norm = ""
    idx, n = 0, len(tokens)
    while idx < n:
        tok = tokens[idx]
        if idx in collector.used:
            if run and run[-1] != "," and tok.kind == "word" and tok.norm in {"rt", "rw"}:
                run.append(tok.raw)    # "Ulujami rw 05": the gazetteer reads the name as a village
            _flush(run, out)
            idx += 1
            continue
        if tok.kind == "word" and tok.norm in lexicon.POI_NOUNS:
            _flush(run, out)
            idx = _read_landmark_name(tokens, idx + 1, collector)
            prev_norm = tok.norm
            continue
        if mixed_case:
            # a capital at the very start proves nothing, unless the word is not Indonesian or
            # is the subject of what befell a place ("Kubu kena gempa", "Belimbing terendam")
            shape_ok = tok.raw[:1].isupper() and (idx > 0 or not is_dictionary_word(tok.norm)
                                                  or _befallen(tokens, idx))
        else:
            # four letters will do for the subject of what befell it ("piru banjir")
            struck = _befallen(tokens, idx) or (idx + 1 < len(tokens) and tokens[idx + 1].norm in lexicon.DISASTER_WORDS)
            shape_ok = (len(tok.norm) >= (4 if struck else 5) and not is_dictionary_word(tok.norm)
                        and not is_dictionary_word(tok.stem)) or _acronym(tok)   # "gempa KLU lombok"
        # after "ke"/"utk" a word no dictionary knows is a name, whatever its case ("ke gurabati")
        shape_ok = shape_ok or (not run and prev_norm in lexicon.TOWARD_WORDS and _unknown_word(tok))
        looks_named = (
            _strict_name(tok, continuation=bool(run))
            and prev_norm not in _HONORIFICS and prev_norm not in _PERSON_TITLES
            and (shape_ok or bool(run and tok.norm in _DIRECTIONS))
        )
        if looks_named or (run and run[-1] != "," and _letter_suffix(tok)):
            run.append(tok.raw)
        elif tok.kind == "punct" and tok.norm == "," and run:
            run.append(",")
        elif run and _head_dot(tokens, idx):
            pass                       # "Tj. Priok": the head's dot, inside the name
        else:
            _flush(run, out)
        prev_norm = tok.norm if tok.kind == "word" else prev_norm
        idx += 1
    _flush(run, out)
    return out


def _unknown_word(tok: Token) -> bool:
    return (tok.kind == "word" and len(tok.norm) >= 4 and tok.norm == tok.raw.lower()
            and not is_dictionary_word(tok.norm))


def _letter_suffix(tok: Token) -> bool:
    """A capital letter after a name ends it: villages split in two are "Songan A" and "Songan B"."""
    return tok.kind == "word" and len(tok.raw) == 1 and tok.raw.isupper() and tok.raw.isalpha()


def _befallen(tokens: Sequence[Token], idx: int) -> bool:
    """The word after idx says what befell it: "Kubu kena gempa", "Panti kebanjiran"."""
    nxt = tokens[idx + 1] if idx + 1 < len(tokens) else None
    return nxt is not None and nxt.kind == "word" and (
        nxt.norm in lexicon.DISASTER_PREDICATES or nxt.stem in lexicon.DISASTER_PREDICATES)


def _flush(run: list[str], out: list[str]) -> None:
    while run and run[-1] == ",":
        run.pop()
    if run:
        out.append(" ".join(run).replace(" ,", ","))
    run.clear()
