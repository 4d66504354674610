"""services/api/page_headers.py: every HTML page carries a Content-Security-Policy that lets
scripts come only from the site (and images from the map's tile server); JSON answers do not
need one."""
from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from siaga.services.api.page_headers import PageHeaders, policy


def test_the_policy_names_the_tile_server_and_allows_no_foreign_script():
    csp = policy("https://{s}.tile.example.org/{z}/{x}/{y}.png")
    assert "script-src 'self';" in csp and "img-src 'self' data: blob: https://*.tile.example.org;" in csp
    assert "frame-ancestors 'none'" in csp and "'unsafe-eval'" not in csp
    assert "img-src 'self' data: blob:;" in policy("")   # no tile server configured


async def test_html_pages_get_the_headers_and_json_does_not():
    app = FastAPI()

    @app.get("/page", response_class=HTMLResponse)
    async def page():
        return "<p>hai</p>"

    @app.get("/data")
    async def data():
        return {"ok": True}

    app.add_middleware(PageHeaders)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        html, js = await c.get("/page"), await c.get("/data")
    assert "script-src 'self'" in html.headers["content-security-policy"]
    assert html.headers["x-content-type-options"] == "nosniff" and html.headers["x-frame-options"] == "DENY"
    assert "content-security-policy" not in js.headers and js.json() == {"ok": True}
