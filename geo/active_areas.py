"""Where the disaster is, learned from where the recent requests are, for a deployment that
declares no incident area (or not all of them).

A bare place name ("Kampung Pulo banjir sepinggang") is shared by villages all over the country.
Coordinators may declare the incident areas (INCIDENT_AREAS); until they do, the requests that
named their place clearly (a parent named, or a GPS point) show where the disaster is: a dozen
in East Jakarta this morning make the Kampung Pulo there more likely than the one in Aceh.

``learn_areas`` finds the places where at least ``min_points`` such requests lie within about
``radius_km`` of each other and returns them as learned incident areas (geo/incidents.py): a
namesake inside one wins over a namesake far away (with less weight than a declared area's).
A place outside every learned area is not asked about, since a national stream has many small
incidents that never gather enough requests; unless one area holds most of the requests
(MOST_SHARE of at least MOST_OF): the stream is that disaster's, and a bare name far from it is
asked about as for a declared area. Only clearly placed requests count, so a place preferred
because of a learned area (a bare name, low confidence) never feeds the learning.

Pure: the caller gives the points (services/active_areas.py reads them from the record).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from siaga.geo.distance import haversine_m
from siaga.geo.incidents import IncidentArea

MIN_POINTS = 8          # clearly placed requests (from as many senders) that make an area
RADIUS_KM = 30.0        # a metropolitan flood or one kabupaten's earthquake
MAX_AREAS = 20
# An area holding this share of at least MOST_OF points (the stream is one disaster's) is marked
# "most": a bare name shared by villages elsewhere is then asked about (core/text/locate.py).
MOST_SHARE = 0.8
MOST_OF = 20
_CELL_DEG = 0.2         # grid for grouping (about 22 km); neighbours are the 3 x 3 cells around


def learn_areas(points: Sequence[tuple[float, float]], *, min_points: int = MIN_POINTS,
                radius_km: float = RADIUS_KM, max_areas: int = MAX_AREAS,
                most_share: float = MOST_SHARE, most_of: int = MOST_OF) -> tuple[IncidentArea, ...]:
    """Learned areas around the densest groups of ``points`` ((lat, lon) of clearly placed
    requests), densest first. Deterministic: the same points give the same areas."""
    cells: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for lat, lon in points:
        if math.isfinite(lat) and math.isfinite(lon):
            cells.setdefault((math.floor(lat / _CELL_DEG), math.floor(lon / _CELL_DEG)), []).append((lat, lon))
    taken: set[tuple[float, float, int]] = set()     # (lat, lon, index in its cell)
    areas: list[IncidentArea] = []
    while len(areas) < max_areas:
        best: list[tuple[float, float, int]] = []
        for cell in sorted(cells):
            group = _around(cells, cell, taken, radius_km)
            if len(group) > len(best):
                best = group
        if len(best) < min_points:
            break
        lat = sum(p[0] for p in best) / len(best)
        lon = sum(p[1] for p in best) / len(best)
        most = len(points) >= most_of and len(best) >= most_share * len(points)
        areas.append(IncidentArea(f"{len(best)} permintaan / requests", round(lat, 4),
                                  round(lon, 4), radius_km, learned=True, most=most))
        taken.update(best)
    return tuple(areas)


def _around(cells: dict[tuple[int, int], list[tuple[float, float]]], cell: tuple[int, int],
            taken: set[tuple[float, float, int]], radius_km: float) -> list[tuple[float, float, int]]:
    """The untaken points within radius_km of the middle of this cell's own points."""
    own = [(lat, lon, i) for i, (lat, lon) in enumerate(cells[cell]) if (lat, lon, i) not in taken]
    if not own:
        return []
    mid_lat = sum(p[0] for p in own) / len(own)
    mid_lon = sum(p[1] for p in own) / len(own)
    out = []
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            for i, (lat, lon) in enumerate(cells.get((cell[0] + dy, cell[1] + dx), ())):
                if (lat, lon, i) not in taken and haversine_m(mid_lat, mid_lon, lat, lon) <= radius_km * 1000.0:
                    out.append((lat, lon, i))
    return out


class AreaLearner:
    """Learned areas over a stream, for the benchmarks that replay one (bench/eval_text.py,
    bench/real_reports.py); the service reads its points from the record instead."""

    def __init__(self, **options: float) -> None:
        self.points: list[tuple[float, float]] = []
        self.areas: tuple[IncidentArea, ...] = ()
        self._options = options

    def add(self, lat: float, lon: float) -> None:
        self.points.append((lat, lon))
        self.areas = learn_areas(self.points, **self._options)  # type: ignore[arg-type]
