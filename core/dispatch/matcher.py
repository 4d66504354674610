"""The matcher of one geographic partition: owns the requests located there, keeps a spatial
index of the volunteers near it, and drives each request through
offer -> accepted -> on the way -> done, or declined / expired -> next candidate -> wider
radius -> relaxed skills -> escalation. It never books anyone itself: it asks the volunteer's
desk for a reservation and acts on the answer."""
from __future__ import annotations

import copy
import heapq
from dataclasses import dataclass, field, fields
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal, cast

from siaga.core.codes import stable_uuid
from siaga.core.dispatch import dedupe, triage
from siaga.core.dispatch.notify import notification
from siaga.core.dispatch.outputs import Out
from siaga.core.dispatch.routing import shadow_partitions
from siaga.core.dispatch.shadows import Shadow, ShadowIndex
from siaga.core.dispatch.skills import search_levels
from siaga.geo.distance import haversine_m
from siaga.geo.index import VolunteerIndex
from siaga.schemas import dispatch as dm
from siaga.schemas.events import ASSIGNED_STATUSES, CLOSED_STATUSES, DROPPED_STATUSES, SituationUpdate
from siaga.schemas.events import RequestStatus as RS
from siaga.schemas.topics import Topic

FINAL = CLOSED_STATUSES
# A closed status is said once more this long after the close (RequestState.echo_at).
ECHO_AFTER_S = 10.0
DROPPED = DROPPED_STATUSES   # a slot that no longer counts toward its need
ASSIGNED = ASSIGNED_STATUSES
MAX_SLOTS = 50
# What a slot of its own carries: a one-person request that grows (a merge, a coordinator) hands
# it to its first slot and becomes the sum of its slots.
SLOT_STATE = ("status", "level", "tried", "declined", "offers", "attempt", "matched_offer", "volunteer_id",
              "escalated", "confirmed", "assigned_at", "on_the_way_at", "reminded", "next_try_at", "checked_at")


@dataclass(kw_only=True)
class MatchConfig:
    """What a deployment sets has no default here: streams/dispatch_config.py builds this from
    Settings (infra/settings.py), for the workers, the crash simulator and the tests alike."""
    radii_m: list[float]                  # the search widens in these steps (SEARCH_RADII_KM)
    offers_at_once: int
    offer_timeout_s: float
    urgent_offer_timeout_s: float
    pending_timeout_s: float = 15.0       # no answer from a desk: ask again (idempotent)
    assigned_check_s: float               # ask the desk about a confirmed task this often
    retry_s: float                        # a waiting request looks again this often
    escalate_after_s: float               # waiting this long with everyone busy -> coordinators
    urgent_escalate_after_s: float
    escalated_retry_s: float
    dedupe_radius_m: float
    dedupe_window_s: float
    phone_dedupe_radius_m: float = dedupe.PHONE_RADIUS_M
    partitions: int                       # of dispatch-match, for shadows across borders
    checkin_stale_s: float
    # Safety and no-shows: a confirmed volunteer who is not on the way within this long is
    # reminded, and after the grace the task goes to someone else (coordinators are told); one
    # on the way but not done within done_within_s is reminded, then coordinators are told.
    on_the_way_within_s: float
    done_within_s: float
    reminder_grace_s: float
    # A closed request is dropped from memory and from the table this long after it closed
    # (a late answer about it then frees the volunteer as for any unknown request); shadows
    # are dropped once older than the dedupe window. Memory follows the open work, not history.
    prune_after_s: float


class OfferState(StrEnum):
    """An offer of a request to one volunteer, as the matcher sees it."""

    pending = "pending"   # the desk was asked to reserve the volunteer; no answer yet
    live = "live"         # the desk holds the volunteer for it: they are asked


@dataclass
class Offer:
    """One outstanding offer of a request (`RequestState.offers`, by offer id)."""

    vid: str
    state: OfferState
    sent_at: str          # when the desk was (last) asked
    expires_at: str
    distance_m: float
    radius_m: float
    held_by: str | None = None     # a group leader took the task for this member
    forced_by: str | None = None   # a coordinator's assignment

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Offer:
        return cls(vid=d["vid"], state=OfferState(d["state"]), sent_at=d["sent_at"], expires_at=d["expires_at"],
                   distance_m=d["distance_m"], radius_m=d["radius_m"], held_by=d.get("held_by"),
                   forced_by=d.get("forced_by"))

    def to_dict(self) -> dict[str, Any]:
        # As stored before these were typed: held_by and forced_by only when set.
        d: dict[str, Any] = {"vid": self.vid, "state": self.state.value, "sent_at": self.sent_at,
                             "expires_at": self.expires_at, "distance_m": self.distance_m,
                             "radius_m": self.radius_m}
        if self.held_by:
            d["held_by"] = self.held_by
        if self.forced_by:
            d["forced_by"] = self.forced_by
        return d


@dataclass
class Join:
    """A second report waiting for the owner of the first (across a partition border)."""

    into: str    # the request it asks to join
    home: int    # the partition that owns that request

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Join:
        return cls(into=d["into"], home=d["home"])

    def to_dict(self) -> dict[str, Any]:
        return {"into": self.into, "home": self.home}


# Not stored: they start afresh after a restart (look again at once).
HINTS = ("next_try_at", "checked_at", "loaded")


@dataclass
class RequestState:
    request_id: str
    partition: int
    snap: dict[str, Any]             # RequestSnapshot as JSON
    base: float
    status: RS = RS.open
    level: int = 0
    tried: list[str] = field(default_factory=list)
    declined: list[str] = field(default_factory=list)
    offers: dict[str, Offer] = field(default_factory=dict)   # by offer id
    attempt: int = 0
    matched_offer: str | None = None
    volunteer_id: str | None = None
    escalated: bool = False
    reporters: list[str] = field(default_factory=list)
    verified: bool = False
    version: int = 0
    confirmed: bool = False          # the desk said it holds the task (answer to VConfirm)
    joining: Join | None = None      # a second report waiting for the owner's answer
    assigned_at: str | None = None    # when the matched volunteer was confirmed
    on_the_way_at: str | None = None
    reminded: str | None = None       # "<stage> <iso time>": the volunteer was reminded of this stage
    closed_at: str | None = None      # when it became done / cancelled / duplicate (for pruning)
    # When to say the closed status once more (ECHO_AFTER_S after closing): a kill after the
    # state was stored can cut the step's outputs short, and nothing after a close would say
    # it again, so the map would keep the request open. Stored only while due.
    echo_at: str | None = None
    # A need for several people: the request holds no offer itself, each slot is a request of
    # its own in this partition (`parent` names the need) and the need's status sums them up.
    # Outside the matcher only the need's id is seen: offers, messages and the map name it.
    parent: str | None = None
    slots: list[str] = field(default_factory=list)
    # Hints, not stored: when to look again, and when the desk last answered about the task.
    next_try_at: str | None = None
    checked_at: str | None = None
    # Loaded from the table after a restart or rebalance: the last step's outputs may have been
    # cut short, so the first update that repeats what this request already knows re-states it.
    loaded: bool = False

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RequestState:
        """From the table's JSON (or `to_dict`): a copy, nothing shared with `d`. Values stored
        before the state was typed have the same form."""
        d = copy.deepcopy(d)
        joining = d.pop("joining", None)
        return cls(**{**d, "status": RS(d.get("status", RS.open)),
                      "offers": {oid: Offer.from_dict(o) for oid, o in (d.get("offers") or {}).items()},
                      "joining": Join.from_dict(joining) if joining else None})

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON (a copy): enums as their values, offers and the join as dicts."""
        d = {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self)}
        if d["echo_at"] is None:
            del d["echo_at"]   # the stored form of a request with no echo due stays as it was
        d["status"] = self.status.value
        d["offers"] = {oid: o.to_dict() for oid, o in self.offers.items()}
        d["joining"] = self.joining.to_dict() if self.joining else None
        return d

    def durable(self) -> dict[str, Any]:
        """What must survive a restart (the table's value); the hints start afresh."""
        d = self.to_dict()
        for hint in HINTS:
            d.pop(hint)
        return d

    # dedupe.Open protocol
    @property
    def phone(self) -> str | None: return cast("str | None", self.snap.get("phone"))
    @property
    def needs(self) -> list[str]: return cast("list[str]", self.snap["needs"])
    @property
    def lat(self) -> float: return cast(float, self.snap["lat"])
    @property
    def lon(self) -> float: return cast(float, self.snap["lon"])
    @property
    def created_at(self) -> datetime: return datetime.fromisoformat(self.snap["created_at"])


class Matcher:
    """State of the partitions this process owns. `requests` maps id -> RequestState (persisted
    by the caller for every id in `dirty`); the two indexes are rebuilt from volunteer snapshots."""

    def __init__(self, cfg: MatchConfig):
        self.cfg = cfg
        self.requests: dict[str, RequestState] = {}
        self.free = VolunteerIndex()      # on duty and holding nothing
        self.duty = VolunteerIndex()      # on duty, free or busy
        self.vol_versions: dict[str, int] = {}
        self.vol_seen: dict[str, str] = {}
        self.dirty: set[str] = set()
        # Table keys the caller deletes after this step: closed requests past prune_after_s
        # (match_requests) and shadows past the dedupe window (match_volunteers, "p|rid").
        self.pruned: list[str] = []
        self.pruned_shadows: list[tuple[int, str]] = []
        self._closed: dict[int, list[tuple[str, str]]] = {}   # partition -> heap of (closed_at, rid)
        self._echoes: dict[int, list[tuple[str, str]]] = {}   # partition -> heap of (echo_at, rid)
        self._grid: dict[tuple[int, int], set[str]] = {}
        self._phones: dict[str, set[str]] = {}
        self.shadows = ShadowIndex()
        self._active: dict[int, set[str]] = {}   # partition -> ids of requests not yet closed
        # partition -> volunteers (lat, lon, skills) who became free since the last tick there
        self._freed: dict[int, list[tuple[float, float, frozenset[str]]]] = {}
        self._freed_at: dict[str, int] = {}   # volunteer -> the snapshot version that freed them

    # -- loading ---------------------------------------------------------------------------
    def load_request(self, st: RequestState) -> None:
        st.loaded = True
        self.requests[st.request_id] = st
        self._index_open(st)
        if st.status in FINAL:   # closed before pruning existed: its age counts from creation
            self._note_closed(st, st.closed_at or st.snap["created_at"])
        if st.echo_at is not None:
            heapq.heappush(self._echoes.setdefault(st.partition, []), (st.echo_at, st.request_id))

    def forget_partition(self, partition: int) -> list[str]:
        """Another worker took this partition over, or a step failed half-way: drop its
        requests and shadows from memory, with whatever the step had not yet handed over."""
        for rid in list(self._active.get(partition, ())):
            self._unindex(self.requests[rid])
        gone = [r for r, s in self.requests.items() if s.partition == partition]
        for rid in gone:
            del self.requests[rid]
            self.dirty.discard(rid)
        self.shadows.forget(partition)
        self._closed.pop(partition, None)
        self._echoes.pop(partition, None)
        self._freed.pop(partition, None)
        self._active.pop(partition, None)
        return gone

    def abandon_step(self) -> None:
        """A step failed half-way: nothing it changed is to be stored or deleted (its partition
        is forgotten and loaded again from the tables)."""
        self.dirty.clear()
        self.pruned.clear()
        self.pruned_shadows.clear()

    def load_partition(self, partition: int, snapshots: Iterable[dm.MVolunteer | dm.MShadow],
                       requests: Iterable[dict[str, Any]], again: bool = False) -> None:
        """Memory of a partition from what its tables hold: volunteer snapshots and shadows
        (the volunteer table), and the requests' stored values. After a failed step (`again`)
        snapshots already known are applied again, so its tentative reservations are undone."""
        for m in snapshots:
            if isinstance(m, dm.MVolunteer):
                self.apply_volunteer(m, partition, again=again)
            else:
                self.shadows.add(m, partition)
        for value in requests:
            self.load_request(RequestState.from_dict(value))

    def apply_volunteer(self, m: dm.MVolunteer, partition: int | None = None, again: bool = False) -> bool:
        """Update the indexes from a desk snapshot; older versions are ignored (and the same
        version too, unless `again`). Returns True when the volunteer became free."""
        vid = str(m.volunteer_id)
        known = self.vol_versions.get(vid, -1)
        if known > m.version:
            return False
        live = not (m.gone or m.lat is None or m.lon is None)
        if known == m.version and not again and (not live or self.free.get(vid) is not None):
            # The same snapshot sent to another partition this worker also owns (one worker
            # may own them all): a volunteer it freed is news to that partition's waiting
            # requests too, or they would wait for their own deadline. (A copy saying the
            # volunteer left one partition changes nothing the copy for another applied; but
            # when it came first, the copy that says where they are now is applied below.)
            if partition is not None and m.lat is not None and m.lon is not None and not m.gone \
                    and self._freed_at.get(vid) == m.version:
                self._freed.setdefault(partition, []).append((m.lat, m.lon, frozenset(m.skills)))
            return False
        self.vol_versions[vid] = m.version
        old = self.free.get(vid)
        was_free = old is not None and old.available
        moved = old is not None and (old.lat, old.lon) != (m.lat, m.lon)
        if m.gone or m.lat is None or m.lon is None:
            self._freed_at.pop(vid, None)
            self.free.remove(vid)
            self.duty.remove(vid)
            return False
        skills = frozenset(m.skills)
        self.free.upsert(vid, m.lat, m.lon, skills, available=m.free)
        self.duty.upsert(vid, m.lat, m.lon, skills, available=m.on_duty)
        if m.last_seen is not None:
            self.vol_seen[vid] = m.last_seen.isoformat()
        became_free = m.free and (not was_free or moved)   # newly in reach of someone
        if became_free:
            self._freed_at[vid] = m.version
            if partition is not None:
                self._freed.setdefault(partition, []).append((m.lat, m.lon, skills))
        return became_free

    # -- bookkeeping -----------------------------------------------------------------------
    def _index_open(self, st: RequestState) -> None:
        if st.status in FINAL:
            self._unindex(st)
            return
        self._active.setdefault(st.partition, set()).add(st.request_id)
        if st.status == RS.joining or st.snap.get("required_skills") or st.parent:
            return   # not a request to join until its owner has answered; a delivery or a slot never is
        self._grid.setdefault(dedupe.cell(st.lat, st.lon), set()).add(st.request_id)
        if st.phone:
            self._phones.setdefault(st.phone, set()).add(st.request_id)

    def _unindex(self, st: RequestState) -> None:
        self._active.get(st.partition, set()).discard(st.request_id)
        self._grid.get(dedupe.cell(st.lat, st.lon), set()).discard(st.request_id)
        if st.phone:
            self._phones.get(st.phone, set()).discard(st.request_id)

    def _nearby_open(self, partition: int, lat: float, lon: float,
                     phone: str | None) -> list[RequestState | Shadow]:
        """Open requests of this partition near the point or with this phone, then the shadows
        of its neighbours' (a superset: dedupe decides)."""
        ids: set[str] = set()
        for c in dedupe.cells_near(lat, lon, self.cfg.dedupe_radius_m):
            ids |= self._grid.get(c, set())
        if phone:
            ids |= self._phones.get(phone, set())
        own = [self.requests[i] for i in sorted(ids)
               if i in self.requests and self.requests[i].partition == partition]
        return own + self.shadows.near(partition, lat, lon, phone, self.cfg.dedupe_radius_m)

    def _touch(self, st: RequestState) -> None:
        self.dirty.add(st.request_id)

    def _situation(self, st: RequestState, now: datetime, **detail: Any) -> Out:
        """The request's status for the map; for a slot, its need's, summed up over the slots."""
        return self._status_update(st, now, detail, again=False)

    def _situation_again(self, st: RequestState, now: datetime) -> Out:
        """A closed request's last update said once more: the same version and event id, dated
        when it closed, for the store to keep if the first was lost."""
        return self._status_update(st, now, {}, again=True)

    def _status_update(self, st: RequestState, now: datetime, detail: dict[str, Any], again: bool) -> Out:
        p = self._need(st)
        vid, level, offers = st.volunteer_id, st.level, len(st.offers)
        if p.slots:
            self._settle(p)
            kids = self._kids(p)
            live = self._live(p)
            detail = {"slots": len(live), "filled": sum(k.status in ASSIGNED or k.status == RS.done for k in live),
                      "volunteers": [k.volunteer_id for k in live if k.volunteer_id], **detail}
            vid = vid if st is not p else next((k.volunteer_id for k in live if k.volunteer_id), None)
            level, offers = max((k.level for k in kids), default=0), sum(len(k.offers) for k in kids)
        if not again:
            p.version += 1
        self._touch(p)
        s = p.snap
        at = datetime.fromisoformat(p.closed_at) if again and p.closed_at else now
        ev = SituationUpdate(
            event_id=stable_uuid("situation", p.request_id, p.version), occurred_at=at,
            kind="request", request_id=p.request_id, status=p.status, lat=s["lat"], lon=s["lon"],
            priority=triage.priority(p.base, p.created_at, now), volunteer_id=vid,
            detail={"needs": s["needs"], "people": s["people"], "urgency": s["urgency"],
                    "level": level, "offers": offers, "verified": p.verified,
                    "reporters": len(p.reporters) + 1, **detail},
            source="dispatch",
        )
        return Out(Topic.SITUATION_UPDATES, p.request_id, ev)

    # -- needs for several people ----------------------------------------------------------
    def _need(self, st: RequestState) -> RequestState:
        """The request a slot belongs to (itself for any other request)."""
        return self.requests.get(st.parent, st) if st.parent else st

    def _kids(self, p: RequestState) -> list[RequestState]:
        return [self.requests[k] for k in p.slots if k in self.requests]

    def _live(self, p: RequestState) -> list[RequestState]:
        """The slots that count toward the need (not taken away, not merged)."""
        return [k for k in self._kids(p) if k.status not in DROPPED]

    def _settle(self, p: RequestState) -> None:
        """The need's status from its slots: done when every slot is, assigned when every slot
        is taken, escalated when one is, offered or open otherwise. Closed by a coordinator or a
        merge, it stays closed."""
        if p.status in FINAL or not p.slots:
            return
        live = [k.status for k in self._live(p)]
        if not live:
            status = RS.cancelled
        elif all(s == RS.done for s in live):
            status = RS.done
        elif all(s in ASSIGNED or s == RS.done for s in live):
            status = RS.matched if RS.matched in live else RS.on_the_way
        elif p.escalated or RS.escalated in live:
            status = RS.escalated
        else:
            status = RS.offered if RS.offered in live else RS.open
        if status != p.status:
            p.status = status
            self._touch(p)
            if status in FINAL:
                self._unindex(p)

    def _new_slot(self, p: RequestState, k: int) -> RequestState:
        kid = RequestState(request_id=str(stable_uuid("slot", p.request_id, k)), partition=p.partition,
                           snap=copy.deepcopy(p.snap), base=p.base, parent=p.request_id,
                           verified=p.verified)
        asked = (p.snap.get("slot_skills") or [])[k - 1:k]
        if asked and asked[0]:   # this slot asks for a skill or a vehicle: never relaxed
            kid.snap["required_skills"] = list(asked[0])
        self.requests[kid.request_id] = kid
        p.slots.append(kid.request_id)
        self._index_open(kid)
        self._touch(kid)
        self._touch(p)
        return kid

    def _ensure_slots(self, p: RequestState, now: datetime, match: bool = True) -> list[Out]:
        """As many slots as the need asks for (its text, its category, a coordinator). Slots are
        only added here; `_resize` takes unfilled ones away."""
        want = min(max(int(p.snap.get("volunteers") or 1), 1), MAX_SLOTS)
        # A need that asks something of a slot has slots even for one person: the need itself
        # searches by its needs, and is found by a second report (dedupe); its slot searches
        # by what was asked (a boat).
        least = 0 if p.snap.get("slot_skills") else 1
        if p.parent or p.status in FINAL or p.status == RS.joining or want <= max(len(p.slots), least):
            return []
        fresh: list[RequestState] = []
        if not p.slots:   # one person until now: what it has in hand becomes the first slot's
            first = self._new_slot(p, 1)
            fresh.append(first)
            blank = RequestState(request_id=p.request_id, partition=p.partition, snap=p.snap, base=p.base)
            for f in SLOT_STATE:
                setattr(first, f, copy.deepcopy(getattr(p, f)))
                setattr(p, f, copy.deepcopy(getattr(blank, f)))
            p.escalated = first.escalated
        fresh += [self._new_slot(p, k) for k in range(len(p.slots) + 1, want + 1)]
        outs: list[Out] = []
        for kid in fresh if match else ():   # (a group about to fill them: no offers first)
            outs += self._try_match(kid, now)
        return outs + [self._situation(p, now)]

    def _owner(self, rid: str, oid: str) -> RequestState | None:
        """Which request of ours an offer belongs to: desks answer with the need's id."""
        st = self.requests.get(rid)
        if st is not None and st.slots:
            for kid in self._kids(st):
                if oid in kid.offers or kid.matched_offer == oid:
                    return kid
        return st

    def _tell_requester(self, st: RequestState, template: str, params: dict[str, Any],
                        key: tuple[Any, ...]) -> list[Out]:
        if st.parent:   # the requester hears of the need: each volunteer coming, done once all are
            st = self._need(st)
            if template in ("request_done", "request_escalated") and st.status != template[len("request_"):]:
                return []
        s = st.snap
        n = notification(s.get("phone"), s.get("preferred_channel"), template, s.get("language", "id"),
                         {"code": s["tracking_code"], **params}, (st.request_id, *key),
                         request_id=st.request_id)
        return [Out(Topic.NOTIFICATIONS, str(n.notification_id), n)] if n else []

    def _timeout(self, st: RequestState) -> float:
        urgent = triage.is_urgent(st.needs, st.snap.get("urgency", "normal"))
        return self.cfg.urgent_offer_timeout_s if urgent else self.cfg.offer_timeout_s

    def _release(self, st: RequestState, oid: str, reason: str, actor: str | None = None) -> Out:
        vid = st.offers.pop(oid).vid
        return Out(Topic.DISPATCH_VOLUNTEER, vid, dm.VRelease(offer_id=oid, volunteer_id=vid,
                                                          reason=reason, actor=actor))

    # -- entry point -----------------------------------------------------------------------
    def handle(self, msg: dm.MatchMessage, partition: int, now: datetime) -> list[Out]:
        """One message of `partition`. Its changes are the caller's to store (`dirty`, `pruned`,
        `pruned_shadows`). If it raises, memory may be half-changed: the caller drops the
        partition (`forget_partition`) and loads it again from what it stored
        (`load_partition`) after `abandon_step`, so memory never holds what the tables do not."""
        outs = self._handle(msg, partition, now)
        for rid in self.dirty:   # note when requests closed, to prune them later
            st = self.requests.get(rid)
            if st is not None and st.status in FINAL and st.closed_at is None:
                self._note_closed(st, now.isoformat())
                if st.parent is None:   # the map shows needs; a slot's close is its need's update
                    self._schedule_echo(st, now)
        return outs

    def _schedule_echo(self, st: RequestState, now: datetime) -> None:
        st.echo_at = (now + timedelta(seconds=ECHO_AFTER_S)).isoformat()
        heapq.heappush(self._echoes.setdefault(st.partition, []), (st.echo_at, st.request_id))

    def _echo(self, partition: int, now: datetime) -> list[Out]:
        """Say each closed status that is due once more, with the event id it was first said
        with (the store keeps one of the two). Memory and table forget the echo afterwards."""
        heap = self._echoes.get(partition, [])
        iso = now.isoformat()
        outs: list[Out] = []
        while heap and heap[0][0] <= iso:
            at, rid = heapq.heappop(heap)
            st = self.requests.get(rid)
            if st is None or st.echo_at != at:
                continue
            st.echo_at = None
            self._touch(st)
            if st.status in FINAL:
                outs.append(self._situation_again(st, now))
        return outs

    def _note_closed(self, st: RequestState, at: str) -> None:
        st.closed_at = at
        heapq.heappush(self._closed.setdefault(st.partition, []), (at, st.request_id))

    def _cutoffs(self, now: datetime) -> tuple[str, datetime]:
        """Closed before the first and created before the second: past keeping."""
        return ((now - timedelta(seconds=self.cfg.prune_after_s)).isoformat(),
                now - timedelta(seconds=self.cfg.dedupe_window_s))

    def _prune(self, partition: int, now: datetime) -> list[Out]:
        """Drop what closed long ago; the router is told to forget the routes of the needs."""
        heap = self._closed.get(partition, [])
        cutoff, window = self._cutoffs(now)
        outs: list[Out] = []
        while heap and heap[0][0] <= cutoff:
            at, rid = heapq.heappop(heap)
            st = self.requests.get(rid)
            if st is not None and st.status in FINAL and st.closed_at == at:
                del self.requests[rid]
                self.dirty.discard(rid)
                self.pruned.append(rid)
                if not st.parent:   # slots have no route of their own
                    outs.append(Out(Topic.DISPATCH_ROUTE, rid, dm.RForget(request_id=rid)))
        self.pruned_shadows += [(partition, rid) for rid in self.shadows.expire(partition, window)]
        return outs

    def _prune_due(self, partition: int, now: datetime) -> bool:
        heap = self._closed.get(partition)
        cutoff, window = self._cutoffs(now)
        return bool(heap and heap[0][0] <= cutoff) or self.shadows.expire_due(partition, window)

    def _handle(self, msg: dm.MatchMessage, partition: int, now: datetime) -> list[Out]:
        match msg:
            case dm.MVolunteer():
                self.apply_volunteer(msg, partition)
                return []
            case dm.MNewRequest(request=snap):
                return self._new_request(snap, partition, now)
            case dm.MReservation():
                return self._reservation(msg, now)
            case dm.MOfferUpdate():
                return self._offer_update(msg, now)
            case dm.MTick():
                return self.tick(partition, now)
            case dm.MAction():
                return self._action(msg, now)
            case dm.MShadow():
                self.shadows.add(msg, partition)
                return []
            case dm.MJoin():
                return self._join_asked(msg, now)
            case dm.MJoined():
                return self._join_answered(msg, partition, now)
        return []

    def _new_request(self, snap: dm.RequestSnapshot, partition: int, now: datetime) -> list[Out]:
        rid = str(snap.request_id)
        receipt = Out(Topic.DISPATCH_ROUTE, rid, dm.RRouted(request_id=snap.request_id))
        if rid in self.requests:
            return [receipt]  # sent again: the first receipt may have been lost
        report = dedupe.Report(snap.phone, snap.needs, snap.lat, snap.lon, snap.created_at)
        # A delivery of donated goods is a task of its own, not a second report of a need.
        original = None if snap.required_skills else dedupe.find_duplicate(
            report, self._nearby_open(partition, snap.lat, snap.lon, snap.phone),
            self.cfg.dedupe_radius_m, self.cfg.dedupe_window_s, self.cfg.phone_dedupe_radius_m)
        base = triage.base_priority(snap.needs, snap.vulnerable, snap.people, snap.urgency)
        st = RequestState(request_id=rid, partition=partition, snap=snap.model_dump(mode="json"), base=base)
        self.requests[rid] = st
        self._touch(st)
        received = self._tell_requester(st, "request_received", {}, ("received",)) \
            if snap.channel in ("web", "api") else []   # SMS/WhatsApp requesters got their code in the reply
        if isinstance(original, Shadow):   # across a border: its owner decides
            st.status = RS.joining
            st.joining = Join(into=original.request_id, home=original.home)
            self._index_open(st)
            return [receipt] + received + [self._join(st, now)]
        if original is not None:
            dup_outs = self._merge(original, st, now)
            return [receipt] + dup_outs + received
        return [receipt] + received + self._open(st, now)

    def _open(self, st: RequestState, now: datetime) -> list[Out]:
        """A request that is nobody's duplicate: on the map, shadowed to its neighbours, matched."""
        self._index_open(st)
        return [self._situation(st, now)] + self._shadow(st) + \
            (self._ensure_slots(st, now) or self._try_match(st, now))

    def _shadow(self, st: RequestState) -> list[Out]:
        """The request as the partitions within dedupe reach must know it (again after a merge
        widened its needs). A lost shadow only costs a missed merge, which coordinators can make."""
        if st.snap.get("required_skills"):
            return []   # a delivery is nobody's duplicate
        reach = self.cfg.phone_dedupe_radius_m if st.phone else self.cfg.dedupe_radius_m
        shadow = dm.MShadow(request_id=st.request_id, home=st.partition, phone=st.phone, needs=st.needs,
                            lat=st.lat, lon=st.lon, created_at=st.created_at)
        return [Out(Topic.DISPATCH_MATCH, st.request_id, shadow, partition=q)
                for q in sorted(shadow_partitions(st.lat, st.lon, reach, self.cfg.partitions))]

    def _absorb(self, original: RequestState, d: dict[str, Any], dup_id: str, now: datetime) -> list[Out]:
        """Keep every reporter; the original takes the union of needs and the larger counts."""
        o = original.snap
        o["needs"] = list(dict.fromkeys(o["needs"] + d["needs"]))
        o["vulnerable"] = list(dict.fromkeys(o["vulnerable"] + d["vulnerable"]))
        o["people"] = max(o["people"], d["people"])
        o["volunteers"] = max(o.get("volunteers") or 1, d.get("volunteers") or 1)
        rank = ["low", "normal", "high", "critical"]
        o["urgency"] = max(o["urgency"], d["urgency"], key=lambda u: rank.index(u) if u in rank else 1)
        original.base = triage.base_priority(o["needs"], o["vulnerable"], o["people"], o["urgency"])
        original.reporters.append(dup_id)
        self._touch(original)
        for kid in self._kids(original):   # the slots search with the need's new needs
            kid.snap.update(needs=o["needs"], vulnerable=o["vulnerable"], people=o["people"],
                            urgency=o["urgency"], volunteers=o["volunteers"])
            kid.base = original.base
            self._touch(kid)
        return [self._situation(original, now, merged=dup_id)] + self._shadow(original) + \
            self._ensure_slots(original, now)

    def _merge(self, original: RequestState, dup: RequestState, now: datetime) -> list[Out]:
        dup.status = RS.duplicate
        return [self._situation(dup, now, duplicate_of=original.request_id)] + \
            self._absorb(original, dup.snap, dup.request_id, now)

    def _join(self, st: RequestState, now: datetime) -> Out:
        """Ask the owner of the shadowed request to take this report; asked again on the tick
        until it answers (the answer, or the question, can be lost in a crash)."""
        st.next_try_at = (now + timedelta(seconds=self.cfg.pending_timeout_s)).isoformat()
        j = st.joining
        assert j is not None, "only a joining request asks to join"
        return Out(Topic.DISPATCH_MATCH, j.into, dm.MJoin(
            into=j.into, request=dm.RequestSnapshot.model_validate(st.snap), partition=st.partition),
            partition=j.home)

    def _join_asked(self, m: dm.MJoin, now: datetime) -> list[Out]:
        o = self.requests.get(str(m.into))
        dup_id = str(m.request.request_id)
        ok = o is not None and (dup_id in o.reporters or o.status not in FINAL)
        outs: list[Out] = []
        if o is not None and ok and dup_id not in o.reporters:
            outs = self._absorb(o, m.request.model_dump(mode="json"), dup_id, now)
        return outs + [Out(Topic.DISPATCH_MATCH, dup_id, dm.MJoined(request_id=m.request.request_id, into=m.into,
                                                                ok=ok), partition=m.partition)]

    def _join_answered(self, m: dm.MJoined, partition: int, now: datetime) -> list[Out]:
        st = self.requests.get(str(m.request_id))
        if st is None or st.status != RS.joining or st.joining is None or st.joining.into != str(m.into):
            return []   # answered already
        self._touch(st)
        into = st.joining.into
        st.joining = None
        st.next_try_at = None
        if m.ok:
            st.status = RS.duplicate
            self._unindex(st)
            return [self._situation(st, now, duplicate_of=into)]
        self.shadows.drop(partition, into)   # closed meanwhile: this report stands alone
        st.status = RS.open
        return self._open(st, now)

    # -- matching --------------------------------------------------------------------------
    def _try_match(self, st: RequestState, now: datetime) -> list[Out]:
        if st.status in FINAL or st.status in ASSIGNED or st.slots:
            return []   # (a need for several people is matched slot by slot)
        outstanding = len(st.offers)
        want = self.cfg.offers_at_once - outstanding
        if want <= 0:
            return []
        levels = search_levels(st.needs, self.cfg.radii_m, st.snap.get("required_skills"))
        exclude = set(st.tried) | self._siblings(st) | {o.vid for o in st.offers.values()}
        found: list[tuple[str, float]] = []
        last_skills: frozenset[str] | None = None
        while st.level < len(levels):
            radius, skills = levels[st.level]
            if skills != last_skills:
                # One query at the widest radius of these skills answers every smaller step:
                # the nearest candidates within a step are the nearest overall.
                widest = max(r for r, sk in levels[st.level:] if sk == skills)
                found = self.free.nearest(st.lat, st.lon, widest, want, skills, exclude)
                last_skills = skills
            cands = [c for c in found if c[1] <= radius]
            if cands:
                return self._reserve(st, cands, radius, skills, now)
            if outstanding:
                return []   # widen only once the outstanding offers are answered
            st.level += 1
            self._touch(st)
        if outstanding:
            return []
        return self._exhausted(st, levels, now)

    def _bring(self, st: RequestState, m: dm.MOfferUpdate, now: datetime) -> list[Out]:
        """A group leader took the task for the group ("YA K7Q2 5"): as many of the group as
        come are held for the need's other open slots, in place of whoever those slots were
        asking; the leader names how many come, so a need with fewer open slots (a one-person
        delivery too) grows to take them all. Each member is still reserved by their own desk
        (a busy one refuses, and that slot looks for someone else), and each can decline alone."""
        if m.bring <= 1:
            return []
        p = self._need(st)
        kids = self._kids(p)
        taken = {st.volunteer_id} | {k.volunteer_id for k in kids if k.volunteer_id} | \
            {d for k in kids for d in k.declined}
        members = [str(x) for x in m.members if str(x) not in taken][:m.bring - 1]
        outs: list[Out] = []
        missing = len(members) - sum(k.status not in FINAL and k.status not in ASSIGNED for k in kids)
        if missing > 0 and p.status not in FINAL:
            count = min(max(len(self._live(p)), 1) + missing, MAX_SLOTS)
            p.snap["volunteers"] = count
            for k in kids:
                k.snap["volunteers"] = count
            outs += self._ensure_slots(p, now, match=False)
            kids = self._kids(p)
        slots = [k for k in kids if k.status not in FINAL and k.status not in ASSIGNED]
        pairs = list(zip(slots, members))
        held = {member for _k, member in pairs}
        # First every offer these slots were making, and any a held member still had on this
        # need (their desk must be free before the hold arrives, in the same order), then the holds.
        for k in slots:
            paired = any(k is q for q, _m in pairs)
            for oid in list(k.offers):
                vid = k.offers[oid].vid
                if paired or vid in held:
                    outs.append(self._release(k, oid, "withdrawn", "group" if vid in held else None))
        leader = m.volunteer_name or "Siaga"
        for k, member in pairs:
            outs += self._reserve(k, [(member, 0.0)], self.cfg.radii_m[-1], frozenset(), now, held_by=leader)
        for k in slots:   # a slot whose offer went to a member held elsewhere asks someone else
            if not k.offers and k.status == RS.offered:
                k.status = RS.escalated if k.escalated else RS.open
                outs += self._try_match(k, now)
        if pairs:
            outs.append(self._situation(st, now, group_of=str(m.volunteer_id), held=len(pairs)))
        return outs

    def _details(self, st: RequestState) -> dm.OfferDetails:
        s = st.snap
        return dm.OfferDetails(need=triage.top_need(s["needs"]), needs=s["needs"], people=s["people"],
                               place=s.get("place_name"), lat=s["lat"], lon=s["lon"],
                               tracking_code=s["tracking_code"], requester_phone=s.get("phone"),
                               crew=len(self._live(self._need(st))) or 1)

    def _siblings(self, st: RequestState) -> set[str]:
        """Who cannot take this slot: who declined it, and for a slot of a need for several
        people, whoever holds or was offered another slot or declined the need."""
        out = set(st.declined)
        if st.parent:
            for sib in self._kids(self._need(st)):
                out |= set(sib.declined) | {o.vid for o in sib.offers.values()}
                if sib.volunteer_id and sib.status not in DROPPED:
                    out.add(sib.volunteer_id)
        return out

    def _reserve(self, st: RequestState, cands: Sequence[tuple[str, float]], radius: float, skills: frozenset[str],
                 now: datetime,
                 forced_by: str | None = None, held_by: str | None = None) -> list[Out]:
        outs = []
        expires = now + timedelta(seconds=self._timeout(st))
        for vid, dist in cands:
            st.attempt += 1
            oid = str(stable_uuid("offer", st.request_id, vid, st.attempt))
            st.offers[oid] = Offer(vid=vid, state=OfferState.pending, sent_at=now.isoformat(),
                                   expires_at=expires.isoformat(), distance_m=round(dist, 1), radius_m=radius,
                                   held_by=held_by or None)
            self.free.set_available(vid, False)  # tentatively, until the desk answers
            outs.append(Out(Topic.DISPATCH_VOLUNTEER, vid, dm.VReserve(
                offer_id=oid, request_id=st.parent or st.request_id, volunteer_id=vid, partition=st.partition,
                radius_m=radius, required_skills=sorted(skills), expires_at=expires,
                forced_by=forced_by, held_by=held_by,
                details=self._details(st))))
        self._touch(st)
        return outs

    def _exhausted(self, st: RequestState, levels: list[tuple[float, frozenset[str]]], now: datetime) -> list[Out]:
        """No free candidate at any level. Wait if someone eligible is merely busy; escalate
        when nobody eligible is near, or when the wait has been too long."""
        outs: list[Out] = []
        radius, skills = levels[-1]
        busy_exists = bool(self.duty.nearest(st.lat, st.lon, radius, 1, skills, self._siblings(st)))
        urgent = triage.is_urgent(st.needs, st.snap.get("urgency", "normal"))
        limit = self.cfg.urgent_escalate_after_s if urgent else self.cfg.escalate_after_s
        waited = (now - st.created_at).total_seconds()
        if not st.escalated and (not busy_exists or waited >= limit):
            st.escalated = True
            st.status = RS.escalated
            reason = "no eligible volunteer within %d km" % (radius / 1000) if not busy_exists \
                else "all eligible volunteers busy for %d min" % (waited // 60)
            outs.append(self._situation(st, now, reason=reason))
            outs.append(Out(Topic.SITUATION_UPDATES, st.parent or st.request_id, SituationUpdate(
                event_id=stable_uuid("escalation", st.request_id), occurred_at=now, kind="escalation",
                request_id=st.parent or st.request_id, status="escalated", lat=st.lat, lon=st.lon,
                priority=triage.priority(st.base, st.created_at, now), detail={"reason": reason},
                source="dispatch")))
            outs += self._tell_requester(st, "request_escalated", {}, ("escalated",))
        elif st.status == RS.offered:
            st.status = RS.escalated if st.escalated else RS.open
            outs.append(self._situation(st, now))
        # Next round starts from the smallest radius; those who let offers lapse get another go.
        st.level = 0
        st.tried = []
        if st.escalated:   # a periodic look, besides the one when someone near becomes free
            st.next_try_at = (now + timedelta(seconds=self.cfg.escalated_retry_s)).isoformat()
        else:              # next look that time alone calls for: the escalation deadline
            deadline = st.created_at + timedelta(seconds=limit)
            st.next_try_at = max(deadline, now + timedelta(seconds=self.cfg.retry_s)).isoformat()
        self._touch(st)
        return outs

    # -- answers from desks ----------------------------------------------------------------
    def _reservation(self, m: dm.MReservation, now: datetime) -> list[Out]:
        oid = str(m.offer_id)
        st = self._owner(str(m.request_id), oid)
        if st is None or oid not in st.offers:
            if st is not None and st.matched_offer == oid:
                return []  # a repeated grant of the offer already accepted: nothing to undo
            if m.granted:  # we no longer want it (request closed, offer expired or declined)
                return [Out(Topic.DISPATCH_VOLUNTEER, str(m.volunteer_id), dm.VRelease(
                    offer_id=oid, volunteer_id=m.volunteer_id, reason="withdrawn"))]
            return []
        offer = st.offers[oid]
        self._touch(st)
        if not m.granted:
            st.offers.pop(oid)
            st.tried.append(offer.vid)
            outs = []
            if offer.forced_by:  # tell the coordinator why their assignment failed
                outs.append(self._situation(st, now, action="assign", actor=offer.forced_by,
                                            refused=m.reason, volunteer=offer.vid))
            return outs + self._try_match(st, now)
        if offer.state is OfferState.live:
            return []
        offer.state = OfferState.live
        if st.status in FINAL or st.status in ASSIGNED:
            return [self._release(st, oid, "withdrawn")]
        if offer.held_by:
            # A member held by their leader never answers: the grant is the acceptance. (The
            # desk says "accepted" too; if that was lost in a crash, waiting for it would let
            # the hold expire and lose the member.)
            return self._offer_update(dm.MOfferUpdate(
                request_id=m.request_id, offer_id=m.offer_id, volunteer_id=m.volunteer_id,
                status="accepted", volunteer_name=m.volunteer_name), now)
        outs = []
        if st.status != RS.offered:
            st.status = RS.offered
            outs.append(self._situation(st, now, volunteer=offer.vid, offer_id=oid))
        return outs

    def _offer_update(self, m: dm.MOfferUpdate, now: datetime) -> list[Out]:
        oid, vid = str(m.offer_id), str(m.volunteer_id)
        st = self._owner(str(m.request_id), oid)
        if st is None:   # not ours (any more): whoever holds it must not wait for us
            return [Out(Topic.DISPATCH_VOLUNTEER, vid, dm.VRelease(offer_id=oid, volunteer_id=vid, reason="withdrawn"))] \
                if m.status == "accepted" else []
        self._touch(st)
        name = m.volunteer_name or "Siaga"
        if m.status == "accepted":
            if st.status in FINAL:   # closed while the desk still held it: free the volunteer
                reason: Literal["done", "cancelled", "withdrawn"] = "withdrawn"
                if st.matched_offer == oid:
                    reason = "done" if st.status is RS.done else "cancelled"
                return [Out(Topic.DISPATCH_VOLUNTEER, vid, dm.VRelease(offer_id=oid, volunteer_id=vid, reason=reason))]
            if st.matched_offer == oid:  # again: confirm again (idempotent at the desk)
                return [self._confirm(st, now)] + (self._replayed(
                    st, now, "request_matched", {"volunteer": name}, ("matched", oid))
                    if st.status == RS.matched else [])
            if oid not in st.offers or st.status in ASSIGNED:
                return [Out(Topic.DISPATCH_VOLUNTEER, vid, dm.VRelease(offer_id=oid, volunteer_id=vid,
                                                                   reason="withdrawn"))]
            st.offers.pop(oid)
            outs = [self._release(st, other, "withdrawn") for other in list(st.offers)]
            st.matched_offer, st.volunteer_id = oid, vid
            st.status = RS.matched
            st.assigned_at, st.on_the_way_at, st.reminded = now.isoformat(), None, None
            st.confirmed = False
            outs.append(self._confirm(st, now))
            outs.append(self._situation(st, now, offer_id=oid))
            outs += self._tell_requester(st, "request_matched", {"volunteer": name}, ("matched", oid))
            return outs + self._bring(st, m, now)
        if m.status in ("declined", "released"):
            if oid in st.offers:
                st.offers.pop(oid)
                (st.declined if m.status == "declined" else st.tried).append(vid)
                outs = []
                if not st.offers and st.status == RS.offered:
                    st.status = RS.escalated if st.escalated else RS.open
                    outs.append(self._situation(st, now))
                return outs + self._try_match(st, now)
            if st.matched_offer == oid and st.status in ASSIGNED:
                # the assigned volunteer dropped out: find someone else
                st.matched_offer = st.volunteer_id = None
                st.status = RS.open
                st.confirmed = False
                st.declined.append(vid)
                return [self._situation(st, now)] + self._try_match(st, now)
            return []
        if st.matched_offer != oid:
            return []
        # The desk holds (or held) this task: whatever it says, it has seen the confirmation.
        st.confirmed = True
        st.checked_at = now.isoformat()
        if m.status == "confirmed":
            if st.status == RS.matched:
                return self._replayed(st, now, "request_matched", {"volunteer": name}, ("matched", oid))
            return []
        if m.status == RS.on_the_way and st.status == RS.matched:
            st.status = RS.on_the_way
            st.on_the_way_at = now.isoformat()
            return [self._situation(st, now)] + self._tell_requester(
                st, "volunteer_on_the_way", {"volunteer": name, "eta_min": "?"}, ("on_the_way", oid))
        if m.status == RS.done and st.status in ASSIGNED:
            st.status = RS.done
            self._unindex(st)
            return [self._situation(st, now)] + self._tell_requester(st, "request_done", {}, ("done",))
        if m.status == "on_the_way" and st.status is RS.on_the_way:
            return self._replayed(st, now, "volunteer_on_the_way", {"volunteer": name, "eta_min": "?"},
                                  ("on_the_way", oid))
        if m.status == "done" and st.status is RS.done:
            return self._replayed(st, now, "request_done", {}, ("done",))
        return []

    def _confirm(self, st: RequestState, now: datetime, remind: str | None = None) -> Out:
        """Tell the desk its volunteer has the task; asked again until the desk answers, and
        then now and again, since any answer of the desk's can be lost in a crash."""
        vid = st.volunteer_id
        assert vid is not None and st.matched_offer is not None, "only a matched request confirms"
        st.checked_at = now.isoformat()
        return Out(Topic.DISPATCH_VOLUNTEER, vid, dm.VConfirm(
            offer_id=st.matched_offer, volunteer_id=vid, request_id=st.parent or st.request_id,
            partition=st.partition, remind=remind))

    def _overdue(self, st: RequestState, now: datetime) -> str | None:
        """The stage whose deadline has passed for a confirmed task: on the way, or done."""
        if not st.confirmed:
            return None
        if st.status == RS.matched and st.assigned_at:
            start, within, stage = st.assigned_at, self.cfg.on_the_way_within_s, "on_the_way"
        elif st.status == RS.on_the_way and st.on_the_way_at:
            start, within, stage = st.on_the_way_at, self.cfg.done_within_s, "done"
        else:
            return None
        return stage if now >= datetime.fromisoformat(start) + timedelta(seconds=within) else None

    def _watch_due(self, st: RequestState, now: datetime) -> bool:
        stage = self._overdue(st, now)
        if stage is None:
            return False
        told, _, at = (st.reminded or "").partition(" ")
        if told != stage:
            return told != stage + "!"
        return now >= datetime.fromisoformat(at) + timedelta(seconds=self.cfg.reminder_grace_s)

    def _watch(self, st: RequestState, now: datetime) -> list[Out]:
        """Remind an overdue volunteer once; after the grace, give a no-show's task to someone
        else, or tell coordinators of a task not reported done. Both are on the situation log."""
        stage = self._overdue(st, now)
        if stage is None:
            return []
        told, _, at = (st.reminded or "").partition(" ")
        if told.rstrip("!") != stage:
            st.reminded = f"{stage} {now.isoformat()}"
            self._touch(st)
            return [self._confirm(st, now, remind=stage)]
        if told.endswith("!") or now < datetime.fromisoformat(at) + timedelta(seconds=self.cfg.reminder_grace_s):
            return []
        self._touch(st)
        alert = SituationUpdate(
            event_id=stable_uuid("overdue", st.request_id, st.matched_offer, stage), occurred_at=now,
            kind="escalation", request_id=st.parent or st.request_id, volunteer_id=st.volunteer_id,
            status="no_show" if stage == "on_the_way" else "overdue", lat=st.lat, lon=st.lon,
            detail={"stage": stage, "offer_id": st.matched_offer}, source="dispatch")
        if stage == "done":
            st.reminded = f"{stage}! {at}"   # told once; the volunteer is there, nobody is taken off
            return [Out(Topic.SITUATION_UPDATES, st.parent or st.request_id, alert)]
        vid, oid = st.volunteer_id, st.matched_offer
        assert vid is not None and oid is not None   # (overdue: a confirmed task)
        st.matched_offer = st.volunteer_id = None
        st.status, st.confirmed, st.reminded = RS.open, False, None
        st.declined.append(vid)
        release = Out(Topic.DISPATCH_VOLUNTEER, vid, dm.VRelease(offer_id=oid, volunteer_id=vid, reason="withdrawn",
                                                             actor="no-show"))
        return [release, Out(Topic.SITUATION_UPDATES, st.parent or st.request_id, alert),
                self._situation(st, now, no_show=vid)] + self._try_match(st, now)

    def _replayed(self, st: RequestState, now: datetime, template: str, params: dict[str, Any],
                  key: tuple[Any, ...]) -> list[Out]:
        """An update this request already took, heard again. Right after a restart, the step
        that first took it may have had its outputs cut short: say the current status again
        (the requester's message has a stable id, so it is still sent at most once). Otherwise
        the first step's outputs went out, and repeating them is only noise."""
        if not st.loaded:
            return []
        st.loaded = False
        return [self._situation(st, now, replayed=True)] + self._tell_requester(st, template, params, key)

    def _check_due(self, st: RequestState, now: datetime) -> bool:
        if st.checked_at is None:
            return True
        every = self.cfg.assigned_check_s if st.confirmed else self.cfg.pending_timeout_s
        return (now - datetime.fromisoformat(st.checked_at)).total_seconds() >= every

    # -- time ------------------------------------------------------------------------------
    def waiting(self, partition: int, now: datetime,
                freed: Sequence[tuple[float, float, frozenset[str]]] = ()) -> list[RequestState]:
        """Requests worth another search now, highest priority first: those due (never tried
        since a restart, or an escalation deadline passed) and those near a volunteer who has
        just become free with the skills they need. Retrying the rest would find nothing new."""
        out = []
        iso = now.isoformat()
        widest = self.cfg.radii_m[-1]
        for rid in self._active.get(partition, ()):
            st = self.requests[rid]
            if st.status in FINAL or st.status in ASSIGNED or st.status == RS.joining or st.offers or st.slots:
                continue
            due = st.next_try_at is None or st.next_try_at <= iso
            if not due and freed:
                need = search_levels(st.needs, self.cfg.radii_m, st.snap.get("required_skills"))[-1][1]
                due = any(need <= sk and haversine_m(st.lat, st.lon, a, b) <= widest
                          for a, b, sk in freed)
            if due:
                out.append(st)
        out.sort(key=lambda s: (-triage.priority(s.base, s.created_at, now), s.created_at, s.request_id))
        return out

    def tick_due(self, partition: int, now: datetime) -> bool:
        """Whether time can change anything in this partition: a live or pending offer, a
        request still waiting for a volunteer, or a task whose desk is due to be asked. Idle
        partitions get no ticks, so a quiet system writes nothing. Hints about freed volunteers
        are only for requests that wait."""
        echoes = self._echoes.get(partition)
        due = self._prune_due(partition, now) or bool(echoes and echoes[0][0] <= now.isoformat())
        for rid in self._active.get(partition, ()):
            st = self.requests[rid]
            if st.status in FINAL or st.slots:   # (its slots have their own reasons)
                continue
            if st.status not in ASSIGNED:
                return True
            due = due or self._check_due(st, now) or self._watch_due(st, now)
        self._freed.pop(partition, None)
        return due

    def tick(self, partition: int, now: datetime) -> list[Out]:
        outs: list[Out] = self._prune(partition, now) + self._echo(partition, now)
        iso = now.isoformat()
        for rid in sorted(self._active.get(partition, ())):
            st = self.requests[rid]
            if st.slots:
                continue
            if st.status in ASSIGNED and st.matched_offer:
                watched = self._watch(st, now)
                outs += watched
                if not watched and st.status in ASSIGNED and self._check_due(st, now):
                    outs.append(self._confirm(st, now))
            if st.status == RS.joining and (st.next_try_at is None or st.next_try_at <= iso):
                outs.append(self._join(st, now))
            if not st.offers:
                continue
            for oid, o in list(st.offers.items()):
                if o.state is OfferState.live and o.expires_at <= iso:
                    outs.append(self._release(st, oid, "expired"))
                    st.tried.append(o.vid)
                    self._touch(st)
                    if not st.offers and st.status == RS.offered:
                        st.status = RS.escalated if st.escalated else RS.open
                        outs.append(self._situation(st, now, expired=o.vid))
                    outs += self._try_match(st, now)
                elif o.state is OfferState.pending and \
                        (now - datetime.fromisoformat(o.sent_at)).total_seconds() > self.cfg.pending_timeout_s:
                    o.sent_at = iso  # ask the desk again with the same offer id
                    self._touch(st)
                    outs.append(self._resend(st, oid, o))
        for st in self.waiting(partition, now, self._freed.pop(partition, [])):
            outs += self._try_match(st, now)
        return outs

    def _resend(self, st: RequestState, oid: str, o: Offer) -> Out:
        levels = search_levels(st.needs, self.cfg.radii_m, st.snap.get("required_skills"))
        skills = levels[min(st.level, len(levels) - 1)][1]
        return Out(Topic.DISPATCH_VOLUNTEER, o.vid, dm.VReserve(
            offer_id=oid, request_id=st.parent or st.request_id, volunteer_id=o.vid, partition=st.partition, radius_m=o.radius_m, required_skills=sorted(skills),
            expires_at=datetime.fromisoformat(o.expires_at), forced_by=o.forced_by, held_by=o.held_by,
            details=self._details(st)))

    # -- coordinators ----------------------------------------------------------------------
    def _action(self, m: dm.MAction, now: datetime) -> list[Out]:
        st = self.requests.get(str(m.request_id))
        if st is None:
            return []
        self._touch(st)
        actor = m.actor
        if m.action == "slots":
            return self._resize(st, m, now)
        if st.slots and m.action in ("assign", "reassign"):   # into the first slot still open
            kid = next((k for k in self._kids(st) if k.status not in FINAL and k.status not in ASSIGNED), None)
            if kid is None:
                return [self._situation(st, now, action=m.action, actor=actor, refused="every slot is filled")]
            self._touch(kid)
            st = kid
        if st.slots and m.action in ("done", "cancel", "duplicate"):
            outs = []
            for kid in self._kids(st):   # every slot closes with its need
                if kid.status not in FINAL:
                    outs += self._close(kid, m, now)
            return outs + self._close(st, m, now)
        return self._act(st, m, now)

    def _close(self, st: RequestState, m: dm.MAction, now: datetime) -> list[Out]:
        """A coordinator closes the request: done, cancelled or a duplicate of another."""
        actor = m.actor
        reason = "done" if m.action == "done" else "cancelled"
        outs = [self._release(st, oid, "cancelled", actor) for oid in list(st.offers)]
        if st.matched_offer and st.volunteer_id:
            outs.append(Out(Topic.DISPATCH_VOLUNTEER, st.volunteer_id, dm.VRelease(
                offer_id=st.matched_offer, volunteer_id=st.volunteer_id, reason=reason, actor=actor)))
        st.status = {"done": RS.done, "cancel": RS.cancelled, "duplicate": RS.duplicate}[m.action]
        self._unindex(st)
        self._touch(st)
        if st.parent:
            return outs   # its need says it, once
        extra = {"duplicate_of": str(m.duplicate_of)} if m.duplicate_of else {}
        outs.append(self._situation(st, now, action=m.action, actor=actor, **extra))
        if m.action == "done":
            outs += self._tell_requester(st, "request_done", {}, ("done",))
        return outs

    def _resize(self, st: RequestState, m: dm.MAction, now: datetime) -> list[Out]:
        """A coordinator says how many people the need takes: slots are added, or unfilled ones
        (the last first) are taken away; a taken slot stays until its volunteer is done."""
        count = m.count or 0
        if st.parent or st.status in FINAL or not 1 <= count <= MAX_SLOTS:
            why = "request is closed" if st.status in FINAL else f"count must be 1 to {MAX_SLOTS}"
            return [self._situation(st, now, action="slots", actor=m.actor, refused=why)]
        st.snap["volunteers"] = count
        for kid in self._kids(st):
            kid.snap["volunteers"] = count
        outs = self._ensure_slots(st, now)
        live = self._live(st)
        for kid in reversed(live):
            if len(live) <= count:
                break
            if kid.status in ASSIGNED or kid.status == RS.done:
                continue
            outs += [self._release(kid, oid, "cancelled", m.actor) for oid in list(kid.offers)]
            kid.status = RS.cancelled
            self._unindex(kid)
            self._touch(kid)
            live.remove(kid)
        return outs + [self._situation(st, now, action="slots", actor=m.actor, count=count)]

    def _act(self, st: RequestState, m: dm.MAction, now: datetime) -> list[Out]:
        outs: list[Out] = []
        actor = m.actor
        if m.action in ("assign", "reassign") and m.volunteer_id is not None:
            if st.status in FINAL:
                return [self._situation(st, now, action=m.action, actor=actor, refused="request is closed")]
            outs += [self._release(st, oid, "withdrawn", actor) for oid in list(st.offers)]
            if st.matched_offer and st.volunteer_id:
                outs.append(Out(Topic.DISPATCH_VOLUNTEER, st.volunteer_id, dm.VRelease(
                    offer_id=st.matched_offer, volunteer_id=st.volunteer_id, reason="withdrawn", actor=actor)))
                st.matched_offer = st.volunteer_id = None
            vid = str(m.volunteer_id)
            st.status = RS.open
            st.declined = [d for d in st.declined if d != vid]
            outs += self._reserve(st, [(vid, 0.0)], self.cfg.radii_m[-1], frozenset(), now, forced_by=actor)
            oid = next(reversed(st.offers))
            st.offers[oid].forced_by = actor
            outs.append(self._situation(st, now, action=m.action, actor=actor, volunteer=vid))
            return outs
        if m.action in ("done", "cancel", "duplicate"):
            return self._close(st, m, now)
        if m.action == "verify":
            for s in [st, *self._kids(st)]:
                s.verified = True
                s.base += 10.0   # a coordinator vouched for it
                self._touch(s)
            return [self._situation(st, now, action="verify", actor=actor)]
        if m.action == "escalate":
            st.escalated = True
            if st.status not in ASSIGNED:
                st.status = RS.escalated
            return [self._situation(st, now, action="escalate", actor=actor)]
        return [self._situation(st, now, action=m.action, actor=actor, refused="unknown action")]
