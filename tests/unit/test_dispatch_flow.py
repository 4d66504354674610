"""The dispatch core end to end, in process (tests/dispatch_sim.py): offers, acceptance,
expiry, widening, escalation, coordinator actions, dedupe."""
from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest

from siaga.core.dispatch.routing import request_partition, volunteer_partitions
from siaga.geo.distance import haversine_m
from siaga.infra.settings import default_settings
from siaga.schemas.common import Location
from siaga.schemas.events import VolunteerCheckIn
from siaga.schemas.topics import MATCH_PARTITIONS
from siaga.streams.dispatch_config import desk_config
from tests.dispatch_sim import Sim

YOGYA = (-7.7956, 110.3695)


def offered_to(sim: Sim, rid: str) -> list[str]:
    return [str(o.volunteer_id) for o in sim.offers if str(o.request_id) == rid and o.status == "offered"]


def accept_all(sim: Sim) -> None:
    for v, oids in sim.open_offers().items():
        for oid in oids:
            sim.reply(v, "accept", oid)


def test_nearest_volunteer_gets_the_offer_and_accepting_matches():
    sim = Sim()
    far = sim.volunteer(YOGYA[0] + 0.03, YOGYA[1], skills=["logistics"])
    near = sim.volunteer(YOGYA[0] + 0.005, YOGYA[1], skills=["logistics"])
    sim.drain()
    rid = sim.request(*YOGYA, needs=["water"], phone="+6281234567890")
    sim.drain()
    assert offered_to(sim, rid) == [near]
    sim.reply(near, "accept")
    sim.drain()
    st = sim.request_state(rid)
    assert st.status == "matched" and st.volunteer_id == near
    assert "request_matched" in [n.template for n in sim.notifications if n.to == "+6281234567890"]
    sim.reply(near, "on_the_way")
    sim.drain()
    sim.reply(near, "done")
    sim.drain()
    assert sim.request_state(rid).status == "done"
    assert far not in sim.open_offers()
    sim.check_no_double_booking()


def test_decline_moves_to_next_candidate_then_widens_then_escalates():
    sim = Sim(settings=default_settings(search_radii_km=[2, 5]))
    a = sim.volunteer(YOGYA[0] + 0.005, YOGYA[1], skills=["medical"])
    b = sim.volunteer(YOGYA[0] + 0.03, YOGYA[1], skills=["medical"])   # ~3.3 km: second radius
    sim.drain()
    rid = sim.request(*YOGYA, needs=["medical"])
    sim.drain()
    assert offered_to(sim, rid) == [a]
    sim.reply(a, "decline")
    sim.drain()
    assert offered_to(sim, rid) == [a, b]
    assert sim.request_state(rid).level == 1
    sim.reply(b, "decline")
    sim.drain()
    st = sim.request_state(rid)
    assert st.status == "escalated" and st.escalated
    assert any(s.kind == "escalation" and str(s.request_id) == rid for s in sim.situations)


def test_offer_expires_and_goes_to_the_next_volunteer():
    sim = Sim(settings=default_settings(offer_timeout_s=60, urgent_offer_timeout_s=30))
    a = sim.volunteer(YOGYA[0] + 0.001, YOGYA[1], skills=["logistics"])
    b = sim.volunteer(YOGYA[0] + 0.002, YOGYA[1], skills=["logistics"])
    sim.drain()
    rid = sim.request(*YOGYA, needs=["food"])
    sim.drain()
    assert offered_to(sim, rid) == [a]
    sim.advance(61)
    sim.drain()
    assert offered_to(sim, rid) == [a, b]
    assert [o.status for o in sim.offers if str(o.volunteer_id) == a][-1] == "expired"
    sim.reply(a, "accept")   # too late: a's hold is gone
    sim.drain()
    assert sim.request_state(rid).status == "offered"
    sim.check_no_double_booking()


def test_first_to_accept_wins_and_the_other_offers_are_withdrawn():
    sim = Sim(settings=default_settings(offers_at_once=3))
    vols = [sim.volunteer(YOGYA[0] + 0.001 * i, YOGYA[1], skills=["logistics"]) for i in range(1, 4)]
    sim.drain()
    rid = sim.request(*YOGYA, needs=["water"])
    sim.drain()
    assert sorted(offered_to(sim, rid)) == sorted(vols)
    sim.reply(vols[2], "accept")
    sim.drain()
    st = sim.request_state(rid)
    assert st.status == "matched" and st.volunteer_id == vols[2]
    statuses = {str(o.volunteer_id): o.status for o in sim.offers}
    assert statuses[vols[0]] == statuses[vols[1]] == "withdrawn"
    sim.reply(vols[0], "accept")
    sim.drain()
    assert sim.request_state(rid).volunteer_id == vols[2]


def test_busy_volunteer_is_not_offered_a_second_job_and_waiting_request_gets_them_later():
    sim = Sim(settings=default_settings(escalate_after_s=3600))
    v = sim.volunteer(*YOGYA, skills=["logistics"])
    sim.drain()
    r1 = sim.request(YOGYA[0] + 0.001, YOGYA[1], needs=["water"], phone="+6281111111111")
    r2 = sim.request(YOGYA[0] + 0.002, YOGYA[1], needs=["food"], phone="+6282222222222")
    sim.drain()
    first = [r for r in (r1, r2) if offered_to(sim, r)]
    assert len(first) == 1
    other = r2 if first[0] == r1 else r1
    assert sim.request_state(other).status == "open"   # busy, not escalated: waits
    sim.reply(v, "accept")
    sim.drain()
    sim.reply(v, "done")
    sim.drain()
    sim.advance(6)
    sim.drain()
    assert offered_to(sim, other) == [v]
    sim.check_no_double_booking()


def test_a_delivery_of_goods_goes_to_someone_with_a_vehicle_and_is_never_relaxed():
    sim = Sim(settings=default_settings(search_radii_km=[2, 5]))
    walker = sim.volunteer(YOGYA[0] + 0.001, YOGYA[1], skills=["logistics"])
    rider = sim.volunteer(YOGYA[0] + 0.02, YOGYA[1], skills=["general"], vehicle="motorbike")   # ~2.2 km
    sim.drain()
    rid = sim.request(*YOGYA, needs=["water"], required_skills=["vehicle"])
    sim.drain()
    assert offered_to(sim, rid) == [rider]
    sim.reply(rider, "decline")
    sim.drain()
    # Nobody else can carry it: escalated, not handed to the nearer volunteer on foot.
    assert offered_to(sim, rid) == [rider] and sim.request_state(rid).status == "escalated"
    assert walker not in sim.open_offers()
    # Two deliveries from one pickup point, and a need reported there, stay three requests.
    other = sim.request(*YOGYA, needs=["water"], required_skills=["vehicle"])
    need = sim.request(*YOGYA, needs=["water"])
    sim.drain()
    assert {sim.request_state(r).status for r in (other, need)} <= {"open", "offered", "escalated", "matched"}


def test_relaxed_skills_only_where_safe():
    sim = Sim(settings=default_settings(search_radii_km=[5]))
    plain = sim.volunteer(*YOGYA, skills=["general"])
    sim.drain()
    water = sim.request(YOGYA[0] + 0.001, YOGYA[1], needs=["water"])
    sim.drain()
    assert offered_to(sim, water) == [plain]      # water: anyone can carry it
    sim.reply(plain, "accept")
    sim.drain()
    sim.reply(plain, "done")
    sim.drain()
    med = sim.request(YOGYA[0] + 0.002, YOGYA[1], needs=["medical"])
    sim.drain()
    assert offered_to(sim, med) == []             # medical: never an untrained volunteer
    assert sim.request_state(med).status == "escalated"


def test_volunteer_across_a_partition_border_is_found():
    # Find two nearby points whose region cells land in different partitions.
    from siaga.core.dispatch.routing import request_partition, volunteer_partitions

    lat, lon = YOGYA
    for i in range(400):
        a = (lat + i * 0.01, lon)
        b = (lat + i * 0.01 + 0.02, lon)
        if request_partition(*a, 8) != request_partition(*b, 8):
            break
    else:
        raise AssertionError("no border found")
    sim = Sim()
    assert request_partition(*a, 8) in volunteer_partitions(*b, 8, sim.desk.cfg.reach_m)
    v = sim.volunteer(*b, skills=["logistics"])
    sim.drain()
    rid = sim.request(*a, needs=["water"])
    sim.drain()
    assert offered_to(sim, rid) == [v]


def test_duplicate_reports_join_the_first_request():
    sim = Sim()
    sim.volunteer(YOGYA[0] + 0.2, YOGYA[1])   # nobody near: requests stay open
    sim.drain()
    r1 = sim.request(*YOGYA, needs=["water"], phone="+6281111111111", people=5)
    r2 = sim.request(YOGYA[0] + 0.001, YOGYA[1], needs=["water", "food"], people=20)  # 110 m away
    r3 = sim.request(YOGYA[0] + 0.001, YOGYA[1], needs=["shelter"])                   # other need
    r4 = sim.request(YOGYA[0] + 0.3, YOGYA[1], needs=["medical"], phone="+6281111111111")  # same phone
    sim.drain()
    assert sim.request_state(r2).status == "duplicate"
    assert sim.request_state(r3).status != "duplicate"
    first = sim.request_state(r1)
    assert r2 in first.reporters
    assert set(first.snap["needs"]) == {"water", "food"} and first.snap["people"] == 20
    # the same phone 33 km away: another place, so another request
    assert sim.request_state(r4).status != "duplicate"


def _border(step: float = 0.002) -> tuple[tuple[float, float], tuple[float, float]]:
    """Two points `step` degrees apart (north-south) whose region cells are in different
    partitions: the two sides of a partition border near Yogyakarta."""
    from siaga.core.dispatch.routing import request_partition

    lat, lon = YOGYA
    for i in range(20000):
        a = (lat + i * step, lon)
        b = (lat + (i + 1) * step, lon)
        if request_partition(*a, 8) != request_partition(*b, 8):
            return a, b
    raise AssertionError("no border found")


def test_second_report_across_a_partition_border_joins_the_first():
    from siaga.core.dispatch.routing import request_partition

    a, b = _border()   # about 220 m apart, owned by two matchers
    sim = Sim()
    r1 = sim.request(*a, needs=["water"], people=4)
    sim.drain()
    r2 = sim.request(*b, needs=["water", "food"], people=9)
    sim.drain()
    one, two = sim.request_state(r1), sim.request_state(r2)
    assert one.partition == request_partition(*a, 8) != two.partition == request_partition(*b, 8)
    assert two.status == "duplicate" and r2 in one.reporters
    assert set(one.snap["needs"]) == {"water", "food"} and one.snap["people"] == 9
    assert any(s.detail.get("duplicate_of") == r1 for s in sim.situations if str(s.request_id) == r2)


def test_same_phone_across_a_border_joins_within_reach_only():
    a, b = _border(0.05)   # 5.5 km apart, two partitions
    sim = Sim()
    r1 = sim.request(*a, needs=["water"], phone="+6281234500001")
    sim.drain()   # (two reports in the same instant on both sides of a border can both stand)
    r2 = sim.request(*b, needs=["medical"], phone="+6281234500001")
    far = sim.request(a[0] - 0.3, a[1], needs=["food"], phone="+6281234500001")   # 33 km
    sim.drain()
    assert sim.request_state(r2).status == "duplicate" and r2 in sim.request_state(r1).reporters
    assert sim.request_state(far).status != "duplicate"


@pytest.mark.parametrize("seed", range(8))
def test_a_volunteer_freed_near_a_border_is_offered_the_request_waiting_across_it(seed):
    """One worker owns both partitions (a laptop's stack): the snapshot that frees the
    volunteer reaches both, in either order, and the request waiting on the far side is
    offered at the next tick, not at its escalation deadline. (Seen in CI: a test's request
    waited 90 s while its only volunteer, freed by a decline, stayed idle.)"""
    a, b = _border(0.05)   # 5.5 km apart: two requests, not one reported twice
    sim = Sim(one_worker=True, seed=seed)
    v = sim.volunteer(*a, skills=["logistics"])
    sim.drain()
    first = sim.request(*a, needs=["water"])   # takes the volunteer
    sim.drain()
    assert offered_to(sim, first) == [v]
    waiting = sim.request(*b, needs=["water"])   # across the border: waits, the volunteer is busy
    sim.drain()
    assert offered_to(sim, waiting) == [] and sim.request_state(waiting).status == "open"
    assert sim.request_state(waiting).partition != sim.request_state(first).partition
    sim.reply(v, "decline", [str(o.offer_id) for o in sim.offers if str(o.request_id) == first][-1])
    sim.drain()
    sim.advance(sim.cfg.retry_s + 1)   # far before its escalation deadline
    sim.drain()
    assert offered_to(sim, waiting) == [v]


@pytest.mark.parametrize("seed", range(8))
def test_a_volunteer_who_moved_to_other_partitions_is_still_offered_work(seed):
    """One worker owns every partition: the volunteer's move sends "gone" to the partitions
    left and a snapshot to the new ones, all of one version, in either order. Whichever comes
    first, the volunteer stays a candidate where they now are."""
    sim = Sim(one_worker=True, seed=seed)
    v = sim.volunteer(*YOGYA, skills=["logistics"])
    sim.drain()
    there = (YOGYA[0] - 1.0, YOGYA[1] + 1.0)   # about 150 km: other partitions
    sim.send("volunteer-checkins", v, VolunteerCheckIn(volunteer_id=uuid.UUID(v), location=Location(
        lat=there[0], lon=there[1]), available=True, occurred_at=sim.now))
    sim.drain()
    rid = sim.request(there[0] + 0.001, there[1], needs=["water"])
    sim.drain()
    assert offered_to(sim, rid) == [v]


def test_a_report_joining_a_request_closed_meanwhile_stands_alone():
    from siaga.schemas import dispatch as dm

    a, b = _border()
    sim = Sim()
    v = sim.volunteer(*b, skills=["logistics"])
    sim.drain()
    r1 = sim.request(*a, needs=["water"])
    sim.drain()
    for action in ("accept", "done"):
        sim.reply(v, action)
        sim.drain()
    assert sim.request_state(r1).status == "done"
    seen: list = []
    sim.drop = lambda o: seen.append(o.value) and False   # watch, lose nothing
    r2 = sim.request(*b, needs=["water"])   # r1's shadow is still next door: its owner says no
    sim.drain()
    sim.drop = None
    assert [m.ok for m in seen if isinstance(m, dm.MJoined)] == [False]
    two = sim.request_state(r2)
    assert two.status in ("offered", "open", "escalated") and two.joining is None
    assert r2 not in sim.request_state(r1).reporters
    assert any(isinstance(r, dm.VReserve) and str(r.request_id) == r2 for r in sim.reserves)


def test_a_join_lost_in_a_crash_is_asked_again():
    from siaga.schemas import dispatch as dm

    a, b = _border()
    sim = Sim()
    r1 = sim.request(*a, needs=["water"])
    sim.drain()
    sim.drop = lambda o: isinstance(o.value, dm.MJoined)
    r2 = sim.request(*b, needs=["water"])
    sim.drain()
    sim.drop = None
    assert sim.request_state(r2).status == "joining" and r2 in sim.request_state(r1).reporters
    sim.advance(sim.cfg.pending_timeout_s + 1)
    sim.drain()
    assert sim.request_state(r2).status == "duplicate"
    assert sim.request_state(r1).reporters.count(r2) == 1   # asked twice, joined once


def test_coordinator_assigns_and_cancels():
    sim = Sim(settings=default_settings(search_radii_km=[1]))
    v = sim.volunteer(YOGYA[0] + 0.05, YOGYA[1], skills=["general"])   # 5.5 km: outside radius
    sim.drain()
    rid = sim.request(*YOGYA, needs=["medical"])
    sim.drain()
    assert sim.request_state(rid).status == "escalated"
    sim.action(rid, "assign", v)
    sim.drain()
    assert offered_to(sim, rid) == [v]
    assert [o.actor for o in sim.offers if o.status == "offered"] == ["coord"]
    sim.reply(v, "accept")
    sim.drain()
    assert sim.request_state(rid).status == "matched"
    sim.action(rid, "cancel")
    sim.drain()
    assert sim.request_state(rid).status == "cancelled"
    assert sim.open_offers() == {}


def test_request_without_location_waits_then_is_matched_when_located():
    import uuid

    from siaga.schemas.common import Location
    from siaga.schemas.events import AidRequestLocated

    sim = Sim()
    v = sim.volunteer(*YOGYA, skills=["logistics"])
    sim.drain()
    rid = sim.request(None, None, needs=["water"])
    sim.drain()
    assert sim.request_state(rid) is None
    assert [s.status for s in sim.situations if str(s.request_id) == rid] == ["needs_location"]
    sim.send("aid-requests", rid, AidRequestLocated(request_id=uuid.UUID(rid),
                                                    location=Location(lat=YOGYA[0], lon=YOGYA[1], source="gazetteer")))
    sim.drain()
    assert offered_to(sim, rid) == [v]


def test_a_repeated_grant_after_acceptance_does_not_withdraw_the_task():
    """Under load the matcher asks the desk again (same offer id) before the first answer
    arrives; the second 'granted' reaches the matcher after the volunteer accepted."""
    from siaga.schemas import dispatch as dm

    sim = Sim()
    v = sim.volunteer(*YOGYA, skills=["logistics"])
    sim.drain()
    rid = sim.request(YOGYA[0] + 0.001, YOGYA[1], needs=["water"])
    sim.drain()
    st = sim.request_state(rid)
    oid = next(iter(st.offers))
    sim.reply(v, "accept")
    sim.drain()
    assert sim.request_state(rid).status == "matched"
    sim.send("dispatch-match", rid, dm.MReservation(request_id=rid, offer_id=oid, volunteer_id=v, granted=True),
             st.partition)
    sim.drain()
    assert sim.request_state(rid).status == "matched"
    assert [o.status for o in sim.offers if str(o.offer_id) == oid][-1] == "accepted"


def test_only_partitions_where_time_matters_are_ticked():
    sim = Sim()
    p = request_partition(*YOGYA, sim.P)
    assert not any(sim.matchers[q].tick_due(q, sim.now) for q in range(sim.P))   # idle: no ticks at all
    v = sim.volunteer(YOGYA[0] + 0.005, YOGYA[1], skills=["logistics"])
    sim.drain()
    assert not sim.matchers[p].tick_due(p, sim.now)
    rid = sim.request(*YOGYA, needs=["water"])
    sim.drain()
    assert sim.matchers[p].tick_due(p, sim.now)            # a live offer can expire
    sim.reply(v, "accept")
    sim.drain()
    assert sim.request_state(rid).status == "matched"
    assert not sim.matchers[p].tick_due(p, sim.now)        # the desk has just confirmed the task
    later = sim.now + timedelta(seconds=sim.cfg.assigned_check_s)
    assert sim.matchers[p].tick_due(p, later)              # time to ask the desk how it stands
    other = sim.request(*YOGYA, needs=["food"])   # nobody free: it waits, and waiting needs the clock
    sim.drain()
    assert sim.request_state(other).status in ("open", "escalated") and sim.matchers[p].tick_due(p, sim.now)


def test_a_replayed_done_resends_what_a_crash_may_have_cut_short():
    """SIGKILL between storing the desk's state and sending all of a step's records can lose
    the 'done' on its way to the matcher; the reply is then delivered again (its offset was not
    committed). The replay must send the same records, not nothing and not 'offer not found'."""
    import uuid

    from siaga.core.dispatch.desk import VolunteerState
    from siaga.schemas import dispatch as dm
    from siaga.schemas.events import VolunteerReply

    sim = Sim()
    v = sim.volunteer(YOGYA[0] + 0.005, YOGYA[1], skills=["logistics"])
    sim.drain()
    rid = sim.request(*YOGYA, needs=["water"])
    sim.drain()
    sim.reply(v, "accept")
    sim.drain()
    before = sim.desks[v]
    done = VolunteerReply(volunteer_id=uuid.UUID(v), action="done", occurred_at=sim.now)
    st, first = sim.desk.handle(VolunteerState.from_dict(before), done, sim.now)
    _, again = sim.desk.handle(VolunteerState.from_dict(st.to_dict()), done, sim.now)

    def to_matcher(outs):
        return [o.payload() for o in outs if isinstance(o.value, dm.MOfferUpdate)]

    def ids(outs, topic):   # the ids downstream de-duplicates on
        field = "notification_id" if topic == "notifications" else "event_id"
        return sorted(str(getattr(o.value, field)) for o in outs if o.topic == topic)

    assert to_matcher(first) and to_matcher(again) == to_matcher(first)
    assert ids(again, "dispatch-offers") == ids(first, "dispatch-offers")
    assert ids(again, "notifications") == ids(first, "notifications")
    assert sim.request_state(rid).status == "matched"
    # A reply for some other offer is still not a replay of this one.
    other = VolunteerReply(volunteer_id=uuid.UUID(v), action="done", offer_code="Z9Z9Z9", occurred_at=sim.now)
    _, outs = sim.desk.handle(VolunteerState.from_dict(st.to_dict()), other, sim.now)
    assert not to_matcher(outs)


def test_replies_replayed_after_the_volunteer_moved_on_say_nothing():
    """The cluster fault test's duplicate: a worker killed after the desk stored 'accept, done,
    next offer' but before committing the replies' offsets. The replies come again while the
    volunteer holds the next offer: 'code not valid' twice (one per replayed reply) was wrong,
    and so is anything the volunteer was not told the first time."""
    import uuid

    from siaga.core.dispatch.desk import VolunteerState
    from siaga.schemas.events import VolunteerReply

    sim = Sim()
    v = sim.volunteer(YOGYA[0] + 0.005, YOGYA[1], skills=["logistics"])
    sim.drain()
    sim.request(*YOGYA, needs=["water"])
    sim.drain()
    first_offer = sim.open_offers()[v][0]
    code = VolunteerState.from_dict(sim.desks[v]).hold.code
    # As the offer link sends them: the offer's id and its code.
    replies = [VolunteerReply(volunteer_id=uuid.UUID(v), action=a, offer_id=uuid.UUID(first_offer),
                              offer_code=code, occurred_at=sim.now) for a in ("accept", "done")]
    for r in replies:
        sim.send("volunteer-replies", v, r)
        sim.drain()
    sim.request(YOGYA[0] + 0.001, YOGYA[1], needs=["food"])
    sim.drain()
    st = VolunteerState.from_dict(sim.desks[v])
    assert st.hold is not None and st.hold.offer_id != first_offer
    sent = {n.notification_id for n in sim.notifications}
    done_first = next(o for o in sim.offers if str(o.offer_id) == first_offer and o.status == "done")
    sim.advance(5)
    said = []
    for r in replies:
        st, outs = sim.desk.handle(st, r, sim.now)
        # The 'done' is said again (its records may have been lost), with the same message ids:
        # the notifier sends each id once, so the volunteer hears nothing new.
        assert {o.value.notification_id for o in outs if o.topic == "notifications"} <= sent
        said += [o.value for o in outs if o.topic == "dispatch-offers"]
    # ... and the offer log gets it with the same id and its first time, not the replay's.
    assert [(o.event_id, o.occurred_at) for o in said if str(o.offer_id) == first_offer] == \
        [(done_first.event_id, done_first.occurred_at)]
    assert st.hold is not None and st.hold.offer_id != first_offer
    # The same words sent anew (a new event) still get the honest answer.
    late = VolunteerReply(volunteer_id=uuid.UUID(v), action="done", offer_id=uuid.UUID(first_offer),
                          offer_code=code, occurred_at=sim.now)
    _, outs = sim.desk.handle(st, late, sim.now)
    assert [o.value.template for o in outs if o.topic == "notifications"] == ["offer_not_found"]


def test_a_replayed_done_at_the_matcher_says_done_again_with_the_same_message_id():
    """Only after a restart can the first step's outputs have been cut short: the restarted
    matcher says 'done' again, once, with the same message id; a live one stays quiet."""
    import uuid

    from siaga.schemas import dispatch as dm

    sim = Sim()
    v = sim.volunteer(YOGYA[0] + 0.005, YOGYA[1], skills=["logistics"])
    sim.drain()
    rid = sim.request(*YOGYA, needs=["water"], phone="+6281234567890")
    sim.drain()
    for action in ("accept", "on_the_way", "done"):
        sim.reply(v, action)
        sim.drain()
    assert sim.request_state(rid).status == "done"
    oid = next(str(o.offer_id) for o in sim.offers if str(o.request_id) == rid)
    first = [n.notification_id for n in sim.notifications if n.template == "request_done"]
    p = request_partition(*YOGYA, sim.P)
    done = dm.MOfferUpdate(request_id=uuid.UUID(rid), offer_id=uuid.UUID(oid), volunteer_id=uuid.UUID(v),
                           status="done")
    assert sim.matchers[p].handle(done, p, sim.now) == []        # no restart: it was all sent
    sim.restart_matcher(p)
    outs = sim.matchers[p].handle(done, p, sim.now)
    again = [o.value.notification_id for o in outs if o.topic == "notifications"]
    assert len(first) == 1 and again == first
    assert [o.value.status for o in outs if o.topic == "situation-updates"] == ["done"]
    assert sim.matchers[p].handle(done, p, sim.now) == []        # said once is enough
    assert sim.request_state(rid).status == "done"


def accepted(sim: Sim, v: str, needs=("water",)) -> str:
    """A request next to volunteer `v` (at YOGYA), offered to them and accepted."""
    sim.drain()
    rid = sim.request(*YOGYA, needs=list(needs), phone="+6281234567890")
    sim.drain()
    sim.reply(v, "accept")
    sim.drain()
    return rid


def test_a_confirmation_lost_in_a_crash_is_sent_again():
    """The failure the SIGKILL scale test found: the matcher stored 'matched' but its
    VConfirm never reached the desk, and nothing replays it. The matcher asks again until
    the desk answers."""
    from siaga.schemas import dispatch as dm

    sim = Sim()
    v = sim.volunteer(YOGYA[0] + 0.005, YOGYA[1], skills=["logistics"])
    sim.drop = lambda o: isinstance(o.value, dm.VConfirm)
    rid = accepted(sim, v)
    assert sim.request_state(rid).status == "matched"
    assert sim.desks[v]["hold"]["status"] == "accepting"
    sim.drop = None
    sim.advance(sim.cfg.pending_timeout_s + 1)
    sim.drain()
    assert sim.desks[v]["hold"]["status"] == "task"
    assert [o.status for o in sim.offers if str(o.request_id) == rid][-1] == "accepted"
    assert sim.request_state(rid).confirmed
    sim.reply(v, "done")
    sim.drain()
    assert sim.request_state(rid).status == "done"
    # Confirmed: no more asking until the check interval.
    before = len(sim.queues)
    sim.advance(1)
    assert not sim.matchers[sim.request_state(rid).partition].tick_due(sim.request_state(rid).partition, sim.now)
    assert len(sim.queues) == before


def _done_lost(sim: Sim) -> tuple[str, str]:
    """A task reported done whose 'done' never reached the matcher."""
    from siaga.schemas import dispatch as dm

    v = sim.volunteer(YOGYA[0] + 0.005, YOGYA[1], skills=["logistics"])
    rid = accepted(sim, v)
    sim.drop = lambda o: isinstance(o.value, dm.MOfferUpdate) and o.value.status == "done"
    sim.reply(v, "done")
    sim.drain()
    sim.drop = None
    return v, rid


def test_a_done_lost_on_its_way_to_the_matcher_is_found_by_the_check():
    sim = Sim()
    v, rid = _done_lost(sim)
    assert sim.desks[v]["hold"] is None and sim.request_state(rid).status == "matched"
    sim.advance(sim.cfg.assigned_check_s - 1)
    sim.drain()
    assert sim.request_state(rid).status == "matched"   # not asked yet
    sim.advance(2)
    sim.drain()
    assert sim.request_state(rid).status == "done"
    assert [n.template for n in sim.notifications].count("request_done") == 1


def test_a_done_found_by_the_check_even_after_the_volunteer_closed_later_offers():
    sim = Sim()
    v, rid = _done_lost(sim)
    # Two more offers come and are declined before the matcher asks about the first.
    for _ in range(2):
        other = sim.request(YOGYA[0] + 0.01, YOGYA[1], needs=["food"])
        sim.drain()
        sim.reply(v, "decline")
        sim.drain()
        sim.action(other, "cancel")
        sim.drain()
    sim.advance(sim.cfg.assigned_check_s + 1)
    sim.drain()
    assert sim.request_state(rid).status == "done"


def test_a_task_the_desk_no_longer_knows_is_matched_again():
    """The desk holds nothing of the offer (its release reached it, the matcher's state did
    not): the matcher must not wait for ever on a volunteer who is not coming."""
    import uuid

    from siaga.schemas import dispatch as dm

    sim = Sim()
    v = sim.volunteer(YOGYA[0] + 0.005, YOGYA[1], skills=["logistics"])
    w = sim.volunteer(YOGYA[0] + 0.006, YOGYA[1], skills=["logistics"])
    rid = accepted(sim, v)
    st = sim.request_state(rid)
    assert st.volunteer_id == v
    sim.send("dispatch-volunteer", v, dm.VRelease(offer_id=uuid.UUID(st.matched_offer),
                                                  volunteer_id=uuid.UUID(v), reason="withdrawn"))
    sim.drain()
    assert sim.request_state(rid).status == "matched"
    sim.advance(sim.cfg.assigned_check_s + 1)
    sim.drain()
    st = sim.request_state(rid)
    assert st.status == "offered" and [o.vid for o in st.offers.values()] == [w]


def test_an_acceptance_lost_in_a_crash_frees_the_volunteer_at_expiry():
    """The desk's 'accepted' never reached the matcher, so the offer lapses there. The desk
    says it again when the expiry comes, and the matcher withdraws it: nobody stays held."""
    from siaga.schemas import dispatch as dm

    sim = Sim()
    v = sim.volunteer(YOGYA[0] + 0.005, YOGYA[1], skills=["logistics"])
    sim.drop = lambda o: isinstance(o.value, dm.MOfferUpdate) and o.value.status == "accepted"
    rid = accepted(sim, v)
    sim.drop = None
    assert sim.desks[v]["hold"]["status"] == "accepting"
    sim.advance(sim.cfg.offer_timeout_s + 1)
    sim.drain()
    assert sim.desks[v]["hold"] is None
    assert sim.request_state(rid).status in ("open", "escalated", "offered")


def test_a_request_lost_on_its_way_to_the_matcher_is_sent_again_until_received():
    from siaga.schemas import dispatch as dm

    sim = Sim()
    v = sim.volunteer(YOGYA[0] + 0.005, YOGYA[1], skills=["logistics"])
    sim.drain()
    sim.drop = lambda o: isinstance(o.value, dm.MNewRequest)
    rid = sim.request(*YOGYA, needs=["water"])
    sim.drain()
    sim.drop = None
    assert sim.request_state(rid) is None and sim.routes[rid]["unacked"]
    sim.advance(10)
    sim.drain()
    assert sim.request_state(rid) is None   # not yet due
    sim.advance(25)
    sim.drain()
    st = sim.request_state(rid)
    assert st is not None and [o.vid for o in st.offers.values()] == [v]
    assert sim.routes[rid]["unacked"] is None   # the receipt came back: no more resending
    n = sum(len(q) for q in sim.queues.values())
    sim.advance(60)
    assert not any(isinstance(m, dm.RResend) for q in sim.queues.values() for m in q)
    assert n == 0


def test_a_lost_receipt_only_costs_a_second_send():
    from siaga.schemas import dispatch as dm

    sim = Sim()
    sim.drop = lambda o: isinstance(o.value, dm.RRouted)
    rid = sim.request(*YOGYA, needs=["water"])
    sim.drain()
    sim.drop = None
    told = len(sim.situations)
    st = sim.request_state(rid)
    sim.advance(31)
    sim.drain()
    assert sim.routes[rid]["unacked"] is None
    assert sim.request_state(rid) is st and len(sim.situations) == told   # known: only a receipt


def _no_show_sim():
    s = default_settings(on_the_way_within_s=600, done_within_s=3600, reminder_grace_s=120, assigned_check_s=60)
    sim = Sim(settings=s)
    a = sim.volunteer(YOGYA[0] + 0.001, YOGYA[1], skills=["logistics"], phone="+6281200000001")
    b = sim.volunteer(YOGYA[0] + 0.003, YOGYA[1], skills=["logistics"], phone="+6281200000002")
    sim.drain()
    rid = sim.request(*YOGYA, needs=["water"])
    sim.drain()
    sim.reply(a, "accept")
    sim.drain()
    assert sim.request_state(rid).status == "matched" and sim.request_state(rid).volunteer_id == a
    return sim, a, b, rid


def _templates_to(sim, phone):
    return [n.template for n in sim.notifications if n.to == phone]


def test_a_volunteer_not_on_the_way_is_reminded_then_the_task_goes_to_someone_else():
    sim, a, b, rid = _no_show_sim()
    for _ in range(9):   # ten minutes pass: reminded once, not yet replaced
        sim.advance(60)
        sim.drain()
    sim.advance(60)
    sim.drain()
    assert _templates_to(sim, "+6281200000001").count("task_remind_on_the_way") == 1
    assert sim.request_state(rid).volunteer_id == a
    sim.advance(121)   # the grace is over: someone else, and coordinators see why
    sim.drain()
    assert "task_reassigned" in _templates_to(sim, "+6281200000001")
    assert offered_to(sim, rid)[-1] == b and sim.request_state(rid).volunteer_id != a
    alerts = [s for s in sim.situations if s.kind == "escalation" and str(s.request_id) == rid]
    assert [s.status for s in alerts] == ["no_show"] and str(alerts[0].volunteer_id) == a
    sim.reply(a, "on_the_way")   # too late: the first volunteer no longer holds it
    sim.reply(b, "accept")
    sim.drain()
    assert sim.request_state(rid).volunteer_id == b
    sim.check_no_double_booking()


def test_on_the_way_after_the_reminder_keeps_the_task_and_a_late_done_is_told_once():
    sim, a, _b, rid = _no_show_sim()
    sim.advance(601)
    sim.drain()
    sim.reply(a, "on_the_way")
    sim.drain()
    sim.advance(300)
    sim.drain()
    assert sim.request_state(rid).status == "on_the_way" and sim.request_state(rid).volunteer_id == a
    for _ in range(6):   # past done_within_s, the grace, and more: one reminder, one alert
        sim.advance(1000)
        sim.drain()
    assert _templates_to(sim, "+6281200000001").count("task_remind_done") == 1
    alerts = [s.status for s in sim.situations if s.kind == "escalation" and str(s.request_id) == rid]
    assert alerts == ["overdue"] and sim.request_state(rid).volunteer_id == a
    sim.reply(a, "done")
    sim.drain()
    assert sim.request_state(rid).status == "done"
    sim.check_no_double_booking()


def test_sos_from_a_volunteer_on_a_task_alerts_coordinators_with_the_task_and_position():
    sim, a, _b, rid = _no_show_sim()
    sim.reply(a, "sos")
    sim.drain()
    alerts = [s for s in sim.situations if s.kind == "escalation" and s.status == "sos"]
    assert len(alerts) == 1 and str(alerts[0].request_id) == rid and str(alerts[0].volunteer_id) == a
    assert alerts[0].lat is not None and "sos_ok" in _templates_to(sim, "+6281200000001")
    assert sim.request_state(rid).volunteer_id == a   # the task stays theirs; coordinators decide


# A volunteer near Magelang and a need in Sleman 40 km south of them, in another matcher
# partition (found once by a search along the meridian; the test asserts it, so a change of cells
# or of the partitioning cannot quietly make it a same-partition test).
FAR_VOLUNTEER = (-7.3856, 110.3695)
FAR_REQUEST = (-7.7456, 110.3695)
WIDE = default_settings(search_radii_km=[2, 5, 10, 25, 50])


def _offered_far_away(sim: Sim) -> tuple[str, str]:
    vid = sim.volunteer(*FAR_VOLUNTEER, skills=["logistics"])
    sim.drain()
    rid = sim.request(*FAR_REQUEST, needs=["water"])
    sim.drain()
    for _ in range(20):   # each radius in turn, as time passes
        if offered_to(sim, rid):
            break
        sim.advance(60)
        sim.drain()
    return vid, rid


def test_the_far_pair_crosses_a_partition_border_40_km_apart():
    assert 39_000 < haversine_m(*FAR_VOLUNTEER, *FAR_REQUEST) < 41_000
    home = request_partition(*FAR_REQUEST, MATCH_PARTITIONS)
    assert home != request_partition(*FAR_VOLUNTEER, MATCH_PARTITIONS)
    # Published only 25 km around them, the volunteer never reaches the request's matcher.
    assert home not in volunteer_partitions(*FAR_VOLUNTEER, MATCH_PARTITIONS, 25_000.0)
    reach = desk_config(WIDE).reach_m
    assert reach == 50_000.0 and home in volunteer_partitions(*FAR_VOLUNTEER, MATCH_PARTITIONS, reach)


def test_a_wider_search_radius_reaches_across_a_partition_border_40_km_away():
    """SEARCH_RADII_KM=[2,5,10,25,50]: volunteers are published as far as the widest radius, so
    the request's matcher, in another partition, sees one 40 km away and offers them the need."""
    sim = Sim(partitions=MATCH_PARTITIONS, settings=WIDE)
    vid, rid = _offered_far_away(sim)
    assert offered_to(sim, rid) == [vid]


def test_a_fan_out_narrower_than_the_search_misses_that_volunteer():
    # What the settings-built desk config prevents: a fixed 25 km fan-out with a 50 km search.
    sim = Sim(partitions=MATCH_PARTITIONS, settings=WIDE)
    sim.desk.cfg = dataclasses.replace(sim.desk.cfg, reach_m=25_000.0)
    _vid, rid = _offered_far_away(sim)
    assert offered_to(sim, rid) == []
