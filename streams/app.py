"""The Faust application shared by every agent. Importing this module registers all agents."""
from __future__ import annotations

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


def _commit_after_tables(buffer) -> None:
    """Faust's commit flushes its table buffer only until 0.1 s pass without progress, then
    commits the input offsets anyway (faust/transport/producer.py, ProducerBuffer.flush). A kill
    right after could keep an input and the outputs it caused while the state change behind
    them was never sent, and nothing would replay it. So the commit first sends every record
    queued before it began: a stalled producer (broker away) delays the commit instead of
    outrunning the state. Events are not held up; only the commit waits."""
    step = type(buffer).flush_atmost

    async def flush() -> None:
        # Only what was queued when the commit began belongs to the offsets being committed;
        # waiting for an empty buffer under steady load would hold the commit up for ever.
        left = buffer.size
        while left > 0 and buffer.size and buffer.state == "running":
            left -= await step(buffer, left)

    buffer.flush = flush


@app.task
async def _install_full_flush() -> None:
    _commit_after_tables(app.producer.buffer)


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
