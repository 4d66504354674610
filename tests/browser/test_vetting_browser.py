"""Coordinators vet volunteers and size needs on the map, in real headless Chromium (issue 12):
click a volunteer, verify them with a note, see it recorded with who did it; open a need and
set how many volunteers it takes, see the count on the request. Offline, like the map test."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from test_map_browser import _page, browser  # noqa: E402,F401
from test_map_support import stack, unique_point, wait_for  # noqa: E402,F401

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def _signed_in_page(browser, stack, lat: float, lon: float):
    username, password = stack.account()
    page = _page(browser, stack.api)
    page.goto(stack.api + "/map")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#sign-in")
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)
    page.evaluate(f"window.siagaMap.map.setView([{lat}, {lon}], 17, {{animate: false}})")
    return page, username


def test_a_coordinator_verifies_a_volunteer_from_the_map(stack, browser):
    lat, lon = unique_point(-2.55, 140.70)   # Jayapura: this test's own place
    vid = stack.volunteer(lat, lon, name="Relawan Diperiksa")
    page, username = _signed_in_page(browser, stack, lat, lon)
    page.wait_for_selector(f'.vol[data-id="{vid}"]', timeout=15_000)
    page.locator(f'.vol[data-id="{vid}"]').click()
    box = f'.vet-box[data-volunteer="{vid}"]'
    page.wait_for_selector(box, timeout=10_000)
    assert "Nomor terkonfirmasi" in page.inner_text(box)
    page.fill(f"{box} .vet-note", "STR perawat dilihat")
    page.click(f"{box} button.vet-verified")
    page.wait_for_selector(f"{box} .vet-msg.ok", timeout=10_000)
    assert username in page.inner_text(f"{box} .vet-msg")

    def stored():
        with stack.db() as conn:
            return conn.execute("SELECT vetting, vetted_by, vetting_note FROM volunteers WHERE volunteer_id = %s",
                                (vid,)).fetchone()
    assert wait_for(lambda: stored()[0] == "verified" and stored(), 30, "the vetting stored") == \
        ("verified", username, "STR perawat dilihat")
    # The layer reloads: the marker now carries the level.
    page.wait_for_selector(f'.vol.vet-verified[data-id="{vid}"]', timeout=15_000)
    assert not page.errors, page.errors
    page.close()


def test_a_coordinator_sets_how_many_volunteers_a_need_takes_from_the_map(stack, browser):
    lat, lon = unique_point(-2.55, 141.70)   # east of Jayapura: this test's own place
    rid = stack.post_request(needs=["shelter"], people=30, location={"lat": lat, "lon": lon})["request_id"]
    stack.wait_stored(rid)
    page, username = _signed_in_page(browser, stack, lat, lon)
    page.wait_for_selector(f'.need[data-id="{rid}"]', timeout=15_000)
    page.locator(f'.need[data-id="{rid}"]').click()
    page.wait_for_selector(f'#detail[data-id="{rid}"]', timeout=10_000)
    assert "0 / 1" in page.inner_text("#detail")   # nobody yet, of one
    page.fill("#crew-count", "4")
    page.click("#btn-slots")
    page.wait_for_selector("#action-msg.msg.ok", timeout=10_000)

    def needed():
        with stack.db() as conn:
            return conn.execute("SELECT volunteers_needed FROM requests WHERE request_id = %s", (rid,)).fetchone()[0]
    assert wait_for(lambda: needed() == 4, 40, "four volunteers needed")
    page.wait_for_function("document.querySelector('#detail').innerText.includes('/ 4')", timeout=15_000)
    assert not page.errors, page.errors
    page.close()
