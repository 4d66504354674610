"""X-Twilio-Signature: HMAC-SHA1 of the public URL Twilio called plus the sorted form fields.

We validate against PUBLIC_BASE_URL + path (+ query), not the URL this process sees: behind a
proxy or tunnel the scheme, host and port differ from what Twilio signed."""
from __future__ import annotations

import logging

from twilio.request_validator import RequestValidator

from siaga.infra.settings import Settings

log = logging.getLogger("siaga.webhooks")


def public_url(settings: Settings, path: str, query: str = "") -> str:
    url = settings.public_base_url.rstrip("/") + path
    return f"{url}?{query}" if query else url


def is_valid(settings: Settings, url: str, params: dict[str, str], signature: str | None) -> bool:
    if not signature:
        return False
    if not settings.twilio_auth_token:
        log.warning("TWILIO_AUTH_TOKEN is not set: every webhook is refused")
        return False
    return RequestValidator(settings.twilio_auth_token).validate(url, params, signature)
