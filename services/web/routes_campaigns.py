"""Public pages of the donations: the campaigns index, one transparency page per campaign, the
receipt page, and the report form. Plain HTML (no JavaScript needed), Bahasa Indonesia first.
Nothing personal: entries never carry it (core/ledger/entry.py)."""
from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from core.ledger.checkpoint import parse_checkpoint
from infra.settings import get_settings
from services.ledger.routes_campaigns import SLUG, list_campaigns, load_campaign
from services.ledger.routes_ledger import receipt
from services.ledger.totals import campaign_totals
from services.web.i18n import lang_of, t

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
TIMELINE = 50


def rupiah(n: int | None) -> str:
    return "Rp " + f"{int(n or 0):,}".replace(",", ".")


def num(x: float) -> str:
    return f"{x:,.0f}".replace(",", ".") if float(x).is_integer() else f"{x:,.2f}".replace(",", " ").replace(".", ",")


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def _helpers(tx: dict) -> dict:
    def amount(e: dict) -> str:
        if e.get("money_idr"):
            return rupiah(e["money_idr"])
        g = e.get("goods") or {}
        return f"{g.get('quantity')} {g.get('unit')} {g.get('item') or tx.get('need.' + str(g.get('category')), '')}".strip()

    def purpose(e: dict) -> str:
        p = e.get("purpose") or {}
        c = p.get("category")
        return tx.get(f"need.{c}") or tx.get(f"cat.{c}") or (c or "–")

    return {"rupiah": rupiah, "num": num, "pct": pct, "amount": amount, "purpose": purpose}


def page(request: Request, name: str, lang: str, status_code: int = 200, **ctx) -> HTMLResponse:
    tx = t(lang)
    return templates.TemplateResponse(request, name, {"lang": lang, "tx": {**tx, "title": f"Siaga - {tx['campaigns_title']}"},
                                                      **_helpers(tx), **ctx}, status_code=status_code)


@router.get("/campaigns")
async def campaigns_index(request: Request, lang: str | None = None):
    async with request.app.state.pool.connection() as conn:
        found = await list_campaigns(conn)
        for c in found:
            c["totals"] = (await campaign_totals(conn, c["slug"])).public()
    return page(request, "campaigns.html", lang_of(lang), campaigns=found)


async def _entries(conn, slug: str) -> list[dict]:
    rows = await (await conn.execute(
        "SELECT body FROM ledger_entries WHERE body::jsonb ->> 'campaign' = %s ORDER BY seq DESC LIMIT 500",
        (slug,))).fetchall()
    return [json.loads(r[0]) for r in rows]


async def campaign_page(request: Request, slug: str, lang: str, status_code: int = 200, **extra):
    async with request.app.state.pool.connection() as conn:
        c = await load_campaign(conn, slug) if SLUG.match(slug) else None
        if c is None:
            return page(request, "campaigns.html", lang, 404, campaigns=[])
        totals = await campaign_totals(conn, slug)
        entries = await _entries(conn, slug)
        latest = await (await conn.execute(
            "SELECT note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1")).fetchone()
    corrected = {e["corrects"] for e in entries if e.get("corrects")}
    live = [e for e in entries if e["entry_id"] not in corrected]
    checkpoint = None
    if latest:
        cp = parse_checkpoint(latest[0])
        at = next((x[5:] for x in cp.extensions if x.startswith("time ")), "")
        checkpoint = {"size": cp.size, "root": cp.root.hex(), "time": at}
    return page(request, "campaign.html", lang, status_code, c=c, t=totals,
                disbursements=[e for e in live if e["kind"] == "disbursed"], timeline=entries[:TIMELINE],
                checkpoint=checkpoint, cap=get_settings().opex_cap_percent,
                base_url=get_settings().public_base_url, **extra)


@router.get("/campaigns/{slug}")
async def campaign(request: Request, slug: str, lang: str | None = None):
    return await campaign_page(request, slug, lang_of(lang))


@router.post("/campaigns/{slug}/report")
async def report(request: Request, slug: str, lang: str | None = None):
    lang = lang_of(lang)
    form = await request.form()
    reason, details = str(form.get("reason", "")), str(form.get("details", "") or "")[:1000].replace("\x00", "")
    if reason not in ("fake", "misuse", "privacy", "other"):
        return HTMLResponse("reason: choose one of fake, misuse, privacy, other", status_code=422)
    async with request.app.state.pool.connection() as conn:
        if not SLUG.match(slug) or await load_campaign(conn, slug) is None:
            return HTMLResponse("no such campaign", status_code=404)
        await conn.execute("INSERT INTO campaign_reports (slug, reason, details) VALUES (%s, %s, %s)",
                           (slug, reason, details or None))
    return page(request, "message.html", lang, 202, message=t(lang)["report_thanks"], back=f"/campaigns/{slug}")


@router.get("/ledger/receipt")
async def receipt_lookup(request: Request, code: str | None = None, lang: str | None = None):
    return await receipt_page(request, code or "", lang)


@router.get("/ledger/receipt/{code}")
async def receipt_page(request: Request, code: str, lang: str | None = None):
    lang = lang_of(lang)
    found = None
    if code:
        async with request.app.state.pool.connection() as conn:
            found = await receipt(conn, code)
    return page(request, "receipt.html", lang, 200 if found or not code else 404, r=found, code=code)
