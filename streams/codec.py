"""Decoding raw topic bytes into contracts; what cannot be decoded or used goes to the
dead-letter topic, through `dead_letter` here (the record is built by infra/dead_letter.py,
as the notifier's are)."""
from __future__ import annotations

import logging

from siaga.infra.dead_letter import dead_letter_for, reason_of
from siaga.schemas.envelope import Event
from siaga.schemas.events import parse_event
from siaga.schemas.topics import Topic

log = logging.getLogger("siaga.streams")

__all__ = ["dead_letter", "decode", "reason_of"]


async def dead_letter(raw, reason: str) -> None:
    """Send a Faust event that cannot be used to the dead-letter topic, with the reason."""
    from siaga.streams.app import raw_topic

    m = raw.message
    dl = dead_letter_for(m.topic, m.partition, m.offset, raw.key, raw.value, reason)
    log.warning("dead-lettered %s[%s]@%s: %s", m.topic, m.partition, m.offset, dl.reason[:200])
    await raw_topic(Topic.DEAD_LETTER).send(key=m.topic.encode(), value=dl.to_bytes())


async def decode(event, expected: tuple[type, ...]) -> Event | None:
    """Parse a Faust event's value. On failure, send a DeadLetter and return None (never raise)."""
    try:
        parsed = parse_event(event.value)
        if expected and not isinstance(parsed, expected):
            raise ValueError(f"unexpected event type {parsed.type!r} on topic {event.message.topic}")
        return parsed
    except Exception as exc:  # anything malformed: record why, keep the worker alive
        await dead_letter(event, reason_of(exc))
        return None
