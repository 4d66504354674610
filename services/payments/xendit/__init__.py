"""Xendit: create invoice and the invoice callback (handler.py)."""
from siaga.services.payments.xendit.handler import (
    GATEWAY,
    Outcome,
    create_invoice,
    order_status,
    outcomes,
    verify,
)

__all__ = ["GATEWAY", "Outcome", "create_invoice", "order_status", "outcomes", "verify"]
