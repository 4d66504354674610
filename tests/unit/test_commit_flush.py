"""The commit must not outrun the table buffer: Faust's own flush gives up after 0.1 s
without progress; the workers' flush keeps going until the buffer is empty."""
from __future__ import annotations

import asyncio

from streams.app import _commit_after_tables


class SlowBuffer:
    """Sends one record every third try, like a buffer whose sender is held up."""

    def __init__(self, records: int):
        self.size = records
        self.state = "running"
        self.tries = 0

    async def flush_atmost(self, max_messages):
        self.tries += 1
        if self.tries % 3 == 0:
            self.size -= 1
            return 1
        return 0   # Faust's flush returns here: 0.1 s passed with nothing sent

    async def flush(self):   # Faust's behaviour: one attempt
        await self.flush_atmost(None)


def test_flush_drains_the_whole_buffer():
    faust_like = SlowBuffer(4)
    asyncio.run(faust_like.flush())
    assert faust_like.size == 4   # gave up: a commit now would outrun the state

    buf = SlowBuffer(4)
    _commit_after_tables(buf)
    asyncio.run(buf.flush())
    assert buf.size == 0 and buf.tries == 12


def test_a_stopping_buffer_is_not_waited_for():
    buf = SlowBuffer(2)
    buf.state = "stopping"
    _commit_after_tables(buf)
    asyncio.run(buf.flush())
    assert buf.size == 2 and buf.tries == 0
