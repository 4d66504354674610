"""In-memory state of the local payment gateway simulator: Snap transactions, Xendit
invoices, and every notification it sent with the answer it got.

What the simulator keeps is only what a gateway needs to answer: order ids, amounts, statuses.
Customer details a create call may carry (a donor's name) are neither stored nor logged.
All mutations happen on the event loop thread (every endpoint is async)."""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from siaga.services.payments.midtrans.handler import signature

WIB = timezone(timedelta(hours=7))   # Midtrans writes its times in Jakarta time, no zone
MIDTRANS_STATUSES = ("settlement", "capture", "pending", "authorize", "deny", "cancel", "expire",
                     "failure", "refund", "partial_refund")
XENDIT_STATUSES = ("PENDING", "PAID", "SETTLED", "EXPIRED")
# status_code Midtrans puts in a notification of each transaction_status.
STATUS_CODES = {"settlement": "200", "capture": "200", "authorize": "200", "cancel": "200",
                "refund": "200", "partial_refund": "200", "pending": "201", "deny": "202",
                "failure": "202", "expire": "407"}
FINAL_MIDTRANS = frozenset({"settlement", "capture", "deny", "cancel", "expire", "failure",
                            "refund", "partial_refund"})
FINAL_XENDIT = frozenset({"PAID", "SETTLED", "EXPIRED"})


def wib_now() -> str:
    return datetime.now(WIB).strftime("%Y-%m-%d %H:%M:%S")


def iso_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def idr(amount: int) -> str:
    """50000 -> "50000.00", as Midtrans writes amounts."""
    return f"{amount}.00"


def rupiah(amount: int) -> str:
    """50000 -> "Rp 50.000", as people in Indonesia read amounts."""
    return "Rp " + f"{amount:,}".replace(",", ".")


@dataclass
class SnapTransaction:
    order_id: str
    gross_amount: int
    token: str = field(default_factory=lambda: str(uuid.uuid4()))
    transaction_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "created"          # created (page not paid yet) or the last status notified
    created_at: str = field(default_factory=wib_now)
    settled_at: str | None = None
    finish_url: str | None = None
    refunds: list[dict[str, Any]] = field(default_factory=list)

    @property
    def refunded(self) -> int:
        return sum(int(r["refund_amount"].split(".")[0]) for r in self.refunds)

    def summary(self) -> dict[str, Any]:
        return {"gateway": "midtrans", "order_id": self.order_id, "token": self.token,
                "transaction_id": self.transaction_id, "gross_amount": self.gross_amount,
                "status": self.status, "created_at": self.created_at,
                "refunded": self.refunded, "refunds": len(self.refunds)}


@dataclass
class Invoice:
    external_id: str
    amount: int
    description: str = ""
    id: str = field(default_factory=lambda: secrets.token_hex(12))
    status: str = "PENDING"
    created: str = field(default_factory=iso_now)
    updated: str = field(default_factory=iso_now)
    paid_at: str | None = None
    success_redirect_url: str | None = None
    failure_redirect_url: str | None = None

    def resource(self, base_url: str) -> dict[str, Any]:
        """The invoice as POST /v2/invoices answers it."""
        out: dict[str, Any] = {
            "id": self.id, "external_id": self.external_id, "user_id": USER_ID,
            "status": self.status, "merchant_name": MERCHANT, "merchant_profile_picture_url": "",
            "amount": self.amount, "description": self.description,
            "expiry_date": EXPIRY, "invoice_url": f"{base_url}/web/invoices/{self.id}",
            "currency": "IDR", "created": self.created, "updated": self.updated,
            "available_banks": [], "available_retail_outlets": [], "available_ewallets": [],
            "should_exclude_credit_card": False, "should_send_email": False,
        }
        for key in ("success_redirect_url", "failure_redirect_url"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out

    def summary(self) -> dict[str, Any]:
        return {"gateway": "xendit", "id": self.id, "external_id": self.external_id,
                "amount": self.amount, "status": self.status, "created": self.created,
                "paid_at": self.paid_at}


USER_ID = "5f0000000000000000000000"
MERCHANT = "Siaga (simulasi lokal)"
EXPIRY = "2099-12-31T23:59:59.999Z"


class Store:
    def __init__(self) -> None:
        self.transactions: dict[str, SnapTransaction] = {}   # by order_id
        self.tokens: dict[str, str] = {}                       # token -> order_id
        self.invoices: dict[str, Invoice] = {}                 # by invoice id
        self.notifications: list[dict[str, Any]] = []

    def add_transaction(self, tx: SnapTransaction) -> None:
        self.transactions[tx.order_id] = tx
        self.tokens[tx.token] = tx.order_id

    def by_token(self, token: str) -> SnapTransaction | None:
        order_id = self.tokens.get(token)
        return self.transactions.get(order_id) if order_id else None

    def reset(self) -> None:
        self.transactions.clear()
        self.tokens.clear()
        self.invoices.clear()
        self.notifications.clear()


def add_refund(tx: SnapTransaction, amount: int) -> dict[str, Any]:
    """A new refund entry in the transaction's history (Midtrans sends the whole history)."""
    now = wib_now()
    entry = {"refund_method": "online", "refund_key": f"sim-{secrets.token_hex(6)}",
             "refund_chargeback_uuid": str(uuid.uuid4()),
             "refund_chargeback_id": secrets.randbelow(10**12), "refund_amount": idr(amount),
             "reason": "local simulator", "created_at": now, "bank_confirmed_at": now}
    tx.refunds.append(entry)
    return entry


def midtrans_notification(tx: SnapTransaction, status: str, server_key: str, *,
                          fraud_status: str | None = None, tamper: bool = False) -> dict[str, Any]:
    """The body Midtrans POSTs for `status`, signed with `server_key` (tamper: a wrong
    signature). A refund status carries the whole refund history and its total."""
    code = STATUS_CODES[status]
    if status == "capture" and fraud_status == "challenge":
        code = "201"
    fraud = fraud_status or ("deny" if status == "deny" else "accept")
    body: dict[str, Any] = {
        "transaction_time": tx.created_at, "transaction_status": status,
        "transaction_id": tx.transaction_id, "status_message": "midtrans payment notification",
        "status_code": code, "payment_type": "credit_card" if status == "capture" else "bank_transfer",
        "order_id": tx.order_id, "merchant_id": "G000000000", "gross_amount": idr(tx.gross_amount),
        "fraud_status": fraud, "currency": "IDR",
    }
    if status != "capture":
        body["va_numbers"] = [{"bank": "bca", "va_number": "00000" + tx.order_id[-12:].lower()}]
    if tx.settled_at and status in ("settlement", "refund", "partial_refund"):
        body["settlement_time"] = tx.settled_at
    if status in ("refund", "partial_refund"):
        body["refunds"] = [dict(r) for r in tx.refunds]
        body["refund_amount"] = idr(tx.refunded)
    key = server_key + ("-tampered" if tamper else "")
    body["signature_key"] = signature(body["order_id"], body["status_code"], body["gross_amount"], key)
    return body


def xendit_callback(inv: Invoice, status: str) -> dict[str, Any]:
    """The invoice callback body Xendit POSTs for `status`."""
    body: dict[str, Any] = {
        "id": inv.id, "external_id": inv.external_id, "user_id": USER_ID, "is_high": False,
        "status": status, "merchant_name": MERCHANT, "amount": inv.amount,
        "description": inv.description, "created": inv.created, "updated": inv.updated,
        "currency": "IDR",
    }
    if status in ("PAID", "SETTLED"):
        body.update(paid_amount=inv.amount, paid_at=inv.paid_at or inv.updated,
                    payment_method="BANK_TRANSFER", bank_code="BCA", payment_channel="BCA",
                    payment_destination="8808" + inv.id[-8:], adjusted_received_amount=inv.amount,
                    fees_paid_amount=0)
    return body
