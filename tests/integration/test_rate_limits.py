"""Issue 14, item 2: per-address limits on the public routes that record something. A second
API process on the test stack's database and broker runs with RATE_LIMIT_INTAKE=5/minute (the
stack's own API is set wide open, since the other tests load it from one address)."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid

import httpx
import psycopg
import pytest

from siaga.infra.settings import REPO_ROOT
from tests.stack import wait_for

pytestmark = pytest.mark.integration
PORT = 18111


@pytest.fixture(scope="module")
def limited(env):
    proc_env = {**os.environ, **env, "API_PORT": str(PORT), "RATE_LIMIT_INTAKE": "5/minute;50/hour",
                "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "siaga.services.api.app:app", "--host", "127.0.0.1",
                             "--port", str(PORT), "--no-access-log"], cwd=REPO_ROOT, env=proc_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=15, trust_env=False) as c:
            def up():
                try:
                    return c.get("/healthz").status_code < 500
                except httpx.HTTPError:
                    assert proc.poll() is None, proc.stderr.read()[-2000:]
                    return False
            wait_for(up, 60, "the rate-limited API")
            yield c
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_client_over_the_limit_gets_429_with_retry_after_and_nothing_recorded(limited, env):
    run = uuid.uuid4().hex[:8]
    body = lambda i: {"client_id": f"limit-{run}-{i}", "needs": ["water"], "people": 2,  # noqa: E731
                      "location": {"lat": -7.79, "lon": 110.36}}
    accepted = []
    for i in range(5):
        r = limited.post("/api/v1/requests", json=body(i))
        assert r.status_code == 202, r.text
        accepted.append(r.json()["request_id"])
    over = limited.post("/api/v1/requests", json=body(5))
    assert over.status_code == 429
    assert 1 <= int(over.headers["retry-after"]) <= 60
    assert "too many requests" in over.json()["error"] and "nothing was recorded" in over.json()["error"]
    # The form and the offer links share the window: the same address is refused there too.
    page = limited.post("/request", data={"client_id": f"limit-{run}-form", "needs": ["food"], "people": "1"})
    assert page.status_code == 429
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as db:
        stored = db.execute("SELECT count(*) FROM outbox WHERE topic = 'aid-requests' "
                            "AND convert_from(value, 'UTF8') LIKE %s", (f"%limit-{run}-%",)).fetchone()[0]
    assert stored == 5   # the five acknowledged ones, none of the refused
    # Reads are not limited: the status of an acknowledged request still answers.
    assert limited.get(f"/api/v1/requests/{accepted[0]}").status_code == 200
