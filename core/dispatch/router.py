"""The first stage: an accepted request goes to the matcher of its place; one without a usable
location waits here, visible to coordinators as "needs location", until it gets one.
Coordinator actions follow the request to wherever it is matched. A request sent to its matcher
is kept here until the matcher's receipt arrives, and sent again while it does not: a crash can
lose a step's outputs after its state was stored."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from siaga.core.codes import stable_uuid
from siaga.core.dispatch import triage
from siaga.core.dispatch.crew import slot_skills, volunteers_needed
from siaga.core.dispatch.outputs import FORGET, Forget, Out
from siaga.core.dispatch.routing import request_partition
from siaga.schemas import dispatch as dm
from siaga.schemas.events import AidRequest, AidRequestLocated, CoordinatorAction, SituationUpdate
from siaga.schemas.topics import Topic


@dataclass
class Route:
    request_id: str
    partition: int | None = None
    pending: dict | None = None    # the AidRequest (JSON) while it has no location
    closed: str | None = None      # cancelled / duplicate before it got a location
    unacked: dict | None = None    # the MNewRequest (JSON) sent, until the matcher's receipt
    sent_at: str | None = None

    @classmethod
    def from_dict(cls, d: dict) -> "Route":
        return cls(**d)

    def to_dict(self) -> dict:
        return asdict(self)


def snapshot(req: AidRequest, loc) -> dm.RequestSnapshot:
    c = req.contact
    return dm.RequestSnapshot(
        request_id=req.request_id, tracking_code=req.tracking_code, lat=loc.lat, lon=loc.lon,
        needs=[n.value for n in req.needs], people=req.people,
        vulnerable=[v.value for v in req.vulnerable], urgency=req.urgency.value,
        created_at=req.occurred_at, channel=req.channel.value,
        phone=c.phone if c else None, language=req.language,
        preferred_channel=c.preferred_channel if c else "none", place_name=loc.place_name,
        required_skills=list(req.required_skills) if req.required_skills else None,
        volunteers=volunteers_needed(req), slot_skills=slot_skills(req),
    )


class Router:
    def __init__(self, partitions: int, resend_after_s: float = 30.0):
        self.partitions = partitions
        self.resend_after_s = resend_after_s

    def resend_due(self, route: Route, now: datetime) -> bool:
        return route.unacked is not None and route.sent_at is not None and \
            now >= datetime.fromisoformat(route.sent_at) + timedelta(seconds=self.resend_after_s)

    def resend(self, route: Route, now: datetime) -> list[Out]:
        """The sweep's step for a request its matcher has not acknowledged."""
        if not self.resend_due(route, now):
            return []
        route.sent_at = now.isoformat()
        return [Out(Topic.DISPATCH_MATCH, route.request_id, dm.MNewRequest.model_validate(route.unacked),
                    partition=route.partition)]

    def handle(self, route: Route | None, msg, now: datetime) -> tuple[Route | Forget | None, list[Out]]:
        if isinstance(msg, AidRequest):
            return self._request(route, msg, now)
        if isinstance(msg, AidRequestLocated):
            return self._located(route, msg, now)
        if isinstance(msg, CoordinatorAction):
            return self._action(route, msg, now)
        if isinstance(msg, dm.RRouted):
            if route is not None and route.unacked is not None:
                route.unacked = None
                return route, []
            return None, []   # nothing to store
        if isinstance(msg, dm.RResend):
            return (route, self.resend(route, now)) if route is not None else (None, [])
        if isinstance(msg, dm.RForget):
            return (FORGET if route is not None else None), []   # its matcher pruned it
        return route, []

    def _forward(self, route: Route, req: AidRequest, loc, now: datetime) -> list[Out]:
        route.partition = request_partition(loc.lat, loc.lon, self.partitions)
        route.pending = None
        msg = dm.MNewRequest(request=snapshot(req, loc))
        route.unacked, route.sent_at = msg.model_dump(mode="json"), now.isoformat()
        return [Out(Topic.DISPATCH_MATCH, str(req.request_id), msg, partition=route.partition)]

    def _request(self, route: Route | None, req: AidRequest, now: datetime):
        if route is not None:
            return route, []   # a replay; the receipt decides whether to send again
        route = Route(request_id=str(req.request_id))
        if req.location is not None:
            return route, self._forward(route, req, req.location, now)
        route.pending = req.model_dump(mode="json")
        base = triage.base_priority([n.value for n in req.needs], [v.value for v in req.vulnerable],
                                    req.people, req.urgency.value)
        return route, [Out(Topic.SITUATION_UPDATES, str(req.request_id), SituationUpdate(
            event_id=stable_uuid("situation", req.request_id, "needs_location"), occurred_at=now,
            kind="request", request_id=req.request_id, status="needs_location", priority=base,
            detail={"needs": [n.value for n in req.needs], "people": req.people,
                    "urgency": req.urgency.value}, source="dispatch"))]

    def _located(self, route: Route | None, e: AidRequestLocated, now: datetime):
        if route is None or route.pending is None or route.closed:
            return route, []   # unknown, already located, or closed: nothing to do
        req = AidRequest.model_validate(route.pending)
        loc = e.location
        return route, self._forward(route, req, loc, now)

    def _action(self, route: Route | None, a: CoordinatorAction, now: datetime):
        if route is None:
            return route, []
        if route.partition is None:
            # Not matched yet (no location): only closing actions make sense here.
            if a.action in ("cancel", "duplicate", "done") and not route.closed:
                route.closed = {"cancel": "cancelled", "duplicate": "duplicate", "done": "done"}[a.action]
                return route, [Out(Topic.SITUATION_UPDATES, route.request_id, SituationUpdate(
                    event_id=stable_uuid("situation", route.request_id, "action", a.event_id),
                    occurred_at=now, kind="request", request_id=route.request_id, status=route.closed,
                    detail={"action": a.action, "actor": a.actor,
                            **({"duplicate_of": str(a.duplicate_of)} if a.duplicate_of else {})},
                    source="dispatch"))]
            return route, [Out(Topic.SITUATION_UPDATES, route.request_id, SituationUpdate(
                event_id=stable_uuid("situation", route.request_id, "action", a.event_id),
                occurred_at=now, kind="action", request_id=route.request_id, status="refused",
                detail={"action": a.action, "actor": a.actor, "refused": "request needs a location first"},
                source="dispatch"))]
        return route, [Out(Topic.DISPATCH_MATCH, route.request_id, dm.MAction(
            action_id=a.event_id, action=a.action, request_id=a.request_id, volunteer_id=a.volunteer_id,
            duplicate_of=a.duplicate_of, actor=a.actor, note=a.note, count=a.count), partition=route.partition)]
