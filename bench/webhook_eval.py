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

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.eval_text import FIXTURES, REACH_KM, WRONG_KM, Figures, count_requests, is_request_label
from bench.webhook_reports import send
from siaga.core.text.gazetteer import point_of
from siaga.geo.distance import haversine_m
from siaga.infra.settings import RUNTIME_DIR, read_env_file

_STORED = ("SELECT needs, admin_code, ST_Y(geom::geometry), ST_X(geom::geometry), location_confidence "
           "FROM requests WHERE contact_phone = %s")


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


def tally(records: list[dict[str, Any]], rows: dict[str, list[tuple[Any, ...]]], phones: list[str],
          name: str = "") -> Figures:
    """The figures of bench/eval_text.py over what the record holds for each message's phone;
    places only for the requests (coded_total: those labelled with a place code)."""
    fig = Figures(name, total=len(records))
    for rec, phone in zip(records, phones):
        got_rows = rows.get(phone, [])
        count_requests(fig, rec, {n for r in got_rows for n in r[0]}, bool(got_rows))
        code = (rec.get("place") or {}).get("code")
        truth = point_of(code) if code else None
        if not (is_request_label(rec) and got_rows and truth):
            continue
        fig.coded_total += 1
        parent = "parent_named" in rec.get("tags", ())
        fig.parent_total += parent
        placed = [r for r in got_rows if r[2] is not None]
        if not placed:
            continue
        admin, lat, lon, confidence = placed[0][1:5]
        km = haversine_m(truth[0], truth[1], lat, lon) / 1000.0
        fig.place_reach += admin == code or km <= REACH_KM
        if km > WRONG_KM and confidence == "high":
            fig.wrong_far += 1
            fig.parent_wrong_far += parent
            fig.wrong_far_ids.append(rec["id"])
    return fig


def report(fig: Figures) -> str:
    ids = {"taken": fig.false_ids, "lost": fig.lost_ids, "wrong": fig.wrong_far_ids}
    return "\n".join([
        f"== {fig.name} through the webhook",
        f"  needs micro-F1 of the aid requests  {fig.request_f1:.3f}  (tp {fig.req_tp}, fp {fig.req_fp}, fn {fig.req_fn})",
        f"  non-requests taken as requests      {fig.false_requests}/{fig.non_requests}",
        f"  requests lost                       {fig.lost_requests}/{fig.requests}",
        f"  place within {REACH_KM:.0f} km (requests)        {fig.place_reach}/{fig.coded_total}",
        f"  confident-wrong > {WRONG_KM:.0f} km              {fig.wrong_far}/{fig.coded_total}"
        f"  (parent named: {fig.parent_wrong_far}/{fig.parent_total})",
        *(f"  {k}: {', '.join(v)}" for k, v in ids.items() if v),
    ])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Needs the stack of `make run` (its env file).")
    parser.add_argument("files", nargs="+", help="fixture files (a path, or a name in tests/fixtures)")
    args = parser.parse_args(argv)
    env = read_env_file(RUNTIME_DIR / "env")
    for name in args.files:
        path = Path(name) if Path(name).exists() else FIXTURES / name
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        t0 = time.monotonic()
        phones = send(env, [r["text"] for r in records], prefix="+62814")
        print(f"sent {len(phones)} messages of {path.name} in {time.monotonic() - t0:.0f} s")
        print(report(tally(records, stored(env, phones), phones, path.name)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
