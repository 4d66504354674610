"""The setting INCIDENT_AREAS -> incident areas (geo/incidents.py).

A JSON list; each area names either a Kemendagri code (its gazetteer point, and a radius by
level unless given; every place under the code is inside) or a point and a radius:
    [{"name": "Banjir Jakarta", "code": "31"}, {"name": "Gempa Cianjur", "code": "32.03"},
     {"name": "Banjir Demak", "lat": -6.89, "lon": 110.64, "radius_km": 25}]
"""
from __future__ import annotations

import json
from functools import lru_cache

from siaga.core.text.gazetteer import point_of
from siaga.geo.incidents import IncidentArea

# Radius of an area named by code, by the code's level (a kabupaten is about 40 km across);
# a place under the code is inside whatever the radius (geo/incidents.py).
RADIUS_BY_LEVEL_KM = {1: 100.0, 2: 40.0, 3: 15.0, 4: 5.0}   # provinsi, kabupaten/kota, kecamatan, desa
MAX_AREAS = 50


@lru_cache(maxsize=8)
def parse_incident_areas(raw: str) -> tuple[IncidentArea, ...]:
    """Parse the setting; a ValueError names what is wrong (the service refuses to start)."""
    if not raw or not raw.strip():
        return ()
    try:
        items = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"INCIDENT_AREAS is not JSON: {exc}") from None
    if not isinstance(items, list) or len(items) > MAX_AREAS:
        raise ValueError(f"INCIDENT_AREAS must be a JSON list of at most {MAX_AREAS} areas")
    return tuple(_area(i, item) for i, item in enumerate(items))


def _area(i: int, item: object) -> IncidentArea:
    where = f"INCIDENT_AREAS[{i}]"
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
        raise ValueError(f"{where} needs a \"name\"")
    name = item["name"].strip()[:120]
    if "code" in item:
        code = str(item["code"])
        point = point_of(code)
        if point is None:
            raise ValueError(f"{where}: no province, kabupaten, kecamatan or desa with code {item['code']!r}")
        radius = _number(item.get("radius_km", RADIUS_BY_LEVEL_KM[code.count(".") + 1]), f"{where}.radius_km",
                         0.1, 1000)
        return IncidentArea(name, point[0], point[1], radius, code)
    lat = _number(item.get("lat"), f"{where}.lat", -90, 90)
    lon = _number(item.get("lon"), f"{where}.lon", -180, 180)
    radius = _number(item.get("radius_km"), f"{where}.radius_km", 0.1, 1000)
    return IncidentArea(name, lat, lon, radius)


def _number(value: object, where: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(f"{where} must be a number from {low} to {high}")
    return float(value)
