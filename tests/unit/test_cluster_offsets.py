"""The fault test reads end offsets across a leader change (tests/cluster/offsets.py): a stale
leader is asked again, any other error is raised at once."""
from __future__ import annotations

import pytest
from confluent_kafka import KafkaError, KafkaException

from tests.cluster import offsets


class _Consumer:
    def __init__(self, errors: list[int]) -> None:
        self.errors = list(errors)
        self.calls = 0

    def get_watermark_offsets(self, tp, timeout):
        self.calls += 1
        if self.errors:
            raise KafkaException(KafkaError(self.errors.pop(0)))
        return 0, 42


def test_a_stale_leader_is_asked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offsets.time, "sleep", lambda s: None)
    c = _Consumer([KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE])
    assert offsets.end_offset(c, "aid-requests", 4) == 42 and c.calls == 3


def test_other_errors_are_raised_at_once() -> None:
    c = _Consumer([KafkaError.TOPIC_AUTHORIZATION_FAILED])
    with pytest.raises(KafkaException):
        offsets.end_offset(c, "aid-requests", 4)
    assert c.calls == 1
