"""End offsets of a partition read by the fault test's own checks, across a leader change.

Right after a broker restart the partition's leadership moves back (preferred leader election),
and a consumer's cached metadata may still name the old leader: the broker answers
NOT_LEADER_FOR_PARTITION, a retriable error. Ask again until the metadata has caught up."""
from __future__ import annotations

import time
from typing import Any

RETRY_S = 60.0


def end_offset(consumer: Any, topic: str, partition: int) -> int:
    """The high watermark of topic[partition] (confluent_kafka Consumer), retrying retriable errors."""
    from confluent_kafka import KafkaError, KafkaException, TopicPartition

    moved = {KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE, KafkaError.REQUEST_TIMED_OUT,
             KafkaError._TIMED_OUT, KafkaError._TRANSPORT}
    deadline = time.monotonic() + RETRY_S
    while True:
        try:
            return int(consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)[1])
        except KafkaException as exc:
            error = exc.args[0] if exc.args else None
            again = error is not None and (error.retriable() or error.code() in moved)
            if not again or time.monotonic() > deadline:
                raise
            time.sleep(1.0)
