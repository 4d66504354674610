"""Xendit invoices, as pure functions (no database, no settings).

Invoice callback (POST, JSON; Xendit's InvoiceCallback object): id (the invoice), external_id
(our order id), status PENDING | PAID | SETTLED | EXPIRED, amount, paid_amount, currency.
It is authenticated by the x-callback-token header, which must equal the account's callback
verification token. Money:

  PAID, SETTLED   received (paid_amount, else amount), keyed by the invoice id: SETTLED only
                  says the PAID money reached the balance, so it is the same movement
  PENDING, EXPIRED, anything else   nothing

Xendit retries a callback that is not answered 2xx, so one that records nothing is answered
200 (services/payments/routes.py).
"""
from __future__ import annotations

import hmac
from collections.abc import Mapping
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

GATEWAY = "xendit"
TOKEN_HEADER = "x-callback-token"
RECEIVED = frozenset({"PAID", "SETTLED"})
ORDER_STATUS = {"PENDING": "pending", "PAID": "paid", "SETTLED": "paid", "EXPIRED": "expired"}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None and not hasattr(headers, "getlist"):   # a plain dict: any capitalisation
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value


def verify(headers: Mapping[str, str], token: str) -> bool:
    """True when the x-callback-token header equals `token` (constant time). An empty token
    verifies nothing."""
    if not token:
        return False
    given = _header(headers, TOKEN_HEADER)
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def order_status(body: dict) -> str | None:
    status = body.get("status") if isinstance(body, dict) else None
    return ORDER_STATUS.get(status) if isinstance(status, str) else None


def outcomes(body: dict) -> list[Outcome]:
    """The money movements an invoice callback reports (see the module docstring). Raises
    PaymentFormatError (a ValueError) naming the field when the shape is wrong."""
    if not isinstance(body, dict):
        raise PaymentFormatError("body", "a callback is a JSON object")
    invoice_id = text_field(body, "id", max_length=80)
    order_id = text_field(body, "external_id")
    status = text_field(body, "status", max_length=40)
    check_currency(body)
    assert invoice_id is not None and order_id is not None and status is not None
    if any(c.isspace() or c == ":" for c in invoice_id):
        raise PaymentFormatError("id", "must not contain spaces or ':'")
    if status.upper() not in RECEIVED:
        return []
    if body.get("paid_amount") is not None:
        amount = parse_idr(body.get("paid_amount"), "paid_amount")
    else:
        amount = parse_idr(body.get("amount"), "amount")
    return [Outcome("received", order_id, amount, f"{GATEWAY}:{invoice_id}:received")]


async def create_invoice(client: httpx.AsyncClient, base_url: str, secret_key: str,
                         external_id: str, amount_idr: int, description: str,
                         *, success_redirect_url: str | None = None,
                         failure_redirect_url: str | None = None) -> dict[str, Any]:
    """POST {base_url}/v2/invoices (HTTP Basic, secret key as user, empty password). Returns
    {"id", "invoice_url", "status"}; raises GatewayError when Xendit refuses (its error_code
    and message) or cannot be reached."""
    body: dict[str, Any] = {"external_id": external_id, "amount": amount_idr,
                            "description": description, "currency": "IDR"}
    if success_redirect_url:
        body["success_redirect_url"] = success_redirect_url
    if failure_redirect_url:
        body["failure_redirect_url"] = failure_redirect_url
    status, answer = await post_to_gateway(client, GATEWAY, f"{base_url.rstrip('/')}/v2/invoices", body, secret_key)
    if status not in (200, 201) or answer is None:
        text = f"{answer.get('error_code', 'ERROR')}: {answer.get('message', '')}"[:300] if answer else "refused"
        raise GatewayError(GATEWAY, text, status)
    invoice_id, url = answer.get("id"), answer.get("invoice_url")
    if not isinstance(invoice_id, str) or not isinstance(url, str) or not invoice_id or not url:
        raise GatewayError(GATEWAY, "answer without id or invoice_url", status)
    return {"id": invoice_id, "invoice_url": url, "status": answer.get("status", "PENDING")}
