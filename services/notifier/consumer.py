"""The notifications topic, read by consumer group "siaga-notifier".

Offsets are committed by hand, only after every message of a batch was recorded (sent,
skipped, dead-lettered); a message that failed is read again from its offset."""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from confluent_kafka import Consumer, KafkaError, Message, Producer, TopicPartition

from siaga.infra import kafka_config
from siaga.infra.dead_letter import dead_letter_for, publish, reason_of
from siaga.schemas.events import Notification, parse_event
from siaga.schemas.stages import NOTIFIER

log = logging.getLogger("siaga.notifier.consumer")

TOPIC = NOTIFIER.inputs[0]
GROUP = NOTIFIER.agent
BATCH = 32


def make_consumer() -> Consumer:
    return Consumer(kafka_config.confluent(**{
        "group.id": GROUP,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "session.timeout.ms": 10_000,
        "heartbeat.interval.ms": 1_000,
        "max.poll.interval.ms": 600_000,   # a batch may wait for Twilio retries
    }))


def make_producer() -> Producer:
    return kafka_config.make_producer(10_000)


class Batches:
    """Consume, handle a batch in parallel, commit what is done, rewind to what is not."""

    def __init__(self, consumer: Consumer, producer: Producer,
                 handle: Callable[[Notification], str], workers: int) -> None:
        self.consumer, self.producer, self.handle = consumer, producer, handle
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="notify")

    def once(self, timeout: float = 0.5) -> tuple[int, int]:
        """One batch; returns (handled, failed)."""
        msgs = [m for m in self.consumer.consume(num_messages=BATCH, timeout=timeout) if self._usable(m)]
        if not msgs:
            return 0, 0
        results = list(self.pool.map(self._one, msgs))
        first_failed: dict[int, int] = {}
        last_ok: dict[int, int] = {}
        for m, ok in zip(msgs, results):
            p, off = m.partition(), m.offset()
            if not ok:
                first_failed[p] = min(first_failed.get(p, off), off)
            else:
                last_ok[p] = max(last_ok.get(p, -1), off)
        commits = []
        for p in set(last_ok) | set(first_failed):
            if p in first_failed:
                commits.append(TopicPartition(TOPIC, p, first_failed[p]))
            else:
                commits.append(TopicPartition(TOPIC, p, last_ok[p] + 1))
        self.consumer.commit(offsets=commits, asynchronous=False)
        for p, off in first_failed.items():   # read the failed one (and what followed) again
            self.consumer.seek(TopicPartition(TOPIC, p, off))
        return len(msgs), sum(1 for ok in results if not ok)

    @staticmethod
    def _usable(m: Message) -> bool:
        err = m.error()
        if err is None:
            return True
        if err.code() != KafkaError._PARTITION_EOF:
            log.warning("consumer error: %s", err)
        return False

    def _one(self, m: Message) -> bool:
        try:
            event = parse_event(m.value() or b"")
            if not isinstance(event, Notification):
                raise ValueError(f"unexpected event type {event.type!r} on topic {TOPIC}")
        except Exception as exc:  # malformed: park it with the reason, never crash on it
            return self._dead_letter(m, reason_of(exc))
        try:
            self.handle(event)
            return True
        except Exception:
            log.exception("notification %s at %s[%d]@%d not handled; will retry",
                          event.notification_id, TOPIC, m.partition(), m.offset())
            return False

    def _dead_letter(self, m: Message, reason: str) -> bool:
        dl = dead_letter_for(TOPIC, m.partition(), m.offset(), m.key(), m.value(), reason, source="notifier")
        delivered = publish(self.producer, dl)
        log.warning("dead-lettered %s[%d]@%d: %s", TOPIC, m.partition(), m.offset(), dl.reason[:200])
        return delivered

    def close(self) -> None:
        self.pool.shutdown(wait=True)
