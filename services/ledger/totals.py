"""A campaign's figures, read from the ledger entries themselves (what the checkpoints sign),
with corrected entries replaced by their corrections. One query for the page, the live
update and the index."""
from __future__ import annotations

from dataclasses import dataclass, field


def _live(where: str = "") -> str:
    """The entries (of one campaign, or all) that no later entry corrects, as the CTE `live`."""
    return f"""
WITH e AS (SELECT seq, body::jsonb AS b FROM ledger_entries {where}),
live AS (SELECT seq, b FROM e WHERE NOT EXISTS (SELECT 1 FROM e c WHERE c.b ->> 'corrects' = e.b ->> 'entry_id'))
"""


_LIVE = _live("WHERE body::jsonb ->> 'campaign' = %(slug)s")
_MONEY = _LIVE + """
SELECT b ->> 'kind', coalesce(sum((b ->> 'money_idr')::bigint), 0),
       coalesce(sum((b ->> 'money_idr')::bigint) FILTER (WHERE b -> 'purpose' ->> 'category' = 'operations'), 0),
       count(*)
  FROM live GROUP BY 1
"""
_GOODS = _LIVE + """
SELECT b ->> 'kind', b -> 'goods' ->> 'category', b -> 'goods' ->> 'unit', sum((b -> 'goods' ->> 'quantity')::numeric)
  FROM live WHERE jsonb_typeof(b -> 'goods') = 'object' AND b ->> 'kind' IN ('received', 'disbursed')
 GROUP BY 1, 2, 3 ORDER BY 2, 3
"""


@dataclass
class Totals:
    pledged_idr: int = 0
    received_idr: int = 0
    refunded_idr: int = 0
    disbursed_idr: int = 0
    operations_idr: int = 0
    entries: int = 0
    goods: list[dict] = field(default_factory=list)   # {category, unit, received, disbursed}

    @property
    def net_received_idr(self) -> int:
        return self.received_idr - self.refunded_idr

    @property
    def balance_idr(self) -> int:
        return self.net_received_idr - self.disbursed_idr

    @property
    def operations_percent(self) -> float | None:
        """Operating costs as a share of the money collected (the rule caps it at 10%)."""
        return None if self.net_received_idr <= 0 else 100.0 * self.operations_idr / self.net_received_idr

    def public(self) -> dict:
        return {"pledged_idr": self.pledged_idr, "received_idr": self.received_idr,
                "refunded_idr": self.refunded_idr, "disbursed_idr": self.disbursed_idr,
                "operations_idr": self.operations_idr, "balance_idr": self.balance_idr,
                "operations_percent": None if self.operations_percent is None else round(self.operations_percent, 2),
                "goods": self.goods, "entries": self.entries}


async def campaign_totals(conn, slug: str) -> Totals:
    t = Totals()
    for kind, amount, ops, n in await (await conn.execute(_MONEY, {"slug": slug})).fetchall():
        t.entries += n
        if kind in ("pledged", "received", "refunded", "disbursed"):
            setattr(t, f"{kind}_idr", int(amount))
        if kind == "disbursed":
            t.operations_idr = int(ops)
    goods: dict[tuple[str, str], dict] = {}
    for kind, category, unit, qty in await (await conn.execute(_GOODS, {"slug": slug})).fetchall():
        g = goods.setdefault((category, unit), {"category": category, "unit": unit, "received": 0.0, "disbursed": 0.0})
        g[kind] = float(qty)
    t.goods = list(goods.values())
    return t


async def all_received(conn) -> tuple[int, int]:
    """Across campaigns: (money received net of refunds in IDR, goods entries received)."""
    row = await (await conn.execute(_live() + """
        SELECT coalesce(sum(CASE b ->> 'kind' WHEN 'received' THEN (b ->> 'money_idr')::bigint
                                              WHEN 'refunded' THEN -(b ->> 'money_idr')::bigint END), 0),
               count(*) FILTER (WHERE b ->> 'kind' = 'received' AND b -> 'goods' IS NOT NULL
                                AND jsonb_typeof(b -> 'goods') = 'object')
          FROM live""")).fetchone()
    return int(row[0]), int(row[1])
