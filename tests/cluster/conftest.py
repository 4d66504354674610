"""The fault stack: the local three-broker Kafka cluster (infra/dev/cluster.py) and, on it, a complete
separate Siaga stack in its own profile ("fault": .siaga/fault/, API 24000, PostGIS 25436, local
Twilio 24080, Faust web 26066-26067), started by subprocess exactly as a user would:

    SIAGA_PROFILE=fault KAFKA_BOOTSTRAP_SERVERS=<cluster> KAFKA_REPLICATION_FACTOR=3 \\
    KAFKA_MIN_INSYNC_REPLICAS=2 ... python -m siaga.infra.dev.stack up --fresh

It never touches the "test" or "run" profiles (this pytest process may itself run with
SIAGA_PROFILE=test under `make test`, so nothing here uses infra.settings.RUNTIME_DIR)."""
from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time

import pytest

from siaga.infra.dev import broker, cluster
from siaga.infra.settings import REPO_ROOT, Settings, read_env_file

PROFILE = "fault"
FAULT_DIR = REPO_ROOT / ".siaga" / PROFILE
PORTS = {"API_PORT": "24000", "SIAGA_PG_PORT": "25436", "SIAGA_TWILIO_PORT": "24080", "SIAGA_PAY_PORT": "24090",
         "FAUST_WEB_PORT": "26066"}
WORKERS = 2
# Settings of this process's own profile that must not leak into the fault stack's processes.
# Every setting comes from the fault profile itself, never from the environment the tests run in
# (make test's, say): the settings are the fields of Settings, the one reader of the environment.
_OWN = frozenset(name.upper() for name in Settings.model_fields)


def fault_process_env(**extra: str) -> dict[str, str]:
    """The environment for a process of the fault profile (infra/dev/stack.py, a restarted worker)."""
    env = {k: v for k, v in os.environ.items()
           if k not in _OWN and not k.startswith(("SIAGA_", "KAFKA_", "TWILIO_", "FAUST_", "API_"))}
    env.update({"SIAGA_PROFILE": PROFILE, "SIAGA_WORKERS": str(WORKERS), "PYTHONUNBUFFERED": "1",
                **cluster.siaga_env(), **PORTS, **extra})
    return env


def _stack(command: str, *flags: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "siaga.infra.dev.stack", command, *flags], cwd=REPO_ROOT,
                          env=fault_process_env(), capture_output=True, text=True, timeout=timeout)


def _port_taken() -> bool:
    logs = FAULT_DIR / "logs"
    return any("address already in use" in p.read_text(errors="replace")
               for p in logs.glob("*.log")) if logs.exists() else False


class FaultStack:
    """Handles on the fault stack for the test: its settings and its processes."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.dir = FAULT_DIR

    def pid(self, name: str) -> int | None:
        from siaga.infra.dev import procs

        return procs.read_pid(self.dir / "pids" / f"{name}.pid")

    def start_worker(self, index: int) -> None:
        """infra/dev/stack.py start_worker in the fault profile (a subprocess: this process's
        infra.settings may belong to another profile)."""
        code = ("import os; from siaga.infra.dev.stack import start_worker; from siaga.infra.settings import RUNTIME_DIR; "
                f"assert RUNTIME_DIR.name == {PROFILE!r}, RUNTIME_DIR; start_worker({index}, dict(os.environ))")
        env = fault_process_env(**{k: v for k, v in self.env.items()})
        env["SIAGA_PROFILE"] = PROFILE
        out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, f"restarting worker-{index} failed:\n{out.stdout}{out.stderr}"


@pytest.fixture(scope="module")   # down again before the next module: 3 JVMs are not idle
def fault_stack():
    # One fault stack per machine: a second pytest run would wipe the cluster under this one.
    FAULT_DIR.parent.mkdir(parents=True, exist_ok=True)
    lock = (FAULT_DIR.parent / "fault.lock").open("a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        pytest.fail(f"another run (pid {lock.read().strip() or '?'}) is using the fault stack and "
                    f"the cluster; {FAULT_DIR.parent / 'fault.lock'} is locked")
    lock.seek(0)
    lock.truncate()
    lock.write(str(os.getpid()))
    lock.flush()
    try:
        yield from _fault_stack()
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


OWNER = "tests/cluster"


def _fault_stack():
    owner = cluster.RUN_DIR / "owner"
    running = [n.node_id for n in cluster.nodes() if cluster.pid_of(n.node_id)]
    if running and not (owner.exists() and owner.read_text().strip() == OWNER):
        pytest.fail(f"the local Kafka cluster runs (nodes {running}, make cluster?): the fault test "
                    f"needs it fresh and would wipe it. Stop it first: make cluster-stop")
    broker.install()
    _stack("down", timeout=120)   # a fault stack left behind would talk to the wiped cluster
    try:
        cluster.up(fresh=True)
        owner.write_text(OWNER + "\n")   # a later run may wipe this cluster (only test data)
        out = _stack("up", "--fresh")
        if out.returncode != 0 and _port_taken():
            # The ports lie in Linux's ephemeral range: a client socket of another process can
            # hold one for a moment. Once more, on a fresh start.
            print(f"[fault stack] a port was taken, starting once more:\n{out.stdout[-1500:]}",
                  file=sys.stderr)
            time.sleep(3)
            out = _stack("up", "--fresh")
        if out.returncode != 0:
            raise RuntimeError(f"the fault stack did not start (exit {out.returncode}):\n"
                               f"{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
        env = read_env_file(FAULT_DIR / "env")
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == cluster.bootstrap()
        assert env["KAFKA_REPLICATION_FACTOR"] == "3" and env["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
        yield FaultStack(env)
    finally:
        down = _stack("down", timeout=120)
        if down.returncode != 0:
            print(f"[fault stack] down: {down.stdout}{down.stderr}", file=sys.stderr)
        cluster.down()
