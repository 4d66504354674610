"""The dead-letter path, one for every consumer (Faust agents, the notifier): a record that
cannot be used becomes a DeadLetter on the dead-letter topic, keyed by its source topic, with
the reason. Building the record is pure; `publish` is the synchronous send of plain consumers
(the Faust agents send through their app: streams/codec.py dead_letter)."""
from __future__ import annotations

from pydantic import ValidationError

from siaga.core.codes import stable_uuid
from siaga.schemas.events import DeadLetter
from siaga.schemas.topics import Topic


def reason_of(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = [f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()[:10]]
        return "invalid event: " + "; ".join(parts)
    return f"{type(exc).__name__}: {exc}"[:4000]


def dead_letter_for(topic: str, partition: int | None, offset: int | None, key: bytes | None,
                    value: bytes | None, reason: str, source: str = "streams") -> DeadLetter:
    # One id per (topic, partition, offset): when two consumers of a topic both reject the same
    # record, the dead-letter log keeps it once.
    return DeadLetter(
        event_id=stable_uuid(Topic.DEAD_LETTER, topic, partition, offset),
        topic=topic, partition=partition, offset=offset,
        key=key.decode("utf-8", "replace")[:200] if key else None,
        reason=reason[:4000], payload=(value or b"").decode("utf-8", "replace")[:100_000],
        source=source,
    )


def publish(producer, dl: DeadLetter, timeout: float = 15.0) -> bool:
    """Send a dead letter with a confluent-kafka producer and wait for the broker; True when it
    was acknowledged (the caller keeps the record's offset otherwise, to try again)."""
    delivered: list[bool] = []
    producer.produce(Topic.DEAD_LETTER, key=dl.topic.encode(), value=dl.to_bytes(),
                     on_delivery=lambda err, _msg: delivered.append(err is None))
    producer.flush(timeout)
    return bool(delivered and delivered[0])
