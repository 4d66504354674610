"""The public donation pages in real headless Chromium on a small phone screen (420 px): the
campaigns index, a campaign's transparency page (read without JavaScript), a receipt, and the
public map page, none wider than the screen. Saves docs/screenshots/campaign.png."""
from __future__ import annotations

import sys
from contextlib import closing
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_ledger import make_campaign, wait_checkpointed, wait_entries  # noqa: E402
from test_map_browser import SCREENSHOTS, _page, browser  # noqa: E402,F401
from test_map_support import stack  # noqa: E402,F401

pytestmark = [pytest.mark.integration, pytest.mark.browser]
PHONE = {"width": 420, "height": 860}


def _overflow(page) -> list[str]:
    """Elements whose right edge is beyond the screen, and the page's own scroll width."""
    return page.evaluate("""() => {
        const w = document.documentElement.clientWidth, out = [];
        if (document.documentElement.scrollWidth > w) out.push('page scrolls to ' + document.documentElement.scrollWidth);
        for (const el of document.querySelectorAll('body *')) {
            if (el.closest('.leaflet-pane')) continue;   // map tiles are clipped by the map box
            const r = el.getBoundingClientRect();
            if (r.width && r.right > w + 1 && getComputedStyle(el).position !== 'fixed')
                out.push(el.tagName + (el.id ? '#' + el.id : '') + '.' + el.className + ' ends at ' + Math.round(r.right));
        }
        return out.slice(0, 10);
    }""")


def test_transparency_page_on_a_small_phone_without_javascript(stack, browser):
    slug = make_campaign(stack)
    with closing(stack.signed_in("treasurer")) as t:
        for body in ({"kind": "received", "goods": {"category": "food", "item": "beras", "quantity": 250, "unit": "kg"}},
                     {"kind": "disbursed", "goods": {"category": "food", "item": "beras", "quantity": 100, "unit": "kg"},
                      "purpose": {"category": "food", "area": "Kecamatan Imogiri"}}):
            assert t.post("/api/v1/donations", json={**body, "campaign": slug}).status_code == 202
    with stack.client() as c:
        assert c.post("/api/v1/donations", json={"kind": "pledged", "money": {"amount_idr": 1_500_000},
                                                 "campaign": slug, "donor_name": "Warga Peduli",
                                                 "donor_public": True}).status_code == 202
    wait_entries(stack, slug, 3)
    wait_checkpointed(stack)
    ctx = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = ctx.new_page()
    page.goto(f"{stack.api}/campaigns/{slug}")
    text = page.inner_text("main")
    assert "BELUM diverifikasi" in text and "Rp 1.500.000" in text and "Warga Peduli" in text
    assert "250 kg" in text and "100 kg" in text and "Kecamatan Imogiri" in text
    assert page.inner_text("#checkpoint").count("entri") >= 1 and page.locator("#checkpoint code.hash").count() == 1
    assert page.locator("#donate form").count() == 1 and page.locator("#report form").count() == 1
    assert _overflow(page) == [], _overflow(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "campaign.png"), full_page=True)
    page.goto(f"{stack.api}/campaigns?lang=en")
    assert "NOT verified" in page.inner_text("main") and _overflow(page) == []
    page.click(f"a[href^='/campaigns/{slug}']")
    assert page.url.startswith(f"{stack.api}/campaigns/{slug}") and "Pledged" in page.inner_text("#figures")
    ctx.close()


def test_public_map_fits_a_small_phone(stack, browser):
    page = _page(browser, stack.api)
    page.set_viewport_size(PHONE)
    page.goto(stack.api + "/public")
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)
    assert _overflow(page) == [], _overflow(page)
    assert not page.errors, page.errors
    page.close()
