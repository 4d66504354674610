"""Regional-language words (Javanese, Sundanese, Acehnese, Minangkabau, Banjarese, Ambonese and
Papuan Malay, Sasak, Madurese, Buginese, Balinese, Toba Batak), read once from the data files in core/text/lexicons/ (their README gives the sources).

Each word maps to the Indonesian word(s) the parser already knows, so the regional words join
the SMS shorthand table (lexicon.SHORTHAND) and need no logic of their own.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

LANGUAGES: tuple[str, ...] = ("jv", "su", "ace", "min", "bjn", "abs", "sas", "mad", "bug", "ban", "bbc")   # earlier files win a shared word
KINDS = frozenset({"need", "count", "vulnerable", "people", "urgency", "state", "function", "disaster",
                   "intent"})


@dataclass(frozen=True, slots=True)
class Entry:
    word: str
    indonesian: str
    kind: str
    language: str


def _parse(language: str, text: str) -> list[Entry]:
    entries = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or fields[2] not in KINDS or not fields[0].isalpha() or fields[0] != fields[0].lower():
            raise ValueError(f"core/text/lexicons/{language}.tsv line {n}: expected 'word<TAB>indonesian<TAB>kind'")
        entries.append(Entry(fields[0], fields[1], fields[2], language))
    return entries


@lru_cache(maxsize=1)
def entries() -> tuple[Entry, ...]:
    folder = resources.files("siaga.core.text").joinpath("lexicons")
    found: list[Entry] = []
    for language in LANGUAGES:
        found += _parse(language, folder.joinpath(f"{language}.tsv").read_text(encoding="utf-8"))
    return tuple(found)


def words() -> dict[str, str]:
    """word -> Indonesian expansion, over all languages (the first file naming a word wins)."""
    table: dict[str, str] = {}
    for e in entries():
        table.setdefault(e.word, e.indonesian)
    return table


def conflicts() -> list[tuple[Entry, Entry]]:
    """Pairs of entries that give one word two different meanings (kept empty by a test)."""
    first: dict[str, Entry] = {}
    clashes = []
    for e in entries():
        seen = first.setdefault(e.word, e)
        if seen.indonesian != e.indonesian:
            clashes.append((seen, e))
    return clashes
