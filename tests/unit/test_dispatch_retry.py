"""The dispatch agents tell a broken event from a broken broker: the first goes to the
dead-letter topic once; the second is handled again (after the matcher's memory is reset to
its tables), and never dead-lettered."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, MessageSizeTooLargeError, NotLeaderForPartitionError

import siaga.streams.dispatch as d


def _raw():
    return SimpleNamespace(message=SimpleNamespace(topic="dispatch-match", partition=3, offset=41),
                           key=b"k", value=b"{}")


@pytest.fixture
def dead(monkeypatch):
    letters = []

    async def bad(raw, exc):
        letters.append(type(exc).__name__)

    async def no_wait(_s):
        return None

    monkeypatch.setattr(d, "_bad", bad)
    monkeypatch.setattr(d.asyncio, "sleep", no_wait)
    return letters


@pytest.mark.parametrize("exc", [KafkaConnectionError("gone"), KafkaTimeoutError(), NotLeaderForPartitionError(),
                                 ConnectionResetError(), TimeoutError()])
def test_a_broker_error_handles_the_event_again_and_dead_letters_nothing(dead, exc):
    calls, resets = [], []

    async def handle(raw):
        calls.append(raw)
        if len(calls) < 3:
            raise exc

    asyncio.run(d._one(_raw(), handle, "matcher", reset=lambda raw: resets.append(raw.message.partition)))
    assert len(calls) == 3
    assert resets == [3, 3]
    assert dead == []


@pytest.mark.parametrize("exc", [ValueError("bad field"), KeyError("x"), MessageSizeTooLargeError()])
def test_an_error_of_the_event_itself_dead_letters_it_once(dead, exc):
    calls = []

    async def handle(raw):
        calls.append(raw)
        raise exc

    resets = []
    asyncio.run(d._one(_raw(), handle, "matcher", reset=lambda raw: resets.append(raw.message.partition)))
    assert len(calls) == 1
    assert dead == [type(exc).__name__]
    assert resets == [3]   # a half-done step leaves nothing in memory the tables do not hold


def test_forget_drops_a_loaded_partition_so_the_next_event_reloads_it(monkeypatch):
    monkeypatch.setattr(d, "_loaded", {3, 5})
    forgotten = []
    monkeypatch.setattr(d.matcher, "forget_partition", lambda p: forgotten.append(p) or [])
    d._forget(3)
    d._forget(4)   # not loaded: nothing to drop
    assert d._loaded == {5}
    assert forgotten == [3]
