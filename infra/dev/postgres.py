"""A private PostgreSQL 15 + PostGIS cluster under the runtime folder (Debian packages)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from siaga.infra.dev.procs import pid_alive, refuse_foreign_port

PGBIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(argv: list[str]) -> list[str]:
    # root cannot run postgres; other users run it as themselves
    import os

    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


def _chown(path: Path) -> None:
    import os

    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def ensure_running(run_dir: Path, port: int) -> None:
    pg_dir = run_dir / "pg"
    data = pg_dir / "data"
    if not pg_dir.exists():
        pg_dir.mkdir(parents=True, mode=0o700)
    _chown(pg_dir)
    pg_dir.chmod(0o700)
    if not (data / "PG_VERSION").exists():
        subprocess.run(
            _as_postgres([str(PGBIN / "initdb"), "-D", str(data), "-U", "postgres",
                          "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
            check=True, stdout=subprocess.DEVNULL,
        )
    if running(run_dir):
        return
    refuse_foreign_port(port, "PostgreSQL")
    log = pg_dir / "pg.log"
    # jit=off: JIT makes the KNN volunteer query slower (FIELD-NOTES); generic plans use the index.
    opts = (f"-c listen_addresses=127.0.0.1 -p {port} -k {pg_dir} -c jit=off "
            "-c plan_cache_mode=force_generic_plan -c max_connections=200 "
            "-c fsync=on -c synchronous_commit=on")
    subprocess.run(
        _as_postgres([str(PGBIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o", opts, "start"]),
        check=True, stdout=subprocess.DEVNULL,
    )


def ensure_database(port: int, name: str = "siaga") -> None:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname=%s", (name,)).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')


def running(run_dir: Path) -> int | None:
    """The pid of our postmaster, if it runs (its first line of postmaster.pid)."""
    try:
        pid = int((run_dir / "pg" / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if pid_alive(pid) else None


def stop(run_dir: Path) -> bool:
    """Stop our cluster; True when it was running and has stopped."""
    data = run_dir / "pg" / "data"
    if not running(run_dir):
        return False
    subprocess.run(_as_postgres([str(PGBIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                   check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if running(run_dir):
        raise RuntimeError(f"PostgreSQL in {data} did not stop")
    return True
