"""Local Twilio-compatible Messages API server (dev, demo, CI). See app.py for endpoints."""
from siaga.services.twilio_local.app import create_app

__all__ = ["create_app"]
