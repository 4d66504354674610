"""Incident areas learned from the record (geo/active_areas.py), for a deployment that has not
declared all of its own: where the clearly placed requests and reports of the last two days
gather.

Read at most once a minute per process, so a webhook rarely waits on it, and every worker reads
the same record; what a process takes in between counts at once in that process (note()). A
failed read keeps the areas of the last good one: understanding a message never fails for it.
Setting LEARN_INCIDENT_AREAS=false turns it off.
"""
from __future__ import annotations

import logging
import time

from siaga.geo.active_areas import learn_areas
from siaga.geo.incidents import IncidentArea
from siaga.infra.settings import get_settings

log = logging.getLogger("siaga.active_areas")

REFRESH_S = 60.0
# Computing the areas again takes about 2 ms for 300 points and 60 ms for 5,000: at most this
# share of the time goes to it, so a small stream follows every few messages and a large one
# about once a second.
RECOMPUTE_SHARE = 0.05
WINDOW = "48 hours"
MAX_POINTS = 5000

# Requests and the reports of what people see (core/conversation.py puts the point of a report's
# place in its detail). One point per sender (the newest), so one phone repeating itself makes
# no area. Places the text left unsure ('low') are left out: they may have been chosen because
# of a learned area.
_POINTS = f"""
WITH points AS (
    SELECT coalesce(contact_phone, request_id::text) AS sender, ST_Y(geom::geometry) AS lat,
           ST_X(geom::geometry) AS lon, created_at AS at
      FROM requests
     WHERE geom IS NOT NULL AND duplicate_of IS NULL
       AND location_confidence IS DISTINCT FROM 'low'
       AND created_at > now() - interval '{WINDOW}'
    UNION ALL
    SELECT coalesce(detail ->> 'from', event_id::text), (detail ->> 'lat')::float8,
           (detail ->> 'lon')::float8, occurred_at
      FROM situation_log
     WHERE kind = 'report' AND occurred_at > now() - interval '{WINDOW}'
       AND jsonb_typeof(detail -> 'lat') = 'number' AND jsonb_typeof(detail -> 'lon') = 'number'
       AND detail ->> 'confidence' IS DISTINCT FROM 'low')
SELECT sender, lat, lon FROM (SELECT DISTINCT ON (sender) sender, lat, lon, at FROM points
                              ORDER BY sender, at DESC) newest
ORDER BY at DESC LIMIT {MAX_POINTS}"""


class _Cache:
    def __init__(self) -> None:
        self.areas: tuple[IncidentArea, ...] = ()
        self.read_at = -float("inf")
        self.stored: dict[str, tuple[float, float]] = {}                 # sender -> point, from the record
        self.noted: dict[str, tuple[float, float, float]] = {}           # ... taken here since: + when
        self.computed_at = -float("inf")
        self.compute_s = 0.0          # what the last computation took
        self.dirty = False


_cache = _Cache()


def note(sender: str, lat: float, lon: float) -> None:
    """A clearly placed message this process has just taken: it counts at once, not only once the
    record has it (a burst of reports would otherwise wait a minute to be learned from)."""
    _cache.noted[sender] = (lat, lon, time.monotonic())
    _cache.dirty = True


async def learned_areas(conn) -> tuple[IncidentArea, ...]:
    """The learned areas now (empty when turned off): the record read at most once a minute,
    with what this process took since, computed again as often as RECOMPUTE_SHARE allows."""
    if not get_settings().learn_incident_areas:
        return ()
    now = time.monotonic()
    if now - _cache.read_at >= REFRESH_S:
        # no lock: two messages refreshing at once read the same record twice, harmlessly
        _cache.read_at = now
        try:
            _cache.stored = await _read_points(conn)
            # the record has what was taken a while ago; keep the newest, which it may not yet have
            _cache.noted = {k: v for k, v in _cache.noted.items() if now - v[2] < 2 * REFRESH_S}
            _cache.dirty = True
        except Exception as exc:   # noqa: BLE001 - keep the last good areas; the message goes on
            log.warning("learned incident areas not read (%s); keeping %d", exc, len(_cache.areas))
    if _cache.dirty and now - _cache.computed_at >= _cache.compute_s / RECOMPUTE_SHARE:
        points = {**_cache.stored, **{k: (lat, lon) for k, (lat, lon, _) in _cache.noted.items()}}
        _cache.areas = learn_areas(list(points.values()))
        _cache.computed_at, _cache.dirty = now, False
        _cache.compute_s = time.monotonic() - now
    return _cache.areas


async def _read_points(conn) -> dict[str, tuple[float, float]]:
    async with conn.transaction():   # a savepoint inside the caller's transaction
        rows = await (await conn.execute(_POINTS)).fetchall()
    return {str(sender): (float(lat), float(lon)) for sender, lat, lon in rows}


async def read_learned_areas(conn) -> tuple[IncidentArea, ...]:
    """The learned areas from the record as it is (the coordinators' map asks for these)."""
    return learn_areas(list((await _read_points(conn)).values()))


def forget() -> None:
    """Read the record again at the next message and forget what was noted (tests)."""
    global _cache
    _cache = _Cache()
