"""The embedded Apache Kafka broker (KRaft): installed from Maven Central, formatted once, started
and stopped by pid. One combined broker+controller node for `make run` / `make test`; the same
node definition, three times, is the local cluster of `infra.cluster`.

    python -m siaga.infra.dev.broker install     # resolve the pinned jars (idempotent, cached)

The version is pinned in infra/kafka/pom.xml. Jars land in .siaga/kafka/<version>/libs (shared
by every profile) and Maven's own cache (~/.m2), so a second set-up downloads nothing. Log dirs
live under the profile's runtime folder: stopping and starting keeps topics, records, committed
offsets and Faust changelogs.
"""
from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from siaga.infra.dev import procs
from siaga.infra.settings import REPO_ROOT

KAFKA_DIR = Path(__file__).resolve().parents[1] / "kafka"   # infra/kafka: the pinned jars
POM = KAFKA_DIR / "pom.xml"
LOG4J = KAFKA_DIR / "log4j2.properties"
CACHE = Path(os.environ.get("SIAGA_KAFKA_CACHE", REPO_ROOT / ".siaga" / "kafka"))

# Sizing for this project's machines (2 cores, 24 GiB) with PostgreSQL, the API, the relay, the
# notifier and two Faust workers on the same cores. One place for all of it, with why.
JVM_OPTS = [
    # A fixed heap, touched at start (as Kafka's docs advise: -Xms = -Xmx): the JVM's memory is
    # what it will be, instead of growing for minutes until the heap is full (make soak saw
    # 360 -> 810 MB with -Xms512m -Xmx1g). 768 MB is ample for one node at this load; the page
    # cache holds the log.
    "-Xms768m", "-Xmx768m", "-XX:+AlwaysPreTouch",
    "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",   # as kafka-server-start.sh: short pauses
    "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent",
    "-XX:MaxInlineLevel=15", "-Djava.awt.headless=true",
]
BROKER_SETTINGS = {
    # Two cores: Kafka's defaults (3 network, 8 I/O threads) only add context switches here.
    "num.network.threads": "2",
    "num.io.threads": "4",
    "num.recovery.threads.per.data.dir": "2",
    "background.threads": "4",
    # Every topic is declared with its partitions before use (infra/topics.py, Faust's own
    # declarations); an auto-created topic would be a bug with the wrong partition count.
    "auto.create.topics.enable": "false",
    # Groups form as soon as members join: a worker restart does not wait the 3 s default.
    "group.initial.rebalance.delay.ms": "0",
    # 50 offset partitions cost start-up time and file handles for nothing on one laptop.
    "offsets.topic.num.partitions": "10",
    # Segments small enough that retention and compaction actually free space within days on
    # low traffic (retention deletes whole segments only).
    "log.segment.bytes": str(64 * 1024 * 1024),
    "log.retention.check.interval.ms": "60000",
    # The compaction buffer is on the heap: 32 MiB of the 1 GiB is ample for these key counts.
    "log.cleaner.dedupe.buffer.size": str(32 * 1024 * 1024),
    "log.cleaner.threads": "1",
}
# A single node has no replica to fall back on: flush to disk every second, so a power loss
# costs at most the last second (a process crash costs nothing: the page cache survives it).
SINGLE_NODE_SETTINGS = {"log.flush.interval.ms": "1000"}
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 30.0


def kafka_version() -> str:
    m = re.search(r"<kafka.version>([^<]+)</kafka.version>", POM.read_text())
    if not m:
        raise RuntimeError(f"no <kafka.version> in {POM}")
    return m.group(1)


def libs_dir() -> Path:
    return CACHE / kafka_version() / "libs"


def install(quiet: bool = True) -> Path:
    """Resolve the pinned broker jars once (Maven Central through mvn). Idempotent."""
    libs = libs_dir()
    if (libs / ".complete").exists():
        return libs
    for tool in ("java", "mvn"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: run `make setup` (infra/install-system.sh installs it)")
    tmp = libs.with_name("libs.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"[siaga] resolving Apache Kafka {kafka_version()} from Maven Central", flush=True)
    cmd = ["mvn", "-B", "-Dstyle.color=never", "-f", str(POM), "dependency:copy-dependencies",
           f"-DoutputDirectory={tmp}", "-DincludeScope=runtime"]
    if quiet:
        cmd.insert(1, "-q")
    subprocess.run(cmd, check=True)
    if not any(tmp.glob(f"kafka_2.13-{kafka_version()}.jar")):
        sys.exit(f"Maven did not deliver kafka_2.13-{kafka_version()}.jar into {tmp}")
    shutil.rmtree(libs, ignore_errors=True)
    tmp.rename(libs)
    (libs / ".complete").write_text(kafka_version() + "\n")
    return libs


def new_cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (as Uuid)."""
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cid.startswith("-"):
            return cid


@dataclass(frozen=True)
class Node:
    """One KRaft node that is both broker and controller."""
    node_id: int
    port: int              # PLAINTEXT listener for clients and the other brokers
    controller_port: int   # CONTROLLER listener for the Raft quorum
    home: Path             # config, data and cluster id of this node
    name: str              # process name (pid and log file) in the runtime folder

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def config_path(self) -> Path:
        return self.home / "server.properties"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"


def voters(nodes: list[Node]) -> str:
    return ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in nodes)


def server_properties(node: Node, nodes: list[Node], extra: dict[str, str] | None = None) -> str:
    """`extra` adds or overrides properties (e.g. SASL/TLS listeners in tests); None changes nothing."""
    replicas = min(3, len(nodes))
    min_isr = 2 if replicas >= 3 else 1
    props = {
        "process.roles": "broker,controller",
        "node.id": str(node.node_id),
        "controller.quorum.voters": voters(nodes),
        "listeners": f"PLAINTEXT://127.0.0.1:{node.port},CONTROLLER://127.0.0.1:{node.controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{node.port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(node.data_dir),
        # Internal topics replicate like ours: 1 on one node, 3 (2 in sync) on a cluster.
        "offsets.topic.replication.factor": str(replicas),
        "transaction.state.log.replication.factor": str(replicas),
        "transaction.state.log.min.isr": str(min_isr),
        "default.replication.factor": str(replicas),
        "min.insync.replicas": str(min_isr),
        **BROKER_SETTINGS,
        **(SINGLE_NODE_SETTINGS if len(nodes) == 1 else {}),
        **(extra or {}),
    }
    head = "# written by infra/dev/broker.py; edit BROKER_SETTINGS there, not this file\n"
    return head + "".join(f"{k}={v}\n" for k, v in props.items())


def _java(libs: Path, main: str, *args: str, heap: list[str] | None = None) -> list[str]:
    return ["java", *(heap or []), f"-Dlog4j2.configurationFile={LOG4J}",
            "-cp", f"{libs}/*", main, *args]


def prepare(node: Node, nodes: list[Node], cluster_id: str, extra: dict[str, str] | None = None) -> None:
    """Write the node's configuration and format its storage if it never was (once only)."""
    node.home.mkdir(parents=True, exist_ok=True)
    node.config_path.write_text(server_properties(node, nodes, extra))
    if (node.data_dir / "meta.properties").exists():
        return
    out = subprocess.run(
        _java(install(), "kafka.tools.StorageTool", "format", "--ignore-formatted",
              "-t", cluster_id, "-c", str(node.config_path), heap=["-Xmx256m"]),
        capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"formatting Kafka storage for node {node.node_id} failed:\n{out.stdout}{out.stderr}")


def is_ours(pid: int) -> bool:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"kafka.Kafka" in cmd


def running_pid(node: Node, run_dir: Path) -> int | None:
    pid = procs.read_pid(run_dir / "pids" / f"{node.name}.pid")
    return pid if pid and is_ours(pid) else None


def start(node: Node, nodes: list[Node], run_dir: Path, cluster_id: str,
          heap: list[str] | None = None, extra: dict[str, str] | None = None) -> int:
    """Start the node unless ours already runs; refuse a port that someone else holds."""
    pid = running_pid(node, run_dir)
    if pid:
        return pid
    procs.stop(node.name, run_dir)   # a stale pid file
    for port in (node.port, node.controller_port):
        procs.refuse_foreign_port(port, f"Kafka node {node.node_id}")
    prepare(node, nodes, cluster_id, extra)
    argv = _java(install(), "kafka.Kafka", str(node.config_path),
                 heap=(heap or JVM_OPTS[:2]) + JVM_OPTS[2:])
    pid = procs.start(node.name, argv, run_dir, {**os.environ, "LOG_DIR": str(node.home)})
    _wait_exec(pid)
    return pid


def _wait_exec(pid: int, timeout: float = 15.0) -> None:
    """Until the forked child has become the JVM (or died). Between fork and exec its command
    line is still Python's, so `running_pid` right after a start would call it not ours (seen on
    a slow CI machine: a node reported as exited, with an empty log, that had not yet begun)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and procs.pid_alive(pid) and not is_ours(pid):
        time.sleep(0.02)


def wait_ready(bootstrap: str, brokers: int = 1, timeout: float = START_TIMEOUT_S,
               client: dict | None = None) -> None:
    """Until the cluster answers metadata with every broker registered. `client` adds client
    settings (security) for a listener that is not PLAINTEXT."""
    from confluent_kafka.admin import AdminClient

    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            md = AdminClient({**(client or {}), "bootstrap.servers": bootstrap, "log_level": 0}
                             ).list_topics(timeout=3)
            if len(md.brokers) >= brokers:
                return
            last = f"{len(md.brokers)} of {brokers} brokers registered"
        except Exception as exc:
            last = str(exc)[:200]
        time.sleep(0.5)
    raise TimeoutError(f"Kafka at {bootstrap} not ready after {timeout:.0f}s: {last}")


def stop(node: Node, run_dir: Path, timeout: float = STOP_TIMEOUT_S) -> bool:
    """Controlled shutdown (SIGTERM), SIGKILL after the timeout."""
    return procs.stop(node.name, run_dir, timeout=timeout)


def cluster_id_for(home: Path) -> str:
    """The cluster id is chosen once per runtime folder and kept beside the nodes."""
    path = home / "cluster.id"
    if path.exists():
        return path.read_text().strip()
    home.mkdir(parents=True, exist_ok=True)
    cid = new_cluster_id()
    path.write_text(cid + "\n")
    return cid


def single_node(run_dir: Path, port: int) -> Node:
    # The controller listens on the next port: SIAGA_BROKER_PORT and SIAGA_BROKER_PORT + 1.
    return Node(node_id=1, port=port, controller_port=port + 1, home=run_dir / "kafka", name="broker")


def ensure_running(run_dir: Path, port: int) -> bool:
    """Start the embedded node unless it runs; wait until it serves. True when it was started."""
    node = single_node(run_dir, port)
    was_running = running_pid(node, run_dir) is not None
    start(node, [node], run_dir, cluster_id_for(node.home))
    try:
        wait_ready(node.bootstrap)
    except TimeoutError as exc:
        sys.exit(f"{exc}; see {run_dir}/logs/{node.name}.log")
    return not was_running


def stop_embedded(run_dir: Path, port: int) -> bool:
    return stop(single_node(run_dir, port), run_dir)


def main() -> None:
    if sys.argv[1:] == ["install"]:
        print(install())
    elif sys.argv[1:] == ["version"]:
        print(kafka_version())
    else:
        sys.exit("usage: python -m siaga.infra.dev.broker install|version")


if __name__ == "__main__":
    main()
