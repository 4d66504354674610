"""End-to-end benchmark on the embedded Apache Kafka node.

- load_volunteers: volunteers put straight onto their topics (registration and check-in each);
  timed until the matchers hold every one of them (their table's changelog) and until the map
  shows them (the desks' situation updates, stored by the sink).
- checkin_load: sustained check-ins (position updates of registered volunteers) through the
  API at a fixed rate, one per HTTP request or in batches; latency from API acceptance (the
  event's occurred_at) to the matcher storing the new position in its table.
- steady_load: aid requests through the API at a fixed rate; latency from API acceptance to
  the first dispatch decision (stored in PostGIS).

Every load is open-loop: calls start on a fixed schedule from one asyncio thread with a bounded
number of connections; when the API answers too slowly the schedule falls behind, and the
achieved rate says so. The CPU of each process during a phase comes from /proc."""
from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import uuid
from collections import deque
from datetime import datetime

import httpx
import numpy as np
import psycopg

from bench.bench_geo import make_dataset
from siaga.schemas.common import Location, Skill
from siaga.schemas.events import VolunteerCheckIn, VolunteerRegistered
from siaga.schemas.topics import Table, Topic, changelog_topic

SKILLS = [[Skill.logistics], [Skill.logistics, Skill.driver], [Skill.medical], [Skill.rescue, Skill.boat],
          [Skill.shelter], [Skill.general], [Skill.cooking, Skill.logistics]]
NEEDS = [["water"], ["food"], ["medical"], ["rescue"], ["shelter"], ["water", "food"]]
# The matchers' table of volunteer snapshots (streams/dispatch.py `match_volunteers`): Faust
# writes every MVolunteer a matcher processes to this changelog, in the same step as the
# matcher's in-memory index sees it. Key: JSON string "<partition>|<volunteer_id>"; value: the
# MVolunteer as JSON; record timestamp: when the matcher's worker produced it (CreateTime).
MATCHER_CHANGELOG = changelog_topic(Table.VOLUNTEERS)
LOAD_SEED = 11


def volunteer_id(i: int) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"bench-volunteer-{i}")


def _producer(bootstrap: str):
    from confluent_kafka import Producer

    return Producer({"bootstrap.servers": bootstrap, "partitioner": "murmur2_random",
                     "linger.ms": 20, "acks": "all", "queue.buffering.max.messages": 1_000_000})


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


def _pct(vals: list[float], p: float) -> float | None:
    """Percentile of seconds, in ms."""
    if not vals:
        return None
    return round(vals[min(len(vals) - 1, int(p * len(vals)))] * 1000, 1)


# -- CPU per process --------------------------------------------------------------------------

def _proc_cpu(pid: int) -> float | None:
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def _children(ppid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if int(open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()[1]) == ppid:
                    out.append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    return out


def _machine_busy() -> float:
    """CPU seconds used by everything on the machine (all cores; other users' stacks too)."""
    f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return (sum(f[:8]) - f[3] - f[4]) / os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> dict[str, float]:
    """CPU time used so far by every process of the stack, PostgreSQL (postmaster and its
    backends), this bench process and the whole machine."""
    from siaga.infra.dev import postgres, procs
    from siaga.infra.settings import RUNTIME_DIR

    out: dict[str, float] = {}
    names = ["broker", *sorted(p.stem for p in (RUNTIME_DIR / "pids").glob("worker-*.pid")),
             "api", "relay", "notifier", "twilio-local"]
    for name in names:
        pid = procs.read_pid(RUNTIME_DIR / "pids" / f"{name}.pid")
        cpu = _proc_cpu(pid) if pid else None
        if cpu is not None:
            out[name] = cpu
    pm = postgres.running(RUNTIME_DIR)
    if pm:
        out["postgres"] = sum(c for c in map(_proc_cpu, [pm, *_children(pm)]) if c is not None)
    t = os.times()
    out["bench"] = t.user + t.system
    out["machine"] = _machine_busy()
    return out


def cpu_pct(before: dict, after: dict, seconds: float) -> dict[str, int]:
    """`cpu_<process>_pct` for the phase: 100 = one core. A process that started or ended in
    between (a worker) is left out."""
    return {f"cpu_{k.replace('-', '')}_pct": round(100 * (after[k] - before[k]) / seconds)
            for k in after if k in before}


# -- the matchers' changelog ------------------------------------------------------------------

class ChangelogWatch:
    """Reads the matchers' volunteer table changelog from where it ends when started, in a
    thread: (volunteer_id, last_seen, on_duty, timestamp) per record. `last_seen` is the
    occurred_at of the check-in the desk last applied, so it names the check-in a record
    makes visible."""

    def __init__(self, bootstrap: str):
        from confluent_kafka import Consumer, TopicPartition
        from confluent_kafka.admin import AdminClient

        topics = AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10).topics
        if MATCHER_CHANGELOG not in topics:
            raise RuntimeError(f"no topic {MATCHER_CHANGELOG} (have: {sorted(topics)})")
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4()}",
                                  "enable.auto.commit": False, "fetch.wait.max.ms": 20, "log_level": 3})
        assign = []
        for p in topics[MATCHER_CHANGELOG].partitions:   # from the end as it is now
            _low, high = self.consumer.get_watermark_offsets(TopicPartition(MATCHER_CHANGELOG, p), timeout=10)
            assign.append(TopicPartition(MATCHER_CHANGELOG, p, high))
        self.consumer.assign(assign)
        self._records: deque[tuple[str, str | None, bool, float]] = deque()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="changelog-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for m in self.consumer.consume(5000, 0.2):
                if m.error() or m.value() is None:
                    continue
                v = json.loads(m.value())
                if v.get("kind") == "volunteer":
                    self._records.append((v["volunteer_id"], v.get("last_seen"), bool(v.get("on_duty")),
                                          m.timestamp()[1] / 1000))

    def drain(self) -> list[tuple[str, str | None, bool, float]]:
        """The records read since the last drain (deque pops are thread-safe)."""
        out = []
        while self._records:
            out.append(self._records.popleft())
        return out

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.consumer.close()


def _occurred(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def backlog(bootstrap: str, topics: tuple[str, ...] = (Topic.VOLUNTEER_CHECKINS, Topic.DISPATCH_MATCH, Topic.AID_REQUESTS)) -> int:
    """Records of these topics the workers' group has not committed yet (Faust commits every
    few seconds, so a few hundred is "caught up")."""
    from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, TopicPartition
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap})   # kept: the future needs it alive
    committed = admin.list_consumer_group_offsets(
        [ConsumerGroupTopicPartitions("siaga")])["siaga"].result(30).topic_partitions
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4()}", "log_level": 3})
    try:
        lag = 0
        for tp in committed:
            if tp.topic in topics:
                high = c.get_watermark_offsets(TopicPartition(tp.topic, tp.partition), timeout=10)[1]
                lag += max(0, high - max(tp.offset, 0))
        return lag
    finally:
        c.close()


def settle(bootstrap: str, timeout: float = 600, max_lag: int = 500) -> float:
    """Wait until the workers have caught up with what earlier phases left; returns how long."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout and backlog(bootstrap) > max_lag:
        time.sleep(2)
    return round(time.perf_counter() - start, 1)


# -- loading volunteers -----------------------------------------------------------------------

def load_volunteers(env: dict, n: int, db) -> dict:
    """All n volunteers (registration + check-in each) straight onto their topics. Timed until
    every one is on duty in a matcher's table and until the map (situation_log) has them."""
    ds = make_dataset(n, seed=LOAD_SEED)
    watch = ChangelogWatch(env["KAFKA_BOOTSTRAP_SERVERS"])
    p = _producer(env["KAFKA_BOOTSTRAP_SERVERS"])
    start_wall, start = time.time(), time.perf_counter()
    cpu0 = cpu_seconds()
    for i in range(n):
        vid = volunteer_id(i)
        reg = VolunteerRegistered(volunteer_id=vid, name=f"Bench {i}", phone=f"+62811{i:08d}",
                                  skills=SKILLS[i % len(SKILLS)], source="bench")
        chk = VolunteerCheckIn(volunteer_id=vid, location=Location(lat=float(ds.lat[i]), lon=float(ds.lon[i])),
                               available=True, capacity=2, source="bench")
        p.produce(Topic.VOLUNTEER_REGISTRATIONS, key=str(vid).encode(), value=reg.to_bytes())
        p.produce(Topic.VOLUNTEER_CHECKINS, key=str(vid).encode(), value=chk.to_bytes())
        if i % 10_000 == 0:
            p.poll(0)
    p.flush(120)
    produced = time.perf_counter() - start
    on_duty: dict[str, float] = {}   # volunteer -> when a matcher first held them on duty
    map_s = matcher_s = None
    deadline = time.perf_counter() + max(600.0, n / 20)
    while (map_s is None or matcher_s is None) and time.perf_counter() < deadline:
        for vid, _ls, duty, ts in watch.drain():
            if duty and vid not in on_duty:
                on_duty[vid] = ts
        if matcher_s is None and len(on_duty) >= n:
            matcher_s = max(on_duty.values()) - start_wall
        if map_s is None and db.execute(
                "SELECT count(DISTINCT volunteer_id) FROM situation_log WHERE kind = 'volunteer' "
                "AND occurred_at >= to_timestamp(%s)", (start_wall,)).fetchone()[0] >= n:
            map_s = time.perf_counter() - start
        time.sleep(1)
    took = time.perf_counter() - start
    cpu = cpu_pct(cpu0, cpu_seconds(), took)
    watch.close()
    if matcher_s is None or map_s is None:
        raise RuntimeError(f"volunteers not loaded after {took:.0f} s: {len(on_duty)} of {n} in the matchers")
    return {"volunteers": n, "produce_s": round(produced, 1), "matcher_s": round(matcher_s, 1),
            "map_s": round(map_s, 1), "per_s": round(n / matcher_s), **cpu}


# -- an open-loop HTTP load -------------------------------------------------------------------

def coordinator_cookie(env: dict) -> dict[str, str]:
    """A Cookie header of a fresh coordinator session: check-ins through the JSON API need one."""
    import secrets

    import httpx
    import psycopg

    from siaga.services.auth.accounts import create_coordinator_sync
    from siaga.services.auth import csrf
    from siaga.services.auth.sessions import COOKIE

    name, password = f"bench-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        create_coordinator_sync(conn, name, password, "dispatcher", created_by="bench")
    with httpx.Client(base_url=env["API_URL"], timeout=15, trust_env=False) as c:
        c.post("/api/v1/auth/login", json={"username": name, "password": password}).raise_for_status()
        return {"Cookie": f"{COOKIE}={c.cookies[COOKIE]}", csrf.HEADER: c.cookies[csrf.COOKIE]}


def drive(base_url: str, calls_per_s: float, seconds: float, make_call, connections: int,
          headers: dict[str, str] | None = None) -> dict:
    """Start call k at t0 + k / calls_per_s (at most `connections` in flight), from one asyncio
    thread. `make_call(k)` gives (path, json, on_answer); on_answer(status, body) runs when the
    answer comes. Returns the timing and the client thread's own CPU. The client is aiohttp's:
    httpx's AsyncClient used 4.6 ms of CPU per request here, aiohttp 0.6 ms (bench/notes.md)."""
    import aiohttp

    out: dict = {}

    async def main() -> None:
        connector = aiohttp.TCPConnector(limit=connections)
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout, headers=headers) as client:
            sem = asyncio.Semaphore(connections)
            loop = asyncio.get_running_loop()
            api_s: list[float] = []
            errors: dict[str, int] = {}
            tasks = set()

            async def one(k: int) -> None:
                path, body, on_answer = make_call(k)
                t = time.perf_counter()
                try:
                    async with client.post(path, json=body) as r:
                        answer = await r.json() if r.status == 202 else None
                        if r.status != 202:
                            await r.read()
                    api_s.append(time.perf_counter() - t)
                    on_answer(r.status, answer)
                    if r.status != 202:
                        errors[str(r.status)] = errors.get(str(r.status), 0) + 1
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                finally:
                    sem.release()

            cpu0, t0 = time.thread_time(), loop.time()
            k = 0
            while loop.time() - t0 < seconds:
                due = t0 + k / calls_per_s
                if due > loop.time():
                    await asyncio.sleep(due - loop.time())
                await sem.acquire()   # all connections busy: the schedule falls behind
                task = asyncio.create_task(one(k))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                k += 1
            sent_s = loop.time() - t0
            await asyncio.gather(*list(tasks))
            api_s.sort()
            out.update(calls=k, scheduled=int(seconds * calls_per_s), send_s=sent_s,
                       all_answered_s=loop.time() - t0, client_cpu_s=time.thread_time() - cpu0,
                       api_p50_ms=_pct(api_s, 0.5), api_p99_ms=_pct(api_s, 0.99), errors=errors)

    th = threading.Thread(target=lambda: asyncio.run(main()), name="bench-client")
    th.start()
    th.join()
    return out


# -- check-ins --------------------------------------------------------------------------------

class CheckinPlan:
    """Who checks in next, and where: every registered bench volunteer in a shuffled order
    (again and again), each a few hundred metres from where they were loaded, so they stay
    near the same matcher partitions."""

    def __init__(self, n: int):
        ds = make_dataset(n, seed=LOAD_SEED)
        self.lat, self.lon = ds.lat, ds.lon
        self.ids = [str(volunteer_id(i)) for i in range(n)]
        self.rng = np.random.default_rng(21)
        self.order = self.rng.permutation(n)
        self.at = 0

    def next(self) -> dict:
        if self.at >= len(self.order):
            self.order, self.at = self.rng.permutation(len(self.ids)), 0
        i = int(self.order[self.at])
        self.at += 1
        d = self.rng.uniform(-0.003, 0.003, 2)
        return {"volunteer_id": self.ids[i], "location": {"lat": round(float(self.lat[i] + d[0]), 6),
                                                          "lon": round(float(self.lon[i] + d[1]), 6)},
                "available": True, "capacity": 2}


def checkin_load(env: dict, watch: ChangelogWatch, plan: CheckinPlan, rate: float, seconds: float,
                 mode: str, batch: int = 200, connections: int | None = None) -> dict:
    """`rate` check-ins/s for `seconds` through the API: mode "single" (POST
    /api/v1/volunteers/{id}/checkins, one per request) or "batch" (POST /api/v1/checkins,
    `batch` per request). Latency: from the check-in's occurred_at (set by the API when it
    accepts it) to the timestamp of the first record of the matchers' volunteer table that
    carries it (`p50_ms`, `p99_ms`); `all_p99_ms` to the last one, i.e. until every matcher
    partition near the volunteer holds it."""
    per_call = 1 if mode == "single" else batch
    connections = connections or (64 if mode == "single" else 8)
    accepted = [0]

    def answer(status: int, body) -> None:
        if status == 202:
            accepted[0] += 1 if mode == "single" else body["accepted"]

    def make_call(_k: int):
        if mode == "single":
            c = plan.next()
            vid = c.pop("volunteer_id")
            return f"/api/v1/volunteers/{vid}/checkins", c, answer
        return "/api/v1/checkins", [plan.next() for _ in range(per_call)], answer

    signed = coordinator_cookie(env)
    settled = settle(env["KAFKA_BOOTSTRAP_SERVERS"])
    watch.drain()   # what came before this phase
    start_wall = time.time()
    cpu0 = cpu_seconds()
    run = drive(env["API_URL"], rate / per_call, seconds, make_call, connections, headers=signed)
    cpu = cpu_pct(cpu0, cpu_seconds(), run["send_s"])
    sent_end = time.time()
    # Wait until every accepted check-in is in a matcher's table, or nothing new for 15 s.
    first: dict[tuple[str, str], float] = {}
    last: dict[tuple[str, str], float] = {}
    occurred: dict[tuple[str, str], float] = {}
    older: set[str] = set()   # last_seen values from before the phase (other records)

    def take() -> int:
        new = watch.drain()
        for vid, ls, _duty, ts in new:
            if ls is None or ls in older:
                continue
            key = (vid, ls)
            if key not in occurred:
                at = _occurred(ls)
                if at < start_wall:
                    older.add(ls)
                    continue
                occurred[key], first[key], last[key] = at, ts, ts
            else:
                first[key], last[key] = min(first[key], ts), max(last[key], ts)
        return len(new)

    progress_at, deadline = time.time(), time.time() + 300
    while time.time() < deadline and time.time() - progress_at < 15:
        if take():
            progress_at = time.time()
        if len(first) >= accepted[0]:
            time.sleep(1.0)     # the records of the same check-ins for other partitions
            take()
            break
        time.sleep(0.5)
    lat_first = sorted(first[k] - occurred[k] for k in first)
    lat_last = sorted(last[k] - occurred[k] for k in last)
    last_visible = max(first.values(), default=start_wall)
    return {"mode": mode if mode == "single" else f"batch of {per_call}",
            "rate_target": _num(rate), "accepted": accepted[0], "send_s": round(run["send_s"], 1),
            "accepted_per_s": round(accepted[0] / run["send_s"], 1),
            "visible": len(first), "visible_per_s": round(len(first) / max(last_visible - start_wall, 1e-9), 1),
            "p50_ms": _pct(lat_first, 0.5), "p99_ms": _pct(lat_first, 0.99), "max_ms": _pct(lat_first, 1.0),
            "all_p99_ms": _pct(lat_last, 0.99), "drain_s": round(max(0.0, last_visible - sent_end), 1),
            "api_p50_ms": run["api_p50_ms"], "api_p99_ms": run["api_p99_ms"],
            "errors": sum(run["errors"].values()), "settle_s": settled,
            "cpu_client_pct": round(100 * run["client_cpu_s"] / run["send_s"]), **cpu}


# -- aid requests -----------------------------------------------------------------------------

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


def steady_load(env: dict, rate: float, seconds: float, db, phase: int = 0, connections: int = 64) -> dict:
    """`rate` aid requests/s for `seconds` through the API. Each phase draws its own request
    locations (as many as it sends, near where volunteers are), so a phase is not mostly merged
    into the open requests of the phase before."""
    rng = np.random.default_rng(5 + phase)
    ds = make_dataset(max(2000, int(rate * seconds) + 1), seed=99 + phase)
    people = rng.integers(1, 30, len(ds.lat))
    accepted: dict[str, float] = {}
    with httpx.Client(base_url=env["API_URL"], timeout=30) as api:
        catch_up = _wait_caught_up(api, db)

    def make_call(j: int):
        def answer(status: int, body) -> None:
            if status == 202:
                accepted[body["request_id"]] = time.time()
        return "/api/v1/requests", {
            "needs": NEEDS[j % len(NEEDS)], "people": int(people[j % len(people)]),
            "location": {"lat": float(ds.lat[j % len(ds.lat)]), "lon": float(ds.lon[j % len(ds.lon)])}}, answer

    cpu0 = cpu_seconds()
    run = drive(env["API_URL"], rate, seconds, make_call, connections)
    cpu = cpu_pct(cpu0, cpu_seconds(), run["send_s"])
    # Decisions: the first offer granted by a volunteer's desk (it emits the offer notification
    # in the same step), an escalation when nobody eligible was in reach, or a merge into an open
    # duplicate. A request whose reachable volunteers are all busy waits (no decision until one
    # is free or it escalates): stop when nothing new has been decided for 20 s.
    deadline = time.time() + 300
    rows: list = []
    ids = list(accepted)
    progress_at, seen = time.time(), -1
    while time.time() < deadline and time.time() - progress_at < 20:
        rows = db.execute(
            "SELECT DISTINCT ON (r.request_id) r.request_id::text, "
            "extract(epoch FROM s.occurred_at - r.created_at), extract(epoch FROM s.occurred_at), s.status "
            "FROM requests r JOIN situation_log s ON s.request_id = r.request_id "
            "WHERE r.request_id = ANY(%s::uuid[]) AND s.status IN ('offered', 'escalated', 'duplicate') "
            "ORDER BY r.request_id, s.occurred_at", (ids,)).fetchall()
        if len(rows) >= len(ids):
            break
        if len(rows) != seen:
            progress_at, seen = time.time(), len(rows)
        time.sleep(2)
    vals = sorted(float(r[1]) for r in rows)
    kinds = {k: sum(1 for r in rows if r[3] == k) for k in ("offered", "duplicate", "escalated")}
    last_decision = max((float(r[2]) for r in rows), default=0.0)
    first_accept = min(accepted.values(), default=0.0)
    done_s = max(last_decision - first_accept, 1e-9)   # first acceptance to last decision
    return {"rate_target": _num(rate), "requests": len(accepted), "send_s": round(run["send_s"], 1),
            "accepted_per_s": round(len(accepted) / run["send_s"], 1),
            "decided": len(rows), "waiting": len(ids) - len(rows), "offered": kinds["offered"],
            "merged": kinds["duplicate"], "escalated": kinds["escalated"],
            "throughput_rps": round(len(rows) / done_s, 1),
            "p50_ms": _pct(vals, 0.50), "p99_ms": _pct(vals, 0.99), "max_ms": _pct(vals, 1.0),
            "api_p50_ms": run["api_p50_ms"], "api_p99_ms": run["api_p99_ms"],
            "errors": sum(run["errors"].values()), "catch_up_s": round(catch_up, 1),
            "cpu_client_pct": round(100 * run["client_cpu_s"] / run["send_s"]), **cpu}


if __name__ == "__main__":
    from siaga.infra.settings import read_env_file

    env = read_env_file()
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as db:
        print(json.dumps(load_volunteers(env, 2000, db), indent=2))
        watch = ChangelogWatch(env["KAFKA_BOOTSTRAP_SERVERS"])
        plan = CheckinPlan(2000)
        print(json.dumps(checkin_load(env, watch, plan, 200, 10, "single"), indent=2))
        print(json.dumps(checkin_load(env, watch, plan, 500, 10, "batch"), indent=2))
        watch.close()
        print(json.dumps(steady_load(env, 10, 20, db), indent=2))
