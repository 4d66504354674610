"""Midtrans, as pure functions (no database, no settings): the notification's signature, the
money movements a notification reports, and Snap's create-transaction call.

Notification (POST, JSON; docs.midtrans.com "HTTP(S) Notification / Webhooks"): strings
order_id, status_code, gross_amount ("10000.00"), transaction_status, fraud_status, and
signature_key = hex SHA-512 of order_id + status_code + gross_amount + server key. Money:

  settlement                          received (gross_amount)
  capture + fraud_status accept       received (a card capture; its later settlement is the
                                      same movement, so both carry the same key)
  capture + challenge/deny, pending, authorize, deny, cancel, expire, failure   nothing
  refund, partial_refund              refunded: one per entry of `refunds` (Midtrans lists the
                                      whole refund history, so each entry is keyed by its
                                      refund_key); without a list, one for the whole
                                      refund_amount (or gross_amount)

Midtrans retries a notification until it gets a 2xx, so a notification that records nothing
must still be answered 2xx (services/payments/routes.py).
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx

from siaga.services.payments import (
    GatewayError,
    Outcome,
    PaymentFormatError,
    check_currency,
    parse_idr,
    post_to_gateway,
    text_field,
)

GATEWAY = "midtrans"
SIGNED_FIELDS = ("order_id", "status_code", "gross_amount")
NOTHING = frozenset({"pending", "authorize", "deny", "cancel", "expire", "failure"})
REFUNDS = frozenset({"refund", "partial_refund"})
# What a notification makes of the order (services/payments/orders.py ranks them).
ORDER_STATUS = {
    "pending": "pending", "authorize": "pending", "deny": "failed", "failure": "failed",
    "cancel": "cancelled", "expire": "expired", "settlement": "paid",
    "refund": "refunded", "partial_refund": "partially_refunded",
}


def signature(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    """Midtrans' signature_key: SHA-512 (hex) of the four strings joined, exactly as sent."""
    return hashlib.sha512(f"{order_id}{status_code}{gross_amount}{server_key}".encode()).hexdigest()


def verify(body: dict, server_key: str) -> bool:
    """True when body["signature_key"] is the signature of its own order_id, status_code and
    gross_amount under `server_key`. Any missing or non-string field, or an empty server key,
    is False; the comparison takes the same time wherever the strings differ."""
    if not server_key or not isinstance(body, dict):
        return False
    given = body.get("signature_key")
    values = [body.get(f) for f in SIGNED_FIELDS]
    if not isinstance(given, str) or not all(isinstance(v, str) for v in values):
        return False
    expected = signature(*values, server_key)  # type: ignore[arg-type]
    return hmac.compare_digest(given.strip().lower().encode(), expected.encode())


def missing_signed_field(body: dict) -> str | None:
    """The first of order_id/status_code/gross_amount that is missing or not a string (the
    route answers 422 naming it before checking the signature), or None."""
    for f in SIGNED_FIELDS:
        if not isinstance(body.get(f), str) or not body.get(f):
            return f
    return None


def order_status(body: dict) -> str | None:
    """The order status this notification reports ("paid", "expired", ...), None if unknown."""
    status = body.get("transaction_status")
    if status == "capture":
        fraud = body.get("fraud_status")
        return {"accept": "paid", "challenge": "challenge", "deny": "failed"}.get(fraud, "pending")
    return ORDER_STATUS.get(status) if isinstance(status, str) else None


def outcomes(body: dict) -> list[Outcome]:
    """The money movements a (verified) notification reports; see the module docstring.
    Raises PaymentFormatError (a ValueError) naming the field when the shape is wrong.
    An unknown transaction_status reports nothing (Midtrans may add statuses)."""
    if not isinstance(body, dict):
        raise PaymentFormatError("body", "a notification is a JSON object")
    order_id = text_field(body, "order_id")
    status = text_field(body, "transaction_status", max_length=40)
    check_currency(body)
    assert order_id is not None and status is not None
    if status == "settlement" or (status == "capture" and body.get("fraud_status") == "accept"):
        amount = parse_idr(body.get("gross_amount"), "gross_amount")
        return [Outcome("received", order_id, amount, f"{GATEWAY}:{order_id}:received")]
    if status in REFUNDS:
        return _refunds(body, order_id)
    return []


def _refunds(body: dict, order_id: str) -> list[Outcome]:
    refunds = body.get("refunds")
    if refunds is None or refunds == []:
        if body.get("refund_amount") is not None:
            amount = parse_idr(body.get("refund_amount"), "refund_amount")
        else:
            amount = parse_idr(body.get("gross_amount"), "gross_amount")
        ref = _refund_ref(body, "") or "total"
        return [Outcome("refunded", order_id, amount, f"{GATEWAY}:{order_id}:refund:{ref}")]
    if not isinstance(refunds, list):
        raise PaymentFormatError("refunds", "must be a list")
    out: list[Outcome] = []
    seen: set[str] = set()
    for i, item in enumerate(refunds):
        where = f"refunds[{i}]"
        if not isinstance(item, dict):
            raise PaymentFormatError(where, "must be an object")
        amount = parse_idr(item.get("refund_amount"), f"{where}.refund_amount")
        # Midtrans generates a refund_key when the merchant sends none; the chargeback ids
        # are the fallbacks, the position in the (append-only) history the last one.
        ref = _refund_ref(item, where) or f"n{i}"
        if ref in seen:
            continue
        seen.add(ref)
        out.append(Outcome("refunded", order_id, amount, f"{GATEWAY}:{order_id}:refund:{ref}"))
    return out


def _refund_ref(item: dict, where: str) -> str | None:
    for f in ("refund_key", "refund_chargeback_uuid", "refund_chargeback_id"):
        value = item.get(f)
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise PaymentFormatError(f"{where}.{f}" if where else f, "must be a string")
        text = str(value)
        if len(text) > 80 or any(c.isspace() or c == ":" for c in text):
            raise PaymentFormatError(f"{where}.{f}" if where else f,
                                     "must be at most 80 characters, without spaces or ':'")
        return text
    return None


async def create_transaction(client: httpx.AsyncClient, base_url: str, server_key: str,
                             order_id: str, amount_idr: int, customer: dict | None = None,
                             *, finish_url: str | None = None) -> dict[str, str]:
    """Snap: POST {base_url}/snap/v1/transactions (HTTP Basic, server key as user, empty
    password). Returns {"token", "redirect_url"}; raises GatewayError when Midtrans refuses
    (its error_messages) or cannot be reached."""
    body: dict[str, Any] = {"transaction_details": {"order_id": order_id, "gross_amount": amount_idr}}
    if customer:
        body["customer_details"] = customer
    if finish_url:
        body["callbacks"] = {"finish": finish_url}
    status, answer = await post_to_gateway(client, GATEWAY, f"{base_url.rstrip('/')}/snap/v1/transactions",
                                           body, server_key)
    if status not in (200, 201) or answer is None:
        messages = answer.get("error_messages") if answer else None
        text = "; ".join(str(m) for m in messages)[:300] if isinstance(messages, list) else "refused"
        raise GatewayError(GATEWAY, text, status)
    token, url = answer.get("token"), answer.get("redirect_url")
    if not isinstance(token, str) or not isinstance(url, str) or not token or not url:
        raise GatewayError(GATEWAY, "answer without token or redirect_url", status)
    return {"token": token, "redirect_url": url}
