"""The volunteer's task page, reached from the link in an offer or confirmation message:
/t/{token}, where the token is core.codes.task_token(TASK_LINK_SECRET, offer_id) (stored by the
sink in dispatches.link_token). Plain HTML forms, no JavaScript needed, Bahasa Indonesia first
(?lang=en switches). Until the volunteer accepts, the page shows only a coarse area: no exact
location, address or requester. The link stops working when the offer closes (410 Gone).

/t/{token}/mine is the volunteer's own page (their tasks, availability, a position check-in),
reachable from any of their links while the task lives and for MINE_GRACE after it closed."""
from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from psycopg.rows import dict_row
from pydantic import ValidationError

from siaga.infra.settings import get_settings
from siaga.services import intake
from siaga.services.api.metrics import ACCEPTED
from siaga.services.api.models import CheckInIn, PointIn
from siaga.services.api.routes_offers import OfferClosed, OfferNotFound, send_reply
from siaga.services.web.i18n import TEXT, lang_of, t
from siaga.services.api.limits import intake_limit

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")

LIVE = ("offered", "accepted", "on_the_way")
ACCEPTED_STATES = ("accepted", "on_the_way")
# The buttons each status shows, and the reply each sends (routes_offers.send_reply). "cant"
# (can't make it, after acceptance) is a decline: the desk's word for giving the task back,
# which the matcher answers by finding someone else. "unavailable" is not used: it only marks
# the volunteer unavailable for new offers and leaves an accepted task held.
BUTTONS = {"offered": ("accept", "decline"), "accepted": ("on_the_way", "done", "cant", "sos"),
           "on_the_way": ("done", "cant", "sos")}
REPLY = {"accept": "accept", "decline": "decline", "on_the_way": "on_the_way", "done": "done",
         "cant": "decline", "sos": "sos"}
MINE_GRACE = timedelta(hours=24)
HISTORY = 20
COARSE_DECIMALS = 2   # 0.01 degree: about 1.1 km
MAX_TOKEN = 64
# Personal data behind a capability URL: never cached, never sent on as a Referer, not indexed.
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}

TASK_SQL = """
SELECT d.offer_id, d.offer_code, d.request_id, d.volunteer_id, d.status, d.distance_m, d.expires_at,
       d.status_at, r.needs, r.people, r.vulnerable, r.place_name, r.admin_code, r.contact_name,
       r.contact_phone, ST_Y(r.geom::geometry) AS lat, ST_X(r.geom::geometry) AS lon,
       r.volunteers_needed, r.volunteers_filled
FROM dispatches d LEFT JOIN requests r ON r.request_id = d.request_id
WHERE d.link_token = %s"""
# The latest offer of every other volunteer on the request: one status each, no names.
OTHERS_SQL = """
SELECT status, count(*) AS n FROM (
    SELECT DISTINCT ON (volunteer_id) status FROM dispatches
    WHERE request_id = %s AND volunteer_id <> %s ORDER BY volunteer_id, created_at DESC) latest
GROUP BY status ORDER BY status"""
VOLUNTEER_SQL = """
SELECT name, available, capacity, last_seen, ST_Y(geom::geometry) AS lat, ST_X(geom::geometry) AS lon
FROM volunteers WHERE volunteer_id = %s"""
HISTORY_SQL = """
SELECT d.offer_code, d.status, d.expires_at, d.created_at, d.status_at, d.link_token, r.needs
FROM dispatches d LEFT JOIN requests r ON r.request_id = d.request_id
WHERE d.volunteer_id = %s ORDER BY d.created_at DESC LIMIT %s"""


# -- reading -------------------------------------------------------------------------------------
async def _fetch(conn, sql: str, params: tuple, many: bool = False):
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(sql, params)
        return await (cur.fetchall() if many else cur.fetchone())


async def _task(conn, token: str) -> dict | None:
    # No format check first: a malformed token takes the same query as an unknown one, so both
    # get the same page in the same time.
    return await _fetch(conn, TASK_SQL, (token[:MAX_TOKEN],))


def _closed_as(row: dict, now: datetime) -> str | None:
    """Why a link no longer works (done, declined, expired, withdrawn), or None while it does."""
    status = row["status"]
    if status == "offered" and row["expires_at"] is not None and row["expires_at"] <= now:
        return "expired"   # the store hears of the expiry a moment later
    if status in LIVE:
        return None
    return status if status in ("done", "declined", "expired") else "withdrawn"


def _mine_open(task: dict, now: datetime) -> bool:
    return _closed_as(task, now) is None or task["status_at"] >= now - MINE_GRACE


def _km(distance_m: float | None, lang: str) -> str | None:
    if distance_m is None:
        return None
    text = f"{distance_m / 1000:.1f}".removesuffix(".0")
    return text.replace(".", ",") if lang == "id" else text


def _view(task: dict, now: datetime, lang: str) -> dict:
    """What the page shows: before acceptance a coarse area only, after it the exact place."""
    accepted = task["status"] in ACCEPTED_STATES
    lat, lon = task["lat"], task["lon"]
    v: dict = {
        "code": task["offer_code"], "status": task["status"], "accepted": accepted,
        "needs": task["needs"] or [], "people": task["people"], "vulnerable": task["vulnerable"] or [],
        "crew": task["volunteers_needed"] or 1, "filled": task["volunteers_filled"] or 0,
        "distance_km": _km(task["distance_m"], lang), "buttons": BUTTONS[task["status"]],
        # A place name typed by the requester can be an address: before acceptance, only a
        # gazetteer name (an administrative area) is shown.
        "place": task["place_name"] if accepted or task["admin_code"] else None,
    }
    if task["status"] == "offered" and task["expires_at"] is not None:
        v["minutes_left"] = max(1, math.ceil((task["expires_at"] - now).total_seconds() / 60))
    if lat is None:
        return v
    if not accepted:
        v["coarse"] = f"{lat:.{COARSE_DECIMALS}f}, {lon:.{COARSE_DECIMALS}f}"
        return v
    v["exact"] = f"{lat:.5f}, {lon:.5f}"
    v["geo"] = f"geo:{lat:.6f},{lon:.6f}"
    v["osm"] = f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=17/{lat:.6f}/{lon:.6f}"
    if get_settings().share_requester_contact and (task["contact_name"] or task["contact_phone"]):
        v["contact"] = {"name": next(iter((task["contact_name"] or "").split()), None),   # first name only
                        "phone": task["contact_phone"]}
    return v


# -- answering ------------------------------------------------------------------------------------
def _render(request: Request, name: str, lang: str, status_code: int = 200, **ctx) -> HTMLResponse:
    tx = {**t(lang), "title": t(lang)["task.title"]}
    return templates.TemplateResponse(request, name, {"lang": lang, "tx": tx, **ctx},
                                      status_code=status_code, headers=HEADERS)


def _notice(request: Request, lang: str, status_code: int, key: str, mine_url: str | None = None) -> HTMLResponse:
    """404 and 410: the reason in both languages, Bahasa Indonesia first (the link may be
    opened by someone who does not know which language the page would choose)."""
    lines = [TEXT["id"][key], TEXT["en"][key]]
    if status_code == 410:
        lines = [TEXT["id"][key] + " " + TEXT["id"]["task.gone"], TEXT["en"][key] + " " + TEXT["en"]["task.gone"]]
    return _render(request, "task.html", lang, status_code, notice_lines=lines, mine_url=mine_url)


def _missing(request: Request, lang: str) -> HTMLResponse:
    return _notice(request, lang, 404, "task.not_found")


def _gone(request: Request, lang: str, token: str, task: dict, now: datetime, reason: str) -> HTMLResponse:
    mine = f"/t/{token}/mine?lang={lang}" if _mine_open(task, now) else None
    return _notice(request, lang, 410, f"task.gone.{reason}", mine)


def _back(path: str, lang: str, flag: str | None = None) -> RedirectResponse:
    query = "&".join(q for q in (f"{flag}=1" if flag else "", "lang=en" if lang == "en" else "") if q)
    return RedirectResponse(path + (f"?{query}" if query else ""), status_code=303)


@router.get("/t/{token}")
async def task_page(request: Request, token: str, lang: str | None = None, sent: str | None = None):
    lang, now = lang_of(lang), datetime.now(timezone.utc)
    async with request.app.state.pool.connection() as conn:
        task = await _task(conn, token)
        if task is None:
            return _missing(request, lang)
        reason = _closed_as(task, now)
        if reason:
            return _gone(request, lang, token, task, now, reason)
        others = await _fetch(conn, OTHERS_SQL, (task["request_id"], task["volunteer_id"]), many=True) \
            if task["status"] in ACCEPTED_STATES else []
    return _render(request, "task.html", lang, v=_view(task, now, lang), token=token, sent=bool(sent),
                   others=others)


@router.post("/t/{token}/{action}", dependencies=[Depends(intake_limit)])
async def task_action(request: Request, token: str, action: str, lang: str | None = None):
    lang, now = lang_of(lang), datetime.now(timezone.utc)
    async with request.app.state.pool.connection() as conn:
        task = await _task(conn, token)
        if task is None or action not in REPLY:
            return _missing(request, lang)
        reason = _closed_as(task, now)
        if reason:
            return _gone(request, lang, token, task, now, reason)
        if action not in BUTTONS[task["status"]]:
            return _back(f"/t/{token}", lang)   # a button of an older page: show the current one
        try:
            await send_reply(conn, task["offer_id"], REPLY[action], "web/task-page")
        except OfferNotFound:
            return _missing(request, lang)
        except OfferClosed as exc:   # closed between the two reads
            closed = {**task, "status": exc.status}
            return _gone(request, lang, token, closed, now, _closed_as(closed, now) or "withdrawn")
    return _back(f"/t/{token}", lang, "sent")


# -- the volunteer's own page --------------------------------------------------------------------
async def _mine(request: Request, conn, token: str, lang: str, now: datetime) -> tuple[dict | None, HTMLResponse | None]:
    """The task behind the token if it opens the volunteer's page, else the page to answer."""
    task = await _task(conn, token)
    if task is None:
        return None, _missing(request, lang)
    if not _mine_open(task, now):
        return None, _gone(request, lang, token, task, now, _closed_as(task, now) or "withdrawn")
    return task, None


async def _mine_page(request: Request, conn, token: str, task: dict, lang: str, now: datetime,
                     status_code: int = 200, saved: bool = False, error: str | None = None) -> HTMLResponse:
    vol = await _fetch(conn, VOLUNTEER_SQL, (task["volunteer_id"],)) or {}
    rows = await _fetch(conn, HISTORY_SQL, (task["volunteer_id"], HISTORY), many=True)
    tasks = [{"code": r["offer_code"], "status": _closed_as(r, now) or r["status"], "needs": r["needs"] or [],
              "date": r["created_at"].strftime("%Y-%m-%d %H:%M"), "live": _closed_as(r, now) is None,
              "url": f"/t/{r['link_token']}?lang={lang}" if r["link_token"] else None}
             for r in rows]
    last = vol.get("last_seen")
    return _render(request, "my_tasks.html", lang, status_code, token=token, saved=saved, error=error,
                   first_name=(vol.get("name") or "").split(" ")[0], available=bool(vol.get("available")),
                   last_seen=last.strftime("%Y-%m-%d %H:%M") if last else None,
                   current=[x for x in tasks if x["live"]], past=[x for x in tasks if not x["live"]])


@router.get("/t/{token}/mine")
async def mine_page(request: Request, token: str, lang: str | None = None, saved: str | None = None):
    lang, now = lang_of(lang), datetime.now(timezone.utc)
    async with request.app.state.pool.connection() as conn:
        task, answer = await _mine(request, conn, token, lang, now)
        if answer is not None:
            return answer
        return await _mine_page(request, conn, token, task, lang, now, saved=bool(saved))


async def _check_in(conn, volunteer_id: uuid.UUID, body: CheckInIn) -> None:
    await intake.check_in(conn, volunteer_id, body)
    ACCEPTED.labels("checkin").inc()


@router.post("/t/{token}/mine/available", dependencies=[Depends(intake_limit)])
async def mine_available(request: Request, token: str, lang: str | None = None):
    """The availability switch: a check-in, as the API's, so the desk and the stored volunteer
    both change. Available again means at the last known position (as the SIAP reply does)."""
    lang, now = lang_of(lang), datetime.now(timezone.utc)
    want = (await request.form()).get("available") == "1"
    async with request.app.state.pool.connection() as conn:
        task, answer = await _mine(request, conn, token, lang, now)
        if answer is not None:
            return answer
        vol = await _fetch(conn, VOLUNTEER_SQL, (task["volunteer_id"],))
        if vol is None or (want and vol["lat"] is None):
            return await _mine_page(request, conn, token, task, lang, now, 422, error=t(lang)["mine.need_position"])
        where = PointIn(lat=vol["lat"], lon=vol["lon"], source="manual") if want else None
        await _check_in(conn, task["volunteer_id"],
                        CheckInIn(location=where, available=want, capacity=vol["capacity"] or 1))
    return _back(f"/t/{token}/mine", lang, "saved")


@router.post("/t/{token}/mine/checkin", dependencies=[Depends(intake_limit)])
async def mine_checkin(request: Request, token: str, lang: str | None = None):
    """A position check-in; availability stays as it is."""
    lang, now = lang_of(lang), datetime.now(timezone.utc)
    form = await request.form()
    async with request.app.state.pool.connection() as conn:
        task, answer = await _mine(request, conn, token, lang, now)
        if answer is not None:
            return answer
        vol = await _fetch(conn, VOLUNTEER_SQL, (task["volunteer_id"],)) or {}
        try:
            # Indonesian keyboards write a decimal comma; accuracy comes only from the GPS script.
            where = PointIn(lat=str(form.get("lat") or "").strip().replace(",", "."),
                            lon=str(form.get("lon") or "").strip().replace(",", "."),
                            accuracy_m=form.get("accuracy_m") or None,
                            source="browser" if form.get("accuracy_m") else "manual")
        except ValidationError:
            return await _mine_page(request, conn, token, task, lang, now, 422, error=t(lang)["mine.bad_position"])
        await _check_in(conn, task["volunteer_id"], CheckInIn(
            location=where, available=bool(vol.get("available")), capacity=vol.get("capacity") or 1))
    return _back(f"/t/{token}/mine", lang, "saved")
