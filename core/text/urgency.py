"""Urgency of a help message from lexical cues.

Rule:
- critical: a life-threat cue (kritis, SOS, sekarat, tenggelam, tertimbun, hanyut, pingsan,
  tidak sadar, sesak napas, pendarahan, mau melahirkan, drowning, unconscious ...);
- critical also when a rescue is needed AND there are two or more distinct high cues
  ("terjebak di atap, tolong segera"): people trapped and someone pressing for speed;
- high: any high cue (segera, darurat, parah, gawat, mendesak, tolong cepat, urgent,
  emergency, terjebak, trapped ...);
- low: an explicit "not urgent" cue (tidak mendesak, kalau sempat, no rush) and no high cue;
- normal otherwise.
A cue directly preceded by a negation ("tidak parah", "not urgent") does not count.
Vulnerable people alone do not raise urgency: dispatch weighs them separately.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from siaga.core.text import lexicon
from siaga.core.text.matching import PhraseIndex
from siaga.core.text.needs import condition_is_denied, is_about_things
from siaga.core.text.normalize import Token
from siaga.schemas.common import NeedCategory, Urgency

_NEGATION = frozenset({"tidak", "not", "bukan", "no", "belum", "kurang"})


@lru_cache(maxsize=1)
def _index() -> PhraseIndex[Urgency]:
    return PhraseIndex(lexicon.URGENCY_CUES)


def detect_urgency(tokens: Sequence[Token], needs: Sequence[NeedCategory]) -> Urgency:
    found: dict[Urgency, set[tuple[str, ...]]] = {u: set() for u in Urgency}
    for m in _index().find(tokens):
        if m.phrase[0] not in _NEGATION and (_prev_is_negation(tokens, m.start)
                                             or condition_is_denied(tokens, m.start)):
            continue    # "tidak parah", "tidak ada korban jiwa"
        if m.phrase == ("darurat",) and _prev_norm(tokens, m.start) in lexicon.MAKESHIFT_NOUNS:
            continue    # "toilet darurat", "tenda darurat": makeshift, not urgent
        if " ".join(m.phrase) in lexicon.THING_RESCUE_WORDS and is_about_things(tokens, m.start):
            continue    # "rumah hanyut": property, not lives
        found[m.key].add(m.phrase)
    if found[Urgency.critical]:
        return Urgency.critical
    if found[Urgency.high]:
        if NeedCategory.rescue in needs and len(found[Urgency.high]) >= 2:
            return Urgency.critical
        return Urgency.high
    if found[Urgency.low]:
        return Urgency.low
    return Urgency.normal


def _prev_norm(tokens: Sequence[Token], i: int) -> str:
    return tokens[i - 1].norm if i > 0 and tokens[i - 1].kind == "word" else ""


def _prev_is_negation(tokens: Sequence[Token], i: int) -> bool:
    k = i - 1
    while k >= 0 and tokens[k].kind == "punct" and tokens[k].norm == "-":
        k -= 1
    return k >= 0 and tokens[k].kind == "word" and tokens[k].norm in _NEGATION
