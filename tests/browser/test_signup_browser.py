"""A new volunteer signs up in headless Chromium on a 420 px phone without JavaScript, confirms
the code the local Twilio server received, and is registered. Saves docs/screenshots/signup.png."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_campaign_browser import PHONE, _overflow  # noqa: E402
from test_map_browser import SCREENSHOTS, browser  # noqa: E402,F401
from test_map_support import stack, wait_for  # noqa: E402,F401
from test_signup import code_sent, phone, registered  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def test_a_volunteer_signs_up_on_a_small_phone(stack, browser):
    local, e164 = phone()
    ctx = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = ctx.new_page()
    page.goto(f"{stack.api}/relawan/daftar")
    assert _overflow(page) == [], _overflow(page)
    page.fill("input[name=name]", "Dimas Ojol Peduli")
    page.fill("input[name=phone]", local)
    page.check("input[name=skills][value=driver]")
    page.select_option("select[name=vehicle]", "motorbike")
    page.fill("input[name=home_area]", "Wukirsari, Cangkringan")
    page.check("input[name=consent]")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "signup.png"), full_page=True)
    page.click("button[type=submit]")
    page.wait_for_selector("input[name=code]")
    with stack.client() as c:
        code = code_sent(stack, c, e164)
    page.fill("input[name=code]", code)
    page.click("button[type=submit]")
    assert "terkonfirmasi" in page.inner_text("#registered")
    wait_for(lambda: registered(stack, e164), 60, "the volunteer registered")
    ctx.close()
