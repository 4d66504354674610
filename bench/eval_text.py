"""Text understanding figures on the labelled fixtures: `python -m bench.eval_text`.

For each of tests/fixtures/messages_{dev,holdout}.jsonl (help messages with needs, counts and
places) and tests/fixtures/intents_{dev,holdout}.jsonl (requests mixed with offers,
information, questions and status questions), prints:

- needs micro-F1 of parse_help_message (messages_*: every record; intents_*: the records
  labelled "request", the only ones with needs labels);
- place (messages_* only, the intents fixtures carry no place labels): resolved exactly as
  labelled (same Kemendagri code, or the same unresolved status), and "within reach": exact,
  or resolved within REACH_KM of the labelled place's point;
- non-requests taken as requests and requests lost, judged on what core.conversation.decide
  really does with a new SMS from an unknown phone (an aid request event or not);
  messages_*: a record without needs is a non-request; intents_*: intent != "request";
- the mean time per message of understand() (parser + gazetteer), after a warm-up.

Holdout files are never used for tuning; their figures estimate accuracy on new messages.
Pass fixture names as arguments to evaluate only those.
"""
from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from core.conversation import Inbound, decide, understand
from core.text import parse_help_message
from geo.gazetteer import lookup_code
from schemas.events import AidRequest

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
DEFAULT_FILES = ("messages_dev.jsonl", "messages_holdout.jsonl",
                 "intents_dev.jsonl", "intents_holdout.jsonl")
REACH_KM = 10.0   # a volunteer can still find a place this far from the labelled one
NOW = datetime(2026, 11, 20, 8, 30, tzinfo=timezone.utc)


@dataclass
class Figures:
    name: str
    total: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    place_total: int = 0
    place_exact: int = 0
    place_reach: int = 0
    non_requests: int = 0
    false_requests: int = 0
    requests: int = 0
    lost_requests: int = 0
    understand_ms: float = 0.0
    false_ids: list[str] = field(default_factory=list)
    lost_ids: list[str] = field(default_factory=list)
    place_miss_ids: list[str] = field(default_factory=list)

    @property
    def f1(self) -> float:
        p = self.tp / max(1, self.tp + self.fp)
        r = self.tp / max(1, self.tp + self.fn)
        return 2 * p * r / (p + r) if p + r else 0.0


def load(name: str) -> list[dict[str, Any]]:
    path = FIXTURES / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def is_request_label(rec: dict[str, Any]) -> bool:
    if "intent" in rec:
        return rec["intent"] == "request"
    return bool(rec["needs"])


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _place(want: dict[str, str], u) -> tuple[bool, bool]:
    got = u.located
    if "status" in want:
        same = got.status == want["status"]
        return same, same
    if got.status != "resolved":
        return False, False
    if got.admin_code == want["code"]:
        return True, True
    target = lookup_code(want["code"])
    if target is None or got.lat is None or got.lon is None:
        return False, False
    return False, _km((got.lat, got.lon), (target.lat, target.lon)) <= REACH_KM


def evaluate(name: str) -> Figures:
    records = load(name)
    fig = Figures(name, total=len(records))
    for rec in records[:5]:            # warm-up: stemmer, gazetteer, caches
        understand(rec["text"])
    elapsed = 0.0
    for i, rec in enumerate(records):
        t0 = time.perf_counter()
        u = understand(rec["text"])
        elapsed += time.perf_counter() - t0
        wanted_request = is_request_label(rec)
        if "intent" not in rec or wanted_request:
            want = set(rec["needs"])
            got = {str(n) for n in parse_help_message(rec["text"]).needs}
            fig.tp += len(want & got)
            fig.fp += len(got - want)
            fig.fn += len(want - got)
        if isinstance(rec.get("place"), dict):
            fig.place_total += 1
            exact, reach = _place(rec["place"], u)
            fig.place_exact += exact
            fig.place_reach += reach
            if not reach:
                fig.place_miss_ids.append(rec["id"])
        msg = Inbound(message_sid=f"SMeval{i:05d}", channel="sms", phone="+6281200000000",
                      text=rec["text"], received_at=NOW)
        out = decide(msg, u, volunteer=None, conversation=None)
        became_request = any(isinstance(e.event, AidRequest) for e in out.events)
        if wanted_request:
            fig.requests += 1
            if not became_request:
                fig.lost_requests += 1
                fig.lost_ids.append(rec["id"])
        else:
            fig.non_requests += 1
            if became_request:
                fig.false_requests += 1
                fig.false_ids.append(rec["id"])
    fig.understand_ms = 1000 * elapsed / max(1, len(records))
    return fig


def report(fig: Figures, verbose: bool = False) -> str:
    lines = [f"== {fig.name} ({fig.total} messages)",
             f"  needs micro-F1                 {fig.f1:.3f}  (tp {fig.tp}, fp {fig.fp}, fn {fig.fn})"]
    if fig.place_total:
        lines.append(f"  place exact                    {fig.place_exact / fig.place_total:6.1%}  "
                     f"({fig.place_exact}/{fig.place_total})")
        lines.append(f"  place within {REACH_KM:.0f} km              {fig.place_reach / fig.place_total:6.1%}  "
                     f"({fig.place_reach}/{fig.place_total})")
    else:
        lines.append("  place                          n/a (no place labels)")
    lines.append(f"  non-requests taken as requests {fig.false_requests}/{fig.non_requests}"
                 + (f"  ({fig.false_requests / fig.non_requests:.1%})" if fig.non_requests else ""))
    lines.append(f"  requests lost                  {fig.lost_requests}/{fig.requests}"
                 + (f"  ({fig.lost_requests / fig.requests:.1%})" if fig.requests else ""))
    lines.append(f"  understand() mean              {fig.understand_ms:.2f} ms/message")
    if verbose:
        if fig.false_ids:
            lines.append(f"  taken as requests: {', '.join(fig.false_ids)}")
        if fig.lost_ids:
            lines.append(f"  lost: {', '.join(fig.lost_ids)}")
        if fig.place_miss_ids:
            lines.append(f"  place missed: {', '.join(fig.place_miss_ids)}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    names = [a for a in argv if not a.startswith("-")] or list(DEFAULT_FILES)
    for name in names:
        if not (FIXTURES / name).exists():
            print(f"== {name}: missing, skipped")
            continue
        print(report(evaluate(name), verbose))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
