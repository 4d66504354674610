"""Vetting of volunteers in the dispatch core (issue 12): a suspended volunteer gets nothing and
loses what they held; skills the deployment keeps for verified volunteers count only after a
coordinator verified them."""
from __future__ import annotations

from siaga.infra.settings import default_settings
from tests.dispatch_sim import Sim
from tests.unit.test_dispatch_flow import YOGYA, offered_to


def test_a_suspended_volunteer_is_offered_nothing_and_a_held_task_goes_to_someone_else():
    sim = Sim()
    near = sim.volunteer(*YOGYA, skills=["logistics"])
    far = sim.volunteer(YOGYA[0] + 0.02, YOGYA[1], skills=["logistics"])   # 2.2 km away
    sim.drain()
    rid = sim.request(YOGYA[0] + 0.001, YOGYA[1], needs=["water"])
    sim.drain()
    assert offered_to(sim, rid) == [near]
    oid = [str(o.offer_id) for o in sim.offers if o.status == "offered"][0]
    sim.reply(near, "accept", oid)
    sim.drain()
    assert sim.request_state(rid).status == "matched"
    sim.vet(near, "suspended")
    sim.drain()
    assert [o.status for o in sim.offers if str(o.offer_id) == oid][-1] == "withdrawn"
    assert offered_to(sim, rid) == [near, far]
    assert sim.desks[near]["vetting"] == "suspended" and sim.desks[near]["hold"] is None
    # Nothing new for the suspended one, even when nobody else is free.
    sim.reply(far, "accept", [str(o.offer_id) for o in sim.offers if str(o.volunteer_id) == far][0])
    sim.drain()
    other = sim.request(YOGYA[0] - 0.01, YOGYA[1], needs=["food"])   # 1.1 km: not a duplicate
    sim.drain()
    assert near not in offered_to(sim, other)
    # Back to confirmed: on duty again (after a check-in, as ever).
    sim.vet(near, "confirmed")
    sim.drain()
    sim.advance(60)
    sim.drain()
    assert offered_to(sim, other) == [near]
    sim.check_no_double_booking()


def test_medical_tasks_only_for_verified_volunteers_where_the_deployment_says_so():
    sim = Sim(settings=default_settings(verified_only_skills=["medical"]))
    nurse = sim.volunteer(*YOGYA, skills=["medical"])
    sim.drain()
    rid = sim.request(YOGYA[0] + 0.001, YOGYA[1], needs=["medical"])
    sim.drain()
    assert offered_to(sim, rid) == []            # a confirmed phone is not enough here
    water = sim.request(YOGYA[0] + 0.002, YOGYA[1], needs=["water"])
    sim.drain()
    assert offered_to(sim, water) == [nurse]     # the other tasks are open to them
    sim.reply(nurse, "decline", [str(o.offer_id) for o in sim.offers if str(o.request_id) == water][0])
    sim.drain()
    sim.vet(nurse, "verified")
    sim.drain()
    sim.advance(60)
    sim.drain()
    assert offered_to(sim, rid) == [nurse]


def test_without_verified_only_skills_a_confirmed_phone_is_enough():
    sim = Sim()
    nurse = sim.volunteer(*YOGYA, skills=["medical"])
    sim.drain()
    rid = sim.request(YOGYA[0] + 0.001, YOGYA[1], needs=["medical"])
    sim.drain()
    assert offered_to(sim, rid) == [nurse]
