"""A Faust worker shaped like Siaga's: two agents read one topic, one a record at a time with a
table, one in batches (as the store sink). Each writes the offsets it handled to its own file.
Run by tests/integration/test_offset_guard.py, with or without the offset guard.

    OG_APP, OG_TOPIC, OG_DIR, OG_GUARD=1|0, KAFKA_BOOTSTRAP_SERVERS
"""
from __future__ import annotations

import asyncio
import os

import faust

from siaga.streams import offset_guard

NAME, TOPIC, DIR = os.environ["OG_APP"], os.environ["OG_TOPIC"], os.environ["OG_DIR"]

app = faust.App(NAME, broker="kafka://" + os.environ["KAFKA_BOOTSTRAP_SERVERS"], stream_wait_empty=False,
                broker_session_timeout=10, broker_heartbeat_interval=1, consumer_auto_offset_reset="earliest",
                web_enabled=False, topic_replication_factor=1, table_standby_replicas=0,
                datadir=f"{DIR}/data-{os.getpid()}")
topic = app.topic(TOPIC, partitions=4, key_type=bytes, value_type=bytes, key_serializer="raw",
                  value_serializer="raw")
last = app.Table(f"{NAME}-last", partitions=4)
handled = open(f"{DIR}/handled-{os.getpid()}.log", "a", buffering=1)   # written before the ack
if os.environ.get("OG_GUARD") == "1":
    offset_guard.install(app)


@app.agent(topic)
async def one_by_one(stream):
    async for event in stream.events():
        last[str(event.message.partition)] = event.message.offset
        await asyncio.sleep(0.003)
        handled.write(f"A {event.message.partition} {event.message.offset}\n")


@app.agent(topic)
async def batches(stream):
    async for batch in stream.take_events(200, within=0.05):
        await asyncio.sleep(0.02)
        handled.write("".join(f"B {e.message.partition} {e.message.offset}\n" for e in batch))
