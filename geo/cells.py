"""H3 (v4 API) helpers for partitioning matching work by geography.

A request at (lat, lon) with a search radius must see every volunteer who could be within
that radius, so `cells_within` returns a guaranteed SUPERSET of the cells such volunteers
can fall in; matching then reads the partitions of those cells.
"""

from __future__ import annotations

import math
import zlib
from functools import lru_cache

import h3

from siaga.geo.distance import haversine_m

# Res 5: average edge 9.85 km (cell ~253 km2), so a 5 km search touches a handful of
# cells and a 25 km one a few dozen: coarse enough to keep fan-out small, fine enough to
# spread Java's volunteers over many partitions.
MATCH_RES: int = 5
MAX_RADIUS_M: float = 25_000

# Shortest and longest H3 edge relative to h3.average_hexagon_edge_length(res), measured
# over every cell of the globe at res 0-5 (min 0.703 at res 5, max 1.100), with slack.
# H3's distortion is self-similar below that, so the ratios hold at finer resolutions.
_EDGE_MIN_RATIO = 0.68
_EDGE_MAX_RATIO = 1.12
_MARGIN_M = 1.0  # absorbs float error in centres/vertices (metres)


def cell_of(lat: float, lon: float, res: int = MATCH_RES) -> str:
    """The H3 cell (hex string) containing (lat, lon) at `res`."""
    return h3.latlng_to_cell(lat, lon, res)


def disk_k_for_radius(radius_m: float, res: int = MATCH_RES) -> int:
    """Grid-disk size k that surely reaches every cell a point within radius_m can be in.

    A point P within r of Q lies in a cell whose centre is within r + 2 * circumradius of
    Q's cell centre (circumradius == edge for a hexagon). On a hexagonal lattice, centres
    g steps apart are at least 1.5 * edge * g apart. Using the longest edge for the
    circumradius and the shortest for the spacing, plus one ring of margin for lattice
    distortion, gives the k below.
    """
    if not radius_m >= 0.0:
        raise ValueError(f"radius_m must be >= 0, got {radius_m!r}")
    avg = h3.average_hexagon_edge_length(res, unit="m")
    e_min = _EDGE_MIN_RATIO * avg
    e_max = _EDGE_MAX_RATIO * avg
    return int(math.floor((radius_m + 2.0 * e_max) / (1.5 * e_min))) + 1


@lru_cache(maxsize=65536)
def _cell_cap(cell: str) -> tuple[float, float, float]:
    """(centre lat, centre lon, circumradius in metres) of a cell."""
    clat, clon = h3.cell_to_latlng(cell)
    circ = max(haversine_m(clat, clon, vlat, vlon) for vlat, vlon in h3.cell_to_boundary(cell))
    return clat, clon, circ


def cells_within(lat: float, lon: float, radius_m: float, res: int = MATCH_RES) -> set[str]:
    """Every cell at `res` that some point within radius_m of (lat, lon) could fall in.

    Candidates come from grid_disk(k) with k from `disk_k_for_radius`; a cell is then kept
    unless it provably cannot intersect the search cap: an H3 cell (convex, great-circle
    edges) lies inside the cap around its centre with its circumradius, so if that cap
    does not reach the search cap, neither does the cell. The result is still a superset.
    """
    k = disk_k_for_radius(radius_m, res)
    origin = h3.latlng_to_cell(lat, lon, res)
    out: set[str] = set()
    for cell in h3.grid_disk(origin, k):
        clat, clon, circ = _cell_cap(cell)
        if haversine_m(lat, lon, clat, clon) <= radius_m + circ + _MARGIN_M:
            out.add(cell)
    return out


def partition_for_cell(cell: str, partitions: int) -> int:
    """Stable partition number in [0, partitions) for a cell.

    crc32, not hash(): Python salts str hashes per process, and every producer and worker
    must agree on the mapping across restarts and machines.
    """
    if partitions < 1:
        raise ValueError(f"partitions must be >= 1, got {partitions!r}")
    return zlib.crc32(cell.encode("ascii")) % partitions
