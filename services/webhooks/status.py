"""A Twilio status callback: move the message's delivery state forward; a WhatsApp message
that failed with 63016/63003 is re-sent as SMS (a new notification, through the outbox)."""
from __future__ import annotations

import logging

from siaga.core.phone import mask_address
from siaga.schemas.topics import Topic
from siaga.services.messaging import delivery
from siaga.services.outbox import enqueue

log = logging.getLogger("siaga.webhooks")


def _code(raw: str | None) -> int | None:
    try:
        code = int(raw) if raw else None
    except ValueError:
        return None
    # Twilio's error codes have five digits: a number the int column cannot hold is none of them.
    return code if code is not None and 0 <= code < 2**31 else None


async def handle_status(pool, params: dict[str, str]) -> None:
    sid = params.get("MessageSid") or params.get("SmsSid")
    status = params.get("MessageStatus") or params.get("SmsStatus")
    code = _code(params.get("ErrorCode"))
    if not sid or not status:
        log.info("status callback without MessageSid/MessageStatus; ignored")
        return
    fallback = None
    async with pool.connection() as conn, conn.transaction():
        stored = await delivery.record_status(conn, sid, status, code)
        if delivery.needs_fallback(stored, code):
            fallback = await delivery.fallback_for(conn, sid, code)  # type: ignore[arg-type]
            if fallback is not None:
                original = fallback.params["fallback_of"]
                await enqueue(conn, Topic.NOTIFICATIONS, str(fallback.notification_id), fallback,
                              {"fallback_of": original}, idempotency_key=delivery.fallback_key(original))
    log.info("status %s %s%s to=%s -> %s%s", sid, status, f" ({code})" if code else "",
             mask_address(params.get("To")), stored,
             " + SMS fallback" if fallback is not None else "")
