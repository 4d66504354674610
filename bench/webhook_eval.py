"""Labelled messages through the running stack, as issue 13 checks them: "we send our own
unseen messages through the signed SMS webhook of the running stack and compare the aid
requests with our labels".

    python -m bench.webhook_eval FILE.jsonl [FILE.jsonl ...]

Each message of the fixtures (tests/fixtures, the places_* format) goes to the signed SMS webhook
from a phone of its own; once the stream processors have stored what came of it, the aid
requests in the record (table `requests`, by phone) are compared with the labels:

- needs micro-F1 of the aid requests (no request for a non-request);
- non-requests that became requests, requests that became none;
- of the requests whose label names a place (a Kemendagri code): placed within REACH_KM of it
  (or at it), and placed with high confidence more than WRONG_KM from it; the same for those
  tagged "parent_named".

bench/eval_text.py computes the same figures in-process (core.conversation.decide on a new SMS);
this shows the running stack gives them too: the broker, the workers and the store in between.
The requests are real ones on that stack. Settings come from its env file (`make run`).
"""
from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from bench.eval_text import FIXTURES, REACH_KM, WRONG_KM, is_request_label
from bench.webhook_reports import send
from siaga.core.text.gazetteer import point_of
from siaga.geo.distance import haversine_m
from siaga.infra.settings import RUNTIME_DIR, read_env_file

_STORED = ("SELECT needs, admin_code, ST_Y(geom::geometry), ST_X(geom::geometry), location_confidence "
           "FROM requests WHERE contact_phone = %s")


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    requests: int = 0
    lost: int = 0
    non_requests: int = 0
    taken: int = 0
    placed_total: int = 0
    reach: int = 0
    wrong: int = 0
    parent_total: int = 0
    parent_wrong: int = 0
    ids: dict[str, list[str]] = field(default_factory=lambda: {"taken": [], "lost": [], "wrong": []})


def stored(env: dict[str, str], phones: list[str], settle_s: float = 20.0,
           wait_s: float = 120.0) -> dict[str, list[tuple[Any, ...]]]:
    """The requests stored for each phone, once nothing new has arrived for settle_s."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    deadline, last_change, count = time.monotonic() + wait_s, time.monotonic(), -1
    with psycopg.connect(env["DATABASE_URL"]) as db:
        while True:
            out = {p: db.execute(_STORED, (p,)).fetchall() for p in phones}
            n = sum(len(v) for v in out.values())
            if n != count:
                count, last_change = n, time.monotonic()
            if time.monotonic() - last_change > settle_s or time.monotonic() > deadline:
                return out
            time.sleep(5)


def tally(records: list[dict[str, Any]], rows: dict[str, list[tuple[Any, ...]]], phones: list[str]) -> Tally:
    t = Tally()
    for rec, phone in zip(records, phones):
        got_rows = rows.get(phone, [])
        wanted = is_request_label(rec)
        want = set(rec["needs"]) if wanted else set()
        got = {n for r in got_rows for n in r[0]}
        t.tp += len(want & got)
        t.fp += len(got - want)
        t.fn += len(want - got)
        if wanted:
            t.requests += 1
            if not got_rows:
                t.lost += 1
                t.ids["lost"].append(rec["id"])
        else:
            t.non_requests += 1
            if got_rows:
                t.taken += 1
                t.ids["taken"].append(rec["id"])
        code = (rec.get("place") or {}).get("code")
        if not (wanted and got_rows and code):
            continue
        truth = point_of(code)
        placed = [r for r in got_rows if r[2] is not None]
        if truth is None:
            continue
        t.placed_total += 1
        parent = "parent_named" in rec.get("tags", ())
        t.parent_total += parent
        if not placed:
            continue
        admin, lat, lon, confidence = placed[0][1], placed[0][2], placed[0][3], placed[0][4]
        km = haversine_m(truth[0], truth[1], lat, lon) / 1000.0
        t.reach += admin == code or km <= REACH_KM
        if km > WRONG_KM and confidence == "high":
            t.wrong += 1
            t.parent_wrong += parent
            t.ids["wrong"].append(rec["id"])
    return t


def report(name: str, t: Tally) -> str:
    f1 = 2 * t.tp / max(1, 2 * t.tp + t.fp + t.fn)
    return "\n".join([
        f"== {name} through the webhook",
        f"  needs micro-F1 of the aid requests  {f1:.3f}  (tp {t.tp}, fp {t.fp}, fn {t.fn})",
        f"  non-requests taken as requests      {t.taken}/{t.non_requests}",
        f"  requests lost                       {t.lost}/{t.requests}",
        f"  place within {REACH_KM:.0f} km (requests)        {t.reach}/{t.placed_total}",
        f"  confident-wrong > {WRONG_KM:.0f} km              {t.wrong}/{t.placed_total}"
        f"  (parent named: {t.parent_wrong}/{t.parent_total})",
        *(f"  {k}: {', '.join(v)}" for k, v in t.ids.items() if v),
    ])


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    env = read_env_file(RUNTIME_DIR / "env")
    for name in argv:
        path = Path(name) if Path(name).exists() else FIXTURES / name
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        t0 = time.monotonic()
        phones = send(env, [r["text"] for r in records], prefix="+62814")
        print(f"sent {len(phones)} messages of {path.name} in {time.monotonic() - t0:.0f} s")
        print(report(path.name, tally(records, stored(env, phones), phones)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
