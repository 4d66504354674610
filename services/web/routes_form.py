"""The requester's web pages: a form that works without JavaScript, and a status page."""
from __future__ import annotations

import uuid
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from siaga.schemas.common import Channel, NeedCategory, Urgency, Vulnerable
from siaga.services import intake
from siaga.services.api.errors import describe
from siaga.services.api.metrics import ACCEPTED
from siaga.services.api.models import AidRequestIn
from siaga.services.status import request_status
from siaga.services.web.i18n import lang_of, t
from siaga.services.api.limits import intake_limit

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")


def _page(request: Request, name: str, lang: str, status_code: int = 200, **ctx):
    return templates.TemplateResponse(request, name, {"lang": lang, "tx": t(lang), **ctx},
                                      status_code=status_code)


def _form_page(request: Request, lang: str, form: dict | None = None, errors=None, status_code=200):
    form = form or {}
    return _page(request, "form.html", lang, status_code,
                 form=form, errors=errors, client_id=form.get("client_id") or str(uuid.uuid4()),
                 needs=[n.value for n in NeedCategory], vulnerable=[v.value for v in Vulnerable],
                 urgencies=[u.value for u in Urgency])


@router.get("/")
async def form(request: Request, lang: str | None = None):
    return _form_page(request, lang_of(lang))


def _to_submission(fields: dict) -> dict:
    data: dict = {
        "client_id": fields.get("client_id") or None,
        "needs": fields.get("needs", []),
        "vulnerable": fields.get("vulnerable", []),
        "people": fields.get("people") or 1,
        "volunteers_needed": fields.get("volunteers_needed") or None,
        "urgency": fields.get("urgency") or "normal",
        "text": fields.get("text") or "",
        "language": lang_of(fields.get("language")),
        "name": fields.get("name") or None,
        "phone": fields.get("phone") or None,
        "preferred_channel": fields.get("preferred_channel") or "sms",
        "place": fields.get("place") or None,
    }
    if fields.get("lat") and fields.get("lon"):
        data["location"] = {"lat": fields["lat"], "lon": fields["lon"], "source": "browser",
                            "accuracy_m": fields.get("accuracy_m") or None}
    return data


@router.post("/request", dependencies=[Depends(intake_limit)])
async def submit(request: Request, lang: str | None = None):
    raw = await request.form()
    fields = {k: raw.getlist(k) if k in ("needs", "vulnerable") else raw.get(k) for k in raw.keys()}
    lang = lang_of(fields.get("language") or lang)
    try:
        body = AidRequestIn.model_validate(_to_submission(fields))
        async with request.app.state.pool.connection() as conn:
            res = await intake.submit_request(conn, body, Channel.web)
    except ValidationError as exc:
        return _form_page(request, lang, fields, describe(exc.errors()), 422)
    except intake.InputError as exc:
        return _form_page(request, lang, fields, [{"field": exc.field, "message": exc.message}], 422)
    ACCEPTED.labels("request").inc()
    return _page(request, "received.html", lang, 202 if res.created else 200, result=res.response)


@router.get("/status")
async def status_lookup(request: Request, code: str | None = None, lang: str | None = None):
    return await status_page(request, code or "", lang)


@router.get("/status/{code}")
async def status_page(request: Request, code: str, lang: str | None = None):
    lang = lang_of(lang)
    found = None
    if code:
        async with request.app.state.pool.connection() as conn:
            found = await request_status(conn, code.strip()[:64])
    return _page(request, "status.html", lang, 200 if found or not code else 404, status=found, code=code)
