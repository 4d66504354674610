"""Planning deliveries of donated goods (core/ledger/supply.py)."""
from __future__ import annotations

from decimal import Decimal

from siaga.core.ledger.supply import Need, Supply, plan

P = (-7.80, 110.37)


def test_goods_go_to_the_nearest_needs_of_their_category_in_equal_shares():
    s = Supply("s1", "water", Decimal(100), *P)
    needs = [Need("far", ("water",), P[0] + 0.1, P[1]),            # ~11 km
             Need("near", ("food", "water"), P[0] + 0.01, P[1]),   # ~1.1 km
             Need("food", ("food",), P[0], P[1]),                  # other category
             Need("away", ("water",), P[0] + 0.5, P[1])]           # ~55 km: too far
    got = plan([s], needs, served=set())
    assert [(d.request_id, d.quantity) for d in got] == [("near", 50), ("far", 50)]


def test_urgent_needs_first_a_need_served_once_and_never_twice_by_one_supply():
    a, b = Supply("a", "food", Decimal(3), *P), Supply("b", "food", Decimal("2.5"), *P)
    needs = [Need(f"n{i}", ("food",), P[0] + 0.001 * i, P[1], urgent=(i == 4)) for i in range(5)]
    got = plan([a, b], needs, served={("b", "n0")})
    by = {}
    for d in got:
        by.setdefault(d.supply_entry_id, []).append(d.request_id)
    assert by["a"][0] == "n4" and len(by["a"]) == 3            # 3 units: one each for the nearest 3
    assert not set(by["a"]) & set(by["b"]) and "n0" not in by["b"]
    assert all(d.quantity == Decimal("2.5") / 2 for d in got if d.supply_entry_id == "b")


def test_nothing_left_or_nobody_near_plans_nothing():
    assert plan([Supply("s", "water", Decimal(0), *P)], [Need("n", ("water",), *P)], set()) == []
    assert plan([Supply("s", "water", Decimal(5), *P)], [Need("n", ("water",), *P)], {("s", "n")}) == []
