"""Issue 2: acknowledged means durable. With the broker down, the API keeps accepting (the
outbox holds the events); when the broker is back, all of them reach the topic, none twice.
Named test_zz so it runs after the other integration tests: it restarts the broker."""
from __future__ import annotations

import os
import uuid

import pytest

from infra import broker, procs
from infra.settings import RUNTIME_DIR
from tests.integration.test_intake_api import GOOD, read_topic
from tests.stack import wait_for

pytestmark = pytest.mark.integration


def test_hundred_requests_during_a_broker_outage_arrive_once(env, api, db):
    if env.get("BROKER_IS_TANSU") != "true":
        pytest.skip("only the embedded broker can be stopped and started by the test")
    port = int(env["KAFKA_BOOTSTRAP_SERVERS"].rsplit(":", 1)[1])
    procs.stop("broker", RUNTIME_DIR)
    assert not procs.port_open("127.0.0.1", port)
    run = uuid.uuid4().hex[:8]
    ids = set()
    for i in range(100):
        r = api.post("/api/v1/requests", json={**GOOD, "client_id": f"outage-{run}-{i:03d}"})
        assert r.status_code == 202, r.text
        ids.add(r.json()["request_id"])
    # retries during the outage are answered from the outbox, not duplicated
    assert api.post("/api/v1/requests", json={**GOOD, "client_id": f"outage-{run}-007"}).status_code == 202
    backlog = db.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL AND key = ANY(%s)",
                         (list(ids),)).fetchone()[0]
    assert backlog == 100
    assert api.get("/healthz").json()["accepting"] is True

    broker.ensure_running(RUNTIME_DIR, port)   # memory storage: a fresh, empty broker
    from infra.topics import ensure_topics

    ensure_topics(env["KAFKA_BOOTSTRAP_SERVERS"])
    wait_for(lambda: db.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL AND key = ANY(%s)",
                                (list(ids),)).fetchone()[0] == 0, 90, what="outbox drained")
    found = read_topic(env, "aid-requests", ids, timeout=60)
    assert set(found) >= ids
    assert all(len(found[i]) == 1 for i in ids), "an event reached the topic twice"

    # leave a working stack behind: the workers lost their broker state with it
    from infra.stack import start_worker, worker_count

    wenv = dict(os.environ)
    wenv.update(env)
    for i in range(1, worker_count() + 1):
        start_worker(i, wenv)
