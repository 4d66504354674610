"""Volunteers' task links: the token (core.codes.task_token), the link in the desk's offer and
confirmation messages, and the task page's rules (services/web/routes_tasks.py) with a fake
database: a coarse area before acceptance, the exact place after it, 404 and 410."""
from __future__ import annotations

import copy
import re
import uuid
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone

import pytest
import httpx
from fastapi import FastAPI

from siaga.core.codes import ALPHABET, task_token
from siaga.core.dispatch.desk import Desk, VolunteerState
from siaga.core.messages import placeholders, render
from siaga.core.send_policy import segments
from siaga.infra.settings import default_settings
from siaga.schemas import dispatch as dm
from siaga.schemas.common import Location, Skill
from siaga.schemas.events import Notification, VolunteerCheckIn, VolunteerRegistered, VolunteerReply
from siaga.services.web import routes_tasks
from siaga.streams.dispatch_config import desk_config
from tests.dispatch_sim import Sim

SECRET = b"0123456789abcdef0123456789abcdef"
BASE = "https://siaga.example.org"
T0 = datetime(2026, 11, 22, 6, 0, tzinfo=timezone.utc)
YOGYA = (-7.7956, 110.3695)
LINK = re.compile(r" https://siaga\.example\.org/t/([" + ALPHABET + r"]{12})$")


# -- the token ----------------------------------------------------------------------------------
def test_token_is_deterministic_twelve_alphabet_characters():
    oid = uuid.uuid4()
    tok = task_token(SECRET, oid)
    assert tok == task_token(SECRET, oid) == task_token(SECRET, str(oid))
    assert len(tok) == 12 and set(tok) <= set(ALPHABET)


def test_token_differs_per_offer_and_per_secret():
    oids = [uuid.uuid4() for _ in range(500)]
    assert len({task_token(SECRET, o) for o in oids}) == 500
    oid = oids[0]
    assert task_token(SECRET, oid) != task_token(b"another secret", oid)
    assert task_token(b"", oid) != task_token(SECRET, oid)


# -- the desk's messages -----------------------------------------------------------------------
def _desk(linked: bool) -> Desk:
    s = default_settings(public_base_url=BASE + "/", task_link_secret=SECRET.decode()) if linked \
        else default_settings(task_link_secret="")
    return Desk(desk_config(s, partitions=8))


def _on_duty(desk: Desk) -> tuple[VolunteerState, uuid.UUID]:
    vid = uuid.uuid4()
    st, _ = desk.handle(None, VolunteerRegistered(volunteer_id=vid, name="Budi", phone="+6281234500001",
                                                  skills=[Skill("logistics")], occurred_at=T0), T0)
    st, _ = desk.handle(st, VolunteerCheckIn(volunteer_id=vid, location=Location(lat=YOGYA[0] + 0.005, lon=YOGYA[1]),
                                             available=True, occurred_at=T0), T0)
    return st, vid


def _reserve(vid: uuid.UUID, oid: uuid.UUID) -> dm.VReserve:
    return dm.VReserve(offer_id=oid, request_id=uuid.uuid4(), volunteer_id=vid, partition=3, radius_m=2000,
                       expires_at=T0 + timedelta(minutes=5),
                       details=dm.OfferDetails(need="water", needs=["water"], people=20, place="Sukamaju, Ciawi",
                                               lat=YOGYA[0], lon=YOGYA[1], tracking_code="ABC234",
                                               requester_phone="+6281299990000"))


def _notes(outs, template: str) -> list[Notification]:
    return [o.value for o in outs if isinstance(o.value, Notification) and o.value.template == template]


def test_offer_and_confirmation_carry_the_link_when_configured():
    desk = _desk(linked=True)
    st, vid = _on_duty(desk)
    oid = uuid.uuid4()
    reserve = _reserve(vid, oid)
    st, outs = desk.handle(st, reserve, T0)
    [offer] = _notes(outs, "offer")
    assert LINK.search(offer.body).group(1) == task_token(SECRET, oid)
    assert "TOLAK " + st.hold.code + " " + BASE + "/t/" in offer.body   # no double slash, one space
    st, _ = desk.handle(st, VolunteerReply(volunteer_id=vid, offer_id=oid, action="accept", occurred_at=T0), T0)
    st, outs = desk.handle(st, dm.VConfirm(offer_id=oid, volunteer_id=vid, request_id=reserve.request_id,
                                           partition=3), T0)
    [confirmed] = _notes(outs, "offer_confirmed")
    assert LINK.search(confirmed.body).group(1) == task_token(SECRET, oid)


def test_without_a_link_the_messages_are_the_plain_texts():
    desk = _desk(linked=False)
    st, vid = _on_duty(desk)
    st, outs = desk.handle(st, _reserve(vid, uuid.uuid4()), T0)
    [offer] = _notes(outs, "offer")
    assert "/t/" not in offer.body and not offer.body.endswith(" ")
    assert offer.body == render("offer", "id", need="water", place="Sukamaju, Ciawi", distance_km=0.6,
                                people=20, code=st.hold.code, link="")
    assert offer.body.endswith("TOLAK " + st.hold.code)


def test_a_replayed_offer_step_sends_the_same_notification():
    desk = _desk(linked=True)
    st, vid = _on_duty(desk)
    before = st.to_dict()
    reserve = _reserve(vid, uuid.uuid4())
    st1, outs1 = desk.handle(VolunteerState.from_dict(copy.deepcopy(before)), reserve, T0)
    # a worker killed after the step: the same input again, on the same stored state, later
    _, outs2 = desk.handle(VolunteerState.from_dict(copy.deepcopy(before)), reserve, T0 + timedelta(seconds=20))
    # the matcher's retry of the reservation reaches the desk that already holds it
    _, outs3 = desk.handle(st1, reserve, T0 + timedelta(seconds=15))
    [a], [b], [c] = (_notes(o, "offer") for o in (outs1, outs2, outs3))
    assert a.notification_id == b.notification_id == c.notification_id
    assert a.body == b.body == c.body and LINK.search(a.body)


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("template", ["offer", "offer_confirmed"])
def test_typical_messages_with_a_link_fit_one_segment(template, lang):
    params = {"code": "K7Q2", "need": "water", "place": "Sukamaju, Ciawi", "distance_km": 2.4, "people": 20,
              "contact": "+6281234567890", "link": f" {BASE}/t/{'K' * 12}"}
    text = render(template, lang, **{k: v for k, v in params.items() if k in placeholders(template, lang)})
    assert text.endswith(params["link"]) and segments(text) == ("GSM-7", 1), (len(text), text)


def test_cant_make_it_after_confirmation_releases_the_task():
    sim = Sim()
    v = sim.volunteer(YOGYA[0] + 0.005, YOGYA[1], skills=["logistics"])
    sim.drain()
    rid = sim.request(*YOGYA, needs=["water"])
    sim.drain()
    oid = sim.open_offers()[v][0]
    sim.reply(v, "accept", oid)
    sim.drain()
    assert sim.request_state(rid).status == "matched"
    sim.reply(v, routes_tasks.REPLY["cant"], oid)
    sim.drain()
    assert sim.request_state(rid).volunteer_id != v and sim.desks[v]["hold"] is None


# -- the page, on a fake database -------------------------------------------------------------------
class FakeConn:
    def __init__(self, rows: dict[str, dict]):
        self.rows = rows
        self.queries: list[tuple[str, tuple]] = []
        self._result = None

    def cursor(self, row_factory=None):
        return self

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False

    async def execute(self, sql: str, params: tuple):
        self.queries.append((sql, params))
        if "link_token = %s" in sql:
            self._result = [self.rows[params[0]]] if params[0] in self.rows else []
        else:   # other volunteers on the request
            self._result = [{"status": "declined", "n": 2}, {"status": "expired", "n": 1}]

    async def fetchone(self):
        return self._result[0] if self._result else None

    async def fetchall(self):
        return self._result


class FakePool:
    def __init__(self, conn: FakeConn):
        self.conn = conn

    @asynccontextmanager
    async def connection(self):
        yield self.conn


def _row(status: str, **over) -> dict:
    now = datetime.now(timezone.utc)
    return {"offer_id": uuid.uuid4(), "offer_code": "K7Q2", "request_id": uuid.uuid4(), "volunteer_id": uuid.uuid4(),
            "status": status, "distance_m": 2400.0, "expires_at": now + timedelta(minutes=4, seconds=30),
            "status_at": now, "needs": ["water", "food"], "people": 20, "vulnerable": ["elderly"],
            "place_name": "Jalan Mawar 5", "admin_code": None, "contact_name": "Siti Rahayu",
            "contact_phone": "+6281299990000", "lat": -7.712341, "lon": 110.456789,
            "volunteers_needed": 1, "volunteers_filled": 0, **over}


@pytest.fixture
async def page():
    conn = FakeConn({})
    app = FastAPI()
    app.include_router(routes_tasks.router)
    app.state.pool = FakePool(conn)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://siaga.test") as client:
        client.conn = conn   # type: ignore[attr-defined]
        yield client


async def test_offered_page_shows_a_coarse_area_only(page):
    page.conn.rows["AAAABBBBCCCC"] = _row("offered")
    r = await page.get("/t/AAAABBBBCCCC")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert r.headers["referrer-policy"] == "no-referrer"
    html = r.text
    assert "Air bersih" in html and "Makanan" in html and "20" in html and "2,4 km" in html
    assert "5 menit" in html and "-7.71, 110.46" in html
    for secret in ("-7.7123", "110.4567", "geo:", "openstreetmap", "Siti", "+6281299990000", "Jalan Mawar"):
        assert secret not in html, secret
    assert 'action="/t/AAAABBBBCCCC/accept?lang=id"' in html and 'action="/t/AAAABBBBCCCC/decline?lang=id"' in html
    assert "/done" not in html
    en = (await page.get("/t/AAAABBBBCCCC?lang=en")).text
    assert "Clean water" in en and "2.4 km" in en and "Accept the task" in en


async def test_a_gazetteer_place_name_is_shown_before_acceptance(page):
    page.conn.rows["AAAABBBBCCCC"] = _row("offered", place_name="Sumberharjo, Prambanan, Sleman", admin_code="3404")
    assert "Sumberharjo, Prambanan" in (await page.get("/t/AAAABBBBCCCC")).text


async def test_accepted_page_shows_the_place_and_the_other_volunteers(page, monkeypatch):
    page.conn.rows["AAAABBBBCCCC"] = _row("accepted")
    html = (await page.get("/t/AAAABBBBCCCC")).text
    assert "geo:-7.712341,110.456789" in html
    assert "https://www.openstreetmap.org/?mlat=-7.712341&amp;mlon=110.456789#map=17/-7.712341/110.456789" in html
    assert "-7.71234, 110.45679" in html and "Jalan Mawar 5" in html
    assert "2 menolak" in html and "1 tidak menjawab" in html
    assert "Siti" not in html and "+6281299990000" not in html   # share_requester_contact is off by default
    for action in ("on_the_way", "done", "cant"):
        assert f'action="/t/AAAABBBBCCCC/{action}?lang=id"' in html
    assert "/accept?" not in html
    monkeypatch.setattr(routes_tasks, "get_settings", lambda: type("S", (), {"share_requester_contact": True})())
    html = (await page.get("/t/AAAABBBBCCCC")).text
    assert "Siti" in html and "Rahayu" not in html and 'href="tel:+6281299990000"' in html


@pytest.mark.parametrize("status,reason", [("done", "selesai"), ("declined", "tolak"), ("expired", "habis"),
                                           ("withdrawn", "dibatalkan")])
async def test_a_closed_task_is_gone(page, status, reason):
    page.conn.rows["AAAABBBBCCCC"] = _row(status)
    r = await page.get("/t/AAAABBBBCCCC")
    assert r.status_code == 410 and reason in r.text and "no longer works" in r.text
    assert "geo:" not in r.text and "menit" not in r.text
    assert (await page.post("/t/AAAABBBBCCCC/done")).status_code == 410


async def test_an_offer_past_its_expiry_is_gone_before_the_store_hears_of_it(page):
    page.conn.rows["AAAABBBBCCCC"] = _row("offered", expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    r = await page.get("/t/AAAABBBBCCCC")
    assert r.status_code == 410 and "habis" in r.text


async def test_unknown_and_malformed_tokens_get_the_same_404(page):
    unknown = await page.get("/t/ZZZZZZZZZZZZ")
    malformed = await page.get("/t/not-a-token!")
    assert unknown.status_code == malformed.status_code == 404
    assert unknown.text == malformed.text and "Tautan tidak dikenal" in unknown.text
    assert [q[0] for q in page.conn.queries] == [routes_tasks.TASK_SQL] * 2   # the same work for both
    assert (await page.post("/t/ZZZZZZZZZZZZ/accept")).status_code == 404
    assert (await page.get("/t/ZZZZZZZZZZZZ/mine")).status_code == 404


async def test_a_button_of_an_older_page_just_shows_the_current_one(page):
    page.conn.rows["AAAABBBBCCCC"] = _row("accepted")
    r = await page.post("/t/AAAABBBBCCCC/accept?lang=en", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/t/AAAABBBBCCCC?lang=en"
    assert (await page.post("/t/AAAABBBBCCCC/nonsense")).status_code == 404
