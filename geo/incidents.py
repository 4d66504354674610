"""Incident areas a deployment declares (setting INCIDENT_AREAS, read by
core/text/incident_areas.py): where the disaster is.

A place name found inside or near one wins over a namesake far away, and a place found from a
bare name (no parent named) away from every incident is asked about rather than sent to; with no
area declared, it is resolved and marked low confidence for the coordinators
(core/text/gazetteer.py, core/text/locate.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from siaga.geo.distance import haversine_m


@dataclass(frozen=True, slots=True)
class IncidentArea:
    name: str
    lat: float
    lon: float
    radius_km: float
    code: str | None = None    # declared by Kemendagri code: every place under it is inside
    # learned from where recent requests are (geo/active_areas.py), not declared: it prefers a
    # namesake inside, but says nothing about a place outside (no question, no low confidence)
    learned: bool = False
    # learned, and holding most of the recent requests (geo/active_areas.py): the disaster is
    # there, so a bare name far from it is asked about, as for a declared area
    most: bool = False

    def reach(self, lat: float, lon: float, code: str | None = None) -> float:
        """Distance from the area's centre in radii: <= 1 inside, 2 twice as far; 0 for a
        place under the area's code (a large rural kecamatan reaches past any radius)."""
        if self.code is not None and code is not None and (code + ".").startswith(self.code + "."):
            return 0.0
        return haversine_m(self.lat, self.lon, lat, lon) / 1000.0 / self.radius_km


def declared(areas: tuple[IncidentArea, ...]) -> tuple[IncidentArea, ...]:
    """The areas the deployment declared (without the learned ones)."""
    return tuple(a for a in areas if not a.learned)


def holding_most(areas: tuple[IncidentArea, ...]) -> tuple[IncidentArea, ...]:
    """The learned areas that hold most of the recent requests."""
    return tuple(a for a in areas if a.learned and a.most)


def nearest_reach(areas: tuple[IncidentArea, ...], lat: float, lon: float, code: str | None = None) -> float:
    """The smallest reach over the areas (math.inf without any)."""
    return min((a.reach(lat, lon, code) for a in areas), default=math.inf)
