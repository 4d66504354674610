"""The public map (/public) and its data: where help is needed, without exposing anyone.

Only aggregates leave through here: needs are counted per grid cell of at least ~150 m (coarser
when zoomed out; the cell centre is all that is published, never a request's own point), by
category and by stage. No names, phone numbers, free text, place names typed by requesters,
tracking codes or request ids, and no volunteer identities (only how many are available)."""
from __future__ import annotations

import math
from pathlib import Path

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from fastapi.templating import Jinja2Templates

from siaga.infra.settings import get_settings
from siaga.services import live
from siaga.services.api.openapi import EventStreamResponse, GeoJSONResponse
from siaga.services.ledger.totals import all_received
from siaga.services.api.map_queries import (
    ACTIVE,
    CATEGORIES,
    GRID_MIN_M,
    LOCAL_TZ,
    MATCHED,
    WAITING,
    NeedFilter,
    grid_for,
    query_cells,
)
from siaga.services.api.routes_map import parse_bbox, parse_choices

router = APIRouter(tags=["public"])
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "web" / "templates")

PUBLIC_CELLS_ACROSS = 100
PUBLIC_CACHE = "public, max-age=5"  # the press may refresh hard; five seconds of staleness is fine


async def query_public_summary(conn) -> dict:
    rows = await (await conn.execute(
        "SELECT cat, count(*) FROM requests, unnest(needs) AS cat WHERE status = ANY(%s) GROUP BY cat",
        (list(ACTIVE),))).fetchall()
    by_category = {c: 0 for c in CATEGORIES}
    by_category.update({r[0]: r[1] for r in rows})
    req = await (await conn.execute(
        f"""SELECT count(*) FILTER (WHERE status = ANY(%s)), count(*) FILTER (WHERE status = ANY(%s)),
                   count(*) FILTER (WHERE status = 'done'),
                   count(*) FILTER (WHERE status = 'done' AND status_at >=
                       date_trunc('day', now() AT TIME ZONE '{LOCAL_TZ}') AT TIME ZONE '{LOCAL_TZ}'),
                   ST_Extent(geom::geometry) FILTER (WHERE status = ANY(%s))
              FROM requests""", (list(WAITING), list(MATCHED), list(ACTIVE)))).fetchone()
    vol = await (await conn.execute("SELECT count(*) FROM volunteers WHERE available")).fetchone()
    don = await all_received(conn)
    extent = None
    if req[4] is not None:  # BOX(x0 y0,x1 y1), rounded outwards to ~1 km
        x0, y0, x1, y1 = (float(v) for v in str(req[4])[4:-1].replace(",", " ").split())
        extent = [math.floor(x0 * 100) / 100, math.floor(y0 * 100) / 100,
                  math.ceil(x1 * 100) / 100, math.ceil(y1 * 100) / 100]
    return {"waiting": req[0], "helping": req[1], "done": req[2], "done_today": req[3],
            "by_category": by_category, "volunteers_available": vol[0],
            "donations_received_idr": int(don[0]), "extent": extent, "grid_m": GRID_MIN_M}


@router.get("/public", include_in_schema=False)
async def public_page(request: Request):
    return templates.TemplateResponse(request, "public.html", {"mode": "public", "user": None,
                                                               "tile_url": get_settings().tile_url})


@router.get("/api/v1/public/needs", summary="Open needs counted per ~150 m cell (GeoJSON, no personal data)",
            response_class=GeoJSONResponse)
async def public_needs(request: Request, bbox: str | None = Query(None, max_length=200),
                       category: str | None = Query(None, max_length=300)):
    box = parse_bbox(bbox)
    f = NeedFilter(box, list(ACTIVE), parse_choices(category, CATEGORIES, "category"))
    grid_m = grid_for(box, PUBLIC_CELLS_ACROSS)
    async with request.app.state.pool.connection() as conn:
        found = await query_cells(conn, f, grid_m)
    cells = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
              "properties": {"needs_total": c.total, "waiting": c.waiting, "helping": c.matched,
                             "by_category": c.by_category}} for c in found]
    body = {"type": "FeatureCollection", "grid_m": grid_m, "features": cells}
    return Response(orjson.dumps(body), media_type="application/geo+json",
                    headers={"Cache-Control": PUBLIC_CACHE})


@router.get("/api/v1/public/summary", summary="Counts by category and stage (no personal data)")
async def public_summary(request: Request, response: Response):
    async with request.app.state.pool.connection() as conn:
        found = await query_public_summary(conn)
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return found


@router.get("/api/v1/public/live", summary="Server-sent events: 'something changed' (no data)",
            response_class=EventStreamResponse)
async def public_live(request: Request):
    return StreamingResponse(live.public_stream(live.hub_for(request.app)), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
