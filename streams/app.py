"""The Faust application shared by every agent. Importing this module registers all agents."""
from __future__ import annotations

import asyncio
from functools import cache

import faust

from siaga.infra import kafka_config
from siaga.infra.settings import get_settings
from siaga.services import logmask
from siaga.streams import offset_guard
from siaga.schemas.topics import APP_ID, spec as topic_spec

settings = get_settings()


app = faust.App(
    APP_ID,
    broker=kafka_config.faust_broker_url(settings),
    broker_credentials=kafka_config.faust_credentials(settings),
    store=settings.faust_store,
    datadir=settings.faust_datadir,
    # Faust's own topics (changelogs, repartitions) replicate like the declared ones.
    topic_replication_factor=settings.kafka_replication_factor,
    topic_allow_declare=True,
    consumer_auto_offset_reset="earliest",
    broker_session_timeout=10,      # a killed worker's partitions move on within ~10 s
    broker_heartbeat_interval=1,
    stream_wait_empty=False,
    # No standby copies of tables: a takeover replays the changelog from Kafka, which takes
    # seconds at our sizes, and faust-streaming 0.15.3 crashes its recovery ("Offset must be a
    # positive integer" while seeking standbys) when a rebalance lands during a recovery, as
    # it does whenever two workers start together (seen here on 2026-12-05).
    table_standby_replicas=0,
    web_enabled=True,
    web_host="127.0.0.1",
    **kafka_config.faust_producer(settings),
)
# Input offsets are committed only over what the agents handled (Faust alone can pass records
# nobody handled after a rebalance; streams/offset_guard.py says how it was measured).
offset_guard.install(app)


@app.task
async def _mask_logs() -> None:
    """Faust set up its log handlers before starting the app: phone numbers are masked in
    what they write too (services/logmask.py, as in every other process)."""
    logmask.install()


async def changelog_sent() -> None:
    """Hand the table writes of the event being processed to the producer before its outputs.
    Faust's commit flushes its table buffer only until 0.1 s pass without progress, then
    commits the input's offset anyway: a kill right after could keep the input and the outputs
    it caused while the state change behind them is lost, and nothing would replay it. Waiting
    here (usually one turn of the loop) puts the state into the producer queue ahead of the
    outputs, and the commit does wait for that queue."""
    buffer = app.producer.buffer
    turns = 0
    while buffer.size and buffer.state == "running":
        # The buffer's own task sends; let it run. A stalled producer (broker away) is waited
        # for, not overtaken: order is the point.
        await asyncio.sleep(0 if turns < 20 else 0.005)
        turns += 1


@cache
def raw_topic(name: str):
    """A topic from the registry, as raw bytes: decoding (and dead-lettering) is ours to do.
    One object per name: building a Faust topic compiles its schema, too dear per message."""
    spec = topic_spec(name)
    return app.topic(name, partitions=spec.partitions, key_type=bytes, value_type=bytes,
                     key_serializer="raw", value_serializer="raw")


def load_agents() -> None:
    # Import for side effects: each module registers its agents, tables and timers on `app`.
    from siaga.streams import dispatch, health, ledger, sink, supply  # noqa: F401


load_agents()
