"""An in-process model of the dispatch topology for tests: router, desks and one matcher per
partition, connected by ordered per-partition queues (like Kafka), with at-least-once
redelivery, and (optionally) crashes that cut a step's outputs short after its state was
stored, as a SIGKILL can under Faust. The test decides how volunteers answer. No broker; the
core is the real one."""
from __future__ import annotations

import copy
import random
import uuid
import zlib
from collections import defaultdict, deque
from datetime import datetime, timedelta, timezone

from siaga.core.dispatch.desk import Desk, VolunteerState
from siaga.core.dispatch.matcher import Matcher
from siaga.core.dispatch.outputs import FORGET
from siaga.core.dispatch.router import Route, Router
from siaga.infra.settings import Settings, default_settings
from siaga.schemas import dispatch as dm
from siaga.schemas.common import Location, Skill
from siaga.schemas.stages import DESK, DISPATCH, MATCHER, ROUTER
from siaga.schemas.topics import Topic
from siaga.schemas.events import (
    OFFER_CLOSED, OFFER_LIVE, AidRequest, CoordinatorAction, DispatchOffer, GroupMembership, Notification,
    SituationUpdate, VolunteerCheckIn,
    VolunteerRegistered, VolunteerReply, VolunteerVetted,
)
from siaga.streams.dispatch_config import desk_config, match_config

T0 = datetime(2026, 11, 22, 6, 0, tzinfo=timezone.utc)
# Which stage reads a topic: the declared topology (schemas/stages.py), as the agents have it.
STAGE_OF = {topic: stage for stage in DISPATCH for topic in stage.inputs}


class Sim:
    def __init__(self, partitions: int = 8, settings: Settings | None = None, seed: int = 0,
                 duplicate_rate: float = 0.0, crash_rate: float = 0.0, replay: bool = False,
                 step_ms: int = 0, one_worker: bool = False):
        """`settings`: the deployment's settings (default_settings(...) with what the test
        changes); the matchers' and desks' configs are built from them as the workers build them.
        `replay`: crashes as Faust has them (streams/dispatch.py): a step's outputs wait in the
        producer's buffer until the input's offset is committed (Faust flushes it first), so a
        crash loses some of the buffered outputs of every step since the last commit, and all
        those inputs come again, in order, to a state that already holds their effects.
        Without it a crash loses part of one step's outputs and nothing replays them.
        `step_ms`: the clock moves this much with each message handled (0: only advance()
        moves it), for tests that order records by their time.
        `one_worker`: every partition in one matcher, as one worker owning them all has it (a
        laptop's stack); otherwise one matcher per partition, as many workers have it."""
        self.P = partitions
        self.rng = random.Random(seed)
        self.dup = duplicate_rate
        self.crash = crash_rate
        self.now = T0
        self.router = Router(partitions)
        self.settings = settings or default_settings()
        self.cfg = match_config(self.settings, partitions)
        self.desk = Desk(desk_config(self.settings, partitions))
        self.one_worker = one_worker
        shared = Matcher(self.cfg)
        self.matchers = {p: shared if one_worker else Matcher(self.cfg) for p in range(partitions)}
        self.vol_tables: dict[int, dict[str, object]] = defaultdict(dict)   # MVolunteer, MShadow
        self.req_tables: dict[int, dict[str, dict]] = defaultdict(dict)     # request id -> stored state
        # A handler that raises: the message is dead-lettered and the step leaves nothing behind,
        # as in streams/dispatch.py (when set; otherwise the error fails the test).
        self.dead_letter_failures = False
        self.dead_letters: list[tuple[str, object, Exception]] = []        # (topic, message, error)
        self.drop = None   # a test's filter: outputs for which drop(out) is true are lost
        self.crashes = 0
        self.routes: dict[str, dict] = {}
        self.desks: dict[str, dict] = {}
        self.queues: dict[tuple[str, int], deque] = defaultdict(deque)
        self.offers: list[DispatchOffer] = []
        self.situations: list[SituationUpdate] = []
        self.notifications: list[Notification] = []
        self.reserves: list[dm.VReserve] = []
        self.delayed: list[tuple[tuple[str, int], object]] = []
        self.replay = replay
        self.step_time = timedelta(milliseconds=step_ms)
        self.uncommitted: dict[tuple[str, int], list] = defaultdict(list)   # inputs since the last commit
        self.buffered: dict[tuple[str, int], list] = defaultdict(list)      # their outputs, not yet sent

    # -- plumbing --------------------------------------------------------------------------
    def _partition(self, key: str, partition: int | None) -> int:
        return partition if partition is not None else zlib.crc32(key.encode()) % self.P

    def send(self, topic: str, key: str, value, partition: int | None = None) -> None:
        if topic in STAGE_OF:
            self.queues[(topic, self._partition(key, partition))].append(value)
        else:   # read outside dispatch: what the test observes
            {Topic.DISPATCH_OFFERS: self.offers, Topic.SITUATION_UPDATES: self.situations,
             Topic.NOTIFICATIONS: self.notifications}[topic].append(value)

    def emit(self, outs) -> None:
        for o in outs:
            assert isinstance(o.key, str), f"a record key must be text, not {type(o.key).__name__}: {o}"
            if self.drop is not None and self.drop(o):
                continue
            if isinstance(o.value, dm.VReserve):
                self.reserves.append(o.value)
            self.send(o.topic, o.key, o.value, o.partition)

    def deliver(self, topic: str, p: int, msg) -> None:
        crash = self.crash and self.rng.random() < self.crash
        stage = STAGE_OF[topic]
        try:
            outs = self._step(stage, p, msg)
        except Exception as exc:   # as streams/dispatch.py: dead-lettered, memory as the tables hold it
            if not self.dead_letter_failures:
                raise   # a test that does not expect one: a bug
            self.dead_letters.append((topic, msg, exc))
            if stage is MATCHER:   # (a fresh matcher: nothing of the step survives)
                self.matchers[p].abandon_step()
                self.restart_matcher(p)
            return
        undeclared = {o.topic for o in outs} - set(stage.outputs)
        assert not undeclared, f"{stage.name} wrote {undeclared}, not declared in schemas/stages.py"
        if self.replay:
            self._buffer((topic, p), msg, outs, crash)
            return
        if crash:
            # Killed after the state was stored, with only some of the outputs sent, and the
            # input's offset committed, so nothing replays it. (The state itself always goes
            # first: streams/app.py changelog_sent.)
            self.crashes += 1
            outs = [o for o in outs if self.rng.random() < 0.5]
            if stage is MATCHER:
                self.restart_matcher(p)
        self.emit(outs)

    def _buffer(self, key: tuple[str, int], msg, outs: list, crash: bool) -> None:
        """The replay model (see __init__): outputs wait for the commit; a crash sends a random
        part of them and puts every uncommitted input back at the head of its queue."""
        self.uncommitted[key].append(msg)
        self.buffered[key] += outs
        if crash:
            self.crashes += 1
            self.emit([o for o in self.buffered.pop(key) if self.rng.random() < 0.5])
            self.queues[key].extendleft(reversed(self.uncommitted.pop(key)))
            if STAGE_OF[key[0]] is MATCHER:
                self.restart_matcher(key[1])
        elif self.rng.random() < 0.5:
            self.commit(key)

    def commit(self, key: tuple[str, int]) -> None:
        """Flush the producer, then commit the input offsets (as Faust's consumer does)."""
        self.emit(self.buffered.pop(key, []))
        self.uncommitted.pop(key, None)

    def _step(self, stage, p: int, msg) -> list:
        """One message through its stage; the state is stored (as the agents store it) once
        the handler returned."""
        if stage is ROUTER:
            key = str(getattr(msg, ROUTER.key))
            cur = self.routes.get(key)
            route, outs = self.router.handle(Route.from_dict(cur) if cur else None, msg, self.now)
            if route is FORGET:
                self.routes.pop(key, None)
            elif route is not None:
                self.routes[key] = route.to_dict()
        elif stage is DESK:
            key = str(getattr(msg, DESK.key))
            cur = self.desks.get(key)
            st, outs = self.desk.handle(VolunteerState.from_dict(cur) if cur else None, msg, self.now)
            self.desks[key] = st.to_dict()
        else:   # the matcher: memory per partition, its tables hold snapshots and shadows
            if isinstance(msg, dm.MVolunteer):
                self.vol_tables[p][str(msg.volunteer_id)] = msg
            elif isinstance(msg, dm.MShadow):
                self.vol_tables[p][str(msg.request_id)] = msg
            m = self.matchers[p]
            outs = m.handle(msg, p, self.now)
            for rid in m.dirty:   # as streams/dispatch.py stores them
                st = m.requests.get(rid)
                if st is not None:
                    self.req_tables[p][rid] = st.durable()
            m.dirty.clear()
            for rid in m.pruned:
                self.req_tables[p].pop(rid, None)
            for part, rid in m.pruned_shadows:   # as streams/dispatch.py deletes them from the table
                self.vol_tables[part].pop(rid, None)
            m.pruned.clear()
            m.pruned_shadows.clear()
        return outs

    def stored_requests(self, p: int) -> dict[str, dict]:
        """The request table of partition p, as a fresh process would read it."""
        return copy.deepcopy(self.req_tables[p])

    def restart_matcher(self, p: int) -> None:
        """A new process takes partition p over: memory is rebuilt from the tables only. (One
        worker owning every partition forgets p and loads it again, as streams/dispatch.py.)"""
        if self.one_worker:
            m = self.matchers[p]
            m.forget_partition(p)
            m.load_partition(p, list(self.vol_tables[p].values()), self.stored_requests(p).values(), again=True)
            return
        fresh = Matcher(self.cfg)
        fresh.load_partition(p, list(self.vol_tables[p].values()), self.stored_requests(p).values())
        self.matchers[p] = fresh

    def step(self) -> bool:
        ready = [k for k, q in self.queues.items() if q]
        if not ready:
            waiting = [k for k, b in self.buffered.items() if b]
            for k in waiting:   # the commit interval passes
                self.commit(k)
            return bool(waiting)
        key = self.rng.choice(ready)
        msg = self.queues[key].popleft()
        self.now += self.step_time
        self.deliver(key[0], key[1], msg)
        if self.dup and self.rng.random() < self.dup:   # at-least-once: the same message again,
            roll = self.rng.random()                     # at once, after later messages, or
            if roll < 0.4:                               # much later (a replay after a crash)
                self.deliver(key[0], key[1], msg)
            elif roll < 0.7:
                self.queues[key].append(msg)
            else:
                self.delayed.append((key, msg))
        return True

    def drain(self, limit: int = 200_000) -> None:
        for _ in range(limit):
            if not self.step():
                return
        raise AssertionError("the system did not go quiet")

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        for key, msg in self.delayed:
            self.queues[key].append(msg)
        self.delayed = []
        for p in range(self.P):   # as streams/dispatch.py: only partitions where time matters
            if self.matchers[p].tick_due(p, self.now):
                self.send("dispatch-match", "tick", dm.MTick(at=self.now), p)
        for rid, d in self.routes.items():   # the sweeps, as streams/dispatch.py
            if d.get("unacked") and self.router.resend_due(Route.from_dict(d), self.now):
                self.send("dispatch-route", rid, dm.RResend(request_id=rid))
        for vid, d in self.desks.items():
            if d.get("hold") and self.desk.needs_check(VolunteerState.from_dict(d), self.now):
                self.send("dispatch-volunteer", vid, dm.VCheck(volunteer_id=vid, at=self.now))

    # -- scenario helpers ------------------------------------------------------------------
    def volunteer(self, lat: float, lon: float, skills=("general",), phone: str | None = None,
                  vehicle: str = "none") -> str:
        vid = uuid.UUID(int=self.rng.getrandbits(128))
        phone = phone or "+62812%07d" % self.rng.randrange(10**7)
        self.send("volunteer-registrations", str(vid), VolunteerRegistered(
            volunteer_id=vid, name="V", phone=phone, skills=[Skill(s) for s in skills],
            vehicle=vehicle, occurred_at=self.now))
        self.send("volunteer-checkins", str(vid), VolunteerCheckIn(
            volunteer_id=vid, location=Location(lat=lat, lon=lon), available=True, occurred_at=self.now))
        return str(vid)

    def request(self, lat: float | None, lon: float | None, needs=("water",), phone: str | None = None,
                urgency: str = "normal", people: int = 1, required_skills=None,
                volunteers_needed: int | None = None, text: str = "", slot_skills=None) -> str:
        rid = uuid.UUID(int=self.rng.getrandbits(128))
        loc = Location(lat=lat, lon=lon) if lat is not None else None
        contact = {"phone": phone, "preferred_channel": "sms"} if phone else None
        self.send("aid-requests", str(rid), AidRequest(
            request_id=rid, tracking_code="T" + rid.hex[:5].upper(), channel="web", location=loc,
            needs=list(needs), people=people, urgency=urgency, contact=contact, occurred_at=self.now,
            required_skills=required_skills, volunteers_needed=volunteers_needed, text=text,
            slot_skills=slot_skills))
        return str(rid)

    def reply(self, vid: str, action: str, offer_id: str | None = None, count: int | None = None) -> None:
        self.send("volunteer-replies", vid, VolunteerReply(
            volunteer_id=uuid.UUID(vid), action=action, count=count,
            offer_id=uuid.UUID(offer_id) if offer_id else None, occurred_at=self.now))

    def group(self, leader: str, members: list[str], name: str = "Karang Taruna") -> None:
        gid = uuid.UUID(int=self.rng.getrandbits(128))
        for vid, role in [(leader, "leader"), *[(m, "member") for m in members]]:
            self.send("volunteer-groups", vid, GroupMembership(
                volunteer_id=uuid.UUID(vid), group_id=gid, group_name=name, role=role,
                leader_id=uuid.UUID(leader), members=[uuid.UUID(m) for m in members] if role == "leader" else [],
                actor="coord", occurred_at=self.now))

    def vet(self, vid: str, level: str, actor: str = "coord") -> None:
        self.send("volunteer-vetting", vid, VolunteerVetted(
            volunteer_id=uuid.UUID(vid), level=level, actor=actor, occurred_at=self.now))

    def action(self, rid: str, action: str, vid: str | None = None, actor: str = "coord",
               count: int | None = None) -> None:
        self.send("coordinator-actions", rid, CoordinatorAction(
            action=action, request_id=uuid.UUID(rid), volunteer_id=uuid.UUID(vid) if vid else None,
            actor=actor, occurred_at=self.now, count=count))

    # -- observations ----------------------------------------------------------------------
    def request_state(self, rid: str):
        for m in self.matchers.values():
            if rid in m.requests:
                return m.requests[rid]
        return None

    def slots(self, rid: str) -> list:
        """The slots of a need for several people (empty for a one-person request)."""
        st = self.request_state(rid)
        return [self.request_state(k) for k in st.slots] if st is not None else []

    def holds_offer(self, rid: str, oid: str) -> bool:
        """Whether the request (or one of its slots) still counts the offer as live or taken."""
        st = self.request_state(rid)
        return st is not None and any(oid in s.offers or s.matched_offer == oid
                                      for s in [st, *self.slots(rid)] if s is not None)

    def open_offers(self) -> dict[str, list[str]]:
        """volunteer -> offer ids currently live (offered/accepted/on the way) per the desk log."""
        live: dict[str, dict[str, str]] = defaultdict(dict)
        for o in self.offers:
            v, oid = str(o.volunteer_id), str(o.offer_id)
            if o.status in OFFER_LIVE:
                live[v][oid] = o.status
            else:
                live[v].pop(oid, None)
        return {v: list(d) for v, d in live.items() if d}

    def offer_log(self) -> list[DispatchOffer]:
        """The offer log as the database keeps it (services/store.py): the first record of each
        event id, in the order of its time (tests/checks.py double_bookings)."""
        first: dict = {}
        for o in self.offers:
            first.setdefault(o.event_id, o)
        return sorted(first.values(), key=lambda o: (o.occurred_at, o.status == "offered", str(o.event_id)))

    def dispatch_rows(self) -> dict[str, DispatchOffer]:
        """offer id -> its record in the dispatches table: the latest in time wins, a tie goes
        to the later arrival (services/store.py save_offer)."""
        rows: dict[str, DispatchOffer] = {}
        for o in self.offers:
            cur = rows.get(str(o.offer_id))
            if cur is None or cur.occurred_at <= o.occurred_at:
                rows[str(o.offer_id)] = o
        return rows

    def check_no_double_booking(self, by_time: bool = False) -> None:
        """Replay the offer log in order (of arrival; `by_time`: as the database orders it):
        nobody ever has two open offers/tasks at once."""
        live: dict[str, set[str]] = defaultdict(set)
        for o in (self.offer_log() if by_time else self.offers):
            v, oid = str(o.volunteer_id), str(o.offer_id)
            if o.status == "offered":
                assert not (live[v] - {oid}), f"volunteer {v} offered {oid} while holding {live[v]}"
                live[v].add(oid)
            elif o.status in OFFER_CLOSED:
                live[v].discard(oid)
