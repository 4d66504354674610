"""Twilio webhooks: inbound SMS/WhatsApp and message status callbacks (routes.py)."""
