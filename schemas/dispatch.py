"""Internal messages of the dispatch engine (topics dispatch-match, dispatch-volunteer and
dispatch-route).

dispatch-match is partitioned by geography (a partition = a set of H3 cells); the matcher of a
partition owns the requests located in its cells. dispatch-volunteer is keyed by volunteer id:
one desk per volunteer grants or refuses reservations (single writer, no double booking)."""
from __future__ import annotations

import uuid
from typing import Annotated, Literal, Union

from pydantic import Field, TypeAdapter

from siaga.schemas.common import Contract, UtcDatetime


class RequestSnapshot(Contract):
    request_id: uuid.UUID
    tracking_code: str
    lat: float
    lon: float
    needs: list[str]
    people: int = 1
    vulnerable: list[str] = Field(default_factory=list)
    urgency: str = "normal"
    created_at: UtcDatetime
    channel: str = "web"
    phone: str | None = None
    language: str = "id"
    preferred_channel: str = "sms"
    place_name: str | None = None
    required_skills: list[str] | None = None   # a delivery asks for a vehicle (core/dispatch/skills.py)
    volunteers: int = 1                        # how many people the need takes (one slot each)
    slot_skills: list[list[str]] | None = None  # what each slot asks of its volunteer, first slots first


# ---- to the matcher (dispatch-match, explicit partition by geography) ----

class MNewRequest(Contract):
    kind: Literal["request"] = "request"
    request: RequestSnapshot


class MVolunteer(Contract):
    """A volunteer's position/availability as the matchers near them must see it."""
    kind: Literal["volunteer"] = "volunteer"
    volunteer_id: uuid.UUID
    version: int
    lat: float | None = None
    lon: float | None = None
    skills: list[str] = Field(default_factory=list)
    on_duty: bool = False   # available and checked in recently
    free: bool = False      # on duty and holding no offer or task
    last_seen: UtcDatetime | None = None
    gone: bool = False      # no longer near this partition's cells


class MReservation(Contract):
    kind: Literal["reservation"] = "reservation"
    request_id: uuid.UUID
    offer_id: uuid.UUID
    volunteer_id: uuid.UUID
    granted: bool
    reason: str = ""
    volunteer_name: str | None = None   # a held group member: the grant is their acceptance


class MOfferUpdate(Contract):
    kind: Literal["offer_update"] = "offer_update"
    request_id: uuid.UUID
    offer_id: uuid.UUID
    volunteer_id: uuid.UUID
    # "confirmed": the desk's answer to VConfirm while the task is held and not yet under way
    status: Literal["accepted", "confirmed", "declined", "on_the_way", "done", "released"]
    volunteer_name: str | None = None
    # accepted by a group leader: how many come (the leader included), and who they can bring
    bring: int = 1
    members: list[uuid.UUID] = Field(default_factory=list)


class MTick(Contract):
    kind: Literal["tick"] = "tick"
    at: UtcDatetime


class MAction(Contract):
    kind: Literal["action"] = "action"
    action_id: uuid.UUID
    action: str
    request_id: uuid.UUID
    volunteer_id: uuid.UUID | None = None
    duplicate_of: uuid.UUID | None = None
    actor: str
    note: str | None = None
    count: int | None = None        # "slots": how many people the need takes


class MShadow(Contract):
    """An open request of a neighbouring partition, kept only so that a second report landing
    here can find it (dedupe across partition borders). Never matched here."""
    kind: Literal["shadow"] = "shadow"
    request_id: uuid.UUID
    home: int                       # the partition that owns the request
    phone: str | None = None
    needs: list[str]
    lat: float
    lon: float
    created_at: UtcDatetime


class MJoin(Contract):
    """To the owner of an open request: this new report (owned by `partition`) is a second
    report of it. Sent again until MJoined comes back."""
    kind: Literal["join"] = "join"
    into: uuid.UUID
    request: RequestSnapshot
    partition: int


class MJoined(Contract):
    """The owner's answer: joined, or not (the request closed meanwhile: carry on alone)."""
    kind: Literal["joined"] = "joined"
    request_id: uuid.UUID
    into: uuid.UUID
    ok: bool


MatchMessage = Annotated[
    Union[MNewRequest, MVolunteer, MReservation, MOfferUpdate, MTick, MAction, MShadow, MJoin, MJoined],
    Field(discriminator="kind"),
]
MATCH_ADAPTER: TypeAdapter[MatchMessage] = TypeAdapter(MatchMessage)


# ---- to a volunteer's desk (dispatch-volunteer, key = volunteer id) ----

class OfferDetails(Contract):
    need: str
    needs: list[str] = Field(default_factory=list)
    people: int = 1
    place: str | None = None
    lat: float
    lon: float
    tracking_code: str
    requester_phone: str | None = None
    crew: int = 1                      # volunteers the need takes, this one included


class VReserve(Contract):
    kind: Literal["reserve"] = "reserve"
    offer_id: uuid.UUID
    request_id: uuid.UUID
    volunteer_id: uuid.UUID
    partition: int
    radius_m: float
    required_skills: list[str] = Field(default_factory=list)
    expires_at: UtcDatetime
    details: OfferDetails
    forced_by: str | None = None   # a coordinator's assignment skips the distance/skill check
    held_by: str | None = None     # a group leader took the task for this member: held, not asked


class VRelease(Contract):
    kind: Literal["release"] = "release"
    offer_id: uuid.UUID
    volunteer_id: uuid.UUID
    reason: Literal["expired", "withdrawn", "cancelled", "done"]
    actor: str | None = None


class VConfirm(Contract):
    """The volunteer has the task. Sent again until the desk answers, then now and again: the
    desk answers with what it knows of the offer (confirmed, on the way, done, declined or
    released), so an update lost in a crash is found without waiting for a replay."""
    kind: Literal["confirm"] = "confirm"
    offer_id: uuid.UUID
    volunteer_id: uuid.UUID
    request_id: uuid.UUID | None = None   # where to answer; absent in messages of older versions
    partition: int | None = None
    remind: Literal["on_the_way", "done"] | None = None   # overdue: remind the volunteer (once)


class VCheck(Contract):
    """From the desk's own clock: a hold past its expiry, or a task its matcher has not asked
    about for a long time. Either the matcher forgot it (a release lost in a crash) or its
    answers were lost; the desk asks the matcher again, or lets an unanswered offer lapse."""
    kind: Literal["check"] = "check"
    volunteer_id: uuid.UUID
    at: UtcDatetime | None = None   # when the sweep sent it: a replay of this check is known by it


DeskMessage = Annotated[Union[VReserve, VRelease, VConfirm, VCheck], Field(discriminator="kind")]
DESK_ADAPTER: TypeAdapter[DeskMessage] = TypeAdapter(DeskMessage)


# ---- back to the router (dispatch-route, key = request id) ----

class RRouted(Contract):
    """The matcher has the request: the router stops sending it."""
    kind: Literal["routed"] = "routed"
    request_id: uuid.UUID


class RResend(Contract):
    """From the router's sweep: send the request again if its receipt is overdue."""
    kind: Literal["resend"] = "resend"
    request_id: uuid.UUID


class RForget(Contract):
    """From the matcher, once it pruned a request closed long ago (PRUNE_AFTER_S): the router
    forgets its route too, so that neither keeps a closed request for ever."""
    kind: Literal["forget"] = "forget"
    request_id: uuid.UUID


RouteMessage = Annotated[Union[RRouted, RResend, RForget], Field(discriminator="kind")]
ROUTE_ADAPTER: TypeAdapter[RouteMessage] = TypeAdapter(RouteMessage)
