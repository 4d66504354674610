"""Issue 10, item 5: the embedded Kafka node is stopped and started in the middle of a scenario.

The API keeps accepting while it is down (the outbox holds the events); the relay, the workers
and the notifier reconnect by themselves (same processes, no restart); records, committed
offsets and Faust changelogs are still there after the restart; every request accepted before,
during and after ends settled, and no SMS goes out twice. Named test_zz so it runs after the
other integration tests: it takes the broker away."""
from __future__ import annotations

import random
import time
import uuid

import httpx
import pytest
from confluent_kafka import Consumer, TopicPartition

from siaga.infra.dev import broker, procs
from siaga.infra.settings import RUNTIME_DIR
from tests.integration.test_dispatch_scale import Responder
from tests.integration.test_intake_api import read_topic
from tests.checks import double_bookings, sent_twice, unsettled, volunteers_on_duty
from tests.stack import wait_for

pytestmark = pytest.mark.integration

BOX = (-8.62, -8.54, 116.06, 116.16)   # Mataram, Lombok: no other test puts volunteers there
PROCESSES = ("relay", "notifier", "worker-1", "worker-2", "api")


def _pids() -> dict[str, int | None]:
    return {n: procs.read_pid(RUNTIME_DIR / "pids" / f"{n}.pid") for n in PROCESSES}


def _committed(env, group: str, topic: str, partitions: int) -> dict[int, int]:
    c = Consumer({"bootstrap.servers": env["KAFKA_BOOTSTRAP_SERVERS"], "group.id": group, "log_level": 3})
    try:
        tps = c.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=15)
        return {tp.partition: tp.offset for tp in tps}
    finally:
        c.close()


@pytest.mark.timeout(900)
def test_broker_stopped_and_started_mid_scenario_loses_nothing(env, api, coordinator, db):
    port = int(env["KAFKA_BOOTSTRAP_SERVERS"].rsplit(":", 1)[1])
    if not broker.running_pid(broker.single_node(RUNTIME_DIR, port), RUNTIME_DIR):
        pytest.skip("needs the embedded Kafka node started by this stack (KAFKA_BOOTSTRAP_SERVERS is external)")
    rng = random.Random(10)
    run = uuid.uuid4().hex[:6]
    twilio = httpx.Client(base_url=env["TWILIO_BASE_URL"], timeout=15)

    def point():
        return round(rng.uniform(BOX[0], BOX[1]), 6), round(rng.uniform(BOX[2], BOX[3]), 6)

    vids, phones = volunteers_on_duty(coordinator, run, 40, point,
                                      [["logistics"], ["medical"], ["rescue"], ["logistics", "medical"]],
                                      lambda: f"+62858{rng.randrange(10**7):07d}")
    responder = Responder(env, vids, seed=3, lapse=0.0)   # lapsed offers only add minutes
    responder.start()

    rids: list[str] = []
    bodies: list[dict] = []

    def ask(phase: str, n: int) -> None:
        for i in range(n):
            lat, lon = point()
            phone = f"+62813{rng.randrange(10**7):07d}"
            phones.add(phone)
            body = {"client_id": f"restart-{run}-{phase}-{i:03d}", "needs": [["water"], ["food"], ["medical"]][i % 3],
                    "people": 1 + i % 9, "phone": phone, "location": {"lat": lat, "lon": lon}}
            r = api.post("/api/v1/requests", json=body)
            assert r.status_code == 202, r.text
            rids.append(r.json()["request_id"])
            bodies.append(body)

    try:
        ask("before", 25)
        before = set(rids)
        wait_for(lambda: not db.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0],
                 60, what="outbox drained before the stop")
        pids = _pids()
        assert all(pids.values()), pids
        offsets_before = _committed(env, "siaga-notifier", "notifications", 4)

        assert broker.stop_embedded(RUNTIME_DIR, port)          # a controlled shutdown, as make stop does
        assert not procs.port_open("127.0.0.1", port)
        ask("during", 25)                                         # the outbox takes them
        retry = api.post("/api/v1/requests", json=bodies[32])   # a retry is answered, not duplicated
        assert retry.status_code == 202 and retry.json()["request_id"] == rids[32], retry.text
        assert api.get("/healthz").json()["accepting"] is True
        time.sleep(5)                                             # clients notice, retry, back off

        assert broker.ensure_running(RUNTIME_DIR, port) is True   # the same node, from its own disk
        # Everything before the stop is still on the topic, and the group's offsets survived.
        found = read_topic(env, "aid-requests", before, timeout=60)
        assert before <= set(found)
        offsets_after = _committed(env, "siaga-notifier", "notifications", 4)
        assert all(offsets_after[p] >= offsets_before[p] >= 0 for p in offsets_before), (offsets_before, offsets_after)
        ask("after", 25)

        wait_for(lambda: unsettled(db, rids)[0], 420, interval=2, what="every request settled")
    finally:
        responder.stop.set()
        responder.join(5)
        broker.ensure_running(RUNTIME_DIR, port)   # whatever failed, leave a broker behind
    assert not responder.errors, responder.errors[:5]

    # Nobody was restarted: the same processes carried on.
    assert _pids() == pids, "a process was restarted; they must reconnect by themselves"
    # Each accepted request is on its topic exactly once.
    found = read_topic(env, "aid-requests", set(rids), timeout=60)
    assert set(found) >= set(rids)
    assert all(len(found[r]) == 1 for r in rids), "a request reached the topic twice"
    # No SMS went out twice (every body carries its request's or offer's code).
    sent = twilio.get("/_local/messages").json()["messages"]
    assert any(m["to"] in phones for m in sent), "nothing was sent to this scenario's phones"
    repeats = sent_twice(sent, phones)
    assert not repeats, f"sent twice: {repeats[:3]}"
    bad, _ = double_bookings(db, vids)
    assert not bad, bad[:3]
