"""Event contracts carried on the topics (see schemas/topics.py). One model per event type."""
from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from siaga.schemas.common import (
    Capability,
    Channel,
    Contact,
    Contract,
    Language,
    Location,
    NeedCategory,
    Skill,
    Urgency,
    UtcDatetime,
    Vehicle,
    Vulnerable,
)
from siaga.schemas.envelope import Event, register

MAX_TEXT = 2000

RequestStatus = Literal[
    "received", "needs_location", "open", "offered", "matched", "on_the_way", "done",
    "escalated", "cancelled", "duplicate",
]


@register
class AidRequest(Event):
    """A person (or someone on their behalf) asks for help."""

    TYPE = "aid_request.submitted"
    request_id: uuid.UUID
    tracking_code: str = Field(pattern=r"^[A-Z0-9]{4,10}$")
    channel: Channel
    contact: Contact | None = None
    location: Location | None = None
    needs: list[NeedCategory] = Field(min_length=1, max_length=10)
    people: int = Field(default=1, ge=1, le=100_000)
    households: int | None = Field(default=None, ge=1, le=25_000)
    vulnerable: list[Vulnerable] = Field(default_factory=list, max_length=10)
    urgency: Urgency = Urgency.normal
    text: str = Field(default="", max_length=MAX_TEXT)
    language: Language = "id"
    client_ref: str | None = Field(default=None, max_length=100)
    inbound_message_sid: str | None = Field(default=None, max_length=64)
    required_skills: list[Literal["vehicle"]] | None = Field(
        default=None, max_length=1, description="a delivery of donated goods asks for a volunteer with a vehicle")
    volunteers_needed: int | None = Field(
        default=None, ge=1, le=50, description="how many volunteers the need takes (absent: from its category)")
    slot_skills: list[Annotated[list[Capability], Field(max_length=5)]] | None = Field(
        default=None, max_length=50,
        description="what each slot asks of its volunteer, first slots first (e.g. [[\"boat\"]]: one brings a boat)")


@register
class AidRequestLocated(Event):
    """A request that came without a usable location got one (conversation or coordinator)."""

    TYPE = "aid_request.located"
    request_id: uuid.UUID
    location: Location
    actor: str | None = Field(default=None, max_length=120)


@register
class VolunteerRegistered(Event):
    TYPE = "volunteer.registered"
    volunteer_id: uuid.UUID
    name: str = Field(min_length=1, max_length=120)
    phone: str = Field(pattern=r"^\+[1-9]\d{6,14}$")
    skills: list[Skill] = Field(default_factory=lambda: [Skill.general], max_length=12)
    vehicle: Vehicle = Vehicle.none
    home_area: str | None = Field(default=None, max_length=200)
    home_location: Location | None = None
    organisation: str | None = Field(default=None, max_length=120)
    preferred_channel: Literal["sms", "whatsapp"] = "sms"
    language: Language = "id"


@register
class VolunteerCheckIn(Event):
    TYPE = "volunteer.checked_in"
    volunteer_id: uuid.UUID
    location: Location | None = None
    available: bool = True
    capacity: int = Field(default=1, ge=0, le=1000, description="people or loads they can take")
    skills: list[Skill] | None = Field(default=None, max_length=12)
    vehicle: Vehicle | None = None

    @model_validator(mode="after")
    def _available_needs_location(self) -> "VolunteerCheckIn":
        if self.available and self.location is None:
            raise ValueError("an available check-in needs a location")
        return self


class Money(Contract):
    amount_idr: int = Field(gt=0, le=10**13)


class Goods(Contract):
    category: NeedCategory
    item: str | None = Field(default=None, max_length=120)
    quantity: float = Field(gt=0, le=10**9)
    unit: str = Field(min_length=1, max_length=20, description="kg, liter, box, pcs, ...")


class Purpose(Contract):
    """What a disbursement paid for: the requests or dispatches it served, or a category and a
    coarse area. `operations` marks operating costs (counted against the 10% cap)."""

    requests: list[uuid.UUID] = Field(default_factory=list, max_length=200)
    dispatches: list[uuid.UUID] = Field(default_factory=list, max_length=200)
    category: NeedCategory | Literal["operations"] | None = None
    area: str | None = Field(default=None, max_length=120, description="kecamatan/kabupaten, never an address")

    @model_validator(mode="after")
    def _says_something(self) -> "Purpose":
        if not (self.requests or self.dispatches or self.category):
            raise ValueError("a purpose names requests, dispatches or a category")
        return self


DonationKind = Literal["pledged", "received", "disbursed", "refunded"]


@register
class DonationEvent(Event):
    """A ledger entry: append-only; a correction is a new entry that names the one it corrects.

    Who may write what: the public only pledges (source "public"); money received and refunds
    come from a payment gateway's verified notification (source "midtrans"/"xendit"); goods
    received, disbursements and corrections from a signed-in treasurer (source "treasurer",
    actor = username). donor_phone is private: it gets the receipt, it is never published."""

    TYPE = "donation.recorded"
    donation_id: uuid.UUID
    kind: DonationKind
    money: Money | None = None
    goods: Goods | None = None
    campaign: str = Field(min_length=1, max_length=120)
    donor_name: str | None = Field(default=None, max_length=120)
    donor_public: bool = Field(default=False, description="donor agreed to be named publicly")
    donor_phone: str | None = Field(default=None, pattern=r"^\+[1-9]\d{6,14}$")
    corrects: uuid.UUID | None = None
    note: str | None = Field(default=None, max_length=500)
    actor: str | None = Field(default=None, max_length=120, description="treasurer or gateway")
    reference: str | None = Field(default=None, max_length=120, description="gateway order id")
    purpose: Purpose | None = None
    pickup: Location | None = Field(default=None, description="where donated goods can be collected")

    @model_validator(mode="after")
    def _money_xor_goods(self) -> "DonationEvent":
        if (self.money is None) == (self.goods is None):
            raise ValueError("a donation is either money or goods (exactly one of them)")
        return self


ReplyAction = Literal["accept", "decline", "on_the_way", "done", "unavailable", "available", "sos"]


VettingLevel = Literal["confirmed", "verified", "suspended"]


@register
class GroupMembership(Event):
    """A volunteer's place in a group (a village youth group, an ojol community): its leader is
    offered a need for several people for the whole group and accepts for as many as come;
    those members are then held for the task. One event per person, keyed by their id, so the
    volunteer's desk learns it in order with everything else; role "none" takes them out."""

    TYPE = "volunteer.group"
    volunteer_id: uuid.UUID
    group_id: uuid.UUID
    group_name: str = Field(min_length=1, max_length=120)
    role: Literal["leader", "member", "none"]
    leader_id: uuid.UUID
    members: list[uuid.UUID] = Field(default_factory=list, max_length=50,
                                     description="the leader's event only: who the leader can bring")
    actor: str = Field(min_length=1, max_length=120)


@register
class VolunteerVetted(Event):
    """A coordinator's word on a volunteer. Every volunteer starts "confirmed" (the phone is
    proven: a code, the sender of an SMS, or a coordinator registering them); "verified"
    means a coordinator checked more (a medical licence seen, a group leader vouched), and the
    deployment may keep some skills for verified volunteers only (VERIFIED_ONLY_SKILLS);
    "suspended" takes them off duty until a coordinator says otherwise."""

    TYPE = "volunteer.vetted"
    volunteer_id: uuid.UUID
    level: VettingLevel
    actor: str = Field(min_length=1, max_length=120)
    note: str | None = Field(default=None, max_length=300)


@register
class VolunteerReply(Event):
    TYPE = "volunteer.replied"
    volunteer_id: uuid.UUID | None = None
    phone: str | None = Field(default=None, pattern=r"^\+[1-9]\d{6,14}$")
    offer_code: str | None = Field(default=None, pattern=r"^[A-Z0-9]{4,6}$")
    offer_id: uuid.UUID | None = None
    action: ReplyAction
    channel: Channel = Channel.web
    count: int | None = Field(default=None, ge=1, le=51,
                              description="accept: a group leader's count of who comes, the leader included")


OfferStatus = Literal[
    "offered", "accepted", "declined", "expired", "withdrawn", "on_the_way", "done", "refused"
]


@register
class DispatchOffer(Event):
    """Every state change of an offer of one request to one volunteer."""

    TYPE = "dispatch.offer"
    offer_id: uuid.UUID
    offer_code: str = Field(pattern=r"^[A-Z0-9]{4,6}$")
    request_id: uuid.UUID
    volunteer_id: uuid.UUID
    status: OfferStatus
    distance_m: float | None = Field(default=None, ge=0)
    radius_m: float | None = Field(default=None, ge=0)
    expires_at: UtcDatetime | None = None
    actor: str | None = Field(default=None, max_length=120)


@register
class Notification(Event):
    """One message to one person. `notification_id` is deterministic, so a resend is detectable."""

    TYPE = "notification.requested"
    notification_id: uuid.UUID
    to: str = Field(pattern=r"^\+[1-9]\d{6,14}$")
    channel: Literal["sms", "whatsapp"] = "sms"
    template: str = Field(max_length=60)
    language: Language = "id"
    params: dict[str, Any] = Field(default_factory=dict)
    body: str = Field(max_length=1600)
    request_id: uuid.UUID | None = None
    volunteer_id: uuid.UUID | None = None


@register
class SituationUpdate(Event):
    """A state change the live map needs (no personal data beyond ids)."""

    TYPE = "situation.update"
    # report: an offer of help or information sent in by SMS/WhatsApp (core/conversation.py)
    kind: Literal["request", "volunteer", "offer", "donation", "escalation", "action", "report"]
    request_id: uuid.UUID | None = None
    volunteer_id: uuid.UUID | None = None
    offer_id: uuid.UUID | None = None
    status: str = Field(max_length=40)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    priority: float | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


@register
class CoordinatorAction(Event):
    TYPE = "coordinator.action"
    action: Literal["assign", "reassign", "done", "duplicate", "verify", "cancel", "escalate", "slots"]
    request_id: uuid.UUID
    volunteer_id: uuid.UUID | None = None
    duplicate_of: uuid.UUID | None = None
    actor: str = Field(min_length=1, max_length=120)
    note: str | None = Field(default=None, max_length=500)
    count: int | None = Field(default=None, ge=1, le=50, description="slots: how many people the need takes")


@register
class DeadLetter(Event):
    TYPE = "dead_letter"
    topic: str
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    reason: str = Field(max_length=4000)
    payload: str = Field(max_length=100_000, description="the original bytes, utf-8 with replacement")


def parse_event(raw: bytes | str | dict) -> Event:
    """Parse any event by its `type`. Raises ValueError (incl. pydantic ValidationError)."""
    import orjson

    from siaga.schemas.envelope import EVENT_TYPES

    data = raw if isinstance(raw, dict) else orjson.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("event must be a JSON object")
    cls = EVENT_TYPES.get(str(data.get("type")))
    if cls is None:
        raise ValueError(f"unknown event type {data.get('type')!r}")
    return cls.model_validate(data)


__all__ = [
    "AidRequest", "AidRequestLocated", "VolunteerRegistered", "VolunteerCheckIn", "DonationEvent", "DonationKind", "Purpose", "Money", "Goods",
    "VolunteerReply", "DispatchOffer", "Notification", "SituationUpdate", "CoordinatorAction",
    "DeadLetter", "parse_event", "RequestStatus", "OfferStatus", "MAX_TEXT", "Contract",
    "Location", "Contact", "UtcDatetime",
]
