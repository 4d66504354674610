"""The coordinators' map: the page, GeoJSON layers within a bounding box, the queue, counters,
request details with offer history, nearest volunteers, and the live stream. Signed-in only.
The SQL is in services/api/map_queries.py; here the parameters are parsed and answered.
"""
from __future__ import annotations

import math
import uuid
from pathlib import Path

import orjson
from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse
from fastapi.templating import Jinja2Templates

from siaga.infra.settings import get_settings
from siaga.services import live
from siaga.services.active_areas import read_learned_areas
from siaga.services.api.map_queries import (
    ACTIVE,
    AVAILABILITY,
    CATEGORIES,
    STATUSES,
    URGENCIES,
    BBox,
    NeedFilter,
    count_needs,
    grid_for,
    point,
    query_candidates,
    query_cells,
    query_detail,
    query_lines,
    query_needs,
    query_queue,
    query_summary,
    query_volunteers,
)
from siaga.services.api.openapi import EventStreamResponse, GeoJSONResponse, errors
from siaga.services.auth import csrf
from siaga.services.auth.accounts import Coordinator
from siaga.services.auth.deps import optional_user, require_viewer
from siaga.services.auth.sessions import COOKIE, session_user

router = APIRouter(tags=["coordinators' map"])
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "web" / "templates")


MAX_FEATURES = 50_000
CLUSTER_ABOVE = 5_000  # points beyond this in one view: the browser gets grid cells instead
CELLS_ACROSS = 64


# ------------------------------------------------------------------ query parameters

def parse_bbox(raw: str | None) -> BBox:
    """`minLon,minLat,maxLon,maxLat` in WGS84 degrees; anything else is a 422 that says why."""
    usage = "bbox must be minLon,minLat,maxLon,maxLat in degrees, e.g. 110.3,-7.9,110.5,-7.7"
    if raw is None or not raw.strip():
        raise HTTPException(422, f"bbox is required: {usage}")
    parts = raw.split(",")
    if len(parts) != 4 or len(raw) > 200:
        raise HTTPException(422, f"{usage} (got {len(parts)} values)")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise HTTPException(422, f"{usage} (not a number in {raw[:80]!r})") from None
    if not all(math.isfinite(v) for v in values):
        raise HTTPException(422, f"{usage} (values must be finite)")
    box = BBox(*values)
    if not (-180 <= box.min_lon <= 180 and -180 <= box.max_lon <= 180):
        raise HTTPException(422, "bbox longitudes must be between -180 and 180")
    if not (-90 <= box.min_lat <= 90 and -90 <= box.max_lat <= 90):
        raise HTTPException(422, "bbox latitudes must be between -90 and 90")
    if box.min_lon >= box.max_lon or box.min_lat >= box.max_lat:
        raise HTTPException(422, "bbox minimum must be below its maximum (minLon < maxLon, minLat < maxLat)")
    return box


def parse_choices(raw: str | None, allowed: tuple[str, ...], name: str) -> list[str] | None:
    """A comma list of known values (None: no filter); unknown values are a 422."""
    if raw is None or not raw.strip():
        return None
    values = [v.strip() for v in raw.split(",") if v.strip()]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise HTTPException(422, f"unknown {name} {', '.join(repr(u[:30]) for u in unknown[:3])}; "
                                 f"allowed: {', '.join(allowed)}")
    return list(dict.fromkeys(values))


def _geojson(features: list[dict], **members) -> Response:
    body = {"type": "FeatureCollection", **members, "features": features}
    return Response(orjson.dumps(body), media_type="application/geo+json",
                    headers={"Cache-Control": "no-store"})


# ------------------------------------------------------------------ routes


def _db(request: Request):
    return request.app.state.pool


@router.get("/map", include_in_schema=False)
async def map_page(request: Request, user: Coordinator | None = Depends(optional_user)):
    if user is None:
        return RedirectResponse("/login?next=/map", status_code=303)
    return templates.TemplateResponse(request, "map.html", {
        "mode": "coordinator", "user": user, "tile_url": get_settings().tile_url,
        "csrf": csrf.form_token(request)})


@router.get("/api/v1/map/needs", summary="Needs within a bounding box (GeoJSON; grid cells when too many)",
            response_class=GeoJSONResponse)
async def needs(request: Request, bbox: str | None = Query(None, max_length=200),
                category: str | None = Query(None, max_length=300), status: str | None = Query(None, max_length=300),
                urgency: str | None = Query(None, max_length=100),
                age_h: float | None = Query(None, gt=0, le=24 * 365, description="created within the last N hours"),
                limit: int = Query(20_000, ge=1, le=MAX_FEATURES, description="at most this many points"),
                cluster_above: int = Query(CLUSTER_ABOVE, ge=0, le=MAX_FEATURES,
                                           description="more needs than this in the box: grid cells instead "
                                                       "of points (0: always points)"),
                _user: Coordinator = Depends(require_viewer)):
    f = NeedFilter(parse_bbox(bbox), parse_choices(status, STATUSES, "status") or list(ACTIVE),
                   parse_choices(category, CATEGORIES, "category"), parse_choices(urgency, URGENCIES, "urgency"), age_h)
    async with _db(request).connection() as conn:
        cursor = await live.current_seq(conn)  # before the read: the stream may repeat, never skip
        threshold = cluster_above if cluster_above else limit
        count = await count_needs(conn, f, threshold + 1)
        if cluster_above and count > cluster_above:
            # Zoomed out over a busy area: counts per cell, a fraction of the bytes, still exact.
            grid_m = grid_for(f.box, CELLS_ACROSS)
            cells = await query_cells(conn, f, grid_m)
            return _geojson([{"type": "Feature", "geometry": point(c.lon, c.lat),
                              "properties": {"count": c.total, "waiting": c.waiting, "matched": c.matched,
                                             "urgent": c.urgent, "by_category": c.by_category}} for c in cells],
                            cursor=cursor, clustered=True, grid_m=grid_m, truncated=False)
        truncated = count > limit
        features = await query_needs(conn, f, limit, most_pressing=truncated)
    return _geojson(features, cursor=cursor, clustered=False, truncated=truncated)


@router.get("/api/v1/map/volunteers", summary="Volunteers within a bounding box (GeoJSON)", response_class=GeoJSONResponse)
async def volunteers(request: Request, bbox: str | None = Query(None, max_length=200),
                     state: str | None = Query(None, max_length=100, description="available,busy,unavailable"),
                     limit: int = Query(20_000, ge=1, le=MAX_FEATURES),
                     _user: Coordinator = Depends(require_viewer)):
    box = parse_bbox(bbox)
    wanted = parse_choices(state, AVAILABILITY, "state")
    async with _db(request).connection() as conn:
        features = await query_volunteers(conn, box, wanted, limit)
    return _geojson(features)


@router.get("/api/v1/map/dispatches", summary="Live dispatches as volunteer-to-need lines (GeoJSON)",
            response_class=GeoJSONResponse)
async def dispatch_lines(request: Request, bbox: str | None = Query(None, max_length=200),
                         _user: Coordinator = Depends(require_viewer)):
    box = parse_bbox(bbox)
    async with _db(request).connection() as conn:
        return _geojson(await query_lines(conn, box))


@router.get("/api/v1/map/summary", summary="Counters: open, matched, done today, volunteers, donations")
async def summary(request: Request, _user: Coordinator = Depends(require_viewer)):
    async with _db(request).connection() as conn:
        return await query_summary(conn)


@router.get("/api/v1/map/areas", summary="Incident areas: declared (INCIDENT_AREAS) and learned from where requests gather (GeoJSON points with a radius)",
            response_class=GeoJSONResponse)
async def incident_areas(request: Request, _user: Coordinator = Depends(require_viewer)):
    settings = get_settings()
    learned: tuple = ()
    if settings.learn_incident_areas:
        async with _db(request).connection() as conn:
            learned = await read_learned_areas(conn)
    return _geojson([{"type": "Feature", "geometry": point(a.lon, a.lat),
                      "properties": {"name": a.name, "radius_km": a.radius_km, "code": a.code,
                                     "kind": "learned" if a.learned else "declared", "holds_most": a.most}}
                     for a in (*settings.incidents, *learned)])


@router.get("/api/v1/map/queue", summary="Needs nobody is helping yet, and tasks that need attention (SOS, overdue), most pressing first")
async def queue(request: Request, limit: int = Query(100, ge=1, le=1000),
                _user: Coordinator = Depends(require_viewer)):
    async with _db(request).connection() as conn:
        return await query_queue(conn, limit)


@router.get("/api/v1/map/requests/{request_id}", summary="One request with contact, offers, history",
            responses=errors(404))
async def request_detail(request_id: uuid.UUID, request: Request, _user: Coordinator = Depends(require_viewer)):
    async with _db(request).connection() as conn:
        found = await query_detail(conn, request_id)
    if found is None:
        raise HTTPException(404, "no request with that id (it may still be on its way from the intake)")
    return found


@router.get("/api/v1/map/requests/{request_id}/candidates", summary="Nearest available volunteers",
            responses=errors(404))
async def candidates(request_id: uuid.UUID, request: Request, limit: int = Query(10, ge=1, le=50),
                     _user: Coordinator = Depends(require_viewer)):
    async with _db(request).connection() as conn:
        found = await query_candidates(conn, request_id, limit)
    if found is None:
        raise HTTPException(404, "no request with that id")
    return found


@router.get("/api/v1/live", summary="Server-sent events: situation changes (resume with Last-Event-ID)",
            response_class=EventStreamResponse)
async def live_stream(request: Request, after: int | None = Query(None, ge=0, lt=2**63),
                      last_event_id: str | None = Header(None, max_length=30),
                      _user: Coordinator = Depends(require_viewer)):
    cursor = live.parse_cursor(last_event_id, after)
    if last_event_id and cursor is None:
        raise HTTPException(422, "Last-Event-ID must be a non-negative integer")
    pool = _db(request)
    token = request.cookies.get(COOKIE)

    async def still_allowed() -> bool:
        async with pool.connection() as conn:
            return await session_user(conn, token) is not None

    return StreamingResponse(live.stream(pool, live.hub_for(request.app), cursor,
                                         still_allowed=still_allowed),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
