"""Store sink: every event of the record topics is written to PostGIS (idempotent upserts)."""
from __future__ import annotations

import asyncio
import logging

import psycopg

from siaga.schemas.stages import SINK
from siaga.schemas.topics import BY_NAME, Topic
from siaga.services import store
from siaga.services.db import worker_pool
from siaga.streams.app import app, raw_topic
from siaga.streams.codec import dead_letter, decode

log = logging.getLogger("siaga.sink")
# donations: streams/ledger.py is their only writer.
SINK_TOPICS = SINK.inputs


BATCH, WITHIN = 200, 0.05


async def _save_batch(events: list) -> None:
    """One transaction per batch (one WAL flush instead of one per event). The database being
    briefly away must not lose anything: retry; offsets are committed only after the batch, so
    a crash replays it, and the upserts make that harmless."""
    delay = 0.5
    while True:
        try:
            async with (await worker_pool()).connection() as conn:
                # Pipeline mode: the batch's statements go out without a round trip each.
                async with conn.transaction(), conn.pipeline():
                    await store.save_batch(conn, events)
            return
        except psycopg.OperationalError as exc:
            log.warning("database unavailable (%s); retrying in %.1fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10)


async def _save_all(pairs: list) -> None:
    try:
        await _save_batch([e for e, _raw in pairs])
        return
    except psycopg.Error:
        pass  # one bad event spoils the batch: store them one by one to find it
    for event, raw in pairs:
        try:
            await _save_batch([event])
        except psycopg.Error as exc:  # a constraint the contract did not catch: keep it, with why
            log.warning("sink could not store %s: %s", raw.message.topic, exc)
            await dead_letter(raw, f"not storable: {type(exc).__name__}: {exc}")


def _make_sink(topic_name: str):
    expected = BY_NAME[topic_name].values

    async def sink(stream):
        async for batch in stream.take_events(BATCH, within=WITHIN):
            pairs = []
            for raw in batch:
                event = await decode(raw, expected) if topic_name != Topic.DEAD_LETTER else await _decode_dl(raw)
                if event is not None:
                    pairs.append((event, raw))
            if pairs:
                await _save_all(pairs)

    sink.__name__ = f"sink_{topic_name.replace('-', '_')}"
    return app.agent(raw_topic(topic_name), name=f"{SINK.agent}.{topic_name}")(sink)


async def _decode_dl(raw):
    # Never dead-letter a dead letter (no loops): log and skip what cannot be parsed.
    from siaga.schemas.events import parse_event

    try:
        return parse_event(raw.value)
    except Exception as exc:
        log.error("unparseable dead letter at offset %s: %s", raw.message.offset, exc)
        return None


AGENTS = {name: _make_sink(name) for name in SINK_TOPICS}
