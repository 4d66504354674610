"""H3 helpers: cells_within must be a superset of the cells of all points in the radius."""

from __future__ import annotations

import math
import subprocess
import sys
import zlib
from pathlib import Path

import h3
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.geo import cells
from siaga.geo.cells import MATCH_RES, MAX_RADIUS_M, cell_of, cells_within, disk_k_for_radius, partition_for_cell
from siaga.geo.distance import EARTH_RADIUS_M, haversine_m

REPO_ROOT = Path(cells.__file__).resolve().parent.parent


def destination(lat: float, lon: float, bearing_rad: float, dist_m: float) -> tuple[float, float]:
    """Point at dist_m along a great circle from (lat, lon) (spherical direct problem)."""
    p1 = math.radians(lat)
    l1 = math.radians(lon)
    d = dist_m / EARTH_RADIUS_M
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(bearing_rad))
    l2 = l1 + math.atan2(math.sin(bearing_rad) * math.sin(d) * math.cos(p1),
                         math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), math.degrees(l2)


def test_cell_of_is_h3_at_match_res() -> None:
    c = cell_of(-6.2, 106.8)
    assert h3.is_valid_cell(c) and h3.get_resolution(c) == MATCH_RES
    assert c == h3.latlng_to_cell(-6.2, 106.8, MATCH_RES)
    assert h3.get_resolution(cell_of(-6.2, 106.8, 8)) == 8
    assert MAX_RADIUS_M == 25_000


@settings(max_examples=150, deadline=None)
@given(
    lat=st.floats(-11, 6),
    lon=st.floats(95, 141),
    radius=st.one_of(st.floats(0, MAX_RADIUS_M), st.just(float(MAX_RADIUS_M))),
    res=st.sampled_from([MATCH_RES, MATCH_RES, 4, 6, 7]),
    seed=st.integers(0, 2**32 - 1),
)
def test_cells_within_is_superset(lat: float, lon: float, radius: float, res: int, seed: int) -> None:
    got = cells_within(lat, lon, radius, res)
    origin = cell_of(lat, lon, res)
    assert origin in got
    k = disk_k_for_radius(radius, res)
    # The disk bound must have headroom: nothing kept from the outermost ring.
    assert max(h3.grid_distance(origin, c) for c in got) < k
    rng = np.random.default_rng(seed)
    # Uniform over the disk, plus a ring of points just inside the radius (worst case).
    dists = np.concatenate([radius * np.sqrt(rng.random(150)), radius * (1 - 1e-9) * np.ones(50)])
    for dist, bearing in zip(dists, rng.uniform(0, 2 * math.pi, dists.size)):
        plat, plon = destination(lat, lon, float(bearing), float(dist))
        if haversine_m(lat, lon, plat, plon) > radius:
            continue  # float error pushed it out; it is not a point within the radius
        assert cell_of(plat, plon, res) in got, (plat, plon, dist)


def test_cells_within_is_not_absurdly_large() -> None:
    # A superset, but a useful one: a 5 km search at res 5 touches a handful of cells.
    assert len(cells_within(-6.2, 106.8, 5_000)) <= 7
    assert len(cells_within(-6.2, 106.8, MAX_RADIUS_M)) <= 30
    assert cells_within(-6.2, 106.8, 1_000) <= cells_within(-6.2, 106.8, 10_000)
    with pytest.raises(ValueError):
        cells_within(-6.2, 106.8, -1.0)


def test_edge_ratio_constants_hold_over_indonesia() -> None:
    """The k bound assumes edges within [min, max] ratio of the average edge length."""
    poly = h3.LatLngPoly([(-11.5, 94.5), (-11.5, 141.5), (6.5, 141.5), (6.5, 94.5)])
    for res in (4, MATCH_RES):
        avg = h3.average_hexagon_edge_length(res, unit="m")
        sample = sorted(h3.polygon_to_cells(poly, res))[::5]
        lengths = [h3.edge_length(e, unit="m") for c in sample for e in h3.origin_to_directed_edges(c)]
        assert min(lengths) >= cells._EDGE_MIN_RATIO * avg
        assert max(lengths) <= cells._EDGE_MAX_RATIO * avg


def test_partition_for_cell_is_stable_and_spread() -> None:
    cell = cell_of(-6.2, 106.8)
    # Pinned value: a change here remaps every cell to other workers.
    assert partition_for_cell(cell, 12) == zlib.crc32(cell.encode("ascii")) % 12 == 3
    # Same in a fresh interpreter with a different str-hash salt.
    code = f"from siaga.geo.cells import partition_for_cell as p; print(p({cell!r}, 12))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "12345", "PATH": ""}, cwd=REPO_ROOT)
    assert out.stdout.strip() == "3"
    java = h3.polygon_to_cells(h3.LatLngPoly([(-8.8, 105.2), (-8.8, 114.6), (-5.9, 114.6), (-5.9, 105.2)]),
                               MATCH_RES)
    counts = np.bincount([partition_for_cell(c, 12) for c in java], minlength=12)
    assert counts.min() > 0.7 * counts.mean() and counts.max() < 1.3 * counts.mean()
    assert all(0 <= partition_for_cell(c, 7) < 7 for c in list(java)[:100])
    with pytest.raises(ValueError):
        partition_for_cell(cell, 0)
