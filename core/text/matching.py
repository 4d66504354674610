"""Longest-match search of keyword phrases over tokens (each word matches a token's norm or stem)."""
from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from siaga.core.text.normalize import Token

K = TypeVar("K", bound=Hashable)

# Tokens between which a phrase may not continue.
_HARD_PUNCT = frozenset({".", ",", ";", ":", "!", "?", "\n", "/", "(", ")"})


@dataclass(frozen=True, slots=True)
class PhraseMatch(Generic[K]):
    key: K
    phrase: tuple[str, ...]
    start: int   # token index of the first word
    end: int     # token index after the last word


class PhraseIndex(Generic[K]):
    """Phrases grouped by first word; each phrase may belong to several keys."""

    def __init__(self, phrases: Mapping[K, Sequence[str]], no_stem: frozenset[str] = frozenset()):
        self._no_stem = no_stem  # words matched only as typed, never via a stem
        by_first: dict[str, dict[tuple[str, ...], list[K]]] = {}
        for key, items in phrases.items():
            for phrase in items:
                words = tuple(phrase.split())
                by_first.setdefault(words[0], {}).setdefault(words, []).append(key)
        # Longest phrase first so "air bersih" wins over "air".
        self._by_first = {
            first: sorted(((w, tuple(dict.fromkeys(k))) for w, k in group.items()),
                          key=lambda item: -len(item[0]))
            for first, group in by_first.items()
        }

    def find(self, tokens: Sequence[Token]) -> list[PhraseMatch[K]]:
        """Non-overlapping longest matches, left to right."""
        found: list[PhraseMatch[K]] = []
        i = 0
        n = len(tokens)
        while i < n:
            tok = tokens[i]
            if tok.kind != "word":
                i += 1
                continue
            best: tuple[tuple[str, ...], tuple[K, ...]] | None = None
            for first in dict.fromkeys((tok.norm, tok.stem)):
                for words, keys in self._by_first.get(first, ()):
                    if best is not None and len(words) <= len(best[0]):
                        break
                    if _matches_at(tokens, i, words, self._no_stem):
                        best = (words, keys)
                        break
            if best is None:
                i += 1
                continue
            words, keys = best
            end = _end_index(tokens, i, len(words))
            found.extend(PhraseMatch(k, words, i, end) for k in keys)
            i = end
        return found


def _matches_at(tokens: Sequence[Token], i: int, words: tuple[str, ...],
                no_stem: frozenset[str] = frozenset()) -> bool:
    j = i
    for word in words:
        # skip hyphens/"+" between words ("perahu-karet"), but never clause punctuation
        while j < len(tokens) and tokens[j].kind == "punct" and tokens[j].norm in {"-", "+"}:
            j += 1
        if j >= len(tokens) or tokens[j].kind != "word":
            return False
        if word != tokens[j].norm and (word != tokens[j].stem or word in no_stem):
            return False
        j += 1
    return True


def _end_index(tokens: Sequence[Token], i: int, length: int) -> int:
    j, seen = i, 0
    while seen < length:
        if tokens[j].kind == "word":
            seen += 1
        j += 1
    return j


def is_boundary(token: Token) -> bool:
    return token.kind == "punct" and token.norm in _HARD_PUNCT
