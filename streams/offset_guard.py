"""The input offsets a worker commits pass only over what its agents handled.

faust-streaming 0.15.3 can commit past input that no agent handled, and a SIGKILL or a restart
then loses it for good. Measured here with two agents on one topic and a second worker killed
again and again (tests/integration/test_offset_guard.py): 90 of 30,000 records committed unhandled.
Two ways, both in `faust/transport/consumer.py`:

- After a rebalance its fetch loop can deliver a record fetched before the seek back to the
  committed offset. It takes the offsets it jumped over for a gap (as in a compacted topic),
  counts them as acknowledged, and drops those records when they come again.
- Its head check lets a single unacknowledged offset be passed (faust-streaming issue #606).

Here the committed offset moves only over a run of offsets acknowledged here or known to be
absent from the log. A hole at the head that stays is looked up in Kafka: absent offsets
(compaction) are passed, present ones are read again (a seek back to the committed offset; every
stage takes a replay idempotently, as it does after a crash).
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer as Reader
from faust.transport.drivers.aiokafka import Consumer as AIOKafkaConsumer
from faust.types import TP

from siaga.infra import kafka_config

log = logging.getLogger("siaga.offsets")

CHECK_EVERY_S = 5.0
STUCK_S = 15.0            # a hole at the head older than this is looked up
READ_AGAIN_ANYWAY_S = 120.0   # ... and read again even if a message of it seems still in flight


def next_commit(base: int | None, acked: set[int], absent: set[int]) -> int | None:
    """The offset to commit: the end of the run from `base` (the committed offset, the next one to
    read) of offsets acknowledged or absent; None when nothing can be committed (`base` unknown,
    or a hole right at it)."""
    if base is None:
        return None
    n = base
    while n in acked or n in absent:
        n += 1
    return n if n > base else None


@dataclass(frozen=True)
class Plan:
    absent: frozenset[int]    # not in the log: pass them
    read_again: bool          # present but never acknowledged here: seek back to the head


def plan_for_hole(base: int, acked: set[int], present: set[int], in_flight: set[int],
                  stuck_s: float) -> Plan:
    """What to do about the offsets between the head `base` and the highest acknowledged one that
    were never acknowledged, given which of them the log holds and which are still being handled."""
    top = max(acked)
    missing = {o for o in range(base, top) if o not in acked}
    unhandled = missing & present
    waiting = unhandled <= in_flight and stuck_s < READ_AGAIN_ANYWAY_S
    return Plan(frozenset(missing - present), bool(unhandled) and not waiting)


class GuardedConsumer(AIOKafkaConsumer):
    """Faust's aiokafka consumer with `next_commit` in place of its own offset arithmetic."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.siaga_base: dict = {}       # tp -> committed offset as sought (0 and no-commit included)
        self.siaga_absent: dict = {}     # tp -> offsets found absent from the log
        self.siaga_stuck: dict = {}      # (tp, base) -> when the hole at that head was first seen

    async def perform_seek(self) -> None:
        await super().perform_seek()
        for tp in self.assignment():
            if self._is_changelog_tp(tp):
                continue
            base = self._read_offset.get(tp)
            if base is None:   # no commit yet: where the reset policy put it
                try:
                    base = await self.position(tp)
                except Exception as exc:   # unknown: commit nothing of it until the next seek
                    log.warning("no position for %s: %s", tp, exc)
            self.siaga_base[tp] = base
            self.siaga_absent.pop(tp, None)

    async def on_partitions_revoked(self, revoked) -> None:
        for tp in revoked:
            self.siaga_base.pop(tp, None)
            self.siaga_absent.pop(tp, None)
        await super().on_partitions_revoked(revoked)

    def _base(self, tp) -> int | None:
        committed = self._committed_offset.get(tp)
        return committed if committed is not None else self.siaga_base.get(tp)

    def _new_offset(self, tp) -> int | None:
        acked = self._acked[tp]
        self._gap.pop(tp, None)   # Faust's guesses about gaps are not trusted (see above)
        if not acked:
            return None
        absent = self.siaga_absent.get(tp, set())
        new = next_commit(self._base(tp), set(acked), absent)
        if new is None:
            return None
        done = [o for o in acked if o < new]
        acked[:] = sorted(o for o in acked if o >= new)
        self._acked_index[tp].difference_update(done)
        if absent:
            self.siaga_absent[tp] = {o for o in absent if o >= new}
        return new

    def holes(self) -> list[tuple]:
        """(tp, base, acked) for each partition with acknowledged offsets beyond a hole at its head."""
        out = []
        assigned = self.assignment()
        for tp, acked in list(self._acked.items()):
            base = self._base(tp)
            if acked and base is not None and min(acked) > base and tp in assigned:
                out.append((tp, base, set(acked)))
        return out


async def _present(tp, base: int, top: int) -> set[int]:
    """The offsets in [base, top) that the log holds, read by a consumer of no group."""
    reader = Reader(**kafka_config.aiokafka(enable_auto_commit=False, group_id=None))
    await reader.start()
    try:
        reader.assign([tp])
        reader.seek(tp, base)
        present: set[int] = set()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            batch = await reader.getmany(tp, timeout_ms=1000, max_records=5000)
            records = batch.get(tp, [])
            present.update(r.offset for r in records if r.offset < top)
            if records and records[-1].offset >= top - 1:
                return present
        raise TimeoutError(f"reading {tp} from {base} to {top} took too long")
    finally:
        await reader.stop()


async def check(app, now: float | None = None) -> None:
    """One round of the guard: look up holes that stayed, pass what is absent, read again the rest."""
    consumer = app.consumer
    if app.rebalancing or not isinstance(consumer, GuardedConsumer):
        return
    now = time.monotonic() if now is None else now
    holes = consumer.holes()
    seen = {(tp, base) for tp, base, _ in holes}
    for key in list(consumer.siaga_stuck):
        if key not in seen:
            del consumer.siaga_stuck[key]
    for tp, base, acked in holes:
        since = consumer.siaga_stuck.setdefault((tp, base), now)
        if now - since < STUCK_S:
            continue
        try:
            present = await _present(tp, base, max(acked))
        except Exception as exc:   # the broker away: next round
            log.warning("offset guard could not read %s: %s", tp, exc)
            continue
        in_flight = {m.offset for m in list(consumer._unacked_messages) if m.tp == tp and not m.acked}
        plan = plan_for_hole(base, acked, present, in_flight, now - since)
        if plan.absent:
            consumer.siaga_absent.setdefault(tp, set()).update(plan.absent)
        log.warning("offset guard: %s[%d] held at %d for %.0f s (acknowledged up to %d): %d offsets absent "
                    "from the log passed, %s", tp.topic, tp.partition, base, now - since, max(acked),
                    len(plan.absent), "reading again from there" if plan.read_again else "nothing to read again")
        if plan.read_again and tp in consumer.assignment() and not app.rebalancing:
            # Paused, the fetch loop skips what it still holds of the partition; then the seek.
            # (Faust's own TP: its resume_partitions adds what it is given to a set of those.)
            tp = TP(tp.topic, tp.partition)
            consumer.pause_partitions([tp])
            await asyncio.sleep(1.0)
            if tp in consumer.assignment() and not app.rebalancing:
                await consumer.seek(tp, base)
            consumer.resume_partitions([tp])
            consumer.siaga_stuck[(tp, base)] = time.monotonic()


def install(app) -> None:
    """Use the guarded consumer and run the guard on `app` (call before the app starts)."""
    app.transport.Consumer = GuardedConsumer

    @app.timer(CHECK_EVERY_S)
    async def offset_guard() -> None:
        try:
            await check(app)
        except Exception:   # the guard must never take the worker down
            log.exception("offset guard round failed")
