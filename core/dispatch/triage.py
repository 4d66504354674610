"""Priority of a need: medical and rescue first, vulnerable people, how many people, stated
urgency, and waiting time (a need that waits grows more urgent)."""
from __future__ import annotations

import math
from datetime import datetime

NEED_WEIGHT = {
    "rescue": 100.0, "medical": 90.0, "water": 60.0, "food": 50.0, "shelter": 45.0,
    "baby": 45.0, "sanitation": 30.0, "clothing": 25.0, "power": 20.0, "other": 15.0,
}
VULNERABLE_WEIGHT = {
    "injured": 20.0, "infant": 15.0, "pregnant": 15.0, "toddler": 10.0, "elderly": 10.0,
    "disabled": 10.0,
}
URGENCY_WEIGHT = {"low": -10.0, "normal": 0.0, "high": 25.0, "critical": 50.0}
AGING_PER_MIN = 0.5      # +30 per hour of waiting ...
AGING_CAP = 60.0         # ... up to two hours' worth, so old low needs do not bury new rescues


def top_need(needs: list[str]) -> str:
    return max(needs, key=lambda n: (NEED_WEIGHT.get(n, 0.0), n)) if needs else "other"


def base_priority(needs: list[str], vulnerable: list[str], people: int, urgency: str) -> float:
    weights = sorted((NEED_WEIGHT.get(n, 15.0) for n in set(needs)), reverse=True) or [15.0]
    score = weights[0] + 0.1 * sum(weights[1:])
    score += sum(VULNERABLE_WEIGHT.get(v, 5.0) for v in set(vulnerable))
    score += 10.0 * math.log10(max(1, people))
    score += URGENCY_WEIGHT.get(urgency, 0.0)
    return round(score, 3)


def priority(base: float, created_at: datetime, now: datetime) -> float:
    waited_min = max(0.0, (now - created_at).total_seconds() / 60.0)
    return round(base + min(AGING_CAP, AGING_PER_MIN * waited_min), 3)


def is_urgent(needs: list[str], urgency: str) -> bool:
    return urgency in ("high", "critical") or bool({"rescue", "medical"} & set(needs))
