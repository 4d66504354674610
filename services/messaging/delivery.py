"""Delivery status from Twilio status callbacks, and the SMS fallback of a WhatsApp message
that could not be delivered (63016 outside the 24 h window, 63003 not on WhatsApp).

Callbacks arrive out of order and may arrive before the notifier stored the message sid, so
status is kept per sid (message_status) and only moves forward (core.send_policy.next_status).
The fallback is a new notification (deterministic id, outbox idempotency key): however many
times the failure is reported, and whether the webhook or the notifier notices it first,
one SMS is sent."""
from __future__ import annotations

import uuid

from siaga.core.codes import stable_uuid
from siaga.core.send_policy import FALLBACK_CODES, next_status
from siaga.schemas.events import Notification

FAILED = ("failed", "undelivered")
FALLBACK_ROW = ("SELECT notification_id, to_phone, template, language, body, request_id, volunteer_id "
                "FROM notifications WHERE sid = %s AND sent_channel = 'whatsapp'")


def needs_fallback(status: str | None, error_code: int | None) -> bool:
    return status in FAILED and error_code in FALLBACK_CODES


def fallback_notification(row: tuple, error_code: int) -> Notification:
    """The SMS that replaces a WhatsApp notification (row: FALLBACK_ROW's columns)."""
    nid, to, template, language, body, request_id, volunteer_id = row
    return Notification(
        event_id=stable_uuid("notification-event", "sms-fallback", nid),
        notification_id=fallback_id(nid), to=to, channel="sms", template=template,
        language=language if language in ("id", "en") else "id",
        params={"fallback_of": str(nid), "fallback_code": error_code}, body=body,
        request_id=request_id, volunteer_id=volunteer_id, source="webhooks/fallback")


def fallback_id(notification_id: uuid.UUID) -> uuid.UUID:
    return stable_uuid("notification", "sms-fallback", notification_id)


def fallback_key(notification_id: uuid.UUID) -> str:
    return f"sms-fallback:{notification_id}"


async def record_status(conn, sid: str, status: str, error_code: int | None) -> str | None:
    """Store a callback's status if it moves the message forward; returns the stored status."""
    first = next_status(None, status)
    if first is None:
        return None   # a status value we do not know: ignore, keep what we have
    cur = await conn.execute(
        "INSERT INTO message_status (sid, status, error_code) VALUES (%s, %s, %s) "
        "ON CONFLICT (sid) DO NOTHING RETURNING status", (sid, first, error_code))
    if await cur.fetchone() is not None:
        return first
    row = await (await conn.execute(
        "SELECT status FROM message_status WHERE sid = %s FOR UPDATE", (sid,))).fetchone()
    stored = next_status(row[0], status)
    if stored != row[0]:
        await conn.execute(
            "UPDATE message_status SET status = %s, error_code = COALESCE(%s, error_code), "
            "updated_at = now() WHERE sid = %s", (stored, error_code, sid))
    return stored


async def fallback_for(conn, sid: str, error_code: int) -> Notification | None:
    row = await (await conn.execute(FALLBACK_ROW, (sid,))).fetchone()
    return fallback_notification(row, error_code) if row else None
