"""make soak: a steady load for SOAK_MINUTES (30) against a stack of its own, the memory of
every process every minute (proportional set size: resident memory, shared pages split), and whether it stops growing after the warm-up.
Not part of make test. The figures go into docs/benchmarks.md (the "Soak" section, which
make bench keeps).

The load is what a day of a disaster looks like in small: SOAK_RATE aid requests a second
(5) near 2,000 volunteers, who accept most offers and report done a moment later (some decline
or let offers lapse), and their position check-ins (SOAK_CHECKINS a second, 20). Closed requests
leave the matchers after PRUNE_AFTER_S, set short here (5 minutes instead of 3 days) so that a
half-hour run reaches the state a long deployment lives in: memory that follows the open work."""
from __future__ import annotations

import os
import re
import shutil
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from siaga.infra.settings import REPO_ROOT

OUT = Path(os.environ.get("BENCH_OUT") or REPO_ROOT / "docs" / "benchmarks.md")
BEGIN, END = "<!-- soak: written by make soak (bench/soak.py) -->", "<!-- /soak -->"
VOLUNTEERS = 2000
GROWTH_TARGET = 0.10


def rss_mb() -> dict[str, float]:
    """Resident memory of each process of the stack (PostgreSQL: the postmaster and its backends)."""
    from bench.pipeline import _children
    from siaga.infra.dev import postgres, procs
    from siaga.infra.settings import RUNTIME_DIR

    def rss(pid: int) -> float:
        # PSS: shared pages (PostgreSQL's shared buffers, a forked child's) count once across
        # the processes that share them, not once per backend as RSS would.
        try:
            for line in open(f"/proc/{pid}/smaps_rollup"):
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    out: dict[str, float] = {}
    for pidfile in sorted((RUNTIME_DIR / "pids").glob("*.pid")):
        pid = procs.read_pid(pidfile)
        if pid:
            out[pidfile.stem] = round(rss(pid) + sum(rss(c) for c in _children(pid)), 1)
    pm = postgres.running(RUNTIME_DIR)
    if pm:
        out["postgres"] = round(rss(pm) + sum(rss(c) for c in _children(pm)), 1)
    return out


def growth(samples: list[dict[str, float]], warmup: int) -> dict[str, float]:
    """Per process: the end (mean of the last three samples) against the first sample after the
    warm-up, as a share (0.05 = 5 % more)."""
    if len(samples) <= warmup:
        return {}
    base, tail = samples[warmup], samples[-3:]
    return {k: round((sum(s.get(k, 0) for s in tail) / len(tail)) / base[k] - 1, 3)
            for k in base if base[k] > 0}


def section(started: datetime, minutes: float, rate: float, checkins: float, samples: list[dict],
            warmup: int, requests: int, done: int) -> str:
    names = sorted({k for s in samples for k in s})
    g = growth(samples, warmup)
    rows = ["| minute | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for i, s in enumerate(samples):
        rows.append(f"| {i + 1} | " + " | ".join(f"{s.get(n, 0):.0f}" for n in names) + " |")
    rows.append("| growth after warm-up | " + " | ".join(
        f"{100 * g[n]:+.1f} %" if n in g else "" for n in names) + " |")
    late = growth(samples, max(warmup, len(samples) - 11))
    rows.append("| growth in the last 10 minutes | " + " | ".join(
        f"{100 * late[n]:+.1f} %" if n in late else "" for n in names) + " |")
    worst = max(g.values(), default=0.0)
    verdict = "met" if worst < GROWTH_TARGET else "NOT met"
    return f"""{BEGIN}
## Soak: memory over a long run

Run by `make soak` on {started:%Y-%m-%d %H:%M} UTC: {minutes:.0f} minutes of {rate:g} aid requests/s
and {checkins:g} check-ins/s near {VOLUNTEERS} volunteers who answer their offers (most accept
and report done), {requests} requests accepted, {done} done. Closed requests leave the matchers
after 5 minutes (`PRUNE_AFTER_S`, 3 days by default). Memory (PSS, MB: resident memory with
shared pages split among the processes sharing them) per process at the end of each minute; growth compares the mean of the last three minutes with minute
{warmup + 1}, after a warm-up of {warmup} minutes. Target: under {100 * GROWTH_TARGET:.0f} % for every
process: **{verdict}** (largest {100 * worst:+.1f} %). The last row compares the end with ten minutes
earlier: memory that fills a bound (PostgreSQL's shared buffers, 128 MB; the local Twilio
server's log of the newest 20,000 records) levels off once the bound is reached, a leak keeps
growing.

{chr(10).join(rows)}
{END}
"""


def keep(old: str) -> str:
    """The soak section of an existing benchmarks.md (make bench rewrites the rest)."""
    m = re.search(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", old, re.S)
    return m.group(0) if m else ""


def write(text: str) -> None:
    old = OUT.read_text() if OUT.exists() else "# Benchmarks\n"
    body = old.replace(keep(old), "").rstrip() + "\n\n" + text
    OUT.write_text(body)


def main() -> None:
    import numpy as np
    import psycopg

    from bench import pipeline
    from siaga.infra.dev import stack
    from tests.integration.test_dispatch_scale import Responder

    minutes = float(os.environ.get("SOAK_MINUTES", "30"))
    rate = float(os.environ.get("SOAK_RATE", "5"))
    checkins = float(os.environ.get("SOAK_CHECKINS", "20"))
    warmup = int(os.environ.get("SOAK_WARMUP", str(max(2, int(minutes // 6)))))
    started = datetime.now(timezone.utc)
    stack.down()   # the soak profile starts empty every time
    shutil.rmtree(stack.RUNTIME_DIR, ignore_errors=True)
    env = stack.up()
    samples: list[dict[str, float]] = []
    accepted: list[str] = []
    try:
        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as db:
            pipeline.load_volunteers(env, VOLUNTEERS, db)
            responder = Responder(env, {str(pipeline.volunteer_id(i)) for i in range(VOLUNTEERS)}, lapse=0.05)
            responder.start()
            ds = pipeline.make_dataset(VOLUNTEERS, seed=pipeline.LOAD_SEED)
            rng = np.random.default_rng(11)
            cookie = pipeline.coordinator_cookie(env)

            def request(k: int):
                i = int(rng.integers(len(ds.lat)))
                return "/api/v1/requests", {
                    "needs": pipeline.NEEDS[k % len(pipeline.NEEDS)], "people": 1 + k % 12,
                    "location": {"lat": float(ds.lat[i]) + 0.003, "lon": float(ds.lon[i])}}, \
                    lambda status, body: accepted.append(body["request_id"]) if status == 202 else None

            def checkin(k: int):
                i = k % VOLUNTEERS
                return f"/api/v1/volunteers/{pipeline.volunteer_id(i)}/checkins", {
                    "location": {"lat": float(ds.lat[i]) + float(rng.normal(0, 0.002)), "lon": float(ds.lon[i])},
                    "available": True}, lambda status, body: None

            for minute in range(int(minutes)):
                t0 = time.monotonic()
                side = threading.Thread(target=pipeline.drive, args=(env["API_URL"], checkins, 60, checkin, 8),
                                        kwargs={"headers": cookie}, daemon=True)
                side.start()
                pipeline.drive(env["API_URL"], rate, 60, request, 16)
                side.join(30)
                time.sleep(max(0.0, 60 - (time.monotonic() - t0)))
                samples.append(rss_mb())
                print(f"[soak] minute {minute + 1}: {samples[-1]} ({len(accepted)} requests)", flush=True)
            responder.stop.set()
            done = db.execute("SELECT count(*) FROM requests WHERE status = 'done'").fetchone()[0]
        write(section(started, minutes, rate, checkins, samples, warmup, len(accepted), done))
        print(f"[soak] {OUT} written; growth after warm-up: {growth(samples, warmup)}", flush=True)
    finally:
        stack.down()


if __name__ == "__main__":
    main()
