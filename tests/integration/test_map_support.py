"""Shared helpers for the map, sign-in and public-view tests (no tests in here).

They run against whatever stack profile is up: the settings file is RUNTIME_DIR/env
(.siaga/test/env under `make test`, .siaga/<profile>/env otherwise). Without it they skip.
"""
from __future__ import annotations

import os
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import httpx
import psycopg
import pytest

from tests.stack import ENV_FILE, read_env, wait_for  # noqa: F401  (re-exported)
from siaga.services.auth.accounts import create_coordinator_sync

PASSWORD = "correct-horse-battery-9"



class Stack:
    def __init__(self, env: dict[str, str]):
        self.api = env["API_URL"]
        self.database_url = env["DATABASE_URL"]
        self.env = env

    def db(self) -> psycopg.Connection:
        return psycopg.connect(self.database_url, autocommit=True)

    def account(self, role: str = "coordinator") -> tuple[str, str]:
        """A fresh account (unique name, so rate limits of other tests never interfere)."""
        username = f"t{role[:3]}-{secrets.token_hex(4)}"
        with self.db() as conn:
            create_coordinator_sync(conn, username, PASSWORD, role, created_by="tests")
        return username, PASSWORD

    def client(self, **kw) -> httpx.Client:
        return httpx.Client(base_url=self.api, timeout=15, **kw)

    def signed_in(self, role: str = "coordinator") -> httpx.Client:
        username, password = self.account(role)
        client = self.client()
        r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        client.headers["X-CSRF-Token"] = client.cookies["siaga_csrf"]   # as the map's scripts send it
        client.username = username  # type: ignore[attr-defined]
        return client

    def post_request(self, client: httpx.Client | None = None, **overrides) -> dict:
        body: dict[str, Any] = {"needs": ["water"], "people": 3, "urgency": "high", "text": "butuh air bersih",
                                "location": {"lat": -7.7301, "lon": 110.4102}}
        body.update(overrides)
        c = client or self.client()
        r = c.post("/api/v1/requests", json=body)
        assert r.status_code == 202, r.text
        return r.json()

    def wait_stored(self, request_id: str, timeout: float = 40) -> None:
        def stored():
            with self.db() as conn:
                return conn.execute("SELECT 1 FROM requests WHERE request_id = %s", (request_id,)).fetchone()
        wait_for(stored, timeout, f"request {request_id} stored by the sink")

    def volunteer(self, lat: float, lon: float, name: str | None = None, timeout: float = 40) -> str:
        """Register + check in an available volunteer through the API; wait until stored."""
        phone = "0813" + str(secrets.randbelow(10**8)).zfill(8)
        with closing(self.signed_in()) as c:   # the JSON API registers volunteers for coordinators only
            r = c.post("/api/v1/volunteers", json={"name": name or f"Relawan Uji {phone[-4:]}", "phone": phone,
                                                   "skills": ["logistics", "driver"], "vehicle": "motorbike"})
            assert r.status_code == 202, r.text
            vid = r.json()["volunteer_id"]

            def registered():
                with self.db() as conn:
                    return conn.execute("SELECT 1 FROM volunteers WHERE volunteer_id = %s", (vid,)).fetchone()
            # Check in only once registered: a check-in stored concurrently with the registration
            # can be lost by the sink (both updates miss each other's uncommitted row).
            wait_for(registered, timeout, f"volunteer {vid} registered")
            r = c.post(f"/api/v1/volunteers/{vid}/checkins",
                       json={"location": {"lat": lat, "lon": lon}, "available": True})
            assert r.status_code == 202, r.text

        def ready():
            with self.db() as conn:
                return conn.execute("SELECT 1 FROM volunteers WHERE volunteer_id = %s AND available "
                                    "AND geom IS NOT NULL", (vid,)).fetchone()
        wait_for(ready, timeout, f"volunteer {vid} stored and available")
        return vid



def _stack_or_skip() -> Stack:
    if not ENV_FILE.exists():
        pytest.skip(f"no running stack: {ENV_FILE} is missing (start one with `make up` / python -m siaga.infra.dev.stack up)")
    env = read_env()
    try:
        ok = httpx.get(env["API_URL"] + "/healthz", timeout=5).status_code < 500
    except httpx.HTTPError as exc:
        pytest.skip(f"the stack's API at {env.get('API_URL')} does not answer: {exc}")
    if not ok:
        pytest.skip("the stack's database is not healthy")
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('coordinators')").fetchone()[0] is None:
            pytest.skip("migration 003_map_auth.sql is not applied on this stack")
    return Stack(env)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    yield _stack_or_skip()


def bbox_around(lat: float, lon: float, d: float = 0.01) -> str:
    return f"{lon - d},{lat - d},{lon + d},{lat + d}"


def unique_point(base_lat: float = -7.70, base_lon: float = 110.40) -> tuple[float, float]:
    """A point no other test uses, so bbox queries around it see only this test's data."""
    n = uuid.uuid4().int
    return round(base_lat - (n % 900) / 1000, 5), round(base_lon + ((n >> 12) % 900) / 1000, 5)


os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
