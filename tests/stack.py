"""Finding the running stack from tests: `make test` starts it and writes its settings file."""
from __future__ import annotations

import contextlib
import time

import pytest

from siaga.infra.settings import RUNTIME_DIR, read_env_file


ENV_FILE = RUNTIME_DIR / "env"


def read_env() -> dict[str, str]:
    return read_env_file(ENV_FILE)


def stack_env() -> dict[str, str]:
    if not ENV_FILE.exists():
        pytest.skip(f"needs the running stack (make test starts it); no {ENV_FILE}")
    return read_env()


def wait_for(predicate, timeout: float, what: str = "condition", interval: float = 0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for: {what} (last: {last!r})")


@contextlib.contextmanager
def signed_in(env: dict[str, str], role: str = "coordinator", timeout: float = 15, **client):
    """An httpx client of the stack's API signed in with a fresh account of `role` (a unique
    name, so the sign-in rate limits of other tests never interfere); `client` goes to
    httpx.Client. Closed when the block ends."""
    import secrets

    import httpx
    import psycopg

    from siaga.services.auth.accounts import create_coordinator_sync

    username, password = f"t{role[:3]}-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        create_coordinator_sync(conn, username, password, role, created_by="tests")
    with httpx.Client(base_url=env["API_URL"], timeout=timeout, **client) as c:
        r = c.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        c.headers["X-CSRF-Token"] = c.cookies["siaga_csrf"]   # as the map's scripts send it
        yield c
