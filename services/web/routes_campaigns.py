"""Pages of the donations: the campaigns index, one transparency page per campaign, the receipt
page and the report form (public), and the treasurer's entry form (signed in). Plain HTML (no
JavaScript needed), Bahasa Indonesia first. Nothing personal on the public pages: entries
never carry it (core/ledger/entry.py)."""
from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from siaga.core.ledger.checkpoint import parse_checkpoint
from siaga.infra.settings import get_settings
from siaga.schemas.common import NeedCategory
from siaga.services import intake
from siaga.services.api.errors import describe
from siaga.services.api.models import DonationIn
from siaga.services.auth import csrf
from siaga.services.auth.deps import optional_user, same_origin
from siaga.services.ledger.routes_campaigns import SLUG, file_report, list_campaigns, load_campaign
from siaga.services.ledger.routes_ledger import receipt
from siaga.services.ledger.totals import campaign_totals
from siaga.services.web.i18n import lang_of, t
from siaga.services.api.limits import intake_limit

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


@router.post("/campaigns/{slug}/report", dependencies=[Depends(intake_limit)])
async def report(request: Request, slug: str, lang: str | None = None):
    lang = lang_of(lang)
    form = await request.form()
    reason, details = str(form.get("reason", "")), str(form.get("details", "") or "")[:1000].replace("\x00", "")
    if reason not in ("fake", "misuse", "privacy", "other"):
        return HTMLResponse("reason: choose one of fake, misuse, privacy, other", status_code=422)
    async with request.app.state.pool.connection() as conn:
        if not await file_report(conn, slug, reason, details or None):
            return HTMLResponse("no such campaign", status_code=404)
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


# -- the treasurer's page: goods received, disbursements, corrections -------------------------

def _treasurer_body(f: dict) -> dict:
    """The form's fields as a DonationIn body (empty boxes are 'not given')."""
    v = {k: (str(x).strip() if x is not None else "") for k, x in f.items()}
    body: dict = {"kind": v.get("kind") or "received", "campaign": v.get("campaign", "")}
    if v.get("amount_idr"):
        body["money"] = {"amount_idr": v["amount_idr"]}
    if v.get("goods_category") or v.get("quantity"):
        body["goods"] = {"category": v.get("goods_category") or None, "item": v.get("goods_item") or None,
                         "quantity": v.get("quantity") or None, "unit": v.get("unit") or None}
    if v.get("pickup_lat") or v.get("pickup_lon"):
        body["pickup"] = {"lat": v.get("pickup_lat") or None, "lon": v.get("pickup_lon") or None}
        body["pickup_name"] = v.get("pickup_name") or None
    if v.get("purpose_category") or v.get("purpose_requests") or v.get("purpose_area"):
        body["purpose"] = {"category": v.get("purpose_category") or None, "area": v.get("purpose_area") or None,
                           "requests": [x for x in v.get("purpose_requests", "").replace(",", " ").split() if x]}
    for k in ("donor_name", "corrects", "note"):
        if v.get(k):
            body[k] = v[k]
    body["donor_public"] = v.get("donor_public") == "true"
    return body


async def _treasurer_page(request: Request, user, lang: str, status_code: int = 200, **ctx):
    async with request.app.state.pool.connection() as conn:
        found = [c for c in await list_campaigns(conn) if c["status"] == "open"]
    return page(request, "treasurer.html", lang, status_code, user=user, campaigns=found,
                needs=[n.value for n in NeedCategory], form=ctx.pop("form", {}),
                csrf=csrf.form_token(request), **ctx)


@router.get("/treasurer")
async def treasurer(request: Request, lang: str | None = None, user=Depends(optional_user)):
    if user is None:
        return RedirectResponse("/login?next=/treasurer", status_code=303)
    if not user.is_treasurer:
        return HTMLResponse("this needs the treasurer role / perlu peran bendahara", status_code=403)
    return await _treasurer_page(request, user, lang_of(lang))


@router.post("/treasurer", dependencies=[Depends(same_origin), Depends(csrf.check)])
async def treasurer_record(request: Request, lang: str | None = None, user=Depends(optional_user)):
    lang = lang_of(lang)
    if user is None or not user.is_treasurer:
        return HTMLResponse("this needs the treasurer role / perlu peran bendahara", status_code=401 if user is None else 403)
    form = dict((await request.form()).items())
    try:
        body = DonationIn.model_validate(_treasurer_body(form))
        async with request.app.state.pool.connection() as conn:
            await intake.record_donation(conn, body, user)
    except ValidationError as exc:
        return await _treasurer_page(request, user, lang, 422, form=form, errors=describe(exc.errors()))
    except intake.InputError as exc:
        return await _treasurer_page(request, user, lang, 422, form=form,
                                     errors=[{"field": exc.field, "message": exc.message}])
    except intake.Forbidden as exc:
        return HTMLResponse(exc.message, status_code=exc.status)
    return await _treasurer_page(request, user, lang, 202, notice=t(lang)["recorded"])
