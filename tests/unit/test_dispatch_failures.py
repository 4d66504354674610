"""A handler that fails half-way never leaves memory different from the tables (issue 15): the
message is dead-lettered, the step's changes are dropped with its partition, and the partition
is loaded again from what was stored. The simulator does what streams/dispatch.py does; the
last tests drive the worker's own wiring with dicts for tables."""
from __future__ import annotations

import asyncio
import copy
import uuid
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from siaga.core.dispatch.matcher import Matcher
from siaga.core.dispatch.routing import request_partition
from siaga.core.dispatch.shadows import ShadowIndex
from siaga.infra.settings import default_settings
from siaga.schemas import dispatch as dm
from siaga.streams.dispatch_config import match_config
from tests.dispatch_sim import T0, Sim
from tests.unit.test_dispatch_flow import YOGYA, accepted, offered_to

DAY = 86400.0
PART = request_partition(*YOGYA, 8)


class Injected(RuntimeError):
    """The failure a test puts in the middle of a handler."""


def fail_once(monkeypatch, cls, name: str, when=lambda *a, **k: True) -> list:
    """Make `cls.name` raise once, after its caller already changed the state, when `when` holds."""
    raised: list = []
    real = getattr(cls, name)

    def wrapper(self, *args, **kwargs):
        if not raised and when(*args, **kwargs):
            raised.append(args)
            raise Injected(name)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, wrapper)
    return raised


def memory(sim: Sim, p: int) -> dict[str, dict]:
    return {rid: st.durable() for rid, st in sim.matchers[p].requests.items() if st.partition == p}


def test_a_failure_half_way_through_an_acceptance_leaves_memory_as_stored_and_the_message_dead_lettered(monkeypatch):
    sim = Sim()
    sim.dead_letter_failures = True
    vid = sim.volunteer(YOGYA[0] + 0.005, YOGYA[1], skills=["logistics"])
    sim.drain()
    rid = sim.request(*YOGYA, needs=["water"], phone="+6281234567890")
    sim.drain()
    assert offered_to(sim, rid) == [vid]
    stored = sim.stored_requests(PART)
    assert stored[rid]["status"] == "offered" and memory(sim, PART) == stored
    # "accepted" reaches the matcher: it takes the offer, marks the request matched, confirms,
    # puts it on the map ... and fails before telling the requester.
    raised = fail_once(monkeypatch, Matcher, "_tell_requester", lambda st, template, *a: template == "request_matched")
    sim.reply(vid, "accept")
    sim.drain()
    assert raised, "the failure was injected"
    assert [(t, type(m).__name__, type(e).__name__) for t, m, e in sim.dead_letters] == \
        [("dispatch-match", "MOfferUpdate", "Injected")]
    assert sim.stored_requests(PART) == stored        # nothing of the failed step was stored
    assert memory(sim, PART) == stored                # and memory holds what is stored
    st = sim.request_state(rid)
    assert st.status == "offered" and st.matched_offer is None and len(st.offers) == 1
    # As before: the acceptance is lost to the dead-letter topic, nothing is stuck: the offer
    # expires and is withdrawn, the volunteer is asked again, and this time it goes through.
    for _ in range(12):
        sim.advance(30)
        sim.drain()
    log = [(str(o.offer_id), o.status) for o in sim.offers]
    first = log[0][0]
    assert log[:2] == [(first, "offered"), (first, "withdrawn")] and log[2][1] == "offered" and log[2][0] != first
    assert memory(sim, PART) == sim.stored_requests(PART)
    sim.reply(vid, "accept")
    sim.drain()
    st = sim.request_state(rid)
    assert st.status == "matched" and st.volunteer_id == vid and st.matched_offer == log[2][0]
    assert memory(sim, PART) == sim.stored_requests(PART)
    sim.check_no_double_booking()


def test_a_failure_after_pruning_began_keeps_the_request_in_memory_and_table_until_a_tick_succeeds(monkeypatch):
    sim = Sim(settings=default_settings(prune_after_s=DAY))
    sim.dead_letter_failures = True
    vid = sim.volunteer(*YOGYA, skills=["logistics"])
    rid = accepted(sim, vid)
    sim.reply(vid, "done")
    sim.drain()
    assert sim.request_state(rid).status == "done"
    # The tick drops the request from memory (and names it for deletion), then fails.
    raised = fail_once(monkeypatch, ShadowIndex, "expire")
    sim.advance(DAY + 60)
    sim.drain()
    assert raised and [type(m).__name__ for _t, m, _e in sim.dead_letters] == ["MTick"]
    assert rid in sim.stored_requests(PART) and memory(sim, PART) == sim.stored_requests(PART)
    assert sim.matchers[PART].pruned == [] and sim.matchers[PART].dirty == set()
    sim.advance(5)   # the next tick prunes it, from both
    sim.drain()
    assert sim.request_state(rid) is None and rid not in sim.stored_requests(PART)


# -- the worker's wiring (streams/dispatch.py), tables as dicts ------------------------------

@pytest.fixture
def worker(monkeypatch):
    import siaga.streams.dispatch as d

    sent, dead = [], []

    async def emit(outs):
        sent.extend(outs)

    async def nothing(*_a):
        return None

    async def bad(raw, exc):
        dead.append((raw, exc))

    m = Matcher(match_config(default_settings(), d.P))
    for name, value in [("match_requests", {}), ("match_volunteers", {}), ("_loaded", set()), ("_written", {}),
                        ("matcher", m), ("emit", emit), ("changelog_sent", nothing), ("_bad", bad)]:
        monkeypatch.setattr(d, name, value)
    monkeypatch.setattr(d.asyncio, "sleep", nothing)
    offset = iter(range(10**6))

    def feed(msg, p: int = PART) -> None:
        raw = SimpleNamespace(message=SimpleNamespace(topic="dispatch-match", partition=p, offset=next(offset)),
                              key=b"k", value=msg.model_dump_json().encode())
        asyncio.run(d._one(raw, d._match_one, "matcher", reset=d._reset_match))

    return SimpleNamespace(d=d, matcher=m, feed=feed, sent=sent, dead=dead)


def _requests_in_memory(w, p: int = PART) -> dict[str, dict]:
    return {rid: st.durable() for rid, st in w.d.matcher.requests.items() if st.partition == p}


def _requests_stored(w, p: int = PART) -> dict[str, dict]:
    return {rid: v for rid, v in w.d.match_requests.items() if v["partition"] == p}


def _offered(w):
    """A request in the worker's matcher with a live offer to one free volunteer."""
    vid, rid = uuid.uuid4(), uuid.uuid4()
    w.feed(dm.MVolunteer(volunteer_id=vid, version=1, lat=YOGYA[0] + 0.005, lon=YOGYA[1], skills=["logistics"],
                         on_duty=True, free=True, last_seen=T0))
    w.feed(dm.MNewRequest(request=dm.RequestSnapshot(
        request_id=rid, tracking_code="TK1234", lat=YOGYA[0], lon=YOGYA[1], needs=["water"], created_at=T0,
        phone="+6281234567890")))
    reserve = next(o.value for o in w.sent if isinstance(o.value, dm.VReserve))
    w.feed(dm.MReservation(request_id=rid, offer_id=reserve.offer_id, volunteer_id=vid, granted=True))
    return vid, rid, reserve.offer_id


def test_the_worker_dead_letters_a_failed_step_and_reloads_the_partition_from_its_tables(worker, monkeypatch):
    w = worker
    vid, rid, oid = _offered(w)
    stored = _requests_stored(w)
    assert stored[str(rid)]["status"] == "offered" and _requests_in_memory(w) == stored
    raised = fail_once(monkeypatch, Matcher, "_tell_requester", lambda st, template, *a: template == "request_matched")
    before = len(w.sent)
    w.feed(dm.MOfferUpdate(request_id=rid, offer_id=oid, volunteer_id=vid, status="accepted", volunteer_name="V"))
    assert raised and [type(e).__name__ for _r, e in w.dead] == ["Injected"]
    assert len(w.sent) == before                       # nothing of the failed step went out
    assert _requests_stored(w) == stored               # nor was stored
    assert _requests_in_memory(w) == stored            # and memory is the tables again
    assert PART in w.d._loaded and w.matcher.dirty == set() and w.matcher.pruned == []
    # The same message again (a redelivery, or the desk asking again) now goes through.
    w.feed(dm.MOfferUpdate(request_id=rid, offer_id=oid, volunteer_id=vid, status="accepted", volunteer_name="V"))
    assert _requests_stored(w)[str(rid)]["status"] == "matched"
    assert _requests_in_memory(w) == _requests_stored(w)


def test_the_worker_handles_a_step_again_after_a_broker_error_with_memory_as_stored(worker, monkeypatch):
    from aiokafka.errors import KafkaConnectionError

    w = worker
    vid, rid, oid = _offered(w)
    calls = []
    real = w.d.emit

    async def flaky(outs):   # the state is stored, then sending fails once
        calls.append(len(outs))
        if len(calls) == 1:
            raise KafkaConnectionError("gone")
        await real(outs)

    monkeypatch.setattr(w.d, "emit", flaky)
    w.feed(dm.MOfferUpdate(request_id=rid, offer_id=oid, volunteer_id=vid, status="accepted", volunteer_name="V"))
    assert w.dead == [] and len(calls) == 2            # handled again, never dead-lettered
    assert _requests_stored(w)[str(rid)]["status"] == "matched"
    assert _requests_in_memory(w) == _requests_stored(w)
    # The repeat, from the reloaded table, says again what the lost send carried: the desk is
    # told its volunteer has the task.
    assert any(isinstance(o.value, dm.VConfirm) for o in w.sent)


def test_a_volunteer_tentatively_taken_by_a_failed_step_is_free_again(worker, monkeypatch):
    w = worker
    vid = uuid.uuid4()
    w.feed(dm.MVolunteer(volunteer_id=vid, version=1, lat=YOGYA[0] + 0.005, lon=YOGYA[1], skills=["logistics"],
                         on_duty=True, free=True, last_seen=T0))
    raised = fail_once(monkeypatch, Matcher, "_tell_requester")   # after the offer was made
    w.feed(dm.MNewRequest(request=dm.RequestSnapshot(
        request_id=uuid.uuid4(), tracking_code="TK1235", lat=YOGYA[0], lon=YOGYA[1], needs=["water"],
        created_at=T0, channel="web", phone="+6281234567891")))
    assert raised and len(w.dead) == 1
    assert _requests_in_memory(w) == _requests_stored(w) == {}
    assert w.matcher.free.get(str(vid)).available   # the tentative reservation is undone


def test_a_desk_step_that_fails_leaves_the_stored_volunteer_as_it_was(worker, monkeypatch):
    """The keyed stages read their state from the table, as a copy, and store it once the step
    succeeded: a failure half-way changes nothing, not even the table's value in memory."""
    from siaga.core.dispatch.desk import Desk, VolunteerState
    from siaga.schemas.events import VolunteerReply
    from tests.unit.test_state_format import OLD

    w = worker
    value = next(v for v in OLD["volunteers"] if v["hold"] and v["hold"]["status"] == "offered")
    vid, hold = value["volunteer_id"], value["hold"]
    table = {vid: copy.deepcopy(value)}
    at = datetime.fromisoformat(hold["expires_at"]) - timedelta(seconds=60)   # the offer still stands
    monkeypatch.setattr(w.d, "now", lambda: at)
    raised = fail_once(monkeypatch, Desk, "_to_matcher")   # after the hold became "accepting"
    reply = VolunteerReply(volunteer_id=uuid.UUID(vid), action="accept", offer_id=uuid.UUID(hold["offer_id"]),
                           occurred_at=T0)

    async def step(_raw):
        await w.d._step(table, vid, VolunteerState, w.d.desk.handle, reply)

    raw = SimpleNamespace(message=SimpleNamespace(topic="volunteer-replies", partition=0, offset=1), key=b"", value=b"")
    asyncio.run(w.d._one(raw, step, "desk"))
    assert raised and [type(e).__name__ for _r, e in w.dead] == ["Injected"]
    assert table[vid] == value and w.sent == []
    asyncio.run(w.d._one(raw, step, "desk"))   # delivered again: it goes through
    assert table[vid]["hold"]["status"] == "accepting"
