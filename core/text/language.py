"""Guess whether a message is English or Indonesian (regional languages count as Indonesian)."""
from __future__ import annotations

from collections.abc import Sequence

from siaga.core.text import lexicon
from siaga.core.text.normalize import Token
from siaga.schemas.common import Language


def guess_language(tokens: Sequence[Token]) -> Language:
    english = indonesian = 0
    for tok in tokens:
        if tok.kind != "word":
            continue
        raw = tok.raw.lower()
        if raw in lexicon.ENGLISH_MARKERS:
            english += 1
        # shorthand ("tdk", "yg") and regional words expand to Indonesian: count them as such
        if tok.norm in lexicon.INDONESIAN_MARKERS or raw in lexicon.SHORTHAND:
            indonesian += 1
    return "en" if english > indonesian else "id"
