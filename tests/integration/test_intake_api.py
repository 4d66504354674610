"""Issue 2: the intake API on the real stack: durable before 2xx, idempotent retries, events on
the topic that validate against the exported JSON Schema, and 4xx (never 5xx) for bad input."""
from __future__ import annotations

import json
import uuid

import jsonschema
import pytest

from siaga.schemas.export import JSON_DIR
from tests.stack import wait_for

pytestmark = pytest.mark.integration

GOOD = {"needs": ["water", "medical"], "people": 12, "vulnerable": ["infant"], "urgency": "high",
        "text": "Butuh air bersih dan obat untuk 12 orang", "phone": "0812-3456-7890",
        "location": {"lat": -7.7829, "lon": 110.3671, "accuracy_m": 15}}


def read_topic(env, topic: str, want: set[str], key_field: str = "request_id", timeout: float = 30.0) -> dict:
    """An independent client (confluent-kafka, its own group) reads the topic from the start."""
    from confluent_kafka import Consumer

    from siaga.infra import kafka_config

    c = Consumer(kafka_config.confluent(**{"bootstrap.servers": env["KAFKA_BOOTSTRAP_SERVERS"],
                                           "group.id": f"test-{uuid.uuid4()}",
                                           "auto.offset.reset": "earliest", "enable.auto.commit": False}))
    c.subscribe([topic])
    return read_records(c, want, key_field, timeout)


def read_records(c, want: set[str], key_field: str, timeout: float = 30.0) -> dict:
    """Records by `key_field` until every wanted one came or the time is up; closes `c`."""
    import time

    found: dict[str, list[dict]] = {}
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not want <= set(found):
            msg = c.poll(0.5)
            if msg is None or msg.error():
                continue
            try:   # other tests put malformed records on topics on purpose (dead-letter tests)
                value = json.loads(msg.value())
            except ValueError:
                continue
            if isinstance(value, dict):
                found.setdefault(str(value.get(key_field)), []).append(value)
    finally:
        c.close()
    return found


def test_request_is_stored_in_postgis_and_on_the_topic_validating_against_the_schema(env, api, db):
    r = api.post("/api/v1/requests", json=GOOD)
    assert r.status_code == 202, r.text
    body = r.json()
    rid, code = body["request_id"], body["tracking_code"]
    row = wait_for(lambda: db.execute(
        "SELECT needs, people, ST_Y(geom::geometry), ST_X(geom::geometry), contact_phone FROM requests "
        "WHERE request_id = %s", (rid,)).fetchone(), 30, what="request in PostGIS")
    assert row[0] == ["water", "medical"] and row[1] == 12
    assert abs(row[2] - -7.7829) < 1e-6 and abs(row[3] - 110.3671) < 1e-6
    assert row[4] == "+6281234567890"   # normalised to E.164
    found = read_topic(env, "aid-requests", {rid})
    assert len(found[rid]) == 1
    schema = json.loads((JSON_DIR / "aid_request.submitted.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(found[rid][0])
    status = api.get(f"/api/v1/requests/{code}").json()
    assert status["request_id"] == rid and status["status_text"]["id"]
    assert "phone" not in json.dumps(status) and "+62812" not in json.dumps(status)


def test_retries_never_create_a_second_request(api, db):
    key = f"retry-{uuid.uuid4()}"
    first = api.post("/api/v1/requests", json=GOOD, headers={"Idempotency-Key": key})
    second = api.post("/api/v1/requests", json=GOOD, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert second.headers.get("Idempotent-Replay") == "true"
    other = api.post("/api/v1/requests", json={**GOOD, "people": 13}, headers={"Idempotency-Key": key})
    assert other.status_code == 409
    cid = f"client-{uuid.uuid4()}"
    a = api.post("/api/v1/requests", json={**GOOD, "client_id": cid}).json()
    b = api.post("/api/v1/requests", json={**GOOD, "client_id": cid}).json()
    assert a["request_id"] == b["request_id"]
    n = db.execute("SELECT count(*) FROM outbox WHERE key = %s", (a["request_id"],)).fetchone()[0]
    assert n == 1


BAD = [
    ("latitude out of range", {**GOOD, "location": {"lat": -91, "lon": 110}}, "location.lat"),
    ("longitude out of range", {**GOOD, "location": {"lat": -7, "lon": 181}}, "location.lon"),
    ("unknown category", {**GOOD, "needs": ["unicorns"]}, "needs.0"),
    ("no needs", {**GOOD, "needs": []}, "needs"),
    ("oversized text", {**GOOD, "text": "x" * 2001}, "text"),
    ("wrong type", {**GOOD, "people": "banyak"}, "people"),
    ("negative people", {**GOOD, "people": -3}, "people"),
    ("unknown field", {**GOOD, "colour": "red"}, "colour"),
    ("invalid phone", {**GOOD, "phone": "12345"}, "phone"),
    ("nested wrong type", {**GOOD, "location": "here"}, "location"),
]


@pytest.mark.parametrize("name,body,field", BAD, ids=[b[0] for b in BAD])
def test_bad_requests_get_a_4xx_naming_the_field(api, name, body, field):
    r = api.post("/api/v1/requests", json=body)
    assert r.status_code == 422, r.text
    err = r.json()
    assert field in err["error"] and any(d["field"].startswith(field) for d in err["detail"])


def test_malformed_and_oversized_bodies(api):
    r = api.post("/api/v1/requests", content=b'{"needs": ["water",', headers={"content-type": "application/json"})
    assert r.status_code == 422 and "JSON" in r.json()["error"]
    r = api.post("/api/v1/requests", content=b"[1, 2]", headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500
    r = api.post("/api/v1/requests", content=b"x" * 100_000, headers={"content-type": "application/json"})
    assert r.status_code == 413
    r = api.post("/api/v1/requests", json=GOOD, headers={"Idempotency-Key": "short"})
    assert r.status_code == 422
    assert api.get("/api/v1/requests/" + "x" * 100).status_code == 422
    assert api.get("/api/v1/requests/NOSUCH1").status_code == 404


def test_volunteer_registration_and_checkin(api, coordinator, db):
    body = {"name": "Tes Relawan", "phone": "0813-9999-0001", "skills": ["medical", "driver"], "vehicle": "car"}
    # Anonymous callers may not register or move volunteers (the id follows from the phone):
    # volunteers enrol through the sign-up page with a confirmed phone, or by SMS.
    anon = api.post("/api/v1/volunteers", json=body)
    assert anon.status_code == 401 and "sign in" in anon.json()["error"]
    r = coordinator.post("/api/v1/volunteers", json=body)
    assert r.status_code == 202, r.text
    vid = r.json()["volunteer_id"]
    again = coordinator.post("/api/v1/volunteers", json={"name": "Tes Relawan", "phone": "+6281399990001",
                                                 "skills": ["medical"]})
    assert again.json()["volunteer_id"] == vid     # one volunteer per phone number
    moved = {"location": {"lat": -7.80, "lon": 110.37}, "available": True, "capacity": 3}
    assert api.post(f"/api/v1/volunteers/{vid}/checkins", json=moved).status_code == 401
    assert api.post("/api/v1/checkins", json=[{"volunteer_id": vid, **moved}]).status_code == 401
    r = coordinator.post(f"/api/v1/volunteers/{vid}/checkins", json=moved)
    assert r.status_code == 202, r.text
    assert coordinator.post(f"/api/v1/volunteers/{vid}/checkins", json={"available": True}).status_code == 422
    assert coordinator.post(f"/api/v1/volunteers/{uuid.uuid4()}/checkins",
                    json={"location": {"lat": -7.8, "lon": 110.3}}).status_code == 404
    assert coordinator.post("/api/v1/volunteers", json={"name": "X", "phone": "0813", "skills": ["flying"]}).status_code == 422
    wait_for(lambda: db.execute("SELECT available FROM volunteers WHERE volunteer_id = %s AND geom IS NOT NULL",
                                (vid,)).fetchone(), 30, what="volunteer with position")
    # Donations have their own tests (test_ledger.py); the intake refuses anonymous money.
    assert api.post("/api/v1/donations", json={"kind": "received", "money": {"amount_idr": 500000},
                                               "campaign": "Tes", "donor_name": "Ibu Ani"}).status_code == 403


def test_web_form_works_without_javascript(api):
    page = api.get("/")
    assert page.status_code == 200 and "Minta Bantuan" in page.text and 'name="client_id"' in page.text
    assert "Ask for Help" in api.get("/?lang=en").text
    import re

    client_id = re.search(r'name="client_id" value="([^"]+)"', page.text).group(1)
    form = {"client_id": client_id, "language": "id", "needs": ["food", "water"], "people": "7",
            "urgency": "high", "place": "", "lat": "-7.80", "lon": "110.36", "text": "Tolong",
            "phone": "", "preferred_channel": "none"}
    r = api.post("/request", data=form)
    assert r.status_code == 202 and "Kode pelacakan" in r.text
    code = re.search(r'id="tracking-code">([A-Z0-9]+)<', r.text).group(1)
    assert api.post("/request", data=form).status_code == 200   # the same form twice: one request
    bad = api.post("/request", data={**form, "client_id": "", "needs": [], "people": "0"})
    assert bad.status_code == 422 and "Mohon perbaiki" in bad.text
    assert api.get(f"/status/{code}").status_code == 200


def test_health_and_metrics(api):
    h = api.get("/healthz").json()
    assert h["database"]["ok"] and h["broker"]["ok"] and h["accepting"]
    assert h["relay"]["ok"]
    wait_for(lambda: api.get("/healthz").json()["worker"]["ok"], 60, what="workers reporting")
    m = api.get("/metrics")
    assert m.status_code == 200 and "siaga_events_accepted_total" in m.text and "siaga_outbox_backlog" in m.text
    assert api.get("/docs").status_code == 200
    assert "/api/v1/requests" in api.get("/openapi.json").json()["paths"]


def _register(client, n: int) -> list[str]:
    out = []
    for _ in range(n):
        phone = f"0813{uuid.uuid4().int % 10**8:08d}"
        r = client.post("/api/v1/volunteers", json={"name": "Relawan Armada", "phone": phone})
        assert r.status_code == 202, r.text
        out.append(r.json()["volunteer_id"])
    return out


def _item(vid: str, lat: float = -6.2, lon: float = 106.8, **extra) -> dict:
    return {"volunteer_id": vid, "location": {"lat": lat, "lon": lon}, **extra}


def _from_end(env, topic: str):
    """A consumer placed at the topic's current end: it reads only what comes after (a long
    topic takes too long to read from the start)."""
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": env["KAFKA_BOOTSTRAP_SERVERS"], "group.id": f"test-{uuid.uuid4()}",
                  "enable.auto.commit": False})
    parts = c.list_topics(topic, timeout=10).topics[topic].partitions
    c.assign([TopicPartition(topic, p, c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1])
              for p in parts])
    return c


def test_checkin_batch_commits_one_outbox_row_per_checkin_in_order(env, coordinator, db):
    vids = _register(coordinator, 3)
    reader = _from_end(env, "volunteer-checkins")
    batch = [_item(vids[0], -6.20), _item(vids[1], -6.21, capacity=3), _item(vids[2], -6.22, available=True),
             _item(vids[0], -6.23)]   # the same volunteer twice: both, in order
    r = coordinator.post("/api/v1/checkins", json=batch)
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["accepted"] == 4 and body["replayed"] == 0
    results = body["results"]
    assert [x["volunteer_id"] for x in results] == [vids[0], vids[1], vids[2], vids[0]]
    ids = [x["checkin_id"] for x in results]
    assert len(set(ids)) == 4 and all(x["available"] for x in results)
    rows = db.execute("SELECT event_id::text, topic, key FROM outbox WHERE event_id = ANY(%s::uuid[]) ORDER BY id",
                      (ids,)).fetchall()
    assert [row[0] for row in rows] == ids    # one row each, in the order sent
    assert {row[1] for row in rows} == {"volunteer-checkins"} and [row[2] for row in rows] == [x["volunteer_id"] for x in results]
    found = read_records(reader, set(ids), key_field="event_id")
    schema = json.loads((JSON_DIR / "volunteer.checked_in.json").read_text())
    for cid in ids:
        assert len(found[cid]) == 1
        jsonschema.Draft202012Validator(schema).validate(found[cid][0])
    assert found[ids[1]][0]["capacity"] == 3 and found[ids[3]][0]["location"]["lat"] == -6.23
    # The single check-in and the batch are one code path: the same checks, the same row.
    single = coordinator.post(f"/api/v1/volunteers/{vids[1]}/checkins", json={"location": {"lat": -6.3, "lon": 106.8}})
    assert single.status_code == 202
    assert set(single.json()) == set(results[0])


BAD_BATCH = [
    ("latitude out of range", [{"location": {"lat": -6.2, "lon": 106.8}}, {"location": {"lat": -91, "lon": 106.8}}],
     422, "[1].location.lat"),
    ("available without a place", [{"location": {"lat": -6.2, "lon": 106.8}}, {"available": True}], 422, "[1].location"),
    ("unknown field", [{"location": {"lat": -6.2, "lon": 106.8}, "colour": "red"}], 422, "[0].colour"),
    ("negative capacity", [{"location": {"lat": -6.2, "lon": 106.8}, "capacity": -1}], 422, "[0].capacity"),
]


@pytest.mark.parametrize("name,items,status,field", BAD_BATCH, ids=[b[0] for b in BAD_BATCH])
def test_checkin_batch_refuses_the_whole_batch_naming_the_item(coordinator, db, name, items, status, field):
    vid = _register(coordinator, 1)[0]
    before = db.execute("SELECT count(*) FROM outbox WHERE topic = 'volunteer-checkins' AND key = %s", (vid,)).fetchone()[0]
    r = coordinator.post("/api/v1/checkins", json=[{"volunteer_id": vid, **item} for item in items])
    assert r.status_code == status, r.text
    err = r.json()
    assert field in err["error"] and any(d["field"] == field for d in err["detail"])
    after = db.execute("SELECT count(*) FROM outbox WHERE topic = 'volunteer-checkins' AND key = %s", (vid,)).fetchone()[0]
    assert after == before    # all or nothing


def test_checkin_batch_unknown_volunteer_and_shape(coordinator, db):
    vid = _register(coordinator, 1)[0]
    r = coordinator.post("/api/v1/checkins", json=[_item(vid), _item(str(uuid.uuid4()))])
    assert r.status_code == 404 and r.json()["detail"][0]["field"] == "[1].volunteer_id"
    assert db.execute("SELECT count(*) FROM outbox WHERE topic = 'volunteer-checkins' AND key = %s",
                      (vid,)).fetchone()[0] == 0
    assert coordinator.post("/api/v1/checkins", json=[]).status_code == 422
    assert coordinator.post("/api/v1/checkins", json=_item(vid)).status_code == 422            # not a list
    assert coordinator.post("/api/v1/checkins", json=[{"location": {"lat": -6.2, "lon": 106.8}}]).status_code == 422
    too_many = coordinator.post("/api/v1/checkins", json=[_item(vid)] * 501)
    assert too_many.status_code == 422 and "500" in too_many.json()["error"]
    # The most a batch may hold is more than the 64 KiB other bodies may have.
    full = [_item(vid, -6.2 - i * 1e-5, 106.8, capacity=2, skills=["driver", "logistics", "medical"],
                  vehicle="motorbike") for i in range(500)]
    assert len(json.dumps(full)) > 64 * 1024
    r = coordinator.post("/api/v1/checkins", json=full)
    assert r.status_code == 202, r.text[:300]
    assert r.json()["accepted"] == 500
    r = coordinator.post("/api/v1/checkins", content=b"[" + b" " * 600_000 + b"]", headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_checkin_batch_retries_are_answered_item_by_item(coordinator, db):
    vids = _register(coordinator, 2)
    key = f"fleet-{uuid.uuid4()}"
    batch = [_item(vids[0]), _item(vids[1], -6.25)]
    first = coordinator.post("/api/v1/checkins", json=batch, headers={"Idempotency-Key": key})
    again = coordinator.post("/api/v1/checkins", json=batch, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 202
    assert again.headers.get("Idempotent-Replay") == "true" and again.json()["accepted"] == 0
    assert [x["checkin_id"] for x in again.json()["results"]] == [x["checkin_id"] for x in first.json()["results"]]
    # A changed item is a conflict named by its index; the new item beside it is not stored.
    changed = coordinator.post("/api/v1/checkins", json=[batch[0], _item(vids[1], -6.26), _item(vids[0], -6.27)],
                       headers={"Idempotency-Key": key})
    assert changed.status_code == 409 and "[1]" in changed.json()["error"]
    n = db.execute("SELECT count(*) FROM outbox WHERE idempotency_key LIKE %s", (f"checkins:{key}:%",)).fetchone()[0]
    assert n == 2
