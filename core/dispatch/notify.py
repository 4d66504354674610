"""Notification events for requesters and volunteers, with deterministic ids so a replayed
decision never sends a second message."""
from __future__ import annotations

from siaga.core.codes import stable_uuid
from siaga.core.messages import render
from siaga.schemas.events import Notification


def notification(to: str | None, channel: str | None, template: str, lang: str, params: dict,
                 key: tuple, request_id=None, volunteer_id=None) -> Notification | None:
    """None when there is nobody to tell (no phone, or the person asked for no messages)."""
    if not to or channel in (None, "none"):
        return None
    lang = lang if lang in ("id", "en") else "id"
    return Notification(
        notification_id=stable_uuid("notification", template, *key), to=to,
        channel="whatsapp" if channel == "whatsapp" else "sms", template=template,
        language=lang, params={k: str(v) for k, v in params.items()},
        body=render(template, lang, **params),
        request_id=request_id, volunteer_id=volunteer_id, source="dispatch",
    )
