"""The volunteer's task page in headless Chromium on a 420 px phone, without JavaScript: the link
from the offer SMS, accept, the exact place with navigation links, done. Saves
docs/screenshots/task.png."""
from __future__ import annotations

import sys
from contextlib import closing
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_campaign_browser import PHONE, _overflow  # noqa: E402
from test_map_browser import SCREENSHOTS, browser  # noqa: E402,F401
from test_map_support import stack, wait_for  # noqa: E402,F401
from test_task_page import _offered  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def test_a_volunteer_takes_a_task_from_the_link_on_a_small_phone(stack, browser):
    with closing(stack.client()) as c:
        _vid, token, rlat, rlon = _offered(stack, c)
    ctx = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = ctx.new_page()
    page.goto(f"{stack.api}/t/{token}")
    before = page.inner_text("main")
    assert f"{rlat:.5f}" not in before and "geo:" not in page.content()
    assert _overflow(page) == [], _overflow(page)
    page.click("form[action*='/accept'] button")

    def accepted():
        page.goto(f"{stack.api}/t/{token}")
        return "geo:" in page.content()
    wait_for(accepted, 60, "the task accepted and the exact place shown")
    html = page.content()
    assert f"geo:{rlat}" in html.replace(" ", "") or f"{rlat:.5f}" in html
    assert "openstreetmap.org" in html and _overflow(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "task.png"), full_page=True)
    page.click("form[action*='/done'] button")

    def closed():
        return page.goto(f"{stack.api}/t/{token}").status == 410
    wait_for(closed, 60, "the link closed once done")
    ctx.close()
