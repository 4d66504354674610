"""Great-circle distances on a spherical Earth (mean radius), scalar and numpy forms.

The sphere (not the WGS84 ellipsoid) is deliberate: matching only needs a stable ordering
and a radius test, and the ellipsoid changes distances by at most about 0.5 %. Every
distance `geo.index.VolunteerIndex` returns is `haversine_m(query, volunteer)` exactly.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_M: float = 6371008.8  # IUGG mean radius R1

FloatArray = npt.NDArray[np.float64]
ArrayLike = float | npt.ArrayLike


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    s1 = math.sin((p2 - p1) * 0.5)
    s2 = math.sin((math.radians(lon2) - math.radians(lon1)) * 0.5)
    a = s1 * s1 + math.cos(p1) * math.cos(p2) * (s2 * s2)
    # Rounding can push `a` a hair above 1 for antipodal points; asin would then be NaN.
    return 2.0 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def haversine_rad_np(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> FloatArray:
    """Vectorised haversine in metres; inputs in RADIANS, broadcast like numpy.

    Same formula as `haversine_m`; numpy's sin/cos may differ from libm's in the last
    bit, so use `haversine_m` where bit-exact agreement with the index matters.
    """
    lat1 = np.asarray(lat1, dtype=np.float64)
    lat2 = np.asarray(lat2, dtype=np.float64)
    s1 = np.sin((lat2 - lat1) * 0.5)
    s2 = np.sin((np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64)) * 0.5)
    a = s1 * s1 + np.cos(lat1) * np.cos(lat2) * (s2 * s2)
    # Rounding can push `a` a hair above 1 for antipodal points; arcsin would then be NaN.
    out: npt.NDArray[np.float64] = 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
    return out


def haversine_m_np(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> FloatArray:
    """Vectorised haversine in metres; inputs in DEGREES, broadcast like numpy."""
    return haversine_rad_np(np.radians(lat1), np.radians(lon1), np.radians(lat2), np.radians(lon2))


def chord_for_metres(radius_m: float) -> float:
    """Unit-sphere chord length that corresponds to a great-circle distance in metres.

    Chord length is monotone in arc length, so a Euclidean radius search on unit vectors
    finds exactly the points within the great-circle radius.
    """
    ang = radius_m / EARTH_RADIUS_M
    if ang >= math.pi:
        return 2.0
    return 2.0 * math.sin(ang * 0.5)
