"""Needs that take several people (issue 12 item 3): one slot per person, each volunteer still
reserved by their own desk, partial fills reported, and the requester told once when all are
done. In process (tests/dispatch_sim.py), with the real matcher and desks."""
from __future__ import annotations

from collections import Counter

from siaga.core.dispatch.crew import default_volunteers
from siaga.infra.settings import default_settings
from tests.dispatch_sim import Sim

YOGYA = (-7.7956, 110.3695)
PHONE = "+6281234567890"


def near(sim: Sim, n: int, skills=("logistics",), step: float = 0.002) -> list[str]:
    vids = [sim.volunteer(YOGYA[0] + step * (i + 1), YOGYA[1], skills=list(skills)) for i in range(n)]
    sim.drain()
    return vids


def accept_all(sim: Sim) -> None:
    for v, oids in sim.open_offers().items():
        for oid in oids:
            if [o.status for o in sim.offers if str(o.offer_id) == oid][-1] == "offered":
                sim.reply(v, "accept", oid)
    sim.drain()


def accepted(sim: Sim, rid: str) -> list[str]:
    return [str(o.volunteer_id) for o in sim.offers if str(o.request_id) == rid and o.status == "accepted"]


def last_situation(sim: Sim, rid: str):
    return [s for s in sim.situations if str(s.request_id) == rid and s.kind == "request"][-1]


def test_a_need_for_three_near_five_volunteers_ends_with_three_distinct_volunteers():
    sim = Sim()
    vids = near(sim, 5)
    rid = sim.request(*YOGYA, needs=["water"], phone=PHONE, volunteers_needed=3)
    sim.drain()
    offered = {str(o.volunteer_id) for o in sim.offers if str(o.request_id) == rid and o.status == "offered"}
    assert offered == set(vids[:3])   # the three nearest, one slot each, all at once
    accept_all(sim)
    assert sorted(accepted(sim, rid)) == sorted(vids[:3])
    st = sim.request_state(rid)
    assert st.status == "matched" and len(st.slots) == 3
    s = last_situation(sim, rid)
    assert (s.status, s.detail["slots"], s.detail["filled"]) == ("matched", 3, 3)
    assert sorted(s.detail["volunteers"]) == sorted(vids[:3])
    # each volunteer is told by their own desk, and the requester hears of each one coming
    assert Counter(n.template for n in sim.notifications if n.to == PHONE)["request_matched"] == 3
    sim.check_no_double_booking()
    for v in vids[:3]:
        sim.reply(v, "done")
        sim.drain()
    assert sim.request_state(rid).status == "done"
    assert [n.template for n in sim.notifications if n.to == PHONE].count("request_done") == 1
    assert sim.open_offers() == {}


def test_partial_fill_is_reported_and_the_missing_slot_escalates():
    sim = Sim(settings=default_settings(search_radii_km=[2]))
    vids = near(sim, 2)
    rid = sim.request(*YOGYA, needs=["water"], phone=PHONE, volunteers_needed=3)
    sim.drain()
    accept_all(sim)
    s = last_situation(sim, rid)
    assert (s.status, s.detail["slots"], s.detail["filled"]) == ("escalated", 3, 2)
    assert sorted(s.detail["volunteers"]) == sorted(vids)
    escalations = [u for u in sim.situations if u.kind == "escalation" and str(u.request_id) == rid]
    assert len(escalations) == 1   # the slot nobody can fill, under the need's own id
    assert [n.template for n in sim.notifications if n.to == PHONE].count("request_escalated") == 1
    # a third volunteer checks in nearby: the open slot takes them
    late = sim.volunteer(YOGYA[0] + 0.001, YOGYA[1], skills=["logistics"])
    sim.drain()
    sim.advance(31)
    sim.drain()
    accept_all(sim)
    assert sorted(accepted(sim, rid)) == sorted(vids + [late])
    assert sim.request_state(rid).status == "matched"


def test_who_declined_one_slot_is_not_offered_another_and_a_dropout_is_replaced():
    sim = Sim()
    vids = near(sim, 4)
    rid = sim.request(*YOGYA, needs=["water"], volunteers_needed=2)
    sim.drain()
    sim.reply(vids[0], "decline")
    sim.drain()
    accept_all(sim)
    assert vids[0] not in accepted(sim, rid)
    assert sorted(accepted(sim, rid)) == sorted(vids[1:3])
    assert [str(o.volunteer_id) for o in sim.offers if o.status == "offered"].count(vids[0]) == 1
    sim.reply(vids[1], "decline")   # can't make it after all: that slot alone opens again
    sim.drain()
    assert sim.request_state(rid).status in ("offered", "open")
    accept_all(sim)
    assert set(accepted(sim, rid)) == {vids[1], vids[2], vids[3]}
    assert sim.request_state(rid).status == "matched"
    sim.check_no_double_booking()


def test_a_coordinator_grows_a_matched_request_and_shrinks_it_again():
    sim = Sim()
    vids = near(sim, 4)
    rid = sim.request(*YOGYA, needs=["water"])
    sim.drain()
    accept_all(sim)
    assert sim.request_state(rid).status == "matched" and not sim.request_state(rid).slots
    sim.action(rid, "slots", count=3)
    sim.drain()
    st = sim.request_state(rid)
    assert len(st.slots) == 3
    assert sim.slots(rid)[0].volunteer_id == vids[0]   # who had it keeps it, as the first slot
    assert st.status == "offered"
    sim.action(rid, "slots", count=1)   # the unfilled slots go; their offers are withdrawn
    sim.drain()
    assert [s.status for s in sim.slots(rid)] == ["matched", "cancelled", "cancelled"]
    assert sim.request_state(rid).status == "matched"
    assert set(sim.open_offers()) == {vids[0]}
    sim.reply(vids[0], "done")
    sim.drain()
    assert sim.request_state(rid).status == "done"


def test_cancel_frees_every_volunteer_of_the_need_and_assign_fills_a_slot():
    sim = Sim(settings=default_settings(search_radii_km=[1]))
    vids = near(sim, 2, step=0.003)                           # 330 m and 660 m
    far = sim.volunteer(YOGYA[0] + 0.05, YOGYA[1], skills=["logistics"])   # 5.5 km
    sim.drain()
    rid = sim.request(*YOGYA, needs=["water"], volunteers_needed=3)
    sim.drain()
    accept_all(sim)
    assert sim.request_state(rid).status == "escalated"
    sim.action(rid, "assign", far)
    sim.drain()
    accept_all(sim)
    assert sorted(accepted(sim, rid)) == sorted(vids + [far])
    assert sim.request_state(rid).status == "matched"
    sim.action(rid, "assign", vids[0])   # nothing left to fill: refused, nobody moved
    sim.drain()
    assert last_situation(sim, rid).detail.get("refused") == "every slot is filled"
    sim.action(rid, "cancel")
    sim.drain()
    assert sim.request_state(rid).status == "cancelled"
    assert all(s.status == "cancelled" for s in sim.slots(rid))
    assert sim.open_offers() == {}


def test_a_matcher_restart_keeps_the_slots():
    sim = Sim()
    vids = near(sim, 3)
    rid = sim.request(*YOGYA, needs=["water"], volunteers_needed=3)
    sim.drain()
    p = sim.request_state(rid).partition
    sim.restart_matcher(p)
    accept_all(sim)
    assert sorted(accepted(sim, rid)) == sorted(vids)
    assert sim.request_state(rid).status == "matched"
    sim.restart_matcher(p)
    for v in vids:
        sim.reply(v, "done")
    sim.drain()
    assert sim.request_state(rid).status == "done"


def test_a_second_report_asking_for_more_people_adds_slots():
    sim = Sim()
    vids = near(sim, 4)
    rid = sim.request(*YOGYA, needs=["water"], phone=PHONE)
    sim.drain()
    dup = sim.request(YOGYA[0] + 0.0005, YOGYA[1], needs=["water"], volunteers_needed=3)
    sim.drain()
    assert sim.request_state(dup).status == "duplicate"
    assert len(sim.request_state(rid).slots) == 3
    accept_all(sim)
    assert sorted(accepted(sim, rid)) == sorted(vids[:3])


def test_category_defaults():
    assert default_volunteers(["water"], 200) == 1
    assert default_volunteers(["rescue"], 5) == 1
    assert default_volunteers(["rescue"], 25) == 3
    assert default_volunteers(["rescue", "food"], 500) == 4


def test_a_no_show_in_one_slot_is_replaced_while_the_others_keep_theirs():
    s = default_settings(on_the_way_within_s=600, reminder_grace_s=120)
    sim = Sim(settings=s)
    vids = near(sim, 3)
    rid = sim.request(*YOGYA, needs=["water"], volunteers_needed=2)
    sim.drain()
    accept_all(sim)
    sim.reply(vids[1], "on_the_way")
    sim.drain()
    for _ in range(14):   # vids[0] never leaves: reminded, then replaced after the grace
        sim.advance(60)
        sim.drain()
    alerts = [s for s in sim.situations if s.kind == "escalation" and str(s.request_id) == rid]
    assert [(a.status, str(a.volunteer_id)) for a in alerts] == [("no_show", vids[0])]
    offers_to_third = [o for o in sim.offers if str(o.volunteer_id) == vids[2] and o.status == "offered"]
    assert [str(o.request_id) for o in offers_to_third] == [rid]   # the need's id, not the slot's
    accept_all(sim)
    assert {s.volunteer_id for s in sim.slots(rid)} == {vids[1], vids[2]}
    assert sim.desks[vids[1]]["hold"]["status"] == "on_the_way"
    sim.check_no_double_booking()


def test_a_slot_can_ask_for_a_boat_and_the_others_follow_the_need():
    """An evacuation that speaks of a boat: its first slot asks for one (the skill, or a
    volunteer who brings a boat), never relaxed; the other slot asks what rescue asks."""
    sim = Sim()
    rescuers = near(sim, 2, skills=("rescue",))
    boat = sim.volunteer(YOGYA[0] + 0.02, YOGYA[1], skills=["general"], vehicle="boat")   # 2.2 km
    sim.drain()
    rid = sim.request(*YOGYA, needs=["rescue"], people=8, volunteers_needed=2, text="Banjir, perlu perahu, 8 orang")
    sim.drain()
    kids = sim.slots(rid)
    assert kids[0].snap["required_skills"] == ["boat"] and kids[1].snap.get("required_skills") is None
    offered = {str(o.volunteer_id) for o in sim.offers if str(o.request_id) == rid and o.status == "offered"}
    assert offered == {boat, rescuers[0]}
    accept_all(sim)
    assert sim.request_state(rid).status == "matched"


def test_slot_skills_given_explicitly_and_a_one_person_need_that_asks_for_a_vehicle():
    sim = Sim()
    medic = sim.volunteer(YOGYA[0] + 0.01, YOGYA[1], skills=["medical"])
    driver = sim.volunteer(YOGYA[0] + 0.012, YOGYA[1], skills=["general"], vehicle="car")
    helper = sim.volunteer(YOGYA[0] + 0.001, YOGYA[1], skills=["logistics"])
    sim.drain()
    rid = sim.request(*YOGYA, needs=["food"], volunteers_needed=3,
                      slot_skills=[["medical"], ["vehicle"]])
    sim.drain()
    by_slot = [next(iter(o.vid for o in k.offers.values()), None) for k in sim.slots(rid)]
    assert by_slot == [medic, driver, helper]
    one = sim.request(YOGYA[0] + 0.05, YOGYA[1], needs=["food"], slot_skills=[["vehicle"]])
    sim.drain()
    assert len(sim.slots(one)) == 1 and sim.slots(one)[0].snap["required_skills"] == ["vehicle"]
