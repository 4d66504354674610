"""Bring the whole local system up or down: PostGIS, broker, topics, migrations, API, relay,
workers, notifier and the local Twilio-compatible server.

    python -m siaga.infra.dev.stack run     # foreground: up, demo, URLs, Ctrl-C stops everything
    python -m siaga.infra.dev.stack up      # background (used by make test)
    python -m siaga.infra.dev.stack down    # stop what we started, by pid

Profiles keep `make run` and `make test` apart: SIAGA_PROFILE=test uses other ports and
.siaga/test/. KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL in the environment replace the embedded ones.
"""
from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import time
import urllib.request
from pathlib import Path

from siaga.infra.dev import broker, postgres, procs
from siaga.infra.settings import (
    PROFILE, REPO_ROOT, RUNTIME_DIR, Settings, default_settings, env_name, read_env_file, shared_env_names,
)

# The test profile runs the dispatch clock fast, so offers expire and requests escalate in seconds.
TEST_TIMING = {"OFFER_TIMEOUT_S": "60", "URGENT_OFFER_TIMEOUT_S": "45", "ESCALATE_AFTER_S": "90",
               "URGENT_ESCALATE_AFTER_S": "60", "ESCALATED_RETRY_S": "10", "MATCH_RETRY_S": "2",
               "ASSIGNED_CHECK_S": "10", "SUPPLY_INTERVAL_S": "2"}
PORTS = {  # profile -> base ports; each can be overridden by its env variable
    "run": {"api": 8000, "broker": 19092, "pg": 55432, "twilio": 18080, "faust": 6066, "pay": 18090},
    "test": {"api": 18000, "broker": 29092, "pg": 55433, "twilio": 28080, "faust": 16066, "pay": 28090},
    # the cluster fault test (tests/cluster/): Kafka is the local three-node cluster
    # (infra/dev/cluster.py, 21092-21097); "broker" is only the embedded fallback without it.
    "fault": {"api": 24000, "broker": 25092, "pg": 25436, "twilio": 24080, "faust": 26066,
              "pay": 24090},  # below the ephemeral range
}
TEST_PROFILES = ("test", "fault")   # run the dispatch clock fast (TEST_TIMING), two workers
APP_PROCS = ("twilio-local", "gateway-local", "relay", "notifier", "api")


def profile_defaults() -> dict[str, str]:
    """Settings this profile gives its processes unless the environment has them."""
    given: dict[str, str] = {}
    if PROFILE in TEST_PROFILES:
        given.update(TEST_TIMING)
        given[env_name("workers")] = "2"   # takeovers between workers are part of what is tested
    if PROFILE in (*TEST_PROFILES, "bench", "soak"):   # load from one address is the point there
        given[env_name("rate_limit_intake")] = "1000000/minute"
    return given


def _port(kind: str) -> int:
    env = {"api": "API_PORT", "broker": "SIAGA_BROKER_PORT", "pg": "SIAGA_PG_PORT",
           "twilio": "SIAGA_TWILIO_PORT", "faust": "FAUST_WEB_PORT", "pay": "SIAGA_PAY_PORT"}[kind]
    return int(os.environ.get(env) or PORTS.get(PROFILE, PORTS["run"])[kind])


def _log(msg: str) -> None:
    print(f"[siaga] {msg}", flush=True)


def _dirs() -> None:
    for sub in ("", "logs", "pids"):
        (RUNTIME_DIR / sub).mkdir(parents=True, exist_ok=True)


def _runtime_env() -> dict[str, str]:
    """Settings every process gets; also written to RUNTIME_DIR/env for tools and tests: what the
    stack chooses (ports, addresses, the local stand-ins and their secrets), the profile's
    defaults, and every other Settings field the environment gives (infra/settings.py
    shared_env_names: a new setting reaches the file with no list here to update)."""
    prev = read_env_file()
    env: dict[str, str] = {}
    api_port = _port("api")
    env["API_PORT"] = str(api_port)
    env["API_URL"] = f"http://127.0.0.1:{api_port}"
    env["PUBLIC_BASE_URL"] = os.environ.get("PUBLIC_BASE_URL", env["API_URL"])
    env["KAFKA_BOOTSTRAP_SERVERS"] = (os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
                                      or f"127.0.0.1:{_port('broker')}")
    env["DATABASE_URL"] = os.environ.get("DATABASE_URL") or f"postgresql://postgres@127.0.0.1:{_port('pg')}/siaga"
    env["FAUST_WEB_PORT"] = str(_port("faust"))
    if os.environ.get("TWILIO_ACCOUNT_SID") and os.environ.get("TWILIO_AUTH_TOKEN"):
        env["TWILIO_ACCOUNT_SID"] = os.environ["TWILIO_ACCOUNT_SID"]
        env["TWILIO_AUTH_TOKEN"] = os.environ["TWILIO_AUTH_TOKEN"]
        env["TWILIO_BASE_URL"] = ""
    else:  # offline: the local Twilio-compatible server, with a stable per-runtime secret
        env["TWILIO_ACCOUNT_SID"] = prev.get("TWILIO_ACCOUNT_SID") or "AC" + secrets.token_hex(16)
        env["TWILIO_AUTH_TOKEN"] = prev.get("TWILIO_AUTH_TOKEN") or secrets.token_hex(16)
        env["TWILIO_BASE_URL"] = f"http://127.0.0.1:{_port('twilio')}"
    if os.environ.get("MIDTRANS_SERVER_KEY") and os.environ.get("XENDIT_CALLBACK_TOKEN"):
        env["MIDTRANS_SERVER_KEY"] = os.environ["MIDTRANS_SERVER_KEY"]
        env["XENDIT_CALLBACK_TOKEN"] = os.environ["XENDIT_CALLBACK_TOKEN"]
        env["PAYMENT_BASE_URL"] = os.environ.get("PAYMENT_BASE_URL", "")
        for real in ("XENDIT_SECRET_KEY", "MIDTRANS_BASE_URL", "XENDIT_BASE_URL"):
            if os.environ.get(real):
                env[real] = os.environ[real]
    else:  # offline: the local payment gateway simulator signs with a per-runtime secret
        env["MIDTRANS_SERVER_KEY"] = prev.get("MIDTRANS_SERVER_KEY") or "SB-Mid-server-" + secrets.token_hex(12)
        env["XENDIT_CALLBACK_TOKEN"] = prev.get("XENDIT_CALLBACK_TOKEN") or secrets.token_hex(24)
        env["PAYMENT_BASE_URL"] = f"http://127.0.0.1:{_port('pay')}"
    # Keys the volunteers' task links: stable per runtime, so links already sent keep working.
    env["TASK_LINK_SECRET"] = (os.environ.get("TASK_LINK_SECRET") or prev.get("TASK_LINK_SECRET")
                               or secrets.token_hex(32))
    for field in ("twilio_sms_from", "twilio_whatsapp_from"):   # the senders, named in the file
        env[env_name(field)] = os.environ.get(env_name(field), Settings.model_fields[field].default)
    for k, v in profile_defaults().items():
        env[k] = os.environ.get(k, v)
    for name in shared_env_names():
        if name not in env and os.environ.get(name):
            env[name] = os.environ[name]
    return env


def _write_env_file(env: dict[str, str]) -> None:
    lines = [f"# written by infra.stack ({PROFILE} profile); read by tools and tests"]
    lines += [f"{k}={v}" for k, v in sorted(env.items())]
    path = RUNTIME_DIR / "env"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)


def _python() -> str:
    return sys.executable


def _wait_http(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return True
        except Exception:
            time.sleep(0.2)
    return False


def worker_count() -> int:
    """Settings.workers as this profile's processes get it (SIAGA_WORKERS, else the profile's
    default). Only that field is read, so a bad other setting cannot stop `down`."""
    name = env_name("workers")
    given = os.environ.get(name, profile_defaults().get(name))   # as _runtime_env gives it
    return default_settings(**({name.lower(): given} if given is not None else {})).workers


def worker_names() -> list[str]:
    """Every worker with a pid file (a run may have had more workers than this one asks for)."""
    found = {p.stem for p in (RUNTIME_DIR / "pids").glob("worker-*.pid")}
    return sorted(found | {f"worker-{i}" for i in range(1, worker_count() + 1)})


def start_worker(index: int, env: dict[str, str]) -> None:
    name = f"worker-{index}"
    procs.stop(name, RUNTIME_DIR)
    data_dir = RUNTIME_DIR / "faust" / name
    data_dir.mkdir(parents=True, exist_ok=True)
    port = int(env["FAUST_WEB_PORT"]) + index - 1
    procs.refuse_foreign_port(port, f"{name} (its Faust web port)")
    procs.start(name, [_python(), "-m", "siaga.streams.worker", "--web-port", str(port),
                       "--data-dir", str(data_dir)], RUNTIME_DIR, env)


def app_commands(env_vals: dict[str, str]) -> dict[str, list[str]]:
    """How each application process (workers aside) is started."""
    cmds = {}
    if env_vals.get("TWILIO_BASE_URL"):
        cmds["twilio-local"] = [_python(), "-m", "siaga.services.twilio_local", "--host", "127.0.0.1",
                                "--port", str(_port("twilio")), "--account-sid", env_vals["TWILIO_ACCOUNT_SID"],
                                "--auth-token", env_vals["TWILIO_AUTH_TOKEN"]]
    if env_vals.get("PAYMENT_BASE_URL", "").startswith("http://127.0.0.1:"):
        cmds["gateway-local"] = [_python(), "-m", "siaga.services.gateway_local", "--host", "127.0.0.1",
                                 "--port", str(_port("pay")), "--notify-base", env_vals["API_URL"]]
    cmds["api"] = [_python(), "-m", "uvicorn", "siaga.services.api.app:app", "--host", "127.0.0.1",
                   "--port", env_vals["API_PORT"], "--no-access-log"]
    cmds["relay"] = [_python(), "-m", "siaga.services.relay"]
    cmds["notifier"] = [_python(), "-m", "siaga.services.notifier"]
    return cmds


def process_env(env_vals: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(env_vals)
    env["SIAGA_PROFILE"] = PROFILE
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Supervisor:
    """`make run` keeps its processes alive: one that exits (a crash, a worker that stopped
    after a failed recovery, a killed broker) is started again and the restart is logged. A
    process that keeps dying is left down after MAX_RESTARTS in RESTART_WINDOW_S, loudly."""
    MAX_RESTARTS, RESTART_WINDOW_S = 5, 300.0

    def __init__(self, env_vals: dict[str, str]) -> None:
        self.env_vals, self.env = env_vals, process_env(env_vals)
        self.restarts: dict[str, list[float]] = {}
        self.given_up: set[str] = set()

    def _may_restart(self, name: str) -> bool:
        now = time.monotonic()
        recent = [t for t in self.restarts.get(name, []) if now - t < self.RESTART_WINDOW_S]
        self.restarts[name] = recent + [now]
        if len(recent) >= self.MAX_RESTARTS:
            if name not in self.given_up:
                _log(f"{name} exited {len(recent) + 1} times in {self.RESTART_WINDOW_S:.0f} s; "
                     f"leaving it down: see {RUNTIME_DIR}/logs/{name}.log")
                self.given_up.add(name)
            return False
        _log(f"{name} exited; starting it again (log: {RUNTIME_DIR}/logs/{name}.log)")
        return True

    def check(self) -> None:
        if not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            node = broker.single_node(RUNTIME_DIR, _port("broker"))
            if not broker.running_pid(node, RUNTIME_DIR) and self._may_restart(node.name):
                broker.ensure_running(RUNTIME_DIR, _port("broker"))
        for name, argv in app_commands(self.env_vals).items():
            if not procs.read_pid(RUNTIME_DIR / "pids" / f"{name}.pid") and self._may_restart(name):
                procs.start(name, argv, RUNTIME_DIR, self.env)
        for i in range(1, worker_count() + 1):
            name = f"worker-{i}"
            if not procs.read_pid(RUNTIME_DIR / "pids" / f"{name}.pid") and self._may_restart(name):
                start_worker(i, self.env)


def up() -> dict[str, str]:
    _dirs()
    env_vals = _runtime_env()
    external_db = bool(os.environ.get("DATABASE_URL"))
    external_broker = bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    if not external_db:
        postgres.ensure_running(RUNTIME_DIR, _port("pg"))
        postgres.ensure_database(_port("pg"))
        _log(f"PostGIS on 127.0.0.1:{_port('pg')}")
    if not external_broker:
        started_now = broker.ensure_running(RUNTIME_DIR, _port("broker"))
        _log(f"Apache Kafka {broker.kafka_version()} (KRaft, one node) on "
             f"{env_vals['KAFKA_BOOTSTRAP_SERVERS']}" + (" (started)" if started_now else " (reused)"))
    _write_env_file(env_vals)

    from siaga.infra.migrate import migrate
    from siaga.infra.topics import TopicMismatch, ensure_topics

    applied = migrate(env_vals["DATABASE_URL"])
    if applied:
        _log(f"migrations applied: {', '.join(applied)}")
    from siaga.infra.settings import Settings

    try:
        created = ensure_topics(Settings(**{k.lower(): v for k, v in env_vals.items()}))
    except TopicMismatch as exc:
        sys.exit(f"[siaga] {exc}")
    if created:
        _log(f"topics created: {len(created)}")

    started = time.monotonic()
    env = process_env(env_vals)
    for name in (*APP_PROCS, *worker_names()):  # restart cleanly so they run the current code
        procs.stop(name, RUNTIME_DIR)
    procs.refuse_foreign_port(int(env_vals["API_PORT"]), "the API")
    if env_vals.get("TWILIO_BASE_URL"):
        procs.refuse_foreign_port(_port("twilio"), "the local Twilio server")
    if "gateway-local" in app_commands(env_vals):
        procs.refuse_foreign_port(_port("pay"), "the local payment gateway")
    for name, argv in app_commands(env_vals).items():
        procs.start(name, argv, RUNTIME_DIR, env)
    for i in range(1, worker_count() + 1):
        start_worker(i, env)
    if not _wait_http(env_vals["API_URL"] + "/healthz", 60):
        _log(f"API did not come up; see {RUNTIME_DIR}/logs/api.log")
        sys.exit(1)
    if not wait_workers_ready(env_vals["DATABASE_URL"], worker_count(), started_at=started):
        _log(f"workers did not settle; see {RUNTIME_DIR}/logs/worker-*.log (continuing)")
    _log("API, relay, notifier and workers started")
    return env_vals


def wait_workers_ready(database_url: str, count: int, started_at: float, timeout: float = 120) -> bool:
    """Until every worker has joined the group, owns partitions, recovered its tables and is
    not rebalancing: before that, events wait (tests and demos would see the delay)."""
    import psycopg

    deadline = time.monotonic() + timeout
    since = time.time() - (time.monotonic() - started_at)
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(database_url, autocommit=True) as c:
                rows = c.execute(
                    "SELECT detail FROM heartbeats WHERE kind = 'worker' AND seen_at > to_timestamp(%s) "
                    "AND seen_at > now() - interval '5 seconds'", (since,)).fetchall()
        except Exception:
            rows = []
        ready = [d for (d,) in rows if d.get("assigned", 0) > 0 and d.get("recovered")
                 and not d.get("rebalancing")]
        if len(rows) >= count and len(ready) >= count:
            return True
        time.sleep(0.5)
    return False


def down() -> bool:
    """Stop every process this profile started, then say which ports are still held (by what)."""
    # A `make run` in the foreground supervises its processes: stop it first, or it would
    # start again what we stop (it stops its own processes on the way out).
    runner = procs.read_pid(RUNTIME_DIR / "pids" / "stack.pid")
    stopped = []
    if runner and runner != os.getpid() and procs.stop("stack", RUNTIME_DIR, timeout=90):
        stopped.append("the foreground `make run` (with what it started)")
    stopped += [n for n in (*reversed(APP_PROCS), *worker_names()) if procs.stop(n, RUNTIME_DIR)]
    if broker.stop_embedded(RUNTIME_DIR, _port("broker")):
        stopped.append("kafka")
    try:
        if postgres.stop(RUNTIME_DIR):
            stopped.append("postgres")
    except RuntimeError as exc:
        _log(str(exc))
    ports = {"API": _port("api"), "Kafka": _port("broker"), "Kafka controller": _port("broker") + 1,
             "PostgreSQL": _port("pg"), "local Twilio": _port("twilio"), "local payment gateway": _port("pay")}
    held = [f"{what} port {port} ({procs.port_holder(port) or 'unknown process'})"
            for what, port in ports.items() if procs.port_open("127.0.0.1", port)]
    _log(f"stopped ({PROFILE}): {', '.join(stopped) or 'nothing was running'}")
    if held:
        _log("still held, not by a process this profile started: " + "; ".join(held))
    return not held


def urls(env: dict[str, str]) -> str:
    api = env["API_URL"]
    lines = [
        f"  Request form (requesters):   {api}/",
        f"  Coordinators' map:           {api}/map",
        f"  Public map:                  {api}/public",
        f"  Volunteer sign-up:           {api}/relawan/daftar",
        f"  Donations (transparency):    {api}/campaigns   (verify: python -m siaga verify-ledger {api})",
        f"  API docs (OpenAPI):          {api}/docs",
        f"  Health / metrics:            {api}/healthz   {api}/metrics",
        f"  Kafka bootstrap:             {env['KAFKA_BOOTSTRAP_SERVERS']}",
        f"  Database:                    {env['DATABASE_URL']}",
    ]
    if env.get("TWILIO_BASE_URL"):
        lines.append(f"  Local Twilio (sent SMS):     {env['TWILIO_BASE_URL']}/_local/")
    if env.get("PAYMENT_BASE_URL", "").startswith("http://127.0.0.1:"):
        lines.append(f"  Local payment gateway:       {env['PAYMENT_BASE_URL']}/_local/orders")
    lines.append(f"  Settings file:               {RUNTIME_DIR / 'env'}")
    return "\n".join(lines)


def _load_demo(env: dict[str, str]) -> None:
    """The demo data, through the API (services/demo.py, a process like the other services)."""
    import subprocess

    try:
        done = subprocess.run([_python(), "-m", "siaga.services.demo"], env=process_env(env), cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        done = None
    if done is not None and done.returncode == 0:
        _log(f"demo loaded: {done.stdout.strip()}")
    else:   # the system still runs; say why the demo is missing
        why = (done.stderr.strip().splitlines() or ["no output"])[-1] if done is not None else "timed out"
        _log(f"demo could not be loaded: {why}")


def run() -> None:
    lock = RUNTIME_DIR / "pids" / "stack.pid"
    other = procs.read_pid(lock)
    if other and other != os.getpid():
        print(f"Siaga is already running (make run, pid {other}); reusing it:\n"
              + urls(read_env_file()), flush=True)
        return
    _dirs()
    lock.write_text(str(os.getpid()))
    env = up()
    _load_demo(env)
    print("\nSiaga is running:\n" + urls(env) + "\n\nCtrl-C (or `make stop`) stops everything.\n",
          flush=True)
    stop = {"flag": False}

    def _handler(*_):
        stop["flag"] = True

    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)
    supervisor = Supervisor(env)
    last_check = time.monotonic()
    while not stop["flag"]:
        time.sleep(0.5)
        if time.monotonic() - last_check > 5:
            supervisor.check()
            last_check = time.monotonic()
    down()
    lock.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m siaga.infra.dev.stack")
    parser.add_argument("command", choices=["run", "up", "down", "status", "urls"])
    parser.add_argument("--fresh", action="store_true",
                        help="stop everything and start from empty broker and database (tests)")
    args = parser.parse_args()
    os.chdir(REPO_ROOT)
    if args.fresh:
        down()
        import shutil

        shutil.rmtree(RUNTIME_DIR, ignore_errors=True)
    if args.command == "run":
        run()
    elif args.command == "up":
        env = up()
        print(urls(env))
    elif args.command == "down":
        if not down():
            sys.exit(1)
    elif args.command == "urls":
        print(urls(read_env_file()))
    else:
        for name in ("broker", *APP_PROCS, *worker_names()):
            pid = procs.read_pid(RUNTIME_DIR / "pids" / f"{name}.pid")
            print(f"{name:14s} {'running pid ' + str(pid) if pid else 'stopped'}")


if __name__ == "__main__":
    main()
