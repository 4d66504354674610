"""A local three-broker Apache Kafka cluster (KRaft, every node broker + controller) on loopback,
for fault tests and for trying Siaga on replicated topics.

    python -m siaga.infra.dev.cluster up [--fresh]   # start the three nodes, wait until all are registered
    python -m siaga.infra.dev.cluster status         # pid, registration and partition leadership per node
    python -m siaga.infra.dev.cluster down           # controlled shutdown of every node

The nodes are infra.broker.Node with the same configuration as the embedded single node
(infra.broker.server_properties: replication 3, min.insync.replicas 2 for three nodes).
Runtime folder: .siaga/cluster/ (node-N/ with config and data, logs/, pids/). Ports: the
PLAINTEXT listener of node N is SIAGA_CLUSTER_PORT + 2(N-1) and its controller listener the next
port (21092/21093, 21094/21095, 21096/21097 by default). Point Siaga at it with

    KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:21092,127.0.0.1:21094,127.0.0.1:21096 \\
    KAFKA_REPLICATION_FACTOR=3 KAFKA_MIN_INSYNC_REPLICAS=2

Fault helpers for tests: kill(node_id) (SIGKILL), restart(node_id), leader_of(topic, partition),
busiest(topic) (partitions by record count with their leaders), wait_in_sync().
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from siaga.infra.dev import broker, procs
from siaga.infra.dev.broker import Node
from siaga.infra.settings import REPO_ROOT

RUN_DIR = Path(os.environ.get("SIAGA_CLUSTER_DIR", REPO_ROOT / ".siaga" / "cluster"))
DEFAULT_BASE_PORT = 21092   # below the ephemeral range (32768-60999): no client socket can hold it
SIZE = 3
# Three JVMs share two cores with the rest of the stack: half of the single node's heap each.
HEAP = ["-Xms512m", "-Xmx512m"]
START_TIMEOUT_S = 120.0


def base_port() -> int:
    return int(os.environ.get("SIAGA_CLUSTER_PORT") or DEFAULT_BASE_PORT)


def nodes(base: int | None = None) -> list[Node]:
    base = base_port() if base is None else base
    return [Node(node_id=i, port=base + 2 * (i - 1), controller_port=base + 2 * (i - 1) + 1,
                 home=RUN_DIR / f"node-{i}", name=f"kafka-{i}") for i in range(1, SIZE + 1)]


def node(node_id: int) -> Node:
    for n in nodes():
        if n.node_id == node_id:
            return n
    raise KeyError(f"no node {node_id} in the local cluster (1..{SIZE})")


def bootstrap() -> str:
    return ",".join(n.bootstrap for n in nodes())


def siaga_env() -> dict[str, str]:
    """The settings that point Siaga at this cluster."""
    return {"KAFKA_BOOTSTRAP_SERVERS": bootstrap(), "KAFKA_REPLICATION_FACTOR": "3",
            "KAFKA_MIN_INSYNC_REPLICAS": "2"}


def _dirs() -> None:
    for sub in ("", "logs", "pids"):
        (RUN_DIR / sub).mkdir(parents=True, exist_ok=True)


def pid_of(node_id: int) -> int | None:
    return broker.running_pid(node(node_id), RUN_DIR)


def start_node(node_id: int) -> int:
    _dirs()
    return broker.start(node(node_id), nodes(), RUN_DIR, broker.cluster_id_for(RUN_DIR), heap=HEAP)


def up(fresh: bool = False, timeout: float = START_TIMEOUT_S) -> str:
    """Start every node that is not running; wait until all three brokers are registered.
    fresh: stop the nodes and delete their data first (a new, empty cluster)."""
    if fresh:
        down()
        shutil.rmtree(RUN_DIR, ignore_errors=True)
    _dirs()
    cid = broker.cluster_id_for(RUN_DIR)
    with ThreadPoolExecutor(SIZE) as pool:   # formatting is a JVM start per node: in parallel
        list(pool.map(lambda n: broker.prepare(n, nodes(), cid), nodes()))
    for n in nodes():
        start_node(n.node_id)
    try:
        broker.wait_ready(bootstrap(), brokers=SIZE, timeout=timeout)
    except TimeoutError as exc:
        raise SystemExit(f"[siaga] {exc}; see {RUN_DIR}/logs/kafka-*.log") from None
    return bootstrap()


def down() -> list[str]:
    """Controlled shutdown of all nodes, at the same time (one by one, the last ones would wait
    for a controller quorum that has already gone). Returns the names that were stopped."""
    running = [n for n in nodes() if broker.running_pid(n, RUN_DIR)]
    for n in running:
        pid = broker.running_pid(n, RUN_DIR)
        if pid:
            try:
                os.killpg(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    for n in running:
        broker.stop(n, RUN_DIR)   # waits for the exit (SIGKILL after infra.broker's timeout)
    return [n.name for n in running]


def kill(node_id: int) -> int:
    """SIGKILL one node (no controlled shutdown: its partitions move when the controller notices
    the missing heartbeats). Returns the pid that was killed."""
    n = node(node_id)
    pid = broker.running_pid(n, RUN_DIR)
    if pid is None:
        raise RuntimeError(f"node {node_id} is not running")
    procs.stop(n.name, RUN_DIR, timeout=10, sig=signal.SIGKILL)
    return pid


def restart(node_id: int, wait: bool = True, timeout: float = START_TIMEOUT_S) -> int:
    """Start a stopped or killed node again; with wait, until all brokers are registered."""
    pid = start_node(node_id)
    if wait:
        broker.wait_ready(bootstrap(), brokers=SIZE, timeout=timeout)
    return pid


# ---------------------------------------------------------------------- metadata
def _admin():
    from confluent_kafka.admin import AdminClient

    return AdminClient({"bootstrap.servers": bootstrap(), "log_level": 0})


def metadata(topic: str | None = None, timeout: float = 10.0):
    return _admin().list_topics(topic=topic, timeout=timeout)


def registered(timeout: float = 5.0) -> set[int]:
    """Node ids of the brokers the cluster currently reports."""
    return set(metadata(timeout=timeout).brokers)


def leaders(topic: str) -> dict[int, int]:
    """partition -> node id of its leader (-1 while it has none)."""
    t = metadata(topic).topics[topic]
    if t.error:
        raise RuntimeError(f"{topic}: {t.error}")
    return {p.id: p.leader for p in t.partitions.values()}


def leader_of(topic: str, partition: int) -> int:
    return leaders(topic)[partition]


def record_counts(topic: str) -> dict[int, int]:
    """partition -> records it holds (high minus low watermark)."""
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap(), "group.id": "siaga-cluster-tool",
                  "enable.auto.commit": False, "log_level": 0})
    try:
        out = {}
        for p in leaders(topic):
            low, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            out[p] = high - low
        return out
    finally:
        c.close()


def busiest(topic: str) -> list[tuple[int, int, int]]:
    """(partition, records, leader) of a topic, the busiest partition first."""
    lead = leaders(topic)
    counts = record_counts(topic)
    return sorted(((p, counts[p], lead[p]) for p in lead), key=lambda x: (-x[1], x[0]))


def busiest_leader(topic: str, exclude: set[int] = frozenset()) -> tuple[int, int, int]:
    """(node id, partition, records): the leader of the busiest partition of `topic` led by a
    node not in `exclude`."""
    for p, records, leader in busiest(topic):
        if leader >= 0 and leader not in exclude:
            return leader, p, records
    raise RuntimeError(f"no partition of {topic} is led by a node outside {sorted(exclude)}")


def under_replicated(topics: list[str] | None = None) -> list[tuple[str, int, int, int]]:
    """(topic, partition, in-sync, replicas) of every partition whose ISR lacks a replica."""
    md = metadata()
    out = []
    for name, t in md.topics.items():
        if topics is not None and name not in topics:
            continue
        for p in t.partitions.values():
            if len(p.isrs) < len(p.replicas) or p.leader < 0:
                out.append((name, p.id, len(p.isrs), len(p.replicas)))
    return out


def wait_in_sync(timeout: float = 120.0) -> float:
    """Until every partition of every topic has all its replicas in sync. Returns seconds waited."""
    started = time.monotonic()
    last: object = None
    while time.monotonic() - started < timeout:
        try:
            if len(registered()) == SIZE:
                last = under_replicated()
                if not last:
                    return time.monotonic() - started
            else:
                last = "not every broker registered"
        except Exception as exc:
            last = str(exc)[:200]
        time.sleep(0.5)
    raise TimeoutError(f"cluster not in sync after {timeout:.0f}s: {str(last)[:500]}")


def status() -> str:
    try:
        regs = registered(timeout=5)
        md = metadata()
        led: dict[int, int] = {}
        for t in md.topics.values():
            for p in t.partitions.values():
                led[p.leader] = led.get(p.leader, 0) + 1
    except Exception as exc:
        regs, led = set(), {}
        print(f"cluster metadata unavailable: {str(exc)[:200]}")
    lines = []
    for n in nodes():
        pid = broker.running_pid(n, RUN_DIR)
        lines.append(f"node {n.node_id}  {n.bootstrap:17s} controller :{n.controller_port}  "
                     f"{'pid ' + str(pid) if pid else 'stopped':10s}  "
                     f"{'registered' if n.node_id in regs else 'not registered':14s}  "
                     f"leads {led.get(n.node_id, 0)} partitions")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m siaga.infra.dev.cluster")
    parser.add_argument("command", choices=["up", "down", "status", "bootstrap"])
    parser.add_argument("--fresh", action="store_true", help="up: delete the cluster's data first")
    args = parser.parse_args()
    if args.command == "up":
        print(f"[siaga] starting a three-node Kafka {broker.kafka_version()} cluster in {RUN_DIR}",
              flush=True)
        up(fresh=args.fresh)
        print(f"[siaga] cluster ready: {bootstrap()}\n" + status())
    elif args.command == "down":
        stopped = down()
        print(f"[siaga] stopped: {', '.join(stopped) or 'nothing was running'}")
    elif args.command == "bootstrap":
        print(bootstrap())
    else:
        print(status())


if __name__ == "__main__":
    sys.exit(main())
