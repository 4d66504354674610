"""Dispatch agents: thin wiring of core/dispatch to topics and Faust tables. Which topics each
stage reads and writes, its tables and its key come from schemas/stages.py (ROUTER, DESK,
MATCHER); `python -m siaga topology` draws them. State lives in tables (changelogged), so a
restarted or new worker picks up where one stopped."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

from aiokafka.errors import KafkaError, KafkaTimeoutError
from faust.exceptions import ProducerSendError
from pydantic import ValidationError

from siaga.core.dispatch.desk import Desk, VolunteerState
from siaga.core.dispatch.matcher import Matcher
from siaga.core.dispatch.outputs import FORGET
from siaga.core.dispatch.router import Route, Router
from siaga.infra.settings import get_settings
from siaga.schemas import dispatch as dm
from siaga.schemas.stages import DESK, MATCHER, ROUTER, Stage
from siaga.schemas.topics import MATCH_PARTITIONS, Topic
from siaga.streams.app import app, changelog_sent, raw_topic
from siaga.streams.codec import dead_letter, decode, reason_of
from siaga.streams.dispatch_config import desk_config, match_config

log = logging.getLogger("siaga.dispatch")
S = get_settings()
P = MATCH_PARTITIONS

router = Router(P)
matcher = Matcher(match_config(S, P))
desk = Desk(desk_config(S, P))

routes = app.Table(ROUTER.tables[0], partitions=P)
desks = app.Table(DESK.tables[0], partitions=P)
# The matcher's volunteer table also holds the request shadows.
match_requests, match_volunteers = (app.Table(t, partitions=P) for t in MATCHER.tables)
# The internal topics carry the dispatch messages, not events: each has its own parser.
ADAPTERS = {Topic.DISPATCH_ROUTE: dm.ROUTE_ADAPTER, Topic.DISPATCH_VOLUNTEER: dm.DESK_ADAPTER,
            Topic.DISPATCH_MATCH: dm.MATCH_ADAPTER}

_loaded: set[int] = set()   # matcher partitions whose state is in memory
_written: dict[str, dict] = {}  # last state written per request: skip writes that change nothing


def _multi(*names: str):
    return app.topic(*names, key_type=bytes, value_type=bytes, key_serializer="raw",
                     value_serializer="raw")


async def emit(outs) -> None:
    for o in outs:
        await raw_topic(o.topic).send(key=o.key.encode(), value=o.payload(), partition=o.partition)


def now() -> datetime:
    return datetime.now(timezone.utc)


async def _bad(raw, exc: Exception) -> None:
    await dead_letter(raw, reason_of(exc))


RETRY_MAX_S = 30.0


def transient(exc: BaseException) -> bool:
    """An error of the broker connection, not of the event: the event is handled again, never
    dead-lettered (the broker away for a moment must not cost anyone their request). A
    non-retriable Kafka error (a record too large, say) is the event's own problem."""
    if isinstance(exc, KafkaError):
        return bool(exc.retriable) or isinstance(exc, KafkaTimeoutError)
    return isinstance(exc, (ProducerSendError, TimeoutError, ConnectionError))


async def _each(stream, handle, what: str, reset=None) -> None:
    async for raw in stream.events():
        await _one(raw, handle, what, reset)


async def _one(raw, handle, what: str, reset=None) -> None:
    """Handle one event. A transient failure repeats the whole step after a pause: the state it
    may already have stored makes the repeat a replay, which every stage takes idempotently.
    After any failure `reset` puts memory back to what the tables hold, as a restart would (the
    keyed stages need none: they read their state from the table each step, as a copy, and
    store it only once the step succeeded)."""
    pause = 0.5
    while True:
        try:
            await handle(raw)
            return
        except Exception as exc:
            # Memory may be half-changed: start again from what the tables hold.
            if reset is not None:
                reset(raw)
            if not transient(exc):  # a bug must cost one event (kept in dead-letter), not the agent
                log.exception("%s failed", what)
                await _bad(raw, exc)
                return
            log.warning("%s: %s on %s[%s]@%s; handling it again in %.1f s", what, type(exc).__name__,
                        raw.message.topic, raw.message.partition, raw.message.offset, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, RETRY_MAX_S)


def _keyed(stage: Stage, table, state_cls, handle):
    """One step of a stage whose state is kept per key (router: request, desk: volunteer)."""
    event_types = stage.event_types()

    async def one(raw) -> None:
        topic = raw.message.topic
        msg = await (_internal(raw, ADAPTERS[topic]) if topic in ADAPTERS else decode(raw, event_types))
        if msg is None:
            return
        key = getattr(msg, stage.key, None)
        if key is None:   # a reply known only by its phone number, say
            await _bad(raw, ValueError(f"a {type(msg).__name__} must name its {stage.key}"))
            return
        await _step(table, str(key), state_cls, handle, msg)
    return one


_route_one = _keyed(ROUTER, routes, Route, router.handle)
_desk_one = _keyed(DESK, desks, VolunteerState, desk.handle)


@app.agent(_multi(*ROUTER.inputs), name=ROUTER.agent)
async def route_requests(stream):
    await _each(stream, _route_one, ROUTER.name)


@app.agent(_multi(*DESK.inputs), name=DESK.agent)
async def volunteer_desk(stream):
    await _each(stream, _desk_one, DESK.name)


async def _internal(raw, adapter):
    try:
        return adapter.validate_json(raw.value)
    except (ValidationError, ValueError) as exc:
        await _bad(raw, exc)
        return None


async def _step(table, key: str, state_cls, handle, msg) -> None:
    """Load one key's state, let the pure core decide, store the new state, send the outputs."""
    cur = table.get(key)
    state, outs = handle(state_cls.from_dict(cur) if cur else None, msg, now())
    if state is FORGET:
        if key in table:
            del table[key]
            await changelog_sent()
    elif state is not None:
        table[key] = state.to_dict()
        await changelog_sent()
    await emit(outs)


def _load_partition(p: int, again: bool = False) -> None:
    """Rebuild the in-memory matcher state of a partition from its tables (after a restart, a
    rebalance or a failed step). Snapshots of other partitions also held here only widen the
    candidate set; the desk has the final word on every reservation."""
    snapshots: list[dm.MVolunteer | dm.MShadow] = []
    for key, value in match_volunteers.items():
        if value and key.startswith(f"{p}|"):   # volunteer snapshots and shadows
            m = dm.MATCH_ADAPTER.validate_python(value)
            if isinstance(m, (dm.MVolunteer, dm.MShadow)):
                snapshots.append(m)
    stored = {rid: value for rid, value in match_requests.items() if value and value.get("partition") == p}
    matcher.load_partition(p, snapshots, stored.values(), again)
    _written.update(stored)
    _loaded.add(p)
    log.info("matcher partition %d loaded (%d requests in memory)", p, len(matcher.requests))


def _forget(p: int) -> None:
    """Drop a matcher partition from memory; its next event loads it from the table again."""
    if p in _loaded:
        _loaded.discard(p)
        for rid in matcher.forget_partition(p):
            _written.pop(rid, None)


@app.on_partitions_revoked.connect  # type: ignore[arg-type]  # (Faust's receiver type wants `signal`)
async def _revoked(sender, revoked, **kwargs) -> None:
    for tp in revoked:
        if tp.topic == Topic.DISPATCH_MATCH:
            _forget(tp.partition)


def _reset_match(raw) -> None:
    """After a failed step: the partition's memory as its tables hold it. Nothing the step
    changed is stored (its table writes come after the handler), or all of it is (a send
    failed afterwards: the retry then says again what was lost)."""
    p = raw.message.partition
    matcher.abandon_step()
    _loaded.discard(p)   # loaded, or half-loaded when the load itself failed: all of it goes
    for rid in matcher.forget_partition(p):
        _written.pop(rid, None)
    try:
        _load_partition(p, again=True)
    except Exception:   # a table value that no longer loads: the next event tries again
        log.exception("matcher partition %d did not load", p)
        _forget(p)


@app.agent(raw_topic(MATCHER.inputs[0]), name=MATCHER.agent)
async def match(stream):
    await _each(stream, _match_one, MATCHER.name, reset=_reset_match)


async def _match_one(raw) -> None:
    p = raw.message.partition
    if p not in _loaded:
        _load_partition(p)
    msg = await _internal(raw, ADAPTERS[Topic.DISPATCH_MATCH])
    if msg is None:
        return
    match msg:   # what a restart rebuilds the indexes from
        case dm.MVolunteer(volunteer_id=key) | dm.MShadow(request_id=key):
            match_volunteers[f"{p}|{key}"] = msg.model_dump(mode="json")
    outs = matcher.handle(msg, p, now())
    for rid in matcher.dirty:
        st = matcher.requests.get(rid)
        if st is not None:
            d = st.durable()
            if _written.get(rid) != d:   # most retries change nothing durable: no changelog write
                match_requests[rid] = d
                _written[rid] = d
    matcher.dirty.clear()
    for rid in matcher.pruned:   # closed long ago: a tombstone in the compacted changelog
        if rid in match_requests:
            del match_requests[rid]
        _written.pop(rid, None)
    for part, rid in matcher.pruned_shadows:
        if f"{part}|{rid}" in match_volunteers:
            del match_volunteers[f"{part}|{rid}"]
    matcher.pruned.clear()
    matcher.pruned_shadows.clear()
    await changelog_sent()
    await emit(outs)


@app.timer(1.0)
async def tick() -> None:
    """Time moves offers to expiry and waiting requests to another try. The tick goes through
    the partition's own topic, so it is processed in order with everything else."""
    try:
        assigned = app.assignor.assigned_actives()
    except Exception:
        return
    at = now()
    for tp in assigned:
        if tp.topic == Topic.DISPATCH_MATCH and (tp.partition not in _loaded or matcher.tick_due(tp.partition, at)):
            await raw_topic(Topic.DISPATCH_MATCH).send(key=b"tick", value=dm.MTick(at=at).model_dump_json().encode(),
                                         partition=tp.partition)


async def _sweep(table, topic: str, due, message) -> None:
    """Send `message(key)` through `topic` for each key of `table` whose state is `due`, in the
    partitions this worker owns (standby copies are skipped; a duplicate would be harmless).
    The message goes through the owner's own topic, so it is handled in order with the rest."""
    try:
        mine = {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == topic}
    except Exception:
        return
    at = now()
    for key, value in list(table.items()):
        if not value or not due(value, at):
            continue
        k = key.encode()
        if app.producer.key_partition(topic, k).partition in mine:
            await raw_topic(topic).send(key=k, value=message(key).model_dump_json().encode())


@app.timer(15.0)
async def sweep() -> None:
    """The clocks of the router and the desks: a request whose matcher has not acknowledged
    it, and a hold nobody has spoken about for too long (a message lost in a crash)."""
    await _sweep(routes, Topic.DISPATCH_ROUTE,
                 lambda v, at: v.get("unacked") and router.resend_due(Route.from_dict(v), at),
                 lambda k: dm.RResend(request_id=k))
    await _sweep(desks, Topic.DISPATCH_VOLUNTEER,
                 lambda v, at: v.get("hold") and desk.needs_check(VolunteerState.from_dict(v), at),
                 lambda k: dm.VCheck(volunteer_id=k, at=now()))
