"""Donated goods waiting at a pickup point, sent to open needs of the same category nearby.

Pure: which need gets how much from which supply. services/ledger/supply.py reads the
supplies and needs from PostGIS and turns each plan into a delivery request for the dispatch
engine (a volunteer with a vehicle carries it); the volunteer's "done" becomes a goods-disbursed
ledger entry linked to the need."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from siaga.geo.distance import haversine_m

MAX_DISTANCE_M = 25_000    # farther than this a local supply is not the answer
PER_ROUND = 5              # needs one supply serves at once; the rest wait for the next round


@dataclass(frozen=True)
class Supply:
    entry_id: str
    category: str
    remaining: Decimal
    lat: float
    lon: float


@dataclass(frozen=True)
class Need:
    request_id: str
    needs: tuple[str, ...]
    lat: float
    lon: float
    urgent: bool = False


@dataclass(frozen=True)
class Delivery:
    supply_entry_id: str
    request_id: str
    quantity: Decimal
    distance_m: float


def _share(remaining: Decimal, parts: int) -> Decimal:
    """An equal share, whole units when the supply comes in whole units."""
    exact = remaining / parts
    return exact.quantize(Decimal(1), ROUND_DOWN) if remaining == remaining.to_integral_value() else exact


def plan(supplies: list[Supply], needs: list[Need], served: set[tuple[str, str]],
         max_distance_m: float = MAX_DISTANCE_M, per_round: int = PER_ROUND) -> list[Delivery]:
    """Each supply goes to the nearest open needs of its category (urgent ones first), in equal
    shares; a need gets at most one delivery per round, and never twice from the same supply."""
    taken: set[str] = set()
    out: list[Delivery] = []
    for s in sorted(supplies, key=lambda s: s.entry_id):
        if s.remaining <= 0:
            continue
        near = sorted(
            ((not n.urgent, haversine_m(s.lat, s.lon, n.lat, n.lon), n.request_id) for n in needs
             if s.category in n.needs and n.request_id not in taken and (s.entry_id, n.request_id) not in served),
        )
        near = [x for x in near if x[1] <= max_distance_m][:per_round]
        if not near:
            continue
        share = _share(s.remaining, len(near))
        if share <= 0:   # fewer units than needs: the nearest get one each
            near, share = near[:int(s.remaining)], Decimal(1)
        for _not_urgent, d, rid in near:
            taken.add(rid)
            out.append(Delivery(s.entry_id, rid, share, round(d, 1)))
    return out
