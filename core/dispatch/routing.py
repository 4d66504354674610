"""Which matcher partition owns a place, and which partitions must know a volunteer.

A request belongs to the partition of its H3 region cell. A volunteer is published to every
partition owning a cell within the largest search radius of them (DeskConfig.reach_m, which
streams/dispatch_config.py sets to the widest of SEARCH_RADII_KM), so a matcher sees every
volunteer within that radius of any request it owns, however close to a border."""
from __future__ import annotations

from siaga.geo.cells import cell_of, cells_within, partition_for_cell

REGION_RES = 4          # ~23 km hexagons: few borders, few copies of each volunteer


def request_partition(lat: float, lon: float, partitions: int) -> int:
    return partition_for_cell(cell_of(lat, lon, REGION_RES), partitions)


def volunteer_partitions(lat: float, lon: float, partitions: int, radius_m: float) -> set[int]:
    return {partition_for_cell(c, partitions) for c in cells_within(lat, lon, radius_m, REGION_RES)}


def shadow_partitions(lat: float, lon: float, reach_m: float, partitions: int) -> set[int]:
    """Other partitions a new report within `reach_m` of an open request could land in: they
    keep a shadow of it for dedupe. Most requests far from a border have none."""
    return volunteer_partitions(lat, lon, partitions, reach_m) - {request_partition(lat, lon, partitions)}
