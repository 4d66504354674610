"""The Faust application shared by every agent. Importing this module registers all agents."""
from __future__ import annotations

import asyncio
import os
from functools import cache

import faust

from infra.settings import get_settings

settings = get_settings()


def _broker_url(bootstrap: str, scheme: str) -> str:
    return ";".join(f"{scheme}://{h.strip()}" for h in bootstrap.split(",") if h.strip())


# tansu:// is the aiokafka transport with the embedded broker's quirks handled (streams/tansu.py,
# registered as a faust.transports entry point in pyproject.toml). Tansu's fetches slow down
# with the number of batches a partition holds, so records wait TANSU_LINGER_MS (100 ms) to share
# batches: at 100k volunteers 10 ms choked the broker (bench/notes.md).
if settings.broker_is_tansu:
    _scheme, _linger = "tansu", settings.tansu_linger_ms / 1000
else:
    _scheme, _linger = "kafka", 0.01

app = faust.App(
    "siaga",
    broker=_broker_url(settings.kafka_bootstrap_servers, _scheme),
    store=os.environ.get("FAUST_STORE", settings.faust_store),
    datadir=os.environ.get("SIAGA_FAUST_DATADIR", "/tmp/siaga-faust"),
    topic_replication_factor=1,
    topic_allow_declare=True,
    consumer_auto_offset_reset="earliest",
    broker_session_timeout=10,
    broker_heartbeat_interval=1,
    stream_wait_empty=False,
    web_enabled=True,
    web_host="127.0.0.1",
    # Records sent to one partition within the linger share a batch: fewer produce requests.
    producer_linger=_linger,
    producer_max_batch_size=256 * 1024,
)


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
    from schemas.topics import BY_NAME, all_topics

    all_topics()
    spec = BY_NAME[name]
    return app.topic(name, partitions=spec.partitions, key_type=bytes, value_type=bytes,
                     key_serializer="raw", value_serializer="raw")


def load_agents() -> None:
    # Import for side effects: each module registers its agents, tables and timers on `app`.
    from streams import dispatch, health, sink  # noqa: F401


load_agents()
