"""End-to-end benchmark on the embedded broker: volunteers loaded straight onto their topics,
then a steady load of requests through the API; latency from API acceptance (the event's
occurred_at) to the first dispatch decision (the offer notification to a volunteer)."""
from __future__ import annotations

import json
import os
import statistics
import threading
import time
import uuid

import httpx
import numpy as np
import psycopg

from bench.bench_geo import make_dataset
from schemas.common import Location, Skill
from schemas.events import VolunteerCheckIn, VolunteerRegistered

SKILLS = [[Skill.logistics], [Skill.logistics, Skill.driver], [Skill.medical], [Skill.rescue, Skill.boat],
          [Skill.shelter], [Skill.general], [Skill.cooking, Skill.logistics]]
NEEDS = [["water"], ["food"], ["medical"], ["rescue"], ["shelter"], ["water", "food"]]


def _producer(bootstrap: str):
    from confluent_kafka import Producer

    return Producer({"bootstrap.servers": bootstrap, "partitioner": "murmur2_random",
                     "linger.ms": 20, "acks": "all", "queue.buffering.max.messages": 1_000_000})


def load_volunteers(env: dict, n: int, db) -> dict:
    ds = make_dataset(n, seed=11)
    p = _producer(env["KAFKA_BOOTSTRAP_SERVERS"])
    start = time.perf_counter()
    for i in range(n):
        vid = uuid.uuid5(uuid.NAMESPACE_URL, f"bench-volunteer-{i}")
        reg = VolunteerRegistered(volunteer_id=vid, name=f"Bench {i}", phone=f"+62811{i:08d}",
                                  skills=SKILLS[i % len(SKILLS)], source="bench")
        chk = VolunteerCheckIn(volunteer_id=vid, location=Location(lat=float(ds.lat[i]), lon=float(ds.lon[i])),
                               available=True, capacity=2, source="bench")
        p.produce("volunteer-registrations", key=str(vid).encode(), value=reg.to_bytes())
        p.produce("volunteer-checkins", key=str(vid).encode(), value=chk.to_bytes())
        if i % 10_000 == 0:
            p.poll(0)
    p.flush(120)
    produced = time.perf_counter() - start
    # The desk reports every volunteer it has placed on the map; the matchers were sent the
    # same snapshots at the same moment.
    while True:
        seen = db.execute("SELECT count(DISTINCT volunteer_id) FROM situation_log WHERE kind = 'volunteer'").fetchone()[0]
        if seen >= n:
            break
        time.sleep(2)
    return {"volunteers": n, "produce_s": round(produced, 1), "desk_s": round(time.perf_counter() - start, 1)}


def _wait_caught_up(api: httpx.Client, db, timeout: float = 600) -> float:
    """Post probes until one is decided within 3 s: then the matchers have caught up."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        r = api.post("/api/v1/requests", json={"needs": ["food"], "location": {"lat": -6.2, "lon": 106.82}})
        rid = r.json()["request_id"]
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 3:
            if db.execute("SELECT 1 FROM situation_log WHERE request_id = %s AND status <> 'open'",
                          (rid,)).fetchone():
                return time.perf_counter() - start
            time.sleep(0.2)
    raise RuntimeError("pipeline did not catch up")


def _cpu_seconds() -> dict[str, float]:
    """CPU time used so far by the broker and each worker (from /proc), to show where it goes."""
    from infra import procs
    from infra.settings import RUNTIME_DIR

    out = {}
    for name in ("broker", "worker-1", "worker-2", "api", "relay"):
        pid = procs.read_pid(RUNTIME_DIR / "pids" / f"{name}.pid")
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            out[name] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, TypeError, IndexError, ValueError):
            pass
    return out


def steady_load(env: dict, rate: float, seconds: float, db) -> dict:
    rng = np.random.default_rng(5)
    ds = make_dataset(2000, seed=99)
    accepted: dict[str, float] = {}
    lock = threading.Lock()
    api = httpx.Client(base_url=env["API_URL"], timeout=30)
    catch_up = _wait_caught_up(api, db)
    cpu0 = _cpu_seconds()
    t_start = time.perf_counter()
    i = 0
    api_ms = []

    def post(j):
        b = {"needs": NEEDS[j % len(NEEDS)], "people": int(rng.integers(1, 30)),
             "location": {"lat": float(ds.lat[j % 2000]), "lon": float(ds.lon[j % 2000])}}
        t = time.perf_counter()
        r = api.post("/api/v1/requests", json=b)
        with lock:
            api_ms.append((time.perf_counter() - t) * 1000)
            if r.status_code == 202:
                accepted[r.json()["request_id"]] = time.time()

    threads = []
    while time.perf_counter() - t_start < seconds:
        due = t_start + i / rate
        now = time.perf_counter()
        if now < due:
            time.sleep(due - now)
        th = threading.Thread(target=post, args=(i,))
        th.start()
        threads.append(th)
        i += 1
    for th in threads:
        th.join()
    sent_s = time.perf_counter() - t_start
    cpu1 = _cpu_seconds()
    cpu = {f"cpu_{k.replace('-', '')}_pct": round(100 * (cpu1[k] - cpu0[k]) / sent_s) for k in cpu1 if k in cpu0}
    # Decisions: the first offer notification per request (the desk granted a reservation),
    # an escalation when nobody eligible was in reach, or a merge into an open duplicate.
    # A request whose reachable volunteers are all busy waits (no decision until one is free or
    # it escalates): stop when nothing new has been decided for 20 s.
    deadline = time.time() + 300
    lat: dict[str, float] = {}
    last_decision = 0.0
    ids = list(accepted)
    progress_at, seen = time.time(), -1
    while time.time() < deadline and time.time() - progress_at < 20:
        rows = db.execute(
            "SELECT r.request_id::text, extract(epoch FROM min(s.occurred_at) - r.created_at), "
            "extract(epoch FROM min(s.occurred_at)) "
            "FROM requests r JOIN situation_log s ON s.request_id = r.request_id "
            "WHERE r.request_id = ANY(%s::uuid[]) AND s.status IN ('offered', 'escalated', 'duplicate') "
            "GROUP BY r.request_id, r.created_at", (ids,)).fetchall()
        lat = {r[0]: float(r[1]) for r in rows}
        last_decision = max((float(r[2]) for r in rows), default=0.0)
        if len(lat) >= len(ids):
            break
        if len(lat) != seen:
            progress_at, seen = time.time(), len(lat)
        time.sleep(2)
    offers = db.execute(
        "SELECT count(DISTINCT request_id) FROM dispatches WHERE request_id = ANY(%s::uuid[])", (ids,)).fetchone()[0]
    first_accept = min(accepted.values(), default=0.0)
    vals = sorted(lat.values())
    # Throughput: decisions per second from the first acceptance to the last decision.
    done_s = max(last_decision - first_accept, 1e-9)

    def pct(p):
        return round(vals[min(len(vals) - 1, int(p * len(vals)))] * 1000, 1) if vals else None

    api.close()
    return {"rate_target": rate, "requests": len(accepted), "send_s": round(sent_s, 1),
            "decided": len(lat), "waiting": len(ids) - len(lat), "offered": offers, "throughput_rps": round(len(lat) / done_s, 1),
            "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": pct(1.0),
            "api_p50_ms": round(statistics.median(api_ms), 1), "catch_up_s": round(catch_up, 1), **cpu}


if __name__ == "__main__":
    from infra.stack import _read_env_file

    env = _read_env_file()
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as db:
        print(json.dumps([load_volunteers(env, 2000, db), steady_load(env, 10, 20, db)], indent=2))
