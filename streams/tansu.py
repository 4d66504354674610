"""Faust transport for the embedded Tansu broker (URL scheme `tansu://`, registered as a
`faust.transports` entry point). Two Tansu 0.6 behaviours differ from Kafka (FIELD-NOTES and
docs/benchmarks.md); this module is the only place that knows them:

- A waiting fetch is not answered when records arrive: they come back only after a good part
  of `fetch_max_wait_ms` (0.1-0.75 s of the 1.5 s Faust fixes, measured), and a request
  crosses about four hops between agents. Workers here wait TANSU_FETCH_WAIT_MS (100 ms):
  shorter waits cost broker CPU (about 1.25 cores at 50 ms against 0.5 at 1 s, measured
  with 20k volunteers and live offers).
- ListOffsets(latest) answers "first offset of the last batch + 1". Table recovery trusts it and
  would stop short of the last batch's other records. The fetch response's high watermark is
  right, so the end of each changelog partition is read from a fetch of its last batch.

Against a real Kafka cluster (`kafka://`) none of this is used."""
from __future__ import annotations

import asyncio
import logging
from typing import Mapping

import aiokafka
from aiokafka import TopicPartition
from faust.transport.drivers import aiokafka as faust_aiokafka

from infra.settings import get_settings

log = logging.getLogger("siaga.tansu")

FETCH_WAIT_MS = get_settings().tansu_fetch_wait_ms
END_PROBE_TIMEOUT_S = 10.0


async def true_end_offsets(bootstrap: str, listed: Mapping, timeout: float = END_PROBE_TIMEOUT_S) -> dict:
    """`listed` maps partitions to what ListOffsets(latest) said; returns the real ends, read as
    the high watermark of a fetch starting inside the last batch."""
    probe = {tp: off for tp, off in listed.items() if off > 0}
    out = dict(listed)
    if not probe:
        return out
    consumer = aiokafka.AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                         fetch_max_wait_ms=FETCH_WAIT_MS)
    await consumer.start()
    try:
        by_ak = {TopicPartition(tp.topic, tp.partition): tp for tp in probe}
        consumer.assign(list(by_ak))
        for ak, tp in by_ak.items():
            consumer.seek(ak, probe[tp] - 1)
        waiting = set(by_ak)
        deadline = asyncio.get_running_loop().time() + timeout
        while waiting:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError(f"no fetch answer for {sorted(waiting)} within {timeout}s")
            await consumer.getmany(*waiting, timeout_ms=int(min(left, 1.0) * 1000))
            for ak in list(waiting):
                hw = consumer.highwater(ak)
                if hw is not None:
                    out[by_ak[ak]] = max(probe[by_ak[ak]], hw)
                    waiting.discard(ak)
    finally:
        await consumer.stop()
    return out


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport):
        consumer = super()._create_worker_consumer(transport)
        # Faust passes a fixed 1500 ms; aiokafka reads it when the consumer starts.
        consumer._fetch_max_wait_ms = FETCH_WAIT_MS
        return consumer

    async def _highwaters(self, partitions):
        listed = await super()._highwaters(partitions)
        ends = await true_end_offsets(self._bootstrap(), listed)
        fixed = {tp: (listed[tp], ends[tp]) for tp in listed if ends[tp] != listed[tp]}
        if fixed:
            log.info("changelog ends corrected from ListOffsets: %s", fixed)
        return ends

    def _bootstrap(self) -> str:
        t = self.transport
        return ",".join(faust_aiokafka.server_list(t.url, t.default_port))


class Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self):
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    Consumer = Consumer
