"""Bring the whole local system up or down: PostGIS, broker, topics, migrations, API, relay,
workers, notifier and the local Twilio-compatible server.

    python -m infra.stack run     # foreground: up, demo, URLs, Ctrl-C stops everything
    python -m infra.stack up      # background (used by make test)
    python -m infra.stack down    # stop what we started, by pid

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

from infra import broker, postgres, procs
from infra.settings import PROFILE, REPO_ROOT, RUNTIME_DIR

# The test profile runs the dispatch clock fast, so offers expire and requests escalate in seconds.
TEST_TIMING = {"OFFER_TIMEOUT_S": "60", "URGENT_OFFER_TIMEOUT_S": "45", "ESCALATE_AFTER_S": "90",
               "URGENT_ESCALATE_AFTER_S": "60", "ESCALATED_RETRY_S": "10", "MATCH_RETRY_S": "2",
               "ASSIGNED_CHECK_S": "10"}
PORTS = {  # profile -> base ports; each can be overridden by its env variable
    "run": {"api": 8000, "broker": 19092, "pg": 55432, "twilio": 18080, "faust": 6066},
    "test": {"api": 18000, "broker": 29092, "pg": 55433, "twilio": 28080, "faust": 16066},
}
APP_PROCS = ("twilio-local", "relay", "worker-1", "worker-2", "notifier", "api")


def _port(kind: str) -> int:
    env = {"api": "API_PORT", "broker": "SIAGA_BROKER_PORT", "pg": "SIAGA_PG_PORT",
           "twilio": "SIAGA_TWILIO_PORT", "faust": "FAUST_WEB_PORT"}[kind]
    return int(os.environ.get(env) or PORTS.get(PROFILE, PORTS["run"])[kind])


def _log(msg: str) -> None:
    print(f"[siaga] {msg}", flush=True)


def _dirs() -> None:
    for sub in ("", "logs", "pids"):
        (RUNTIME_DIR / sub).mkdir(parents=True, exist_ok=True)


def _runtime_env() -> dict[str, str]:
    """Settings every process gets; also written to RUNTIME_DIR/env for tools and tests."""
    prev = _read_env_file()
    env: dict[str, str] = {}
    api_port = _port("api")
    env["API_PORT"] = str(api_port)
    env["API_URL"] = f"http://127.0.0.1:{api_port}"
    env["PUBLIC_BASE_URL"] = os.environ.get("PUBLIC_BASE_URL", env["API_URL"])
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        env["KAFKA_BOOTSTRAP_SERVERS"] = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        env["BROKER_IS_TANSU"] = os.environ.get("BROKER_IS_TANSU", "false")
    else:
        env["KAFKA_BOOTSTRAP_SERVERS"] = f"127.0.0.1:{_port('broker')}"
        env["BROKER_IS_TANSU"] = os.environ.get("BROKER_IS_TANSU", "true")
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
    env["TWILIO_SMS_FROM"] = os.environ.get("TWILIO_SMS_FROM", "+15005550006")
    env["TWILIO_WHATSAPP_FROM"] = os.environ.get("TWILIO_WHATSAPP_FROM", "whatsapp:+14155238886")
    if PROFILE == "test":
        for k, v in TEST_TIMING.items():
            env[k] = os.environ.get(k, v)
    for passthrough in ("OFFER_TIMEOUT_S", "URGENT_OFFER_TIMEOUT_S", "OFFERS_AT_ONCE", "TILE_URL",
                        "FAUST_STORE", "CHECKIN_STALE_S", "ESCALATE_AFTER_S",
                        "URGENT_ESCALATE_AFTER_S", "ESCALATED_RETRY_S", "MATCH_RETRY_S",
                        "ASSIGNED_CHECK_S", "TANSU_FETCH_WAIT_MS", "TANSU_LINGER_MS"):
        if os.environ.get(passthrough):
            env[passthrough] = os.environ[passthrough]
    return env


def _read_env_file() -> dict[str, str]:
    path = RUNTIME_DIR / "env"
    out: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                out[k.strip()] = v.strip()
    return out


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
    return int(os.environ.get("SIAGA_WORKERS", "2" if PROFILE == "test" else "1"))


def start_worker(index: int, env: dict[str, str]) -> None:
    name = f"worker-{index}"
    procs.stop(name, RUNTIME_DIR)
    data_dir = RUNTIME_DIR / "faust" / name
    data_dir.mkdir(parents=True, exist_ok=True)
    port = int(env["FAUST_WEB_PORT"]) + index - 1
    procs.start(name, [_python(), "-m", "streams.worker", "--web-port", str(port),
                       "--data-dir", str(data_dir)], RUNTIME_DIR, env)


def up() -> dict[str, str]:
    _dirs()
    env_vals = _runtime_env()
    external_db = bool(os.environ.get("DATABASE_URL"))
    external_broker = bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    if not external_db:
        postgres.ensure_running(RUNTIME_DIR, _port("pg"))
        postgres.ensure_database(_port("pg"))
        _log(f"PostGIS on 127.0.0.1:{_port('pg')}")
    broker_restarted = False
    if not external_broker:
        broker_restarted = broker.ensure_running(RUNTIME_DIR, _port("broker"))
        _log(f"broker (Tansu) on {env_vals['KAFKA_BOOTSTRAP_SERVERS']}"
             + (" (fresh)" if broker_restarted else " (reused)"))
    _write_env_file(env_vals)

    from infra.migrate import migrate
    from infra.topics import ensure_topics

    applied = migrate(env_vals["DATABASE_URL"])
    if applied:
        _log(f"migrations applied: {', '.join(applied)}")
    created = ensure_topics(env_vals["KAFKA_BOOTSTRAP_SERVERS"])
    if created:
        _log(f"topics created: {len(created)}")

    started = time.monotonic()
    env = dict(os.environ)
    env.update(env_vals)
    env["SIAGA_PROFILE"] = PROFILE
    env["PYTHONUNBUFFERED"] = "1"
    for name in APP_PROCS:  # restart cleanly so they run the current code
        procs.stop(name, RUNTIME_DIR)
    if env_vals.get("TWILIO_BASE_URL"):
        procs.start("twilio-local", [_python(), "-m", "services.twilio_local", "--host", "127.0.0.1",
                                     "--port", str(_port("twilio")),
                                     "--account-sid", env_vals["TWILIO_ACCOUNT_SID"],
                                     "--auth-token", env_vals["TWILIO_AUTH_TOKEN"]],
                    RUNTIME_DIR, env)
    procs.start("api", [_python(), "-m", "uvicorn", "services.api.app:app", "--host", "127.0.0.1",
                        "--port", env_vals["API_PORT"], "--no-access-log"], RUNTIME_DIR, env)
    procs.start("relay", [_python(), "-m", "services.relay"], RUNTIME_DIR, env)
    procs.start("notifier", [_python(), "-m", "services.notifier"], RUNTIME_DIR, env)
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


def down() -> None:
    for name in reversed(APP_PROCS):
        procs.stop(name, RUNTIME_DIR)
    procs.stop("broker", RUNTIME_DIR)
    postgres.stop(RUNTIME_DIR)
    _log("stopped")


def urls(env: dict[str, str]) -> str:
    api = env["API_URL"]
    lines = [
        f"  Request form (requesters):   {api}/",
        f"  Coordinators' map:           {api}/map",
        f"  Public map:                  {api}/public",
        f"  API docs (OpenAPI):          {api}/docs",
        f"  Health / metrics:            {api}/healthz   {api}/metrics",
        f"  Kafka bootstrap:             {env['KAFKA_BOOTSTRAP_SERVERS']}",
        f"  Database:                    {env['DATABASE_URL']}",
    ]
    if env.get("TWILIO_BASE_URL"):
        lines.append(f"  Local Twilio (sent SMS):     {env['TWILIO_BASE_URL']}/_local/")
    lines.append(f"  Settings file:               {RUNTIME_DIR / 'env'}")
    return "\n".join(lines)


def run() -> None:
    env = up()
    from infra.demo import load_demo

    try:
        summary = load_demo(env)
        _log(f"demo loaded: {summary}")
    except Exception as exc:  # the system still runs; say why the demo is missing
        _log(f"demo could not be loaded: {exc}")
    print("\nSiaga is running:\n" + urls(env) + "\n\nCtrl-C (or `make stop`) stops everything.\n",
          flush=True)
    stop = {"flag": False}

    def _handler(*_):
        stop["flag"] = True

    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)
    while not stop["flag"]:
        time.sleep(0.5)
    down()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.stack")
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
        down()
    elif args.command == "urls":
        print(urls(_read_env_file()))
    else:
        for name in ("broker", *APP_PROCS):
            pid = procs.read_pid(RUNTIME_DIR / "pids" / f"{name}.pid")
            print(f"{name:14s} {'running pid ' + str(pid) if pid else 'stopped'}")


if __name__ == "__main__":
    main()
