"""The volunteer sign-up page (/relawan/daftar): plain HTML, light, Bahasa Indonesia first.
The form becomes a pending sign-up; the code sent to the phone registers the volunteer
(services/signup.py)."""
from __future__ import annotations

import uuid
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from siaga.schemas.common import Skill, Vehicle
from siaga.services import intake, signup
from siaga.services.api.errors import describe
from siaga.services.api.models import PointIn, VolunteerIn
from siaga.services.web.i18n import lang_of, t

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")


def _page(request: Request, name: str, lang: str, status_code: int = 200, headers=None, **ctx):
    tx = t(lang)
    return templates.TemplateResponse(
        request, name, {"lang": lang, "tx": {**tx, "title": f"Siaga - {tx['su_title']}"},
                        "skills": [s.value for s in Skill], "vehicles": [v.value for v in Vehicle], **ctx},
        status_code=status_code, headers=headers)


@router.get("/relawan/daftar")
async def form(request: Request, lang: str | None = None):
    return _page(request, "signup.html", lang_of(lang), form={})


@router.post("/relawan/daftar")
async def submit(request: Request, lang: str | None = None):
    lang = lang_of(lang)
    raw = await request.form()
    fields = {k: (raw.getlist(k) if k == "skills" else raw.get(k)) for k in raw.keys()}
    errors = []
    if raw.get("consent") != "yes":
        errors.append({"field": "consent", "message": t(lang)["su_consent_needed"]})
    try:
        body = VolunteerIn.model_validate({
            "name": str(raw.get("name") or ""), "phone": str(raw.get("phone") or ""),
            "skills": [s for s in raw.getlist("skills")] or ["general"], "vehicle": raw.get("vehicle") or "none",
            "home_area": str(raw.get("home_area") or "").strip() or None,
            "organisation": str(raw.get("organisation") or "").strip() or None,
            "preferred_channel": raw.get("preferred_channel") or "sms", "language": lang})
        capacity = max(1, min(1000, int(str(raw.get("capacity") or "1"))))
        location = PointIn.model_validate({"lat": raw.get("lat"), "lon": raw.get("lon"),
                                           "accuracy_m": raw.get("accuracy_m") or None, "source": "browser"}) \
            if raw.get("lat") and raw.get("lon") else None
    except ValidationError as exc:
        return _page(request, "signup.html", lang, 422, form=fields, errors=errors + describe(exc.errors()))
    except ValueError:
        return _page(request, "signup.html", lang, 422, form=fields,
                     errors=errors + [{"field": "capacity", "message": "a whole number"}])
    if errors:
        return _page(request, "signup.html", lang, 422, form=fields, errors=errors)
    ip = request.client.host if request.client else None
    try:
        async with request.app.state.pool.connection() as conn, conn.transaction():
            signup_id = await signup.start(conn, body, capacity, location, ip, lang)
    except intake.InputError as exc:
        return _page(request, "signup.html", lang, 422, form=fields, errors=[{"field": exc.field, "message": exc.message}])
    except signup.TooMany as exc:
        return _page(request, "signup.html", lang, 429, headers={"Retry-After": str(exc.retry_after_s)}, form=fields,
                     errors=[{"field": "phone", "message": exc.message}])
    return _page(request, "signup_code.html", lang, 202, signup_id=signup_id)


@router.post("/relawan/daftar/{signup_id}")
async def confirm(request: Request, signup_id: uuid.UUID, lang: str | None = None):
    lang = lang_of(lang)
    code = str((await request.form()).get("code") or "")[:12]
    async with request.app.state.pool.connection() as conn, conn.transaction():
        checked = await signup.confirm(conn, signup_id, code)
    if checked.ok:
        return _page(request, "signup_code.html", lang, 201, signup_id=signup_id, done=True)
    status = {"unknown": 404, "done": 409, "expired": 410, "tries": 429}.get(checked.reason, 422)
    message = t(lang)[f"su_{checked.reason}"] if checked.reason != "done" else t(lang)["su_done"]
    return _page(request, "signup_code.html", lang, status, signup_id=signup_id, error=message,
                 final=checked.reason in ("unknown", "done", "expired", "tries"))
