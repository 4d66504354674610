"""Local payment gateway simulator (Midtrans Snap + Xendit invoices) for dev, demo and CI.
See app.py for endpoints."""
from siaga.services.gateway_local.app import create_app

__all__ = ["create_app"]
