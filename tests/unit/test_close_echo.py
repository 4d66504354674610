"""A closed request's status is said once more (matcher ECHO_AFTER_S after the close), so a kill
that cut the closing step's outputs short, after its state was stored, cannot leave the map
showing the request open for good: nothing after a close would say it again."""
from __future__ import annotations

from siaga.core.dispatch.matcher import ECHO_AFTER_S
from siaga.core.dispatch.routing import request_partition
from siaga.schemas.events import SituationUpdate
from siaga.schemas.topics import Topic
from tests.dispatch_sim import Sim
from tests.unit.test_dispatch_flow import YOGYA, accepted

PART = request_partition(*YOGYA, 8)


def _done_updates(sim: Sim, rid: str) -> list[SituationUpdate]:
    return [s for s in sim.situations if s.kind == "request" and str(s.request_id) == rid and s.status == "done"]


def _done_with_its_update_lost(sim: Sim) -> tuple[str, list[SituationUpdate]]:
    vid = sim.volunteer(*YOGYA, skills=["logistics"])
    rid = accepted(sim, vid)
    lost: list[SituationUpdate] = []

    def cut(o) -> bool:   # the closing step's update never reaches the store
        if o.topic == Topic.SITUATION_UPDATES and o.value.status == "done":
            lost.append(o.value)
            return True
        return False
    sim.drop = cut
    sim.reply(vid, "done")
    sim.drain()
    sim.drop = None
    assert sim.request_state(rid).status == "done" and lost and not _done_updates(sim, rid)
    return rid, lost


def test_a_lost_closing_update_is_said_again_with_its_event_id():
    sim = Sim()
    rid, lost = _done_with_its_update_lost(sim)
    sim.advance(ECHO_AFTER_S + 1)
    sim.drain()
    again = _done_updates(sim, rid)
    assert [s.event_id for s in again] == [lost[0].event_id]   # the store keeps one of the two
    assert again[0].occurred_at == lost[0].occurred_at         # dated when it closed
    assert sim.request_state(rid).echo_at is None
    assert "echo_at" not in sim.stored_requests(PART)[rid]     # said once, then forgotten
    sim.advance(ECHO_AFTER_S + 1)
    sim.drain()
    assert len(_done_updates(sim, rid)) == 1


def test_the_echo_survives_a_restart_before_it_is_due():
    sim = Sim()
    rid, lost = _done_with_its_update_lost(sim)
    assert sim.stored_requests(PART)[rid]["echo_at"] is not None   # stored with the close
    sim.restart_matcher(PART)   # a new owner: memory from the tables only
    sim.advance(ECHO_AFTER_S + 1)
    sim.drain()
    assert [s.event_id for s in _done_updates(sim, rid)] == [lost[0].event_id]
