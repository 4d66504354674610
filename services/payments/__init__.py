"""Payment gateways (Midtrans, Xendit): money received and refunds are recorded only from a
gateway's verified notification. Shared pieces of the gateway handlers live here; each
gateway's pure functions are in services/payments/<gateway>/handler.py, the order store in
orders.py, the HTTP routes in routes.py, the local simulator in services/gateway_local/."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

GATEWAYS = ("midtrans", "xendit")
MAX_IDR = 10**13   # schemas.events.Money's upper bound

OutcomeKind = Literal["received", "refunded"]


@dataclass(frozen=True)
class Outcome:
    """One money movement a gateway notification reports. `key` names the movement itself,
    not the notification: every notification of the same movement (a retry, PAID then SETTLED,
    capture then settlement) carries the same key, so the movement is recorded once."""

    kind: OutcomeKind
    order_id: str
    amount_idr: int
    key: str


class PaymentFormatError(ValueError):
    """A notification or API answer that does not have the documented shape. `field` names
    the field (dotted, e.g. refunds[0].refund_amount)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class GatewayError(Exception):
    """The gateway's create API refused or failed. `status` is its HTTP status (None when it
    could not be reached); `message` is what it said, safe to log (no keys, no donor data)."""

    def __init__(self, gateway: str, message: str, status: int | None = None):
        super().__init__(f"{gateway}: {message}" + (f" (HTTP {status})" if status else ""))
        self.gateway = gateway
        self.message = message
        self.status = status


async def post_to_gateway(client, gateway: str, url: str, body: dict, key: str) -> tuple[int, dict | None]:
    """POST a create call with HTTP Basic (the key as user, as both gateways want): the status
    and the JSON object answered (None if it was not one). Unreachable: GatewayError."""
    import httpx

    try:
        response = await client.post(url, json=body, auth=(key, ""), headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise GatewayError(gateway, f"unreachable: {type(exc).__name__}") from exc
    try:
        answer = response.json()
    except ValueError:
        answer = None
    return response.status_code, answer if isinstance(answer, dict) else None


_AMOUNT = re.compile(r"^[0-9]{1,16}(?:\.([0-9]{1,6}))?$")


def parse_idr(value: object, field: str) -> int:
    """A positive whole rupiah amount from a gateway field: "10000.00", "10000", 10000 or
    10000.0 -> 10000. Rupiah has no cents: a fractional, negative, zero, non-numeric or
    absurdly large amount raises PaymentFormatError naming `field`."""
    if isinstance(value, bool) or value is None:
        raise PaymentFormatError(field, "an amount in rupiah is required")
    if isinstance(value, int):
        amount = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise PaymentFormatError(field, f"{value!r} has a fraction of a rupiah")
        amount = int(value)
    elif isinstance(value, str):
        match = _AMOUNT.match(value)
        if match is None:
            raise PaymentFormatError(field, f"{value[:40]!r} is not an amount like \"10000.00\"")
        if match.group(1) and match.group(1).strip("0"):
            raise PaymentFormatError(field, f"{value!r} has a fraction of a rupiah")
        try:
            amount = int(Decimal(value))
        except InvalidOperation:  # pragma: no cover - the pattern already refused it
            raise PaymentFormatError(field, f"{value[:40]!r} is not a number") from None
    else:
        raise PaymentFormatError(field, "an amount must be a string or a number")
    if amount <= 0:
        raise PaymentFormatError(field, "an amount must be more than 0")
    if amount > MAX_IDR:
        raise PaymentFormatError(field, f"an amount must be at most {MAX_IDR}")
    return amount


def text_field(body: dict, field: str, *, required: bool = True, max_length: int = 120) -> str | None:
    """A string field of a notification (PaymentFormatError when missing, empty or not text)."""
    value = body.get(field)
    if value is None or value == "":
        if required:
            raise PaymentFormatError(field, "is required")
        return None
    if not isinstance(value, str):
        raise PaymentFormatError(field, "must be a string")
    if len(value) > max_length:
        raise PaymentFormatError(field, f"must be at most {max_length} characters")
    return value


def check_currency(body: dict, field: str = "currency") -> None:
    """Siaga takes rupiah only: a notification in another currency is malformed for us."""
    currency = body.get(field)
    if currency is not None and currency != "IDR":
        raise PaymentFormatError(field, f"only IDR is accepted, not {str(currency)[:10]!r}")


__all__ = ["Outcome", "OutcomeKind", "PaymentFormatError", "GatewayError", "parse_idr",
           "text_field", "check_currency", "GATEWAYS", "MAX_IDR"]
