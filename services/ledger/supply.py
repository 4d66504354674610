"""One round of the supply stage (streams/supply.py runs it on a timer, on one worker):

1. plan deliveries of donated goods to open needs nearby (core/ledger/supply.py) and hand each
   to the dispatch engine as a request for a volunteer with a vehicle;
2. record each delivery the volunteer reported done as goods disbursed, linked to the need.

Both go through the outbox in the round's transaction: a crash repeats nothing and loses
nothing (the delivery and its ledger entry have ids derived from what they are)."""
from __future__ import annotations

import logging
import uuid
from decimal import Decimal

from siaga.core.codes import stable_uuid
from siaga.core.ledger.entry import decimal_text
from siaga.core.ledger.supply import MAX_DISTANCE_M, Need, Supply, plan
from siaga.schemas.common import Channel, Location
from siaga.schemas.events import AidRequest, DonationEvent, Goods, Purpose
from siaga.schemas.topics import Topic
from siaga.services.outbox import enqueue

log = logging.getLogger("siaga.supply")
ROUND_LOCK = 7324103
OPEN = ("open", "offered", "escalated")


async def _plan_deliveries(conn) -> int:
    supplies = [Supply(str(r[0]), r[1], Decimal(r[2]), r[3], r[4]) for r in await (await conn.execute(
        "SELECT entry_id, category, remaining, ST_Y(pickup::geometry), ST_X(pickup::geometry) FROM supplies "
        "WHERE remaining > 0 ORDER BY created_at LIMIT 200")).fetchall()]
    if not supplies:
        return 0
    rows = await (await conn.execute(
        "SELECT r.request_id, r.needs, ST_Y(r.geom::geometry), ST_X(r.geom::geometry), r.urgency "
        "FROM requests r WHERE r.status = ANY(%s) AND r.geom IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.delivery_id = r.request_id) "
        "AND EXISTS (SELECT 1 FROM supplies s WHERE s.remaining > 0 AND ST_DWithin(s.pickup, r.geom, %s)) "
        "LIMIT 2000", (list(OPEN), MAX_DISTANCE_M))).fetchall()
    needs = [Need(str(r[0]), tuple(r[1]), r[2], r[3], r[4] in ("high", "critical")) for r in rows]
    served = {(str(a), str(b)) for a, b in await (await conn.execute(
        "SELECT supply_entry_id, for_request FROM deliveries")).fetchall()}
    planned = plan(supplies, needs, served)
    for d in planned:
        s = await (await conn.execute(
            "SELECT campaign, category, item, unit, ST_Y(pickup::geometry), ST_X(pickup::geometry), pickup_name "
            "FROM supplies WHERE entry_id = %s", (d.supply_entry_id,))).fetchone()
        dest = await (await conn.execute(
            "SELECT tracking_code, place_name FROM requests WHERE request_id = %s", (d.request_id,))).fetchone()
        delivery_id = stable_uuid("delivery", d.supply_entry_id, d.request_id)
        await conn.execute(
            "INSERT INTO deliveries (delivery_id, supply_entry_id, for_request, quantity) VALUES (%s, %s, %s, %s)",
            (delivery_id, d.supply_entry_id, d.request_id, d.quantity))
        await conn.execute("UPDATE supplies SET remaining = remaining - %s WHERE entry_id = %s",
                           (d.quantity, d.supply_entry_id))
        what = f"{decimal_text(d.quantity)} {s[3]} {s[2] or s[1]}"
        place = f"Ambil {what} di {s[6] or 'titik ambil'}, antar ke {dest[1] or 'permintaan'} ({dest[0]})"
        req = AidRequest(
            request_id=delivery_id, tracking_code="K" + delivery_id.hex[:7].upper(), channel=Channel.api,
            location=Location(lat=s[4], lon=s[5], source="manual", place_name=place[:200]),
            needs=[s[1]], people=1, required_skills=["vehicle"], source="supply",
            text=f"Antar donasi {what} dari titik ambil ke permintaan {dest[0]}. / "
                 f"Carry donated {what} from the pickup point to request {dest[0]}.")
        await enqueue(conn, Topic.AID_REQUESTS, str(delivery_id), req, {"delivery_id": str(delivery_id)})
    return len(planned)


async def _record_delivered(conn) -> int:
    rows = await (await conn.execute(
        "SELECT d.delivery_id, d.for_request, d.quantity, s.campaign, s.category, s.item, s.unit, "
        "(SELECT array_agg(x.offer_id) FROM dispatches x WHERE x.request_id = d.delivery_id AND x.status = 'done') "
        "FROM deliveries d JOIN supplies s ON s.entry_id = d.supply_entry_id JOIN requests r "
        "ON r.request_id = d.delivery_id WHERE d.status = 'dispatched' AND r.status = 'done'")).fetchall()
    for delivery_id, for_request, qty, campaign, category, item, unit, offers in rows:
        entry_id = stable_uuid("delivered", delivery_id)
        event = DonationEvent(
            donation_id=entry_id, kind="disbursed", campaign=campaign, source="dispatch", actor="dispatch",
            goods=Goods(category=category, item=item, quantity=float(qty), unit=unit),
            purpose=Purpose(requests=[uuid.UUID(str(for_request))], dispatches=list(offers or []), category=category),
            note="diantar relawan / delivered by a volunteer")
        await enqueue(conn, Topic.DONATIONS, str(entry_id), event, {"entry_id": str(entry_id)},
                      idempotency_key=f"delivered:{delivery_id}")
        await conn.execute("UPDATE deliveries SET status = 'delivered', disbursed_entry = %s, delivered_at = now() "
                           "WHERE delivery_id = %s", (entry_id, delivery_id))
    return len(rows)


async def run_round(conn) -> tuple[int, int]:
    """(deliveries planned, deliveries recorded as disbursed). One round at a time, whoever runs it."""
    async with conn.transaction():
        got = await (await conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (ROUND_LOCK,))).fetchone()
        if not got[0]:
            return 0, 0
        return await _plan_deliveries(conn), await _record_delivered(conn)
