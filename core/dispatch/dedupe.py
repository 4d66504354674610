"""Is a new request a second report of an open one? Same phone, or a shared need category very
near an open request, within a time window. Pure: the caller passes the open requests."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Protocol

from geo.distance import haversine_m

CLOSED = frozenset({"done", "cancelled", "duplicate"})


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


def is_duplicate(new: Report, old: Open, radius_m: float, window_s: float) -> bool:
    if old.status in CLOSED:
        return False
    if abs((new.created_at - old.created_at).total_seconds()) > window_s:
        return False
    if new.phone and old.phone and new.phone == old.phone:
        return True
    if not set(new.needs) & set(old.needs):
        return False
    return haversine_m(new.lat, new.lon, old.lat, old.lon) <= radius_m


def find_duplicate(new: Report, candidates: Iterable[Open], radius_m: float, window_s: float):
    """The open request this report joins (same phone first, then the nearest), or None."""
    best = None
    best_key = None
    for old in candidates:
        if not is_duplicate(new, old, radius_m, window_s):
            continue
        same_phone = bool(new.phone and new.phone == old.phone)
        key = (0 if same_phone else 1, haversine_m(new.lat, new.lon, old.lat, old.lon),
               old.created_at, str(old.request_id))
        if best_key is None or key < best_key:
            best, best_key = old, key
    return best
