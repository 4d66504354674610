"""Decoding raw topic bytes into contracts; what cannot be decoded goes to the dead-letter topic."""
from __future__ import annotations

import logging

from pydantic import ValidationError

from schemas.envelope import Event
from schemas.events import DeadLetter, parse_event
from schemas.topics import Topic

log = logging.getLogger("siaga.streams")


def reason_of(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = [f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()[:10]]
        return "invalid event: " + "; ".join(parts)
    return f"{type(exc).__name__}: {exc}"[:4000]


def dead_letter_for(topic: str, partition: int | None, offset: int | None, key: bytes | None,
                    value: bytes | None, reason: str) -> DeadLetter:
    # One id per (topic, partition, offset): when two consumers of a topic both reject the same
    # record, the dead-letter log keeps it once.
    from core.codes import stable_uuid

    return DeadLetter(
        event_id=stable_uuid(Topic.DEAD_LETTER, topic, partition, offset),
        topic=topic, partition=partition, offset=offset,
        key=key.decode("utf-8", "replace")[:200] if key else None,
        reason=reason[:4000], payload=(value or b"").decode("utf-8", "replace")[:100_000],
        source="streams",
    )


async def decode(event, expected: tuple[type, ...]) -> Event | None:
    """Parse a Faust event's value. On failure, send a DeadLetter and return None (never raise)."""
    from streams.app import raw_topic

    msg = event.message
    try:
        parsed = parse_event(event.value)
        if expected and not isinstance(parsed, expected):
            raise ValueError(f"unexpected event type {parsed.type!r} on topic {msg.topic}")
        return parsed
    except Exception as exc:  # anything malformed: record why, keep the worker alive
        dl = dead_letter_for(msg.topic, msg.partition, msg.offset, event.key, event.value, reason_of(exc))
        log.warning("dead-lettered %s[%s]@%s: %s", msg.topic, msg.partition, msg.offset, dl.reason[:200])
        await raw_topic(Topic.DEAD_LETTER).send(key=msg.topic.encode(), value=dl.to_bytes())
        return None
