"""The generated word tables of core/text/lexicons/ (data/lexicon/build_tables.py writes them
from word frequencies; see the README there), each read once on first use."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources


def _rows(name: str) -> list[list[str]]:
    text = resources.files("siaga.core.text").joinpath("lexicons", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@lru_cache(maxsize=1)
def skeletons() -> dict[str, str]:
    """Skeleton (first letter, then consonants) -> the word it clearly stands for."""
    return {row[0]: row[1] for row in _rows("skeletons.tsv")}


@lru_cache(maxsize=1)
def ordinary_words() -> frozenset[str]:
    """Village and kecamatan names that are also common words ("setiap", "pemenang")."""
    return frozenset(row[0] for row in _rows("ordinary_words.tsv"))
