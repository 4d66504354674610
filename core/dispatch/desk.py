"""The volunteer desk: the single writer of one volunteer's state. It grants a reservation only
when the volunteer holds nothing, so nobody is offered two jobs or booked twice, whatever the
matchers believe. Every handler is idempotent (messages can be delivered twice)."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from siaga.core.codes import offer_code, stable_uuid, task_token
from siaga.core.dispatch.notify import notification
from siaga.core.dispatch.outputs import Out
from siaga.core.dispatch.routing import volunteer_partitions
from siaga.core.dispatch.skills import capabilities
from siaga.geo.distance import haversine_m
from siaga.schemas import dispatch as dm
from siaga.schemas.events import (
    DispatchOffer, GroupMembership, OfferStatus, SituationUpdate, VettingLevel, VolunteerCheckIn, VolunteerRegistered,
    VolunteerReply, VolunteerVetted,
)
from siaga.schemas.topics import Topic

KEEP_CLOSED = 6   # closed offers remembered, to say a close again (a replay, a matcher's check)
KEEP_REPLIES = 16  # reply event ids remembered, to tell a replayed reply from a new one
# What the desk tells the matcher about a hold (MOfferUpdate.status).
ToMatcher = Literal["accepted", "confirmed", "declined", "on_the_way", "done", "released"]


@dataclass(kw_only=True)
class DeskConfig:
    """What a deployment sets has no default here: streams/dispatch_config.py builds this from
    Settings (infra/settings.py), with the matchers' config beside it."""
    partitions: int
    checkin_stale_s: float
    radius_slack_m: float = 500.0   # the volunteer may have moved a little since the matcher looked
    hold_grace_s: float = 60.0      # an offer this far past its expiry was lost in a crash: free them
    assigned_check_s: float         # the matcher asks about a task this often (MatchConfig)
    ask_again_s: float = 30.0       # the desk asks its matcher about a doubtful hold at most this often
    link_base: str                  # public base URL of the task pages; "" sends no link
    link_secret: bytes              # keys the task links' tokens (core.codes.task_token); b"": no link
    # A volunteer is published to every matcher partition within this: the widest search
    # radius (max of MatchConfig.radii_m), or a matcher would not see them across a border.
    reach_m: float
    # Skills a volunteer may be asked for only once a coordinator verified them (the
    # deployment's VERIFIED_ONLY_SKILLS, e.g. medical, rescue); empty: phone-confirmed is enough.
    verified_only: frozenset[str]


class HoldStatus(StrEnum):
    """Where the offer or task a volunteer holds stands, at their desk."""

    offered = "offered"          # reserved for a request; the volunteer is asked
    accepting = "accepting"      # they (or their group's leader) said yes; the matcher confirms
    task = "task"                # the matcher confirmed it: the task is theirs
    on_the_way = "on_the_way"


HOLD_OPTIONAL = ("bring", "asked_at", "checked_at", "offered_at")   # stored only once set


@dataclass(kw_only=True)
class HoldBase:
    """An offer held for a volunteer, as the desk keeps it (and the matcher's address)."""

    offer_id: str
    code: str
    request_id: str
    partition: int                 # of dispatch-match: where the matcher of the request listens
    expires_at: str
    distance_m: float | None = None
    radius_m: float | None = None
    details: dm.OfferDetails
    forced_by: str | None = None   # a coordinator's assignment
    held_by: str | None = None     # the group leader who took the task for this member
    bring: int | None = None       # a leader who accepted for the group: how many come
    asked_at: str | None = None    # when the desk last asked the matcher about it
    checked_at: str | None = None  # when the matcher last asked about it
    offered_at: str | None = None  # when the desk granted it (said again with that time)

    @staticmethod
    def _fields(d: dict[str, Any]) -> dict[str, Any]:
        """The common fields of a stored hold (a copy)."""
        d = copy.deepcopy(d)
        return {"offer_id": d["offer_id"], "code": d["code"], "request_id": d["request_id"],
                "partition": d["partition"], "expires_at": d["expires_at"], "distance_m": d.get("distance_m"),
                "radius_m": d.get("radius_m"), "details": dm.OfferDetails.model_validate(d["details"]),
                "forced_by": d.get("forced_by"), "held_by": d.get("held_by"),
                **{k: d.get(k) for k in HOLD_OPTIONAL}}

    def _dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "offer_id": self.offer_id, "code": self.code, "request_id": self.request_id,
            "partition": self.partition, "expires_at": self.expires_at, "distance_m": self.distance_m,
            "radius_m": self.radius_m, "details": self.details.model_dump(mode="json"),
            "forced_by": self.forced_by, "held_by": self.held_by}
        for k in HOLD_OPTIONAL:
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        return d


@dataclass(kw_only=True)
class Hold(HoldBase):
    status: HoldStatus

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Hold:
        return cls(**cls._fields(d), status=HoldStatus(d["status"]))

    def to_dict(self) -> dict[str, Any]:
        return {**self._dict(), "status": self.status.value}


@dataclass(kw_only=True)
class ClosedHold(HoldBase):
    """A hold that ended (done, declined, expired, withdrawn), kept to say its close again with
    the same records and the same time: to a replay of the message that closed it (a crash can
    cut a step's outputs short after its state was stored, and the inputs since the last
    commit then come again to a state that may hold the next offer already), or to a matcher
    asking about the offer. Stored as the hold was, with its status replaced by the offer's
    last one."""

    status: OfferStatus                  # as on the offer log (DispatchOffer.status)
    to_matcher: ToMatcher | None = None  # what the matcher was told
    notify: str | None = None            # the template the volunteer got, if any
    actor: str | None = None             # on the offer log
    closed_at: str | None = None         # None: closed by a version that did not keep it
    by: str | None = None                # the message that closed it (Desk.cause)

    @classmethod
    def of(cls, h: HoldBase, status: OfferStatus, to_matcher: ToMatcher | None, notify: str | None,
           actor: str | None, closed_at: datetime) -> ClosedHold:
        return cls(**{f.name: copy.deepcopy(getattr(h, f.name)) for f in fields(HoldBase)},
                   status=status, to_matcher=to_matcher, notify=notify, actor=actor,
                   closed_at=closed_at.isoformat())

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ClosedHold:
        return cls(**cls._fields(d), status=d["status"], to_matcher=d.get("to_matcher"), notify=d.get("notify"),
                   actor=d.get("actor"), closed_at=d.get("closed_at"), by=d.get("by"))

    def when(self, now: datetime) -> datetime:
        """When it closed: what its records say again (`now` for a close kept before closed_at)."""
        return _at(self.closed_at) if self.closed_at else now

    def to_dict(self) -> dict[str, Any]:
        return {**self._dict(), "status": self.status, "to_matcher": self.to_matcher, "notify": self.notify,
                **{k: getattr(self, k) for k in CLOSED_OPTIONAL if getattr(self, k) is not None}}


CLOSED_OPTIONAL = ("actor", "closed_at", "by")   # stored only once set


@dataclass
class Group:
    """The volunteer's group (GroupMembership): a leader keeps whom they can bring."""

    id: str
    name: str
    role: Literal["leader", "member"]
    leader: str
    members: list[str] = field(default_factory=list)   # the leader's only

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Group:
        return cls(id=d["id"], name=d["name"], role=d["role"], leader=d["leader"], members=list(d.get("members") or []))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "leader": self.leader,
                "members": list(self.members)}


@dataclass
class VolunteerState:
    volunteer_id: str
    registered: bool = False
    name: str = ""
    phone: str | None = None
    language: str = "id"
    channel: str = "sms"
    skills: list[str] = field(default_factory=list)
    vehicle: str = "none"
    capacity: int = 1
    available: bool = False
    lat: float | None = None
    lon: float | None = None
    last_seen: str | None = None
    version: int = 0
    partitions: list[int] = field(default_factory=list)
    hold: Hold | None = None
    # The last holds closed by the volunteer (done, declined), newest last: a replay of that
    # reply, or a matcher asking about the offer, is answered with the same records again.
    closed: list[ClosedHold] = field(default_factory=list)
    # The last reply events handled, newest last. After a crash the replies since the last
    # committed offset are delivered again to a state that already holds their effects.
    replies: list[str] = field(default_factory=list)
    vetting: VettingLevel = "confirmed"
    group: Group | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> VolunteerState:
        """From the table's JSON: a copy, nothing shared with `d`. Values stored before the
        state was typed have the same form (and an older one kept a single closed hold)."""
        d = copy.deepcopy(d)
        c = d.get("closed")
        closed = [c] if isinstance(c, dict) else list(c or [])
        return cls(**{**d, "hold": Hold.from_dict(d["hold"]) if d.get("hold") else None,
                      "closed": [ClosedHold.from_dict(x) for x in closed],
                      "group": Group.from_dict(d["group"]) if d.get("group") else None})

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON (a copy), as the table stores it."""
        d = {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self)}
        d["hold"] = self.hold.to_dict() if self.hold else None
        d["closed"] = [c.to_dict() for c in self.closed]
        d["group"] = self.group.to_dict() if self.group else None
        return d

    def on_duty(self, now: datetime, stale_s: float) -> bool:
        if not (self.registered and self.available and self.capacity > 0 and self.lat is not None) \
                or self.vetting == "suspended":
            return False
        return self.last_seen is not None and (now - datetime.fromisoformat(self.last_seen)).total_seconds() <= stale_s


# What reaches a desk: events about the volunteer, and the matchers' messages.
DeskInput = (VolunteerRegistered | VolunteerCheckIn | VolunteerVetted | GroupMembership | VolunteerReply
             | dm.VReserve | dm.VRelease | dm.VConfirm | dm.VCheck)


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def _find(closed: list[ClosedHold], offer_id: str | None = None, code: str | None = None) -> ClosedHold | None:
    return next((c for c in reversed(closed)
                 if (offer_id is None or c.offer_id == offer_id) and (code is None or c.code == code)), None)


def _offer_event(hold: HoldBase, vid: str, status: OfferStatus, now: datetime, actor: str | None = None) -> Out:
    ev = DispatchOffer(
        event_id=stable_uuid("offer-event", hold.offer_id, status), occurred_at=now,
        offer_id=hold.offer_id, offer_code=hold.code, request_id=hold.request_id,
        volunteer_id=vid, status=status, distance_m=hold.distance_m,
        radius_m=hold.radius_m, expires_at=hold.expires_at, actor=actor,
        source="dispatch",
    )
    return Out(Topic.DISPATCH_OFFERS, hold.request_id, ev)


class Desk:
    def __init__(self, cfg: DeskConfig):
        self.cfg = cfg

    # -- helpers ---------------------------------------------------------------------------
    def _publish(self, st: VolunteerState, now: datetime) -> list[Out]:
        """Tell every matcher near the volunteer where they are and whether they are free."""
        st.version += 1
        on_duty = st.on_duty(now, self.cfg.checkin_stale_s)
        new = sorted(volunteer_partitions(st.lat, st.lon, self.cfg.partitions, self.cfg.reach_m)) \
            if st.lat is not None and st.lon is not None else []
        outs = []
        for p in sorted(set(st.partitions) - set(new)):
            outs.append(Out(Topic.DISPATCH_MATCH, st.volunteer_id, dm.MVolunteer(
                volunteer_id=st.volunteer_id, version=st.version, gone=True), partition=p))
        for p in new:
            outs.append(Out(Topic.DISPATCH_MATCH, st.volunteer_id, dm.MVolunteer(
                volunteer_id=st.volunteer_id, version=st.version, lat=st.lat, lon=st.lon,
                skills=self._capabilities(st), on_duty=on_duty, free=on_duty and st.hold is None,
                last_seen=st.last_seen), partition=p))
        st.partitions = new
        if st.lat is not None:
            outs.append(Out(Topic.SITUATION_UPDATES, st.volunteer_id, SituationUpdate(
                kind="volunteer", volunteer_id=st.volunteer_id, lat=st.lat, lon=st.lon,
                status=("busy" if st.hold else "available") if on_duty else "unavailable",
                detail={"skills": st.skills, "vehicle": st.vehicle}, occurred_at=now,
                source="dispatch")))
        return outs

    def _capabilities(self, st: VolunteerState) -> list[str]:
        """What the matcher may ask of this volunteer: skills kept for verified volunteers
        count only once a coordinator verified them."""
        caps = capabilities(st.skills, st.vehicle)
        return caps if st.vetting == "verified" else [c for c in caps if c not in self.cfg.verified_only]

    def _to_matcher(self, st: VolunteerState, status: ToMatcher, hold: HoldBase | None = None) -> Out:
        h = hold or st.hold
        assert h is not None, "an update about a hold needs the hold"
        bring = h.bring or 1   # a leader who accepted for the group: every resend says so
        members = self._members(st) if bring > 1 else []
        return Out(Topic.DISPATCH_MATCH, h.request_id, dm.MOfferUpdate(
            request_id=h.request_id, offer_id=h.offer_id, volunteer_id=st.volunteer_id,
            status=status, volunteer_name=st.name or None, bring=bring, members=members),
            partition=h.partition)

    @staticmethod
    def _members(st: VolunteerState) -> list[str]:
        g = st.group
        return list(g.members) if g and g.role == "leader" else []

    def _tell(self, st: VolunteerState, template: str, params: dict[str, Any], key: tuple[Any, ...],
              hold: HoldBase | None = None) -> list[Out]:
        h = hold or st.hold
        n = notification(st.phone, st.channel, template, st.language, params, key,
                         request_id=h.request_id if h else None, volunteer_id=st.volunteer_id)
        return [Out(Topic.NOTIFICATIONS, str(n.notification_id), n)] if n else []

    def _matches(self, st: VolunteerState, reply: VolunteerReply) -> bool:
        h = st.hold
        if h is None:
            return False
        if reply.offer_id is not None:
            return str(reply.offer_id) == h.offer_id
        return reply.offer_code is None or reply.offer_code == h.code

    def _close(self, st: VolunteerState, status: OfferStatus, now: datetime, notify: str | None,
               actor: str | None = None, to_matcher: ToMatcher | None = None) -> list[Out]:
        """The hold ends with `status`; it is kept among the closed ones (handle stamps `by`)."""
        h = st.hold
        assert h is not None, "only a hold can be closed"
        c = ClosedHold.of(h, status, to_matcher, notify, actor, now)
        st.closed = ([x for x in st.closed if x.offer_id != h.offer_id] + [c])[-KEEP_CLOSED:]
        st.hold = None
        return self._said(st, c, now, notify=True) + self._publish(st, now)

    def _said(self, st: VolunteerState, c: ClosedHold, now: datetime, notify: bool) -> list[Out]:
        """What a close says, dated when it happened: every record has a stable id, so whoever
        got it the first time ignores it, and the offer log keeps the true order."""
        outs = [_offer_event(c, st.volunteer_id, c.status, c.when(now), c.actor)]
        if c.to_matcher:
            outs.append(self._to_matcher(st, c.to_matcher, c))
        if notify and c.notify:
            outs += self._tell(st, c.notify, {"code": c.code}, (c.offer_id, c.status), c)
        return outs

    def _replayed_close(self, st: VolunteerState, r: VolunteerReply, now: datetime) -> list[Out] | None:
        """A reply about the offer this volunteer closed last, while they hold nothing (not the
        reply that closed it: handle says that one again): a second "done" by SMS, or a replay
        of a close stored by a version that did not keep `by`. Say the close again."""
        if r.offer_id is not None:
            c = _find(st.closed, offer_id=str(r.offer_id))
        elif r.offer_code is not None:
            c = _find(st.closed, code=r.offer_code)
        else:   # a bare "done" or "no" can only mean the last offer closed that way
            c = next((x for x in reversed(st.closed) if x.to_matcher in ("done", "declined")), None)
        if c is None or c.by == str(r.event_id) or {"done": "done", "decline": "declined"}.get(r.action) != c.to_matcher:
            return None
        return self._said(st, c, now, notify=True) + self._publish(st, now)

    # -- entry point -----------------------------------------------------------------------
    def handle(self, st: VolunteerState | None, msg: DeskInput, now: datetime) -> tuple[VolunteerState, list[Out]]:
        vid = str(getattr(msg, "volunteer_id", "") or "")
        if st is None:
            st = VolunteerState(volunteer_id=vid)
        cause = self.cause(msg)
        # Delivered again (the inputs since the last commit come again after a crash): say
        # again what this message closed, whatever the volunteer holds now. The rest of the
        # step is idempotent and runs as usual.
        again = [x for c in st.closed if cause and c.by == cause for x in self._said(st, c, now, notify=True)]
        before = {id(c) for c in st.closed}
        pre = self._lapsed(st, msg, now)
        st, outs = self._dispatch(st, msg, now)
        for c in st.closed:
            if id(c) not in before:
                c.by = cause
        return st, again + pre + outs

    @staticmethod
    def cause(msg: DeskInput) -> str | None:
        """What tells a message delivered again from a new one."""
        match msg:
            case dm.VReserve() | dm.VRelease() | dm.VConfirm():
                return f"{msg.kind}:{msg.offer_id}"
            case dm.VCheck():
                return f"check:{msg.at.isoformat()}" if msg.at else None
        return str(msg.event_id)

    def needs_check(self, st: VolunteerState, now: datetime) -> bool:
        """Whether this volunteer's hold looks forgotten: an offer well past its expiry, or a
        task the matcher has stopped asking about. The worker's sweep sends VCheck for these."""
        h = st.hold
        if h is None:
            return False
        if h.asked_at and now < _at(h.asked_at) + timedelta(seconds=self.cfg.ask_again_s):
            return False
        if h.status in (HoldStatus.offered, HoldStatus.accepting):
            return now >= _at(h.expires_at) + timedelta(seconds=self.cfg.hold_grace_s)
        heard = h.checked_at or h.expires_at
        return now >= _at(heard) + timedelta(seconds=3 * self.cfg.assigned_check_s)

    def _check(self, st: VolunteerState, now: datetime) -> list[Out]:
        h = st.hold
        if h is None or not self.needs_check(st, now):
            return []   # answered meanwhile, or a duplicate
        if h.status is HoldStatus.offered:   # never answered: it lapsed, whatever the matcher heard
            return self._close(st, "expired", now, "offer_expired", to_matcher="released")
        # Accepted or working: tell the matcher again; it confirms the task or withdraws it.
        h.asked_at = now.isoformat()
        return [self._to_matcher(st, "accepted")]

    def _lapsed(self, st: VolunteerState, msg: DeskInput, now: datetime) -> list[Out]:
        """The matcher releases expired offers; if that release was lost (a crash between state
        and send), the next message for this volunteer frees them instead of leaving them held."""
        h = st.hold
        if h is None or h.status is not HoldStatus.offered or isinstance(msg, (dm.VRelease, dm.VConfirm, dm.VCheck)):
            return []
        if isinstance(msg, dm.VReserve) and str(msg.offer_id) == h.offer_id:
            return []
        if now < _at(h.expires_at) + timedelta(seconds=self.cfg.hold_grace_s):
            return []
        return self._close(st, "expired", now, "offer_expired", to_matcher="released")

    def _dispatch(self, st: VolunteerState, msg: DeskInput, now: datetime) -> tuple[VolunteerState, list[Out]]:
        match msg:
            case VolunteerRegistered():
                return st, self._registered(st, msg, now)
            case VolunteerCheckIn():
                return st, self._checkin(st, msg, now)
            case VolunteerVetted():
                return st, self._vetted(st, msg, now)
            case GroupMembership():
                return st, self._grouped(st, msg)
            case VolunteerReply():
                return st, self._reply(st, msg, now)
            case dm.VReserve():
                return st, self._reserve(st, msg, now)
            case dm.VRelease():
                return st, self._release(st, msg, now)
            case dm.VConfirm():
                return st, self._confirm(st, msg, now)
            case dm.VCheck():
                return st, self._check(st, now)
        return st, []

    def _registered(self, st: VolunteerState, e: VolunteerRegistered, now: datetime) -> list[Out]:
        st.registered = True
        st.name, st.phone, st.language = e.name, e.phone, e.language
        st.channel = e.preferred_channel
        st.skills = sorted(s.value for s in e.skills)
        st.vehicle = e.vehicle.value
        if st.lat is None and e.home_location is not None:
            st.lat, st.lon = e.home_location.lat, e.home_location.lon
        return self._publish(st, now)

    def _vetted(self, st: VolunteerState, e: VolunteerVetted, now: datetime) -> list[Out]:
        st.vetting = e.level
        if e.level == "suspended" and st.hold is not None:
            # Off duty at once: an offer goes to someone else, a task too (the matcher finds
            # another volunteer and tells the requester); the volunteer is told it was withdrawn.
            return self._close(st, "withdrawn", now, "offer_withdrawn", actor=e.actor,
                               to_matcher="declined")
        return self._publish(st, now)

    def _grouped(self, st: VolunteerState, e: GroupMembership) -> list[Out]:
        st.group = None if e.role == "none" else Group(
            id=str(e.group_id), name=e.group_name, role=e.role, leader=str(e.leader_id),
            members=[str(m) for m in e.members if str(m) != st.volunteer_id] if e.role == "leader" else [])
        return []

    def _checkin(self, st: VolunteerState, e: VolunteerCheckIn, now: datetime) -> list[Out]:
        at = e.occurred_at.isoformat()
        if st.last_seen and at < st.last_seen:
            return []  # an older check-in arriving late must not move the volunteer back
        st.last_seen = at
        st.available, st.capacity = e.available, e.capacity
        if e.location is not None:
            st.lat, st.lon = e.location.lat, e.location.lon
        if e.skills:
            st.skills = sorted(s.value for s in e.skills)
        if e.vehicle:
            st.vehicle = e.vehicle.value
        outs: list[Out] = []
        if not e.available and st.hold and st.hold.status in (HoldStatus.offered, HoldStatus.accepting):
            return self._close(st, "declined", now, None, to_matcher="declined")
        return outs + self._publish(st, now)

    def _reply(self, st: VolunteerState, r: VolunteerReply, now: datetime) -> list[Out]:
        replayed = str(r.event_id) in st.replies
        if not replayed:
            st.replies = (st.replies + [str(r.event_id)])[-KEEP_REPLIES:]
        ack = ("ack", r.event_id)
        if r.action == "unavailable":
            st.available = False
            outs = self._tell(st, "unavailable_ok", {}, ack)
            if st.hold and st.hold.status in (HoldStatus.offered, HoldStatus.accepting):
                return outs + self._close(st, "declined", now, None, to_matcher="declined")
            return outs + self._publish(st, now)
        if r.action == "available":
            st.available = True
            st.last_seen = max(st.last_seen or "", now.isoformat())
            return self._tell(st, "available_ok", {}, ack) + self._publish(st, now)
        if r.action == "sos":
            return self._sos(st, r, now)
        if not self._matches(st, r):
            again = self._replayed_close(st, r, now) if st.hold is None else None
            if again is not None:
                return again
            if replayed:   # answered the first time, when the offer was still held: nothing to say
                return []
            if r.offer_code:  # an old or unknown code: say so instead of silence
                return self._tell(st, "offer_not_found", {"code": r.offer_code}, ack)
            return []
        h = st.hold
        assert h is not None   # (_matches)
        if r.action == "accept":
            if h.status is HoldStatus.offered:
                h.status = HoldStatus.accepting
                members = self._members(st)
                if r.count and members:   # "YA K7Q2 5": the leader and four members
                    h.bring = min(r.count, 1 + len(members))
            if h.status is HoldStatus.accepting:
                return [self._to_matcher(st, "accepted")]
            return []
        if r.action == "decline":
            # After acceptance too ("can't make it"): the matcher finds someone else.
            return self._close(st, "declined", now, "decline_ok", to_matcher="declined")   # (any status)
        if r.action == "on_the_way":
            # "accepting" too: the confirmation may still be on its way, the volunteer is not
            if h.status in (HoldStatus.task, HoldStatus.accepting):
                h.status = HoldStatus.on_the_way
                return [_offer_event(h, st.volunteer_id, "on_the_way", now),
                        self._to_matcher(st, "on_the_way")] + self._tell(
                    st, "on_the_way_ok", {"code": h.code}, (h.offer_id, "on_the_way"))
            return []
        if r.action == "done":
            if h.status in (HoldStatus.task, HoldStatus.on_the_way, HoldStatus.accepting):
                return self._close(st, "done", now, "checkin_ok", to_matcher="done")
            return []
        return []

    def _sos(self, st: VolunteerState, r: VolunteerReply, now: datetime) -> list[Out]:
        """A volunteer in trouble: an urgent alert to coordinators with their last position and
        task, whatever state the task is in; the volunteer hears that it was passed on."""
        h = st.hold
        alert = SituationUpdate(
            event_id=stable_uuid("sos", r.event_id), occurred_at=now, kind="escalation", status="sos",
            volunteer_id=st.volunteer_id, request_id=h.request_id if h else None, lat=st.lat, lon=st.lon,
            detail={"offer_id": h.offer_id if h else None, "task": h.code if h else None,
                    "last_seen": st.last_seen}, source="dispatch")
        return [Out(Topic.SITUATION_UPDATES, h.request_id if h else st.volunteer_id, alert)] + self._tell(
            st, "sos_ok", {}, ("ack", r.event_id))

    def _reserve(self, st: VolunteerState, m: dm.VReserve, now: datetime) -> list[Out]:
        oid = str(m.offer_id)

        def refuse(reason: str) -> list[Out]:
            return [Out(Topic.DISPATCH_MATCH, str(m.request_id), dm.MReservation(
                request_id=m.request_id, offer_id=m.offer_id, volunteer_id=m.volunteer_id,
                granted=False, reason=reason), partition=m.partition)]

        if st.hold is not None:
            if st.hold.offer_id == oid:  # a retry: answer the same again
                h = st.hold
                offered = [_offer_event(h, st.volunteer_id, "offered", _at(h.offered_at), m.forced_by or m.held_by)] \
                    if h.offered_at else []
                return offered + [Out(Topic.DISPATCH_MATCH, str(m.request_id), dm.MReservation(
                    request_id=m.request_id, offer_id=m.offer_id, volunteer_id=m.volunteer_id,
                    granted=True, volunteer_name=(st.name or None) if st.hold.held_by else None),
                    partition=m.partition)] + (
                    [self._to_matcher(st, "accepted")] if st.hold.held_by else self._offer_notice(st, now))
            return refuse("busy")
        if st.vetting == "suspended":   # not even a coordinator's direct assignment
            return refuse("suspended")
        if not st.on_duty(now, self.cfg.checkin_stale_s):
            return refuse("not on duty")
        assert st.lat is not None and st.lon is not None   # (on duty)
        d = haversine_m(st.lat, st.lon, m.details.lat, m.details.lon)
        if m.forced_by is None and m.held_by is None:
            if d > m.radius_m + self.cfg.radius_slack_m:
                return refuse("moved out of range")
            if not set(m.required_skills) <= set(self._capabilities(st)):
                return refuse("skills changed")
        st.hold = h = Hold(
            offer_id=oid, code=offer_code(m.offer_id), request_id=str(m.request_id),
            partition=m.partition, status=HoldStatus.offered, expires_at=m.expires_at.isoformat(),
            distance_m=round(d, 1), radius_m=m.radius_m, details=m.details.model_copy(deep=True),
            forced_by=m.forced_by, held_by=m.held_by, offered_at=now.isoformat(),
        )
        outs = [_offer_event(h, st.volunteer_id, "offered", now, m.forced_by or m.held_by),
                Out(Topic.DISPATCH_MATCH, str(m.request_id), dm.MReservation(
                    request_id=m.request_id, offer_id=m.offer_id, volunteer_id=m.volunteer_id,
                    granted=True, volunteer_name=(st.name or None) if m.held_by else None),
                    partition=m.partition)]
        if m.held_by:   # their leader accepted for them: held at once, told with the confirmation
            h.status = HoldStatus.accepting
            outs.append(self._to_matcher(st, "accepted"))
        else:
            outs += self._offer_notice(st, now)
        return outs + self._publish(st, now)

    def _link(self, h: HoldBase) -> str:
        """The {link} of the offer texts: "" without a configured base and secret, else a space
        and the task page's URL (same token on a replay, so the same message body)."""
        if not (self.cfg.link_base and self.cfg.link_secret):
            return ""
        return f" {self.cfg.link_base.rstrip('/')}/t/{task_token(self.cfg.link_secret, h.offer_id)}"

    def _offer_notice(self, st: VolunteerState, now: datetime) -> list[Out]:
        h = st.hold
        assert h is not None, "an offer notice is about the hold"
        det = h.details
        # Coarse (~1 km) until accepted: the exact point comes with the confirmation.
        place = det.place or f"{det.lat:.2f},{det.lon:.2f}"
        crew = det.crew or 1   # one of several: say so, they will not be alone
        template = "offer_crew" if crew > 1 else "offer"
        if self._members(st):   # a leader may bring the group (the need grows to take them)
            template = "offer_group"
        return self._tell(st, template,
                          {"need": det.need, "place": place,
                           "distance_km": round((h.distance_m or 0.0) / 1000.0, 1),
                           "people": det.people, "code": h.code, "crew": crew,
                           "group": st.group.name if st.group else "", "link": self._link(h)},
                          (h.offer_id, "offered"))

    def _release(self, st: VolunteerState, m: dm.VRelease, now: datetime) -> list[Out]:
        h = st.hold
        if h is None or h.offer_id != str(m.offer_id):
            return []  # already released (a duplicate) or never held
        if m.reason == "expired":
            if h.status is HoldStatus.accepting:
                # Accepted in time, yet the matcher let it expire: our update may have been lost
                # in a crash. Say it again; the matcher confirms it or withdraws it, never neither.
                return [self._to_matcher(st, "accepted")]
            if h.status is not HoldStatus.offered:
                return []
            return self._close(st, "expired", now, "offer_expired")
        if m.reason == "done":
            return self._close(st, "done", now, None, actor=m.actor)
        # A group member's own offer gives way to the hold their leader took: the confirmation
        # that follows says it all.
        notice = {"no-show": "task_reassigned", "group": None}.get(m.actor or "", "offer_withdrawn")
        return self._close(st, "withdrawn", now, notice, actor=m.actor)

    def _confirm(self, st: VolunteerState, m: dm.VConfirm, now: datetime) -> list[Out]:
        """The matcher gives the volunteer the task, or asks again how it stands. Answer with
        what this desk knows of the offer, so an update lost on the way is sent again."""
        oid = str(m.offer_id)
        h = st.hold
        if h is not None and h.offer_id == oid:
            h.checked_at = now.isoformat()
            working = h.status in (HoldStatus.task, HoldStatus.on_the_way)
            remind = self._tell(st, f"task_remind_{m.remind}", {"code": h.code, "link": self._link(h)},
                                (oid, "remind", m.remind)) if m.remind and working else []
            if h.status is HoldStatus.on_the_way:
                return remind + [self._to_matcher(st, "on_the_way")]
            h.status = HoldStatus.task
            det = h.details
            place = det.place or f"{det.lat:.5f},{det.lon:.5f}"
            outs = remind + [_offer_event(h, st.volunteer_id, "accepted", now)]
            outs += self._tell(st, "group_confirmed" if h.held_by else "offer_confirmed", {
                "code": h.code, "need": det.need, "place": place, "leader": h.held_by or "",
                "contact": det.requester_phone or det.tracking_code, "link": self._link(h)},
                (h.offer_id, "confirmed"))
            return outs + [self._to_matcher(st, "confirmed")]
        if m.request_id is None or m.partition is None:
            return []   # from an older version: no address to answer to
        c = _find(st.closed, offer_id=oid)
        if c is not None and c.to_matcher in ("done", "declined"):   # closed by the volunteer: the matcher missed it
            return self._said(st, c, now, notify=False) + self._publish(st, now)
        # Released, expired or never held here: the matcher must find someone else.
        said = [_offer_event(c, st.volunteer_id, c.status, c.when(now), c.actor)] if c else []
        return said + [Out(Topic.DISPATCH_MATCH, str(m.request_id), dm.MOfferUpdate(
            request_id=m.request_id, offer_id=m.offer_id, volunteer_id=m.volunteer_id,
            status="released", volunteer_name=st.name or None), partition=m.partition)]
