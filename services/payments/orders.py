"""Payment orders (async psycopg): a donor starts a donation -> an order row; the gateway's
verified notification -> record_outcome: one DonationEvent per money movement, committed to
the outbox in the same transaction that remembers the movement (payment_movements) and
updates the order. A repeated notification of the same movement records nothing.

Tables: infra/sql/006_payments.sql. Connections come from the API's pool (autocommit), so
each function that writes more than one row opens its own transaction block (a savepoint when
the caller already has one)."""
from __future__ import annotations

import logging
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime

from siaga.core.codes import stable_uuid
from siaga.schemas.events import DonationEvent, Money
from siaga.schemas.topics import Topic
from siaga.services.outbox import Enqueued, IdempotencyConflict, body_hash, enqueue
from siaga.services.payments import GATEWAYS, Outcome

log = logging.getLogger("siaga.payments")

TOPIC = Topic.DONATIONS
# An order's status only moves up this ranking: a late "pending" or "expire" never undoes a
# payment, a repeated settlement never undoes a refund. Equal ranks do not replace each other.
STATUS_RANK = {
    "created": 0, "pending": 1, "challenge": 2, "failed": 3, "cancelled": 3, "expired": 3,
    "paid": 4, "partially_refunded": 5, "refunded": 6,
}
_RANK_SQL = "CASE status " + " ".join(f"WHEN '{s}' THEN {r}" for s, r in STATUS_RANK.items()) + " END"

COLUMNS = ("order_id, gateway, campaign, amount_idr, donor_name, donor_public, donor_phone, status, "
           "gateway_ref, payment_url, received_idr, refunded_idr, created_at, paid_at")


@dataclass(frozen=True)
class Order:
    order_id: str
    gateway: str
    campaign: str
    amount_idr: int
    donor_name: str | None
    donor_public: bool
    donor_phone: str | None    # private: the receipt only; never logged, never published
    status: str
    gateway_ref: str | None
    payment_url: str | None
    received_idr: int
    refunded_idr: int
    created_at: datetime
    paid_at: datetime | None

    def __repr__(self) -> str:   # keeps the donor out of logs and tracebacks
        return (f"Order({self.order_id}, {self.gateway}, {self.campaign}, {self.amount_idr}, "
                f"{self.status})")


def new_order_id() -> str:
    """SG- and 12 upper-case hex digits (48 random bits)."""
    return "SG-" + secrets.token_hex(6).upper()


async def create_order(conn, *, gateway: str, campaign: str, amount_idr: int,
                       donor_name: str | None = None, donor_public: bool = False,
                       donor_phone: str | None = None) -> Order:
    """Insert a new order (status 'created'). The caller has checked that the campaign is open
    and normalised the phone number to E.164."""
    if gateway not in GATEWAYS:
        raise ValueError(f"unknown gateway {gateway!r}")
    if amount_idr <= 0:
        raise ValueError("amount_idr must be more than 0")
    for _ in range(5):   # a collision in 48 random bits is not expected; do not loop forever
        cur = await conn.execute(
            f"INSERT INTO payment_orders (order_id, gateway, campaign, amount_idr, donor_name, "
            f"donor_public, donor_phone) VALUES (%s, %s, %s, %s, %s, %s, %s) "
            f"ON CONFLICT (order_id) DO NOTHING RETURNING {COLUMNS}",
            (new_order_id(), gateway, campaign, amount_idr, donor_name, donor_public, donor_phone))
        row = await cur.fetchone()
        if row is not None:
            return Order(*row)
    raise RuntimeError("could not find a free order id")


async def get_order(conn, order_id: str) -> Order | None:
    cur = await conn.execute(f"SELECT {COLUMNS} FROM payment_orders WHERE order_id = %s", (order_id,))
    row = await cur.fetchone()
    return Order(*row) if row is not None else None


async def set_payment(conn, order_id: str, gateway_ref: str, payment_url: str) -> None:
    """The gateway accepted the order: remember its token/invoice id and payment page."""
    await conn.execute(
        f"UPDATE payment_orders SET gateway_ref = %s, payment_url = %s, updated_at = now(), "
        f"status = CASE WHEN {_RANK_SQL} < 1 THEN 'pending' ELSE status END WHERE order_id = %s",
        (gateway_ref, payment_url, order_id))


async def mark_status(conn, order_id: str, status: str) -> bool:
    """Move the order to `status` if that ranks higher than where it is (STATUS_RANK). Returns
    whether it changed (False also for an unknown order)."""
    if status not in STATUS_RANK:
        raise ValueError(f"unknown order status {status!r}")
    cur = await conn.execute(
        f"UPDATE payment_orders SET status = %s, updated_at = now() "
        f"WHERE order_id = %s AND {_RANK_SQL} < %s RETURNING order_id",
        (status, order_id, STATUS_RANK[status]))
    return await cur.fetchone() is not None


def _response(order_id: str, kind: str, amount_idr: int, donation_id: object) -> dict:
    return {"donation_id": str(donation_id), "order_id": order_id, "kind": kind,
            "amount_idr": amount_idr, "status": "recorded"}


def donation_event(order: Order, outcome: Outcome) -> DonationEvent:
    """The ledger entry for one verified money movement of `order`."""
    return DonationEvent(
        donation_id=stable_uuid("payment", outcome.key), kind=outcome.kind,
        money=Money(amount_idr=outcome.amount_idr), campaign=order.campaign,
        donor_name=order.donor_name, donor_public=order.donor_public, donor_phone=order.donor_phone,
        actor=order.gateway, source=order.gateway, reference=order.order_id)


async def record_outcome(conn, order: Order, outcome: Outcome) -> Enqueued:
    """Record one verified money movement: its DonationEvent goes to the outbox (topic
    donations, keyed by donation_id, idempotency key = outcome.key) in one transaction with the
    payment_movements row and the order's new status and totals.

    Returns Enqueued(created=True) the first time; for a movement recorded before (a retried
    notification, PAID then SETTLED, capture then settlement) Enqueued(created=False) with the
    first answer, and nothing is written. If the repeat reports a different amount, the first
    one stands and a warning is logged: a gateway does not move the same money twice under one
    key, so that is a gateway-side correction for a treasurer to look at, not a new entry."""
    if outcome.order_id != order.order_id:
        raise ValueError(f"outcome for {outcome.order_id} given with order {order.order_id}")
    event = donation_event(order, outcome)
    donation_id = event.donation_id
    response = _response(order.order_id, outcome.kind, outcome.amount_idr, donation_id)
    async with conn.transaction():
        cur = await conn.execute(
            "INSERT INTO payment_movements (key, order_id, kind, amount_idr, donation_id) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (key) DO NOTHING RETURNING key",
            (outcome.key, order.order_id, outcome.kind, outcome.amount_idr, donation_id))
        if await cur.fetchone() is None:
            row = await (await conn.execute(
                "SELECT kind, amount_idr, donation_id FROM payment_movements WHERE key = %s",
                (outcome.key,))).fetchone()
            kind, amount, first_id = row
            if (kind, amount) != (outcome.kind, outcome.amount_idr):
                log.warning("payment %s repeated with %s %s IDR, first recorded as %s %s IDR; "
                            "kept the first", outcome.key, outcome.kind, outcome.amount_idr,
                            kind, amount)
            return Enqueued(_response(order.order_id, kind, amount, first_id), False)
        try:
            res = await enqueue(conn, TOPIC, str(donation_id), event, response,
                                idempotency_key=outcome.key, request_hash=body_hash(asdict(outcome)))
        except IdempotencyConflict:
            # The outbox knows the key with another amount although payment_movements did not
            # (a row removed by hand): the outbox entry stands.
            log.warning("payment %s already in the outbox with other details; kept it", outcome.key)
            res = Enqueued(response, False)
        if outcome.kind == "received":
            await conn.execute(
                f"UPDATE payment_orders SET received_idr = received_idr + %s, "
                f"paid_at = coalesce(paid_at, now()), updated_at = now(), "
                f"status = CASE WHEN {_RANK_SQL} < %s THEN 'paid' ELSE status END "
                f"WHERE order_id = %s",
                (outcome.amount_idr, STATUS_RANK["paid"], order.order_id))
        else:
            await conn.execute(
                f"UPDATE payment_orders SET refunded_idr = refunded_idr + %s, updated_at = now(), "
                f"status = CASE WHEN refunded_idr + %s >= greatest(received_idr, amount_idr) "
                f"THEN 'refunded' WHEN {_RANK_SQL} < %s THEN 'partially_refunded' ELSE status END "
                f"WHERE order_id = %s",
                (outcome.amount_idr, outcome.amount_idr, STATUS_RANK["partially_refunded"],
                 order.order_id))
    log.info("payment %s: %s %s IDR for %s (%s)", outcome.key, outcome.kind, outcome.amount_idr,
             order.order_id, "recorded" if res.created else "already recorded")
    return res
