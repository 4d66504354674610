"""Shadows: open requests of neighbouring partitions, kept by a matcher only for dedupe.

A second report of a need can land on the other side of a partition border from the first.
The owner of an open request therefore sends a shadow of it to every partition within dedupe
reach (300 m for a shared need, 25 km for the same phone: core/dispatch/routing.py). A new
report that finds a shadow asks the owner to join it (MJoin); the owner has the final word."""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime

from siaga.core.dispatch.dedupe import cell, cells_near
from siaga.schemas import dispatch as dm


@dataclass(frozen=True)
class Shadow:
    request_id: str
    home: int
    phone: str | None
    needs: list[str]
    lat: float
    lon: float
    created_at: datetime
    status: str = "open"   # as far as this partition knows; the owner decides on MJoin


class ShadowIndex:
    """Shadows per holding partition, with a grid and a phone index for lookups."""

    def __init__(self) -> None:
        self._by: dict[int, dict[str, Shadow]] = {}
        self._ages: dict[int, list[tuple[datetime, str]]] = {}   # heap of (created_at, rid) per partition
        self._grid: dict[int, dict[tuple[int, int], set[str]]] = {}
        self._phones: dict[int, dict[str, set[str]]] = {}

    def add(self, m: dm.MShadow, at: int) -> None:
        rid = str(m.request_id)
        self.drop(at, rid)   # a newer copy (a merge widened its needs)
        s = Shadow(rid, m.home, m.phone, list(m.needs), m.lat, m.lon, m.created_at)
        self._by.setdefault(at, {})[rid] = s
        heapq.heappush(self._ages.setdefault(at, []), (s.created_at, rid))
        self._grid.setdefault(at, {}).setdefault(cell(s.lat, s.lon), set()).add(rid)
        if s.phone:
            self._phones.setdefault(at, {}).setdefault(s.phone, set()).add(rid)

    def drop(self, at: int, rid: str) -> None:
        s = self._by.get(at, {}).pop(rid, None)
        if s is None:
            return
        self._grid[at].get(cell(s.lat, s.lon), set()).discard(rid)
        if s.phone:
            self._phones[at].get(s.phone, set()).discard(rid)

    def forget(self, at: int) -> None:
        for table in (self._by, self._grid, self._phones, self._ages):
            table.pop(at, None)

    def expire_due(self, at: int, older_than: datetime) -> bool:
        heap = self._ages.get(at)
        return bool(heap and heap[0][0] < older_than)

    def expire(self, at: int, older_than: datetime) -> list[str]:
        """Drop the shadows created before `older_than` (no report can join them any more:
        the dedupe window has passed); returns their request ids."""
        heap = self._ages.get(at, [])
        gone = []
        while heap and heap[0][0] < older_than:
            _, rid = heapq.heappop(heap)
            if rid in self._by.get(at, {}):
                self.drop(at, rid)
                gone.append(rid)
        return gone

    def near(self, at: int, lat: float, lon: float, phone: str | None, radius_m: float) -> list[Shadow]:
        """Shadows held at `at` in grid cells within radius_m of the point, or with this phone
        (a superset: dedupe.is_duplicate decides)."""
        by = self._by.get(at)
        if not by:
            return []
        ids: set[str] = set()
        grid = self._grid.get(at, {})
        for c in cells_near(lat, lon, radius_m):
            ids |= grid.get(c, set())
        if phone:
            ids |= self._phones.get(at, {}).get(phone, set())
        return [by[i] for i in sorted(ids) if i in by]
