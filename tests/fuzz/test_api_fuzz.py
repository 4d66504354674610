"""Fuzzing the API: schemathesis generates requests for every operation of the app's own OpenAPI
(read from the running stack) and checks each answer: never a 5xx, the status code and the body
as documented, and an answer within REQUEST_TIMEOUT_S (no request hangs).

Every operation runs anonymously; the routes that need a signed-in role must then answer 401 or
403. The routes that need a role (or decide inside who may) run once more with a signed-in
admin session, which passes every role check, and the admin's and treasurer's routes once more
as a plain coordinator, who must get 403.

SIAGA_FUZZ_CASES sets the cases per operation: 100 by default (inside `make test`, with a fixed
seed so a failure reproduces), 1000 in `make fuzz` (SIAGA_FUZZ_RANDOM=1: a new seed each run;
hypothesis prints the seed of a failure with its request).
"""
from __future__ import annotations

import os
import secrets
import time

import pytest
import requests

from tests.stack import ENV_FILE, read_env

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CASES = int(os.environ.get("SIAGA_FUZZ_CASES") or 100)
RANDOM = os.environ.get("SIAGA_FUZZ_RANDOM") == "1"
REQUEST_TIMEOUT_S = 10.0
# The live streams never end: read them for this long (or until their first event), then hang up.
STREAM_READ_S = 1.0
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
PASSWORD = "correct-horse-battery-9"

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")


def _load_schema():
    if not ENV_FILE.exists():
        pytest.skip(f"needs the running stack (make test starts it); no {ENV_FILE}", allow_module_level=True)
    env = read_env()
    config = schemathesis.Config.from_dict({
        "max-stream-events": 1,
        "request-timeout": REQUEST_TIMEOUT_S,
        "suppress-health-check": ["all"],
        **({} if RANDOM else {"seed": 14}),
    })
    try:
        return env, schemathesis.openapi.from_url(env["API_URL"] + "/openapi.json", config=config, timeout=10)
    except Exception as exc:  # noqa: BLE001 - any failure to reach the stack means: not here
        pytest.skip(f"the stack's API at {env.get('API_URL')} does not answer: {exc}", allow_module_level=True)


ENV, schema = _load_schema()
API = ENV["API_URL"]


def _needs_sign_in() -> tuple[set[str], set[str], set[str]]:
    """"METHOD /path" of the routes that need a role, of those that need more than a coordinator
    (admin, treasurer), of those that look at the session inside: from the app's own
    dependencies (tests/unit/test_route_access.py lists the same)."""
    from siaga.services.auth import deps
    from tests.unit.test_route_access import DECIDES_INSIDE, NEEDS_ROLE, _routes

    routes = _routes()
    return ({k for k, calls in routes.items() if calls & NEEDS_ROLE},
            {k for k, calls in routes.items() if calls & {deps.require_admin, deps.require_treasurer}},
            set(DECIDES_INSIDE))


NEEDS_ROLE, NEEDS_MORE, DECIDES_INSIDE = _needs_sign_in()


def _label(case) -> str:
    return f"{case.method.upper()} {case.operation.path}"


def _settings():
    return settings(max_examples=CASES, deadline=None, database=None, derandomize=not RANDOM,
                    suppress_health_check=list(HealthCheck), print_blob=True)


TIMES: dict[str, list[float]] = {}   # seconds per call, by operation (SIAGA_FUZZ_TIMES=1 prints them)


def _call(case, session: requests.Session):
    timeout = STREAM_READ_S if case.operation.path.endswith("/live") else REQUEST_TIMEOUT_S
    started = time.monotonic()
    response = case.call(base_url=API, session=session, timeout=timeout)
    took = time.monotonic() - started
    TIMES.setdefault(_label(case), []).append(took)
    assert took < REQUEST_TIMEOUT_S + 2, f"{_label(case)} took {took:.1f}s"
    case.validate_response(response, checks=CHECKS)
    return response


@pytest.fixture(scope="module")
def anonymous():
    with requests.Session() as s:
        s.trust_env = False
        yield s


def _signed_in(role: str):
    """A session signed in through the real login route, as a fresh account of `role`."""
    import psycopg

    from siaga.services.auth.accounts import create_coordinator_sync

    username = f"tfuzz-{secrets.token_hex(4)}"
    with psycopg.connect(ENV["DATABASE_URL"], autocommit=True) as conn:
        create_coordinator_sync(conn, username, PASSWORD, role, created_by="tests/fuzz")
    with requests.Session() as s:
        s.trust_env = False
        r = s.post(API + "/api/v1/auth/login", json={"username": username, "password": PASSWORD}, timeout=15)
        assert r.status_code == 200, r.text
        s.headers["X-CSRF-Token"] = s.cookies["siaga_csrf"]   # as the map's scripts send it
        yield s
        # Still signed in: no fuzzed request may have ended the session.
        assert s.get(API + "/api/v1/auth/me", timeout=15).status_code == 200


@pytest.fixture(scope="module")
def admin():
    """An admin passes every role check."""
    yield from _signed_in("admin")


@pytest.fixture(scope="module")
def coordinator():
    yield from _signed_in("coordinator")


@pytest.fixture(scope="module", autouse=True)
def forget_fuzzed_sign_in_failures():
    """Fuzzing the login route records failed attempts from 127.0.0.1, which rate-limits every
    sign-in from here for a minute: forget the ones made during this module, so later tests can
    sign in."""
    import psycopg

    with psycopg.connect(ENV["DATABASE_URL"], autocommit=True) as conn:
        since = conn.execute("SELECT now()").fetchone()[0]
    yield
    with psycopg.connect(ENV["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("DELETE FROM login_failures WHERE at >= %s", (since,))


signed_in_ops = schema.include(
    lambda ctx: f"{ctx.operation.method.upper()} {ctx.operation.path}" in NEEDS_ROLE | DECIDES_INSIDE)


@signed_in_ops.parametrize()
@_settings()
def test_signed_in(case, admin):
    _call(case, admin)


@schema.include(lambda ctx: f"{ctx.operation.method.upper()} {ctx.operation.path}" in NEEDS_MORE).parametrize()
@_settings()
def test_signed_in_without_the_role(case, coordinator):
    response = _call(case, coordinator)
    # (schemathesis also sends methods the route does not have: 405 is right for those)
    if case.method.upper() == case.operation.method.upper() and not _unparsable_body(response):
        assert response.status_code == 403, (
            f"{_label(case)} answered {response.status_code} to a coordinator: {response.text[:300]}")


@schema.parametrize()
@_settings()
def test_anonymous(case, anonymous):
    response = _call(case, anonymous)
    if _label(case) in NEEDS_ROLE and not _unparsable_body(response):
        assert response.status_code in (401, 403), (
            f"{_label(case)} answered {response.status_code} without signing in: {response.text[:300]}")


def _unparsable_body(response) -> bool:
    """FastAPI reads a JSON body before any dependency runs, so a body that is no JSON at all is a
    422 before the sign-in check can say 401 (it tells nothing about the route's data)."""
    if response.status_code != 422:
        return False
    detail = response.json().get("detail") or [{}]
    return detail[0].get("field") == "body" and detail[0].get("message", "").startswith("the body is not valid JSON")


def teardown_module():
    if os.environ.get("SIAGA_FUZZ_TIMES"):
        for label, times in sorted(TIMES.items(), key=lambda kv: -sum(kv[1])):
            print(f"{sum(times):7.1f}s {len(times):5d} calls  {label}")
