"""Issue 14, item 3: PostgreSQL is stopped in the middle of a scenario and started again.

While it is down, whatever needs it answers 503 with Retry-After (never a 500) and says that
nothing was recorded; /healthz says the database is why. The relay, the workers' sink, the
notifier and the ledger writer wait and carry on by themselves (same processes). Afterwards
every request acknowledged before and after is stored and settled, and no SMS went out twice.
Named test_zz so it runs after the other integration tests: it takes the database away (and
it opens its own connections, since the session's `db` would not survive the restart)."""
from __future__ import annotations

import random
import time
import uuid

import httpx
import psycopg
import pytest

from siaga.infra.dev import postgres, procs
from siaga.infra.settings import RUNTIME_DIR
from tests.checks import double_bookings, sent_twice, unsettled, volunteers_on_duty
from tests.integration.test_dispatch_scale import Responder
from tests.integration.test_webhooks_support import Stack, random_phone
from tests.stack import wait_for

pytestmark = pytest.mark.integration

def _box() -> tuple[float, float, float, float]:
    """Central Sulawesi, where no other test puts volunteers: a 10 km square of its own per run,
    over 25 km from the last run's, whose volunteers are still on duty but nobody answers for them."""
    n = uuid.uuid4().int
    lat, lon = -3.0 + (n % 10) * 0.3, 119.5 + ((n >> 8) % 4) * 0.3
    return lat, lat + 0.1, lon, lon + 0.1
PROCESSES = ("relay", "notifier", "worker-1", "worker-2", "api")


def _pids() -> dict[str, int | None]:
    return {n: procs.read_pid(RUNTIME_DIR / "pids" / f"{n}.pid") for n in PROCESSES}


def _db(env) -> psycopg.Connection:
    return psycopg.connect(env["DATABASE_URL"], autocommit=True)


@pytest.mark.timeout(600)
def test_database_stopped_and_started_mid_scenario(env, api, coordinator):
    port = int(env["DATABASE_URL"].rsplit(":", 1)[1].split("/")[0])
    if not postgres.running(RUNTIME_DIR):
        pytest.skip("needs the PostgreSQL cluster started by this stack (DATABASE_URL is external)")
    rng = random.Random(14)
    box = _box()
    run = uuid.uuid4().hex[:6]
    sms = Stack(env)
    twilio = httpx.Client(base_url=env["TWILIO_BASE_URL"], timeout=15)

    def point():
        return round(rng.uniform(box[0], box[1]), 6), round(rng.uniform(box[2], box[3]), 6)

    vids, phones = volunteers_on_duty(coordinator, run, 25, point, [["logistics"], ["medical"], ["rescue"]], random_phone)
    responder = Responder(env, vids, seed=5, lapse=0.0)
    responder.start()

    rids: list[str] = []

    def request(phase: str, i: int) -> httpx.Response:
        lat, lon = point()
        phone = random_phone()
        phones.add(phone)
        return api.post("/api/v1/requests", json={
            "client_id": f"dbdown-{run}-{phase}-{i:03d}", "needs": [["water"], ["food"], ["medical"]][i % 3],
            "people": 1 + i % 7, "phone": phone, "location": {"lat": lat, "lon": lon}})

    def ask(phase: str, n: int) -> None:
        for i in range(n):
            r = request(phase, i)
            assert r.status_code == 202, r.text
            rids.append(r.json()["request_id"])

    pids = _pids()
    assert all(pids.values()), pids
    try:
        ask("before", 20)
        with _db(env) as db:
            wait_for(lambda: not db.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0],
                     60, what="outbox drained before the stop")
        # Stopped while the first requests are still being offered, accepted and finished: the
        # workers' sink and the notifier have work that needs the database.
        assert postgres.stop(RUNTIME_DIR)

        # Intake: 503, Retry-After, an error that says nothing was kept; never 500.
        r = request("during", 0)
        assert r.status_code == 503, r.text
        assert int(r.headers["retry-after"]) > 0
        assert "nothing was recorded" in r.json()["error"]
        # An SMS: Twilio gets 503 and delivers it again later (its own retry), nothing is lost.
        got = sms.inbound("tolong air bersih di palu", frm=random_phone())
        assert got["response_status"] == 503, got
        # Health says why.
        h = api.get("/healthz")
        assert h.status_code == 503
        assert h.json()["database"]["ok"] is False and h.json()["database"]["error"]
        assert h.json()["accepting"] is False
        # Public pages and the live summary answer 503, not 500 (and not a stack trace).
        needs = f"/api/v1/public/needs?bbox={box[2]},{box[0]},{box[3]},{box[1]}"
        for path in ("/api/v1/public/summary", needs, "/", "/relawan/daftar"):
            r = api.get(path)
            assert r.status_code in (200, 503), f"{path}: {r.status_code} {r.text[:200]}"
            if r.status_code == 503:
                assert r.headers.get("retry-after"), path
        time.sleep(8)   # the relay, the sink and the notifier meet the outage and wait

        postgres.ensure_running(RUNTIME_DIR, port)
        # The API's pool had connections to the old server: the first calls may meet them
        # (503, retry), then it serves again by itself.
        wait_for(lambda: api.get("/healthz").json().get("accepting") is True, 60, interval=1,
                 what="the API to reach the database again")
        ask("after", 20)
        with _db(env) as db:
            try:
                wait_for(lambda: unsettled(db, rids)[0], 300, interval=2, what="every request settled")
            except AssertionError:
                stuck = db.execute(
                    "SELECT r.request_id::text, r.status, r.status_at, (SELECT array_agg(d.status ORDER BY d.status_at) "
                    "FROM dispatches d WHERE d.request_id = r.request_id) FROM requests r "
                    "WHERE r.request_id = ANY(%s::uuid[]) AND r.status NOT IN ('done', 'duplicate', 'escalated')",
                    (rids,)).fetchall()
                raise AssertionError(f"not settled: {unsettled(db, rids)[1]}; {stuck[:5]}; "
                                     f"volunteers still answering: {responder.is_alive()}") from None
    finally:
        responder.stop.set()
        responder.join(5)
        postgres.ensure_running(RUNTIME_DIR, port)   # whatever failed, leave a database behind
    assert not responder.errors, responder.errors[:5]
    assert _pids() == pids, "a process was restarted; they must wait for the database by themselves"
    with _db(env) as db:
        # The refused request was not half-recorded.
        assert not db.execute("SELECT count(*) FROM outbox WHERE convert_from(value, 'UTF8') LIKE %s",
                              (f"%dbdown-{run}-during-%",)).fetchone()[0]
        bad, _ = double_bookings(db, vids)
        assert not bad, bad[:3]
        assert not db.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0]
    sent = twilio.get("/_local/messages").json()["messages"]
    assert any(m["to"] in phones for m in sent), "nothing was sent to this scenario's phones"
    repeats = sent_twice(sent, phones)
    assert not repeats, f"sent twice: {repeats[:3]}"
