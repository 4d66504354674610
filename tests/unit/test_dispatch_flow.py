"""The dispatch core end to end, in process (tests/dispatch_sim.py): offers, acceptance,
expiry, widening, escalation, coordinator actions, dedupe."""
from __future__ import annotations

from core.dispatch.matcher import MatchConfig
from core.dispatch.routing import request_partition
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
    sim = Sim(cfg=MatchConfig(radii_m=[2000, 5000]))
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
    sim = Sim(cfg=MatchConfig(offer_timeout_s=60, urgent_offer_timeout_s=30))
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
    sim = Sim(cfg=MatchConfig(offers_at_once=3))
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
    sim = Sim(cfg=MatchConfig(escalate_after_s=3600))
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


def test_relaxed_skills_only_where_safe():
    sim = Sim(cfg=MatchConfig(radii_m=[5000]))
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
    from core.dispatch.routing import request_partition, volunteer_partitions

    lat, lon = YOGYA
    for i in range(400):
        a = (lat + i * 0.01, lon)
        b = (lat + i * 0.01 + 0.02, lon)
        if request_partition(*a, 8) != request_partition(*b, 8):
            break
    else:
        raise AssertionError("no border found")
    assert request_partition(*a, 8) in volunteer_partitions(*b, 8)
    sim = Sim()
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
    # same phone but in another region partition: a separate matcher, so no merge is possible
    st4 = sim.request_state(r4)
    assert st4.status == "duplicate" or st4.partition != first.partition


def test_coordinator_assigns_and_cancels():
    sim = Sim(cfg=MatchConfig(radii_m=[1000]))
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

    from schemas.common import Location
    from schemas.events import AidRequestLocated

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
    from schemas import dispatch as dm

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
    assert not any(sim.matchers[q].tick_due(q) for q in range(sim.P))   # idle: no ticks at all
    v = sim.volunteer(YOGYA[0] + 0.005, YOGYA[1], skills=["logistics"])
    sim.drain()
    assert not sim.matchers[p].tick_due(p)
    rid = sim.request(*YOGYA, needs=["water"])
    sim.drain()
    assert sim.matchers[p].tick_due(p)            # a live offer can expire
    sim.reply(v, "accept")
    sim.drain()
    assert sim.request_state(rid).status == "matched"
    assert not sim.matchers[p].tick_due(p)        # a task in progress needs no clock
    other = sim.request(*YOGYA, needs=["food"])   # nobody free: it waits, and waiting needs the clock
    sim.drain()
    assert sim.request_state(other).status in ("open", "escalated") and sim.matchers[p].tick_due(p)



def test_a_replayed_done_resends_what_a_crash_may_have_cut_short():
    """SIGKILL between storing the desk's state and sending all of a step's records can lose
    the 'done' on its way to the matcher; the reply is then delivered again (its offset was not
    committed). The replay must send the same records, not nothing and not 'offer not found'."""
    import uuid

    from core.dispatch.desk import VolunteerState
    from schemas import dispatch as dm
    from schemas.events import VolunteerReply

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


def test_a_replayed_done_at_the_matcher_says_done_again_with_the_same_message_id():
    import uuid

    from schemas import dispatch as dm

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
    outs = sim.matchers[p].handle(dm.MOfferUpdate(request_id=uuid.UUID(rid), offer_id=uuid.UUID(oid),
                                                  volunteer_id=uuid.UUID(v), status="done"), p, sim.now)
    again = [o.value.notification_id for o in outs if o.topic == "notifications"]
    assert len(first) == 1 and again == first
    assert [o.value.status for o in outs if o.topic == "situation-updates"] == ["done"]
    assert sim.request_state(rid).status == "done"
