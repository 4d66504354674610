"""From a donation event to the public ledger entry that is hashed, and who may write what.

Pure: no I/O. The entry carries only public fields: no phone, no donor name unless the donor
agreed, no exact location of anyone helped."""
from __future__ import annotations

import base64
import hashlib
import hmac
from decimal import Decimal

from siaga.schemas.events import DonationEvent

VERSION = 1
GATEWAYS = ("midtrans", "xendit")
TREASURER = "treasurer"
PUBLIC = "public"
DISPATCH = "dispatch"   # a delivery of donated goods, confirmed by the volunteer's "done"


def refusal(e: DonationEvent) -> str | None:
    """Why this event may not enter the ledger (None: it may). The API enforces the same rules;
    the writer checks again so that nothing on the topic can skip them."""
    src = e.source
    if e.corrects is not None and src != TREASURER:
        return "only a treasurer may correct an entry"
    if e.kind == "pledged":
        return None if src in (PUBLIC, TREASURER) else f"a pledge from {src!r}"
    if e.kind == "received":
        if e.money is not None:
            return None if src in GATEWAYS else "money received must come from a payment gateway's notification"
        return None if src == TREASURER else "goods received are recorded by a treasurer"
    if e.kind == "refunded":
        return None if src in GATEWAYS and e.money is not None else "refunds come from a payment gateway"
    if e.kind == "disbursed":
        if src == DISPATCH:
            ok = e.goods is not None and e.purpose is not None and e.purpose.requests
            return None if ok else "the dispatch engine records only goods delivered to named requests"
        if src != TREASURER:
            return "disbursements are recorded by a treasurer"
        return None if e.purpose is not None else "a disbursement names what it paid for (purpose)"
    return f"unknown kind {e.kind!r}"


def decimal_text(q: float | Decimal) -> str:
    """A quantity as plain decimal text ("12.5", "60"): floats have no canonical text."""
    return format(Decimal(str(q)).normalize(), "f")


def body(e: DonationEvent, seq: int, prev_hash: str) -> dict:
    """The entry as hashed and published."""
    g = e.goods
    p = e.purpose
    return {
        "v": VERSION,
        "seq": seq,
        "prev_hash": prev_hash,
        "entry_id": str(e.donation_id),
        "kind": e.kind,
        "campaign": e.campaign,
        "money_idr": e.money.amount_idr if e.money else None,
        "goods": {"category": g.category.value, "item": g.item, "quantity": decimal_text(g.quantity),
                  "unit": g.unit} if g else None,
        "source": e.source,
        "actor": e.actor,
        "reference": e.reference,
        "purpose": {"requests": [str(r) for r in p.requests], "dispatches": [str(d) for d in p.dispatches],
                    "category": getattr(p.category, "value", p.category), "area": p.area} if p else None,
        "corrects": str(e.corrects) if e.corrects else None,
        "donor": e.donor_name if e.donor_public and e.donor_name else None,
        "note": e.note,
        "occurred_at": e.occurred_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def receipt_code(secret: bytes, entry_id: str) -> str:
    """Unguessable and stable (a replay gives the same code): HMAC of the entry id, 10 base32
    characters without look-alikes' ambiguity for reading aloud over the phone."""
    mac = hmac.new(secret, f"receipt|{entry_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(mac[:10]).decode()[:10]
