"""Volunteer sign-up against the running stack: the code goes to the phone through the local
Twilio server; only the right code registers the volunteer; wrong codes, reuse and too many
codes are refused; an unconfirmed phone is never registered, so it gets no offer."""
from __future__ import annotations

import re
import secrets
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_map_support import stack, unique_point, wait_for  # noqa: E402,F401

pytestmark = pytest.mark.integration
SIGNUP = re.compile(r'action="/relawan/daftar/([0-9a-f-]{36})')


def phone() -> tuple[str, str]:
    local = "0813" + str(secrets.randbelow(10**8)).zfill(8)
    return local, "+62" + local[1:]


def form(local: str, **extra) -> dict:
    return {"name": "Rina Relawan", "phone": local, "skills": ["logistics", "driver"], "vehicle": "motorbike",
            "capacity": "3", "home_area": "Sumberharjo, Prambanan", "preferred_channel": "sms",
            "consent": "yes", **extra}


def code_sent(stack, c, e164: str) -> str:
    def sms():
        msgs = c.get(f"{stack.env['TWILIO_BASE_URL']}/_local/messages", params={"to": e164}).json()["messages"]
        return [re.search(r"\b(\d{6})\b", m["body"]).group(1) for m in msgs if "Kode daftar" in m["body"]]
    return wait_for(sms, 60, "the sign-up code by SMS")[-1]


def registered(stack, e164: str):
    with stack.db() as conn:
        return conn.execute("SELECT volunteer_id, available, geom IS NOT NULL FROM volunteers WHERE phone = %s",
                            (e164,)).fetchone()


def test_sign_up_confirms_the_phone_before_registering(stack):
    local, e164 = phone()
    lat, lon = unique_point()
    with stack.client() as c:
        page = c.get("/relawan/daftar")
        assert page.status_code == 200 and "Daftar jadi relawan" in page.text and "STOP" in page.text
        assert c.post("/relawan/daftar", data={**form(local), "consent": ""}).status_code == 422
        assert c.post("/relawan/daftar", data=form("0813")).status_code == 422
        r = c.post("/relawan/daftar", data=form(local, lat=str(lat), lon=str(lon)))
        assert r.status_code == 202, r.text
        signup_id = SIGNUP.search(r.text).group(1)
        code = code_sent(stack, c, e164)
        wrong = "000000" if code != "000000" else "111111"
        assert c.post(f"/relawan/daftar/{signup_id}", data={"code": wrong}).status_code == 422
        assert registered(stack, e164) is None
        with stack.db() as conn:   # nothing of it reached the dispatch engine's topics
            assert conn.execute("SELECT count(*) FROM outbox WHERE topic = 'volunteer-registrations' "
                                "AND convert_from(value, 'UTF8') LIKE %s", (f"%{e164}%",)).fetchone()[0] == 0
        ok = c.post(f"/relawan/daftar/{signup_id}", data={"code": code})
        assert ok.status_code == 201 and "terkonfirmasi" in ok.text
        with stack.db() as conn:   # and now it has, once
            assert conn.execute("SELECT count(*) FROM outbox WHERE topic = 'volunteer-registrations' "
                                "AND convert_from(value, 'UTF8') LIKE %s", (f"%{e164}%",)).fetchone()[0] == 1
        assert c.post(f"/relawan/daftar/{signup_id}", data={"code": code}).status_code == 409
    # The registration and the check-in at home are stored one after the other: wait for both.
    row = wait_for(lambda: (r := registered(stack, e164)) is not None and r[1] and r[2] and r, 60,
                   "the volunteer registered and checked in")
    assert row[1] is True and row[2] is True


def test_wrong_codes_end_a_sign_up_and_codes_per_number_are_limited(stack):
    local, e164 = phone()
    with stack.client() as c:
        r = c.post("/relawan/daftar", data=form(local))
        signup_id = SIGNUP.search(r.text).group(1)
        code = code_sent(stack, c, e164)
        wrong = "000000" if code != "000000" else "111111"
        statuses = [c.post(f"/relawan/daftar/{signup_id}", data={"code": wrong}).status_code for _ in range(5)]
        assert statuses == [422, 422, 422, 422, 429]
        assert c.post(f"/relawan/daftar/{signup_id}", data={"code": code}).status_code == 429   # the right one, too late
        assert c.post("/relawan/daftar", data=form(local)).status_code == 202
        assert c.post("/relawan/daftar", data=form(local)).status_code == 202
        limited = c.post("/relawan/daftar", data=form(local))
        assert limited.status_code == 429 and limited.headers["retry-after"] == "3600"
        assert c.post("/relawan/daftar/00000000-0000-0000-0000-000000000000", data={"code": "123456"}).status_code == 404
    assert registered(stack, e164) is None
