"""Is a new request a second report of an open one? Same phone not far away, or a shared need
category very near an open request, within a time window. Pure: the caller passes the open
requests.

The same phone counts only within `phone_radius_m` (25 km, the widest search radius): help is
sent to one place, and a report from much farther away is about another place. The bound also
keeps dedupe independent of partitions: an open request is shadowed to every partition within
that distance (core/dispatch/routing.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Iterator, Protocol

from siaga.geo.distance import haversine_m

CLOSED = frozenset({"done", "cancelled", "duplicate"})
PHONE_RADIUS_M = 25_000.0


class Open(Protocol):
    request_id: str
    phone: str | None
    needs: list[str]
    lat: float
    lon: float
    created_at: datetime
    status: str


@dataclass(frozen=True)
class Report:
    phone: str | None
    needs: list[str]
    lat: float
    lon: float
    created_at: datetime


def is_duplicate(new: Report, old: Open, radius_m: float, window_s: float,
                 phone_radius_m: float = PHONE_RADIUS_M) -> bool:
    if old.status in CLOSED:
        return False
    if abs((new.created_at - old.created_at).total_seconds()) > window_s:
        return False
    d = haversine_m(new.lat, new.lon, old.lat, old.lon)
    if new.phone and old.phone and new.phone == old.phone:
        return d <= phone_radius_m
    return bool(set(new.needs) & set(old.needs)) and d <= radius_m


def find_duplicate(new: Report, candidates: Iterable[Open], radius_m: float, window_s: float,
                   phone_radius_m: float = PHONE_RADIUS_M):
    """The open request this report joins (same phone first, then the nearest), or None."""
    best = None
    best_key = None
    for old in candidates:
        if not is_duplicate(new, old, radius_m, window_s, phone_radius_m):
            continue
        same_phone = bool(new.phone and new.phone == old.phone)
        key = (0 if same_phone else 1, haversine_m(new.lat, new.lon, old.lat, old.lon),
               old.created_at, str(old.request_id))
        if best_key is None or key < best_key:
            best, best_key = old, key
    return best


CELL_DEG = 0.01   # ~1.1 km buckets for looking up open requests near a point


def cell(lat: float, lon: float) -> tuple[int, int]:
    return (int(lat // CELL_DEG), int(lon // CELL_DEG))


def cells_near(lat: float, lon: float, radius_m: float) -> Iterator[tuple[int, int]]:
    """Grid cells that can hold a point within radius_m (a superset)."""
    cy, cx = cell(lat, lon)
    span = max(1, int(radius_m // 1000) + 1)
    for dy in range(-span, span + 1):
        for dx in range(-span, span + 1):
            yield (cy + dy, cx + dx)
