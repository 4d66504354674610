"""`siaga understand TEXT`: what Siaga reads from one message, as JSON (intent, needs, counts,
place). For coordinators tuning INCIDENT_AREAS and for checking an installation finds its data
(the gazetteer and word lists are package data). Pure apart from printing."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from siaga.core.conversation import understand
from siaga.core.text.incident_areas import parse_incident_areas


def _v(value: Any) -> Any:
    return getattr(value, "value", value)   # enums and Literal strings alike


def describe(text: str, lat: float | None = None, lon: float | None = None, incident_areas: str = "") -> dict[str, Any]:
    u = understand(text, lat, lon, incidents=parse_incident_areas(incident_areas))
    p, loc = u.parsed, u.located
    return {
        "intent": u.intent.intent,
        "needs": [_v(n) for n in u.concrete_needs],
        "not_needed": [_v(n) for n in p.negated_needs],
        "people": p.people,
        "households": p.households,
        "vulnerable": [_v(v) for v in p.vulnerable],
        "urgency": _v(p.urgency),
        "language": _v(p.language),
        "place": {
            "status": loc.status,
            "name": loc.place_name,
            "admin_code": loc.admin_code,
            "lat": loc.lat,
            "lon": loc.lon,
            "low_confidence": loc.low_confidence,
            "candidates": [c.label for c in loc.candidates],
        },
    }


def main(argv: list[str], out: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="siaga understand")
    parser.add_argument("text", help="the message, as a requester would send it")
    parser.add_argument("--lat", type=float)
    parser.add_argument("--lon", type=float)
    parser.add_argument("--incident-areas", default="", help="as the INCIDENT_AREAS setting")
    args = parser.parse_args(argv)
    print(json.dumps(describe(args.text, args.lat, args.lon, args.incident_areas), ensure_ascii=False, indent=2), file=out or sys.stdout)
    return 0
