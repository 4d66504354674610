"""Streams on the real broker: malformed events go to the dead-letter topic with the reason and
the workers carry on; replaying an event changes nothing in PostGIS."""
from __future__ import annotations

import json
import uuid

import pytest

from siaga.core.codes import tracking_code
from siaga.schemas.events import AidRequest
from tests.stack import wait_for

pytestmark = pytest.mark.integration


def producer(env):
    from confluent_kafka import Producer

    return Producer({"bootstrap.servers": env["KAFKA_BOOTSTRAP_SERVERS"], "partitioner": "murmur2_random"})


def test_malformed_events_are_dead_lettered_and_workers_keep_going(env, db):
    p = producer(env)
    marker = uuid.uuid4().hex
    p.produce("aid-requests", key=b"junk", value=b"{not json " + marker.encode())
    p.produce("aid-requests", key=b"bad", value=json.dumps({"type": "aid_request.submitted", "marker": marker,
                                                            "needs": ["water"]}).encode())
    good = AidRequest(request_id=uuid.uuid4(), tracking_code=tracking_code(), channel="api", needs=["food"])
    p.produce("aid-requests", key=str(good.request_id).encode(), value=good.to_bytes())
    p.flush(10)
    def letters():
        rows = db.execute("SELECT reason FROM dead_letters WHERE payload LIKE %s", (f"%{marker}%",)).fetchall()
        return rows if len(rows) >= 2 else None

    rows = wait_for(letters, 60, what="two dead letters")
    assert len(rows) == 2   # two consumers reject each record; each is kept once
    reasons = " | ".join(r[0] for r in rows)
    assert "request_id" in reasons            # names the missing field
    assert "JSONDecodeError" in reasons or "json" in reasons.lower()
    wait_for(lambda: db.execute("SELECT 1 FROM requests WHERE request_id = %s", (good.request_id,)).fetchone(),
             30, what="the valid event after the bad ones")


def test_replaying_an_event_changes_nothing(env, db):
    p = producer(env)
    ev = AidRequest(request_id=uuid.uuid4(), tracking_code=tracking_code(), channel="api", needs=["shelter"],
                    people=9, location={"lat": -7.9, "lon": 110.4})
    for _ in range(3):
        p.produce("aid-requests", key=str(ev.request_id).encode(), value=ev.to_bytes())
    p.flush(10)
    wait_for(lambda: db.execute("SELECT 1 FROM requests WHERE request_id = %s", (ev.request_id,)).fetchone(),
             30, what="replayed request stored")
    import time

    time.sleep(2)
    assert db.execute("SELECT count(*) FROM requests WHERE request_id = %s", (ev.request_id,)).fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM request_reports WHERE request_id = %s",
                      (ev.request_id,)).fetchone()[0] == 1


def test_topics_have_their_declared_partitions_and_settings(env):
    from siaga.infra.settings import get_settings
    from siaga.infra.topics import declared_config, describe
    from siaga.schemas.topics import all_topics

    settings = get_settings()
    found = describe(settings)
    for spec in all_topics():
        assert found[spec.name]["partitions"] == spec.partitions, spec.name
        assert found[spec.name]["replication_factor"] == settings.kafka_replication_factor, spec.name
        for key, value in declared_config(spec, settings).items():
            assert found[spec.name]["config"][key] == value, (spec.name, key)
    assert found["volunteer-registrations"]["config"]["cleanup.policy"] == "compact"
    assert int(found["dead-letter"]["config"]["retention.ms"]) >= 365 * 24 * 3600 * 1000

