"""Midtrans: Snap create-transaction and the HTTP(S) payment notification (handler.py)."""
from siaga.services.payments.midtrans.handler import (
    GATEWAY,
    Outcome,
    create_transaction,
    order_status,
    outcomes,
    signature,
    verify,
)

__all__ = ["GATEWAY", "Outcome", "create_transaction", "order_status", "outcomes", "signature",
           "verify"]
