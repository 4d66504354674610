"""The coordinators' map and the public view read PostGIS through these queries: GeoJSON
features and plain dicts, nothing of HTTP (services/api/routes_map.py and routes_public.py
parse the parameters and answer).

Layers use the planar GiST indexes of infra/sql/003_map_auth.sql; compact properties,
coordinates rounded to ~1 m, so tens of thousands of needs stay a quick response.
"""
from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

from siaga.schemas.common import NeedCategory, Urgency
from siaga.services.ledger.totals import all_received


STATUSES = ("received", "needs_location", "open", "offered", "matched", "on_the_way", "done",
            "escalated", "cancelled", "duplicate")
ACTIVE = tuple(s for s in STATUSES if s not in ("done", "cancelled", "duplicate"))
WAITING = ("received", "needs_location", "open", "offered", "escalated")  # nobody helping yet
MATCHED = ("matched", "on_the_way")
LIVE_OFFERS = ("offered", "accepted", "on_the_way")
CATEGORIES = tuple(c.value for c in NeedCategory)
URGENCIES = tuple(u.value for u in Urgency)
AVAILABILITY = ("available", "busy", "unavailable")
LOCAL_TZ = "Asia/Jakarta"  # "done today" counts from midnight WIB, where the demo operation runs
URGENCY_RANK = "CASE urgency WHEN 'critical' THEN 3 WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END"


@dataclass(frozen=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def params(self) -> tuple[float, float, float, float]:
        return (self.min_lon, self.min_lat, self.max_lon, self.max_lat)


def point(lon, lat) -> dict:
    return {"type": "Point", "coordinates": [float(lon), float(lat)]}


# ------------------------------------------------------------------ needs


@dataclass(frozen=True)
class NeedFilter:
    box: BBox
    statuses: list[str]
    categories: list[str] | None = None
    urgencies: list[str] | None = None
    age_h: float | None = None

    def params(self) -> dict:
        x0, y0, x1, y1 = self.box.params()
        return {"x0": x0, "y0": y0, "x1": x1, "y1": y1, "statuses": self.statuses, "cats": self.categories,
                "urgs": self.urgencies, "age_h": self.age_h}


_NEEDS_WHERE = """
  FROM requests
 WHERE geom::geometry && ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)  -- exact for points, indexed
   AND status = ANY(%(statuses)s)
   AND (%(cats)s::text[] IS NULL OR needs && %(cats)s::text[])
   AND (%(urgs)s::text[] IS NULL OR urgency = ANY(%(urgs)s))
   AND (%(age_h)s::float8 IS NULL OR created_at > now() - make_interval(secs => %(age_h)s::float8 * 3600))
"""
# Narrow inner rows (no free text) keep a top-N sort in memory; text ids and plain floats keep
# the conversion in Python cheap.
_NEEDS = """
SELECT request_id::text, tracking_code, status, needs, urgency, people, extract(epoch FROM created_at)::int8,
       priority, verified, cardinality(vulnerable) > 0, ST_X(g), ST_Y(g), volunteers_needed, volunteers_filled
  FROM (SELECT request_id, tracking_code, status, needs, urgency, people, created_at, priority, verified,
               vulnerable, volunteers_needed, volunteers_filled, geom::geometry AS g {where} {order}
         LIMIT %(limit)s) r
"""
_MOST_PRESSING = f"ORDER BY priority DESC NULLS LAST, {URGENCY_RANK} DESC, created_at"


async def count_needs(conn, f: NeedFilter, up_to: int) -> int:
    """How many match, counting no further than `up_to` (cheap: no rows leave the database)."""
    row = await (await conn.execute(f"SELECT count(*) FROM (SELECT 1 {_NEEDS_WHERE} LIMIT %(limit)s) x",
                                    {**f.params(), "limit": up_to})).fetchone()
    return row[0]


async def query_needs(conn, f: NeedFilter, limit: int, most_pressing: bool) -> list[dict]:
    rows = await (await conn.execute(_NEEDS.format(where=_NEEDS_WHERE, order=_MOST_PRESSING if most_pressing else ""),
                                     {**f.params(), "limit": limit})).fetchall()
    return [{"type": "Feature", "id": r[0],
             "geometry": {"type": "Point", "coordinates": [round(r[10], 5), round(r[11], 5)]},
             "properties": {"code": r[1], "status": r[2], "needs": r[3], "urgency": r[4], "people": r[5],
                            "created": r[6], "priority": r[7], "verified": r[8], "vulnerable": r[9],
                            "crew": r[12], "filled": r[13]}}
            for r in rows]


# ------------------------------------------------------------------ grid cells (zoomed out, public)

GRID_MIN_M = 150.0   # the finest cell, also the public view's privacy floor
M_PER_DEG = 111_320.0


def grid_for(box: BBox, cells_across: int) -> float:
    """Cell size for a view: 150 m, doubled until the view is at most `cells_across` cells wide,
    so a whole province is a few thousand cells rather than one feature per request."""
    mid = math.radians((box.min_lat + box.max_lat) / 2)
    span = max((box.max_lon - box.min_lon) * M_PER_DEG * math.cos(mid), (box.max_lat - box.min_lat) * M_PER_DEG)
    size = GRID_MIN_M
    while span / size > cells_across:
        size *= 2
    return size


# Rows of the grid step in latitude; within a row the longitude step is widened by 1/cos(lat) so
# a cell is square at any latitude. Only cell indices leave the query, never a request's point.
_CELLS = """
WITH c AS (
    SELECT needs, status, urgency, gy, round(x / (%(g)s / cos(radians(gy * %(g)s)))) AS gx
      FROM (SELECT needs, status, urgency, round(ST_Y(geom::geometry) / %(g)s) AS gy, ST_X(geom::geometry) AS x
              {where}) p
), cats AS (
    SELECT gy, gx, jsonb_object_agg(cat, k) AS by_cat
      FROM (SELECT gy, gx, cat, count(*) AS k FROM c, unnest(needs) AS cat GROUP BY 1, 2, 3) t
     GROUP BY 1, 2
)
SELECT c.gy, c.gx, count(*), count(*) FILTER (WHERE status = ANY(%(waiting)s)),
       count(*) FILTER (WHERE status = ANY(%(matched)s)),
       count(*) FILTER (WHERE urgency IN ('high', 'critical') AND status = ANY(%(waiting)s)), cats.by_cat
  FROM c JOIN cats USING (gy, gx)
 GROUP BY c.gy, c.gx, cats.by_cat
"""


@dataclass(frozen=True)
class Cell:
    lon: float
    lat: float
    total: int
    waiting: int
    matched: int
    urgent: int
    by_category: dict


async def query_cells(conn, f: NeedFilter, grid_m: float) -> list[Cell]:
    g = grid_m / M_PER_DEG
    rows = await (await conn.execute(_CELLS.format(where=_NEEDS_WHERE), {
        **f.params(), "g": g, "waiting": list(WAITING), "matched": list(MATCHED)})).fetchall()
    out = []
    for gy, gx, total, waiting, matched, urgent, by_cat in rows:
        lat = float(gy) * g
        lon = float(gx) * (g / math.cos(math.radians(lat)))
        out.append(Cell(round(lon, 5), round(lat, 5), total, waiting, matched, urgent, by_cat))
    return out


_VOLUNTEERS = """
SELECT v.volunteer_id, v.name, v.available, v.skills, v.vehicle, v.capacity,
       extract(epoch FROM v.last_seen)::bigint,
       round(ST_X(v.geom::geometry)::numeric, 5), round(ST_Y(v.geom::geometry)::numeric, 5),
       EXISTS (SELECT 1 FROM dispatches d WHERE d.volunteer_id = v.volunteer_id AND d.status = ANY(%s)) AS busy,
       v.vetting
  FROM volunteers v
 WHERE v.geom::geometry && ST_MakeEnvelope(%s, %s, %s, %s, 4326)
 LIMIT %s
"""


def _availability(available: bool, busy: bool) -> str:
    return "busy" if busy else ("available" if available else "unavailable")


async def query_volunteers(conn, box: BBox, wanted: list[str] | None, limit: int) -> list[dict]:
    rows = await (await conn.execute(_VOLUNTEERS, (list(LIVE_OFFERS), *box.params(), limit))).fetchall()
    out = []
    for r in rows:
        state = _availability(r[2], r[9])
        if wanted and state not in wanted:
            continue
        out.append({"type": "Feature", "id": str(r[0]), "geometry": point(r[7], r[8]),
                    "properties": {"id": str(r[0]), "name": r[1], "state": state, "skills": r[3],
                                   "vehicle": r[4], "capacity": r[5], "last_seen": r[6], "vetting": r[10]}})
    return out


_LINES = """
SELECT DISTINCT ON (x.request_id, x.volunteer_id) x.request_id, x.volunteer_id, x.status, x.offer_code,
       round(ST_X(v.geom::geometry)::numeric, 5), round(ST_Y(v.geom::geometry)::numeric, 5),
       round(ST_X(r.geom::geometry)::numeric, 5), round(ST_Y(r.geom::geometry)::numeric, 5), v.name, r.tracking_code
  FROM (SELECT request_id, volunteer_id, status, offer_code, status_at, 1 AS pref
          FROM dispatches WHERE status = ANY(%s)
        UNION ALL
        SELECT request_id, volunteer_id, status, NULL, status_at, 2
          FROM requests WHERE status = ANY(%s) AND volunteer_id IS NOT NULL) x
  JOIN requests r ON r.request_id = x.request_id
  JOIN volunteers v ON v.volunteer_id = x.volunteer_id
 WHERE r.geom IS NOT NULL AND v.geom IS NOT NULL
   AND (r.geom::geometry && ST_MakeEnvelope(%s, %s, %s, %s, 4326)
        OR v.geom::geometry && ST_MakeEnvelope(%s, %s, %s, %s, 4326))
 ORDER BY x.request_id, x.volunteer_id, x.pref, x.status_at DESC
"""


async def query_lines(conn, box: BBox) -> list[dict]:
    rows = await (await conn.execute(_LINES, (list(LIVE_OFFERS), list(MATCHED), *box.params(),
                                              *box.params()))).fetchall()
    return [{"type": "Feature", "id": f"{r[0]}:{r[1]}",
             "geometry": {"type": "LineString", "coordinates": [[float(r[4]), float(r[5])],
                                                                [float(r[6]), float(r[7])]]},
             "properties": {"request_id": str(r[0]), "volunteer_id": str(r[1]), "status": r[2],
                            "offer_code": r[3], "volunteer": r[8], "code": r[9]}} for r in rows]


async def query_summary(conn) -> dict:
    req = await (await conn.execute(
        f"""SELECT count(*) FILTER (WHERE status = ANY(%s)), count(*) FILTER (WHERE status = ANY(%s)),
                   count(*) FILTER (WHERE status = 'escalated'), count(*) FILTER (WHERE status = 'needs_location'),
                   count(*) FILTER (WHERE status = 'done' AND status_at >=
                       date_trunc('day', now() AT TIME ZONE '{LOCAL_TZ}') AT TIME ZONE '{LOCAL_TZ}'),
                   ST_XMin(ST_Extent(geom::geometry) FILTER (WHERE status = ANY(%s))),
                   ST_YMin(ST_Extent(geom::geometry) FILTER (WHERE status = ANY(%s))),
                   ST_XMax(ST_Extent(geom::geometry) FILTER (WHERE status = ANY(%s))),
                   ST_YMax(ST_Extent(geom::geometry) FILTER (WHERE status = ANY(%s)))
              FROM requests""",
        (list(WAITING), list(MATCHED), *([list(ACTIVE)] * 4)))).fetchone()
    vol = await (await conn.execute(
        "SELECT count(*) FILTER (WHERE available AND NOT EXISTS (SELECT 1 FROM dispatches d "
        "WHERE d.volunteer_id = v.volunteer_id AND d.status = ANY(%s))), count(*) FROM volunteers v",
        (list(LIVE_OFFERS),))).fetchone()
    don = await all_received(conn)
    extent = [float(v) for v in req[5:9]] if req[5] is not None else None
    return {"open": req[0], "matched": req[1], "escalated": req[2], "needs_location": req[3],
            "done_today": req[4], "volunteers_available": vol[0], "volunteers_total": vol[1],
            "donations_received_idr": int(don[0]), "donations_received_goods": don[1], "extent": extent}


async def query_queue(conn, limit: int) -> list[dict]:
    rows = await (await conn.execute(
        f"""SELECT request_id, tracking_code, status, needs, urgency, people, vulnerable, place_name, priority,
                   verified, extract(epoch FROM now() - created_at)::bigint,
                   round(ST_Y(geom::geometry)::numeric, 5), round(ST_X(geom::geometry)::numeric, 5),
                   status IN ('matched', 'on_the_way') AS attention, volunteers_needed, volunteers_filled,
                   location_confidence
              FROM requests r WHERE status = ANY(%s)
                   -- a task not reported done in time (core/dispatch/matcher.py _watch), or an SOS
                   OR (status IN ('matched', 'on_the_way') AND EXISTS (SELECT 1 FROM situation_log s WHERE s.request_id = r.request_id
                       AND s.kind = 'escalation' AND s.status IN ('overdue', 'sos')))
             -- a volunteer in trouble first (SOS, overdue), then what nobody could be found for
             ORDER BY attention DESC, (status = 'escalated') DESC, priority DESC NULLS LAST, {URGENCY_RANK} DESC,
                      created_at
             LIMIT %s""", (list(WAITING), limit))).fetchall()
    keys = ("id", "code", "status", "needs", "urgency", "people", "vulnerable", "place", "priority",
            "verified", "waiting_s", "lat", "lon", "attention", "crew", "filled", "place_confidence")
    out = []
    for r in rows:
        d = dict(zip(keys, r))
        d["id"] = str(d["id"])
        d["lat"] = float(d["lat"]) if d["lat"] is not None else None
        d["lon"] = float(d["lon"]) if d["lon"] is not None else None
        out.append(d)
    return out


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


async def query_detail(conn, request_id: uuid.UUID) -> dict | None:
    r = await (await conn.execute(
        """SELECT r.request_id, r.tracking_code, r.channel, r.status, r.needs, r.people, r.households,
                  r.vulnerable, r.urgency, r.text, r.language, r.contact_name, r.contact_phone,
                  r.preferred_channel, ST_Y(r.geom::geometry), ST_X(r.geom::geometry), r.location_source,
                  r.accuracy_m, r.place_name, r.priority, r.duplicate_of, d.tracking_code, r.verified,
                  r.volunteer_id, v.name, v.phone, r.created_at, r.status_at, r.volunteers_needed,
                  r.volunteers_filled, r.location_confidence
             FROM requests r
             LEFT JOIN requests d ON d.request_id = r.duplicate_of
             LEFT JOIN volunteers v ON v.volunteer_id = r.volunteer_id
            WHERE r.request_id = %s""", (request_id,))).fetchone()
    if r is None:
        return None
    detail = {
        "id": str(r[0]), "code": r[1], "channel": r[2], "status": r[3], "needs": r[4], "people": r[5],
        "households": r[6], "vulnerable": r[7], "urgency": r[8], "text": r[9], "language": r[10],
        "contact": {"name": r[11], "phone": r[12], "preferred_channel": r[13]},
        "location": ({"lat": r[14], "lon": r[15], "source": r[16], "accuracy_m": r[17],
                      "confidence": r[30]} if r[14] is not None else None),
        "place": r[18], "priority": r[19],
        "duplicate_of": {"id": str(r[20]), "code": r[21]} if r[20] else None,
        "verified": r[22],
        "volunteer": {"id": str(r[23]), "name": r[24], "phone": r[25]} if r[23] else None,
        "created_at": _iso(r[26]), "status_at": _iso(r[27]),
        "crew": {"needed": r[28], "filled": r[29]},
    }
    offers = await (await conn.execute(
        """SELECT d.offer_id, d.offer_code, d.volunteer_id, v.name, v.phone, d.status, d.distance_m,
                  d.radius_m, d.created_at, d.status_at, d.expires_at,
                  coalesce((SELECT json_agg(json_build_object('status', h.status, 'actor', h.actor,
                                                              'at', h.occurred_at) ORDER BY h.occurred_at)
                              FROM dispatch_history h WHERE h.offer_id = d.offer_id), '[]')
             FROM dispatches d LEFT JOIN volunteers v ON v.volunteer_id = d.volunteer_id
            WHERE d.request_id = %s ORDER BY d.created_at""", (request_id,))).fetchall()
    detail["offers"] = [{"offer_id": str(o[0]), "code": o[1], "volunteer": {"id": str(o[2]), "name": o[3], "phone": o[4]},
                         "status": o[5], "distance_m": o[6], "radius_m": o[7], "created_at": _iso(o[8]),
                         "status_at": _iso(o[9]), "expires_at": _iso(o[10]), "history": o[11]} for o in offers]
    reports = await (await conn.execute(
        "SELECT channel, phone, text, reported_at FROM request_reports WHERE request_id = %s "
        "ORDER BY reported_at LIMIT 50", (request_id,))).fetchall()
    detail["reports"] = [{"channel": p[0], "phone": p[1], "text": p[2], "at": _iso(p[3])} for p in reports]
    timeline = await (await conn.execute(
        "SELECT seq, kind, status, volunteer_id, detail, occurred_at FROM situation_log "
        "WHERE request_id = %s ORDER BY occurred_at, seq LIMIT 200", (request_id,))).fetchall()
    detail["timeline"] = [{"seq": t[0], "kind": t[1], "status": t[2],
                           "volunteer_id": str(t[3]) if t[3] else None, "detail": t[4], "at": _iso(t[5])}
                          for t in timeline]
    actions = await (await conn.execute(
        "SELECT action, actor, volunteer_id, duplicate_of, note, occurred_at FROM coordinator_actions "
        "WHERE request_id = %s ORDER BY occurred_at LIMIT 200", (request_id,))).fetchall()
    detail["actions"] = [{"action": a[0], "actor": a[1], "volunteer_id": str(a[2]) if a[2] else None,
                          "duplicate_of": str(a[3]) if a[3] else None, "note": a[4], "at": _iso(a[5])}
                         for a in actions]
    return detail


async def query_candidates(conn, request_id: uuid.UUID, limit: int) -> list[dict] | None:
    found = await (await conn.execute("SELECT geom IS NOT NULL FROM requests WHERE request_id = %s",
                                      (request_id,))).fetchone()
    if found is None:
        return None
    # KNN on the geography index; busy volunteers (a live offer) are left out.
    rows = await (await conn.execute(
        """SELECT v.volunteer_id, v.name, v.phone, v.skills, v.vehicle, v.capacity, v.last_seen,
                  ST_Distance(v.geom, r.geom)
             FROM volunteers v, (SELECT geom FROM requests WHERE request_id = %s) r
            WHERE v.available AND v.geom IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM dispatches d WHERE d.volunteer_id = v.volunteer_id
                                                          AND d.status = ANY(%s))
            ORDER BY v.geom <-> r.geom, v.last_seen DESC NULLS LAST
            LIMIT %s""", (request_id, list(LIVE_OFFERS), limit))).fetchall()
    return [{"id": str(c[0]), "name": c[1], "phone": c[2], "skills": c[3], "vehicle": c[4], "capacity": c[5],
             "last_seen": _iso(c[6]), "distance_m": round(c[7]) if c[7] is not None else None} for c in rows]
