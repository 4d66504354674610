"""Committed means handled: a worker commits an input offset only once its agents handled every
record before it (streams/offset_guard.py), while another worker is killed and restarted again and
again and the partitions move between them. Without the guard, faust-streaming 0.15.3 committed
records no agent had handled (measured: 90 of 30,000, in three of four partitions, one run).

Two agents read one topic of the stack's broker, as the router and the store sink both read
aid-requests; every record below the group's committed offsets must be in both agents' logs.
`OG_GUARD=0` runs the same workers without the guard, to see the test fail (it did on
2026-12-06: see the run recorded in docs/reliability.md)."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.stack import stack_env, wait_for

pytestmark = pytest.mark.integration

PARTITIONS = 4
RECORDS = 9000
RATE = 150          # records/s: about a minute of load
APP_MODULE = "tests.integration.offset_guard.app"
ROOT = Path(__file__).resolve().parents[2]


def _worker(env: dict, tag: str, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "faust", "-A", APP_MODULE, "worker", "-l", "warn",
                             "--without-web"], cwd=ROOT, env=env, stdout=(out / f"{tag}.out").open("ab"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def _produce(bootstrap: str, topic: str, done: threading.Event) -> None:
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True})
    t0 = time.monotonic()
    for i in range(RECORDS):
        p.produce(topic, key=str(i).encode(), value=str(i).encode(), partition=i % PARTITIONS)
        p.poll(0)
        pause = t0 + i / RATE - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    p.flush(30)
    done.set()


def _committed(bootstrap: str, group: str, topic: str) -> dict[int, tuple[int, int]]:
    """partition -> (committed offset, end of the log)."""
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                  "log_level": 3})
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        return {tp.partition: (max(tp.offset, 0), c.get_watermark_offsets(tp, timeout=10)[1])
                for tp in c.committed(tps, timeout=10)}
    finally:
        c.close()


def _handled(out: Path) -> dict[str, set[tuple[int, int]]]:
    seen: dict[str, set[tuple[int, int]]] = {"A": set(), "B": set()}
    for f in out.glob("handled-*.log"):
        for line in f.read_text().splitlines():
            agent, part, offset = line.split()
            seen[agent].add((int(part), int(offset)))
    return seen


def test_nothing_is_committed_that_no_agent_handled(tmp_path):
    from confluent_kafka.admin import AdminClient, NewTopic

    bootstrap = stack_env()["KAFKA_BOOTSTRAP_SERVERS"]
    run = uuid.uuid4().hex[:8]
    name, topic = f"offset-guard-{run}", f"offset-guard-{run}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(30)
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "OG_APP": name, "OG_TOPIC": topic,
           "OG_DIR": str(tmp_path), "OG_GUARD": os.environ.get("OG_GUARD", "1"), "PYTHONPATH": str(ROOT)}
    rng = random.Random(7)
    first = _worker(env, "w1", tmp_path)
    second = None
    try:
        time.sleep(8)
        produced = threading.Event()
        producer = threading.Thread(target=_produce, args=(bootstrap, topic, produced), daemon=True)
        producer.start()
        kills = 0
        while not produced.is_set():
            second = _worker(env, "w2", tmp_path)
            time.sleep(rng.uniform(6, 14))
            os.killpg(second.pid, signal.SIGKILL if rng.random() < 0.7 else signal.SIGTERM)
            second.wait(30)
            kills += 1
            time.sleep(rng.uniform(1, 8))
        second = _worker(env, "w2", tmp_path)
        assert kills >= 4, kills
        try:
            wait_for(lambda: all(c == end for c, end in _committed(bootstrap, name, topic).values()), 180,
                     interval=2, what="every record committed")
            held = {}
        except AssertionError:   # reported below, with what was lost
            held = {p: ce for p, ce in _committed(bootstrap, name, topic).items() if ce[0] != ce[1]}
        offsets = _committed(bootstrap, name, topic)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
        admin.delete_topics([topic])
    seen = _handled(tmp_path)
    assert sum(end for _, end in offsets.values()) == RECORDS
    lost = {agent: [(p, o) for p, (c, _) in offsets.items() for o in range(c) if (p, o) not in seen[agent]]
            for agent in seen}
    guard = "\n".join(line for f in tmp_path.glob("w*.out") for line in f.read_text().splitlines()
                      if "offset guard" in line)
    assert lost == {"A": [], "B": []} and not held, (
        f"partitions whose commit stayed short of the end, (committed, end): {held}; "
        f"committed but never handled: {len(lost['A'])} by the one-by-one agent, e.g. {lost['A'][:5]}; "
        f"{len(lost['B'])} by the batch agent, e.g. {lost['B'][:5]}\nguard log:\n{guard}")
