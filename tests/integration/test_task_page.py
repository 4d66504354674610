"""The volunteer's task page against a running stack: the offer SMS carries a /t/ link; the
page shows a coarse area until the volunteer accepts through its form, then the exact place
with geo: and OpenStreetMap links; done through the page closes the link (410). Unknown
tokens are 404. The volunteer's own page lists the task and switches availability."""
from __future__ import annotations

import re
import secrets
import sys
from contextlib import closing
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from siaga.core.codes import ALPHABET  # noqa: E402
from test_map_support import stack, unique_point, wait_for  # noqa: E402,F401

pytestmark = pytest.mark.integration
LINK = re.compile(r"/t/([" + ALPHABET + r"]{12})(?![" + ALPHABET + r"])")


def _phone() -> str:
    return "0812" + str(secrets.randbelow(10**8)).zfill(8)


def _volunteer_phone(stack, vid: str) -> str:
    with stack.db() as conn:
        return conn.execute("SELECT phone FROM volunteers WHERE volunteer_id = %s", (vid,)).fetchone()[0]


def _messages(stack, c: httpx.Client, phone: str) -> list[str]:
    r = c.get(f"{stack.env['TWILIO_BASE_URL']}/_local/messages", params={"to": phone})
    return [m["body"] for m in r.json()["messages"]]


def _offered(stack, c: httpx.Client, **request) -> tuple[str, str, float, float]:
    """A volunteer alone near a fresh request: (volunteer id, the link's token, request lat, lon)."""
    lat, lon = unique_point()
    vid = stack.volunteer(lat, lon)
    # About 500 m away, with more decimals than the page's coarse area keeps.
    rlat, rlon = round(lat + 0.004321, 6), round(lon + 0.003217, 6)
    rid = stack.post_request(needs=["water"], people=7, urgency="normal", location={"lat": rlat, "lon": rlon},
                             **request)["request_id"]
    phone = _volunteer_phone(stack, vid)
    declined: set[str] = set()

    def link():
        # An open need left by another test nearby may be offered first: decline it, as a
        # volunteer would, and wait for the offer of our request.
        for b in _messages(stack, c, phone):
            found = LINK.search(b) if "TOLAK" in b else None
            if not found or found.group(1) in declined:
                continue
            token = found.group(1)
            with stack.db() as conn:
                row = conn.execute("SELECT request_id::text FROM dispatches WHERE link_token = %s", (token,)).fetchone()
            if row and row[0] == rid:
                return token
            if row:
                declined.add(token)
                c.post(f"/t/{token}/decline", follow_redirects=False)   # it may have lapsed already
        return None
    try:
        token = wait_for(link, 90, "the offer SMS of our request with a task link")
    except AssertionError as exc:   # (seen once under the full suite's load: say where it stuck)
        raise AssertionError(f"{exc}\n{_where(stack, rid, vid)}") from None
    _until(c, f"/t/{token}", lambda r: r.status_code == 200, 30, "the task page")
    return vid, token, rlat, rlon


def _where(stack, rid: str, vid: str) -> str:
    """Where an offer that never reached the volunteer stands: the request, its offers and the
    volunteer's notifications (test data only)."""
    with stack.db() as conn:
        req = conn.execute("SELECT status, status_at FROM requests WHERE request_id = %s", (rid,)).fetchone()
        offers = conn.execute("SELECT volunteer_id::text = %s, status, created_at, status_at FROM dispatches "
                              "WHERE request_id = %s ORDER BY created_at", (vid, rid)).fetchall()
        notes = conn.execute("SELECT template, state, tries, created_at, sent_at, error_code FROM notifications "
                             "WHERE volunteer_id = %s ORDER BY created_at", (vid,)).fetchall()
        backlog = conn.execute("SELECT state, count(*) FROM notifications WHERE state IN "
                               "('sending', 'retry_wait') GROUP BY state").fetchall()
    return (f"request {req}; offers (ours?, status, created, status_at) {offers}; "
            f"our volunteer's notifications {notes}; notifier backlog {backlog}")


def _until(c: httpx.Client, path: str, ok, timeout: float, what: str) -> httpx.Response:
    def get():
        r = c.get(path)
        return r if ok(r) else None
    return wait_for(get, timeout, what)


def _post(c: httpx.Client, path: str, **form) -> httpx.Response:
    r = c.post(path, data=form or None, follow_redirects=False)
    assert r.status_code == 303, (r.status_code, r.text[:500])
    return r


def test_task_page_from_offer_to_done(stack):
    requester = _phone()
    with closing(stack.client()) as c:
        vid, token, rlat, rlon = _offered(stack, c, name="Siti Rahasia", phone=requester, place="Jalan Rahasia 12")
        page = c.get(f"/t/{token}")
        assert page.headers["cache-control"] == "no-store"
        html = page.text
        assert "Air bersih" in html and f"{rlat:.2f}, {rlon:.2f}" in html
        for hidden in (f"{rlat:.4f}", f"{rlon:.4f}", "geo:", "openstreetmap", "Siti", "Rahasia", requester[1:]):
            assert hidden not in html, hidden
        assert f'action="/t/{token}/accept?lang=id"' in html

        r = _post(c, f"/t/{token}/accept")
        assert r.headers["location"] == f"/t/{token}?sent=1"
        assert "Jawaban Anda diterima" in c.get(r.headers["location"]).text

        html = _until(c, f"/t/{token}", lambda r: "geo:" in r.text, 60,
                      "the page after the matcher confirmed the task").text
        assert f"geo:{rlat:.6f},{rlon:.6f}" in html
        assert f"https://www.openstreetmap.org/?mlat={rlat:.6f}&amp;mlon={rlon:.6f}#map=17/" in html
        assert "Jalan Rahasia 12" in html and "Relawan lain" in html
        if stack.env.get("SHARE_REQUESTER_CONTACT", "").lower() not in ("1", "true", "yes"):
            assert "Siti" not in html and requester[1:] not in html
        assert "/accept?" not in html and f'action="/t/{token}/done?lang=id"' in html
        # The confirmation SMS carries the same link.
        phone = _volunteer_phone(stack, vid)
        wait_for(lambda: [b for b in _messages(stack, c, phone) if "SELESAI" in b and f"/t/{token}" in b], 30,
                 "the confirmation SMS with the same link")

        mine = c.get(f"/t/{token}/mine")
        assert mine.status_code == 200 and f'href="/t/{token}?lang=id"' in mine.text

        _post(c, f"/t/{token}/on_the_way")
        _until(c, f"/t/{token}", lambda r: "menuju lokasi" in r.text, 30, "on the way on the page")
        # SOS from the page: coordinators get an alert with the task, and see it in their queue.
        _post(c, f"/t/{token}/sos")

        def sos():
            with stack.db() as conn:
                return conn.execute("SELECT request_id::text FROM situation_log WHERE kind = 'escalation' "
                                    "AND status = 'sos' AND volunteer_id = %s", (vid,)).fetchone()
        rid = wait_for(sos, 30, "the SOS alert")[0]
        with closing(stack.signed_in()) as coordinator:
            queue = coordinator.get("/api/v1/map/queue").json()
        items = queue["items"] if isinstance(queue, dict) else queue
        assert any(q["id"] == rid and q["attention"] for q in items), items[:3]
        _post(c, f"/t/{token}/done?lang=en")
        gone = _until(c, f"/t/{token}", lambda r: r.status_code == 410, 60, "the link closed after done")
        assert "selesai" in gone.text and "This task is done" in gone.text and "geo:" not in gone.text
        assert c.post(f"/t/{token}/done", follow_redirects=False).status_code == 410
        with stack.db() as conn:
            assert conn.execute("SELECT status FROM dispatches WHERE link_token = %s", (token,)).fetchone()[0] == "done"

        # The volunteer's own page still opens from the closed link for a while, with the task in the past.
        mine = c.get(f"/t/{token}/mine?lang=en")
        assert mine.status_code == 200 and "Past tasks" in mine.text and "done" in mine.text


def test_unknown_and_malformed_tokens_are_404(stack):
    with closing(stack.client()) as c:
        for token in ("".join(secrets.choice(ALPHABET) for _ in range(12)), "abc", "0000OOOOIIII", "x" * 200):
            r = c.get(f"/t/{token}")
            assert r.status_code == 404 and "Tautan tidak dikenal" in r.text, token
            assert c.post(f"/t/{token}/accept", follow_redirects=False).status_code == 404
            assert c.get(f"/t/{token}/mine").status_code == 404


def test_my_page_switches_availability_and_checks_in_a_position(stack):
    with closing(stack.client()) as c:
        vid, token, _, _ = _offered(stack, c)
        mine = c.get(f"/t/{token}/mine")
        assert mine.status_code == 200 and f'href="/t/{token}?lang=id"' in mine.text
        assert 'name="available" value="0"' in mine.text   # on duty: the switch turns it off

        def volunteer():
            with stack.db() as conn:
                return conn.execute("SELECT available, ST_Y(geom::geometry), ST_X(geom::geometry) FROM volunteers "
                                    "WHERE volunteer_id = %s", (vid,)).fetchone()

        _post(c, f"/t/{token}/mine/available", available="0")
        wait_for(lambda: volunteer()[0] is False, 30, "the volunteer stored as unavailable")
        # Going off duty gives an unanswered offer back (the desk declines it): the link closes.
        gone = _until(c, f"/t/{token}", lambda r: r.status_code == 410, 60, "the offer released by going off duty")
        assert "tolak" in gone.text

        lat, lon = unique_point()
        r = c.post(f"/t/{token}/mine/checkin", data={"lat": "not a number", "lon": "110"}, follow_redirects=False)
        assert r.status_code == 422 and "Posisi tidak valid" in r.text
        _post(c, f"/t/{token}/mine/checkin", lat=str(lat).replace(".", ","), lon=str(lon))   # a decimal comma too
        def moved():
            v = volunteer()
            return abs(v[1] - lat) < 1e-6 and abs(v[2] - lon) < 1e-6
        wait_for(moved, 30, "the checked-in position stored")
        assert volunteer()[0] is False   # a position does not change availability

        _post(c, f"/t/{token}/mine/available", available="1")
        wait_for(lambda: volunteer()[0] is True, 30, "the volunteer available again")
        assert "SIAP" in c.get(f"/t/{token}/mine").text
