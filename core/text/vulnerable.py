"""Vulnerable people mentioned in a message (bayi, balita, lansia, ibu hamil, disabilitas, luka)."""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from siaga.core.text import lexicon
from siaga.core.text.matching import PhraseIndex
from siaga.core.text.needs import condition_is_denied
from siaga.core.text.normalize import Token
from siaga.schemas.common import Vulnerable


@lru_cache(maxsize=1)
def _index() -> PhraseIndex[Vulnerable]:
    return PhraseIndex(lexicon.VULNERABLE_KEYWORDS)


def detect_vulnerable(tokens: Sequence[Token]) -> tuple[Vulnerable, ...]:
    """Groups in order of first mention; "tidak ada yang luka" / "no babies" are dropped."""
    first: dict[Vulnerable, int] = {}
    for m in _index().find(tokens):
        if condition_is_denied(tokens, m.start):
            continue
        first.setdefault(m.key, m.start)
    return tuple(sorted(first, key=first.__getitem__))
