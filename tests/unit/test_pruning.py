"""Issue 14: the dispatch state is pruned. A closed request leaves the matcher's memory and its
table prune_after_s after it closed; a shadow leaves once the dedupe window has passed. So a
long run holds the open work, not its history; a late message about a pruned request is
answered as for any unknown one (the volunteer is freed)."""
from __future__ import annotations

import uuid

from siaga.core.dispatch.routing import request_partition
from siaga.infra.settings import default_settings
from siaga.schemas import dispatch as dm
from siaga.schemas.common import Location
from siaga.schemas.events import VolunteerCheckIn
from tests.dispatch_sim import Sim
from tests.unit.test_dispatch_flow import YOGYA, _border, offered_to

DAY = 86400.0


def _finish(sim: Sim, rid: str) -> str:
    vid = offered_to(sim, rid)[-1]
    oid = [str(o.offer_id) for o in sim.offers if str(o.request_id) == rid and o.status == "offered"][-1]
    sim.reply(vid, "accept", oid)
    sim.drain()
    sim.reply(vid, "done", oid)
    sim.drain()
    return oid


def test_a_closed_request_leaves_memory_after_prune_after_s_and_a_late_answer_frees_the_volunteer():
    sim = Sim(settings=default_settings(prune_after_s=DAY))
    vid = sim.volunteer(*YOGYA, skills=["logistics"])
    sim.drain()
    rid = sim.request(YOGYA[0] + 0.001, YOGYA[1], needs=["water"])
    sim.drain()
    oid = _finish(sim, rid)
    assert sim.request_state(rid).status == "done"
    sim.advance(DAY - 60)
    sim.drain()
    assert sim.request_state(rid) is not None          # not yet
    assert rid in sim.routes
    sim.advance(120)
    sim.drain()
    assert sim.request_state(rid) is None              # pruned
    assert rid not in sim.routes                       # and the router forgot its route
    # A late "accepted" for the pruned request (a replay): the matcher frees the volunteer.
    part = request_partition(YOGYA[0] + 0.001, YOGYA[1], sim.P)
    outs = sim.matchers[part].handle(dm.MOfferUpdate(request_id=uuid.UUID(rid), offer_id=uuid.UUID(oid),
                                                     volunteer_id=uuid.UUID(vid), status="accepted"), part, sim.now)
    assert [(o.topic, type(o.value).__name__) for o in outs] == [("dispatch-volunteer", "VRelease")]


def test_a_week_of_work_keeps_only_the_last_days_in_memory():
    sim = Sim(settings=default_settings(prune_after_s=DAY))
    vid = sim.volunteer(*YOGYA, skills=["logistics"])
    sim.drain()
    done = []
    for day in range(7):
        for i in range(10):
            sim.send("volunteer-checkins", vid, VolunteerCheckIn(   # still on duty (check-ins go stale)
                volunteer_id=uuid.UUID(vid), location=Location(lat=YOGYA[0], lon=YOGYA[1]), available=True,
                occurred_at=sim.now))
            rid = sim.request(YOGYA[0] + 0.001, YOGYA[1], needs=["water"])   # one at a time: no duplicates
            sim.drain()
            _finish(sim, rid)
            done.append(rid)
            sim.advance(DAY / 10)
            sim.drain()
    held = sum(len(m.requests) for m in sim.matchers.values())
    assert held <= 11, held                          # about one day's worth, not 70
    assert len(sim.routes) <= 11, len(sim.routes)    # the router's routes too
    assert all(sim.request_state(r) is None for r in done[:50])
    assert all(sim.request_state(r) is not None for r in done[-5:])


def test_shadows_leave_once_the_dedupe_window_has_passed():
    a, b = _border()
    sim = Sim(settings=default_settings(dedupe_window_s=6 * 3600.0))
    rid = sim.request(*a, needs=["water"])   # nobody to help: it stays open, shadowed across the border
    sim.drain()
    shadowed = [p for p, t in sim.vol_tables.items() if rid in t]
    assert shadowed
    sim.advance(7 * 3600)
    sim.drain()
    for p in shadowed:
        assert rid not in sim.vol_tables[p]
        assert not sim.matchers[p].shadows.near(p, *a, None, 500.0)
