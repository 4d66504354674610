"""Accepting inputs: turn a validated submission into an event and commit it to the outbox.
Shared by the JSON API, the HTML form and the Twilio webhooks."""
from __future__ import annotations

import uuid

from core.codes import stable_uuid, tracking_code
from core.phone import normalize_phone
from schemas.common import Channel, Contact, Location
from schemas.events import AidRequest, DonationEvent, VolunteerCheckIn, VolunteerRegistered
from services.api.models import AidRequestIn, CheckInIn, DonationIn, VolunteerIn
from services.outbox import Enqueued, body_hash, enqueue


class InputError(ValueError):
    """Bad input found after schema validation (e.g. a phone number that does not exist)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _phone(raw: str | None, field: str = "phone") -> str | None:
    if not raw:
        return None
    try:
        return normalize_phone(raw)
    except ValueError as exc:
        raise InputError(field, str(exc)) from None


def resolve_place(place: str | None) -> tuple[Location | None, list[dict]]:
    """A place name -> Location via the offline gazetteer. Returns (location, candidates)."""
    if not place:
        return None, []
    from geo.gazetteer import resolve_place as gazetteer_resolve

    res = gazetteer_resolve(place)
    cands = [
        {"name": c.name, "level": c.level, "code": c.code, "parents": list(c.parents)}
        for c in (res.candidates or [])
    ][:5]
    if res.status == "resolved" and res.best is not None:
        b = res.best
        return Location(lat=b.lat, lon=b.lon, source="gazetteer", accuracy_m=b.accuracy_m,
                        place_name=", ".join([b.name, *b.parents][:3]), admin_code=b.code), cands
    return None, cands


def build_request(body: AidRequestIn, channel: Channel, request_id: uuid.UUID) -> tuple[AidRequest, list[dict]]:
    phone = _phone(body.phone)
    candidates: list[dict] = []
    if body.location is not None:
        loc = Location(lat=body.location.lat, lon=body.location.lon, source=body.location.source,
                       accuracy_m=body.location.accuracy_m, place_name=body.place)
    else:
        loc, candidates = resolve_place(body.place)
    contact = None
    if phone or body.name:
        contact = Contact(phone=phone, name=body.name, language=body.language,
                          preferred_channel=body.preferred_channel if phone else "none")
    event = AidRequest(
        request_id=request_id, tracking_code=tracking_code(), channel=channel, contact=contact,
        location=loc, needs=body.needs, people=body.people, vulnerable=body.vulnerable,
        urgency=body.urgency, text=body.text, language=body.language, client_ref=body.client_id,
        source=f"api/{channel.value}",
    )
    return event, candidates


async def submit_request(conn, body: AidRequestIn, channel: Channel = Channel.api,
                         idempotency_key: str | None = None) -> Enqueued:
    key = idempotency_key or body.client_id
    request_id = stable_uuid("request", key) if key else uuid.uuid4()
    event, candidates = build_request(body, channel, request_id)
    response = {
        "request_id": str(event.request_id),
        "tracking_code": event.tracking_code,
        "status": "received" if event.location else "needs_location",
        "location": event.location.model_dump(mode="json") if event.location else None,
        "place_candidates": candidates,
    }
    return await enqueue(conn, "aid-requests", str(event.request_id), event, response,
                         idempotency_key=f"request:{key}" if key else None,
                         request_hash=body_hash(body.model_dump(mode="json")))


async def register_volunteer(conn, body: VolunteerIn, idempotency_key: str | None = None) -> Enqueued:
    phone = _phone(body.phone)
    # One volunteer per phone number: registering again updates the same volunteer.
    volunteer_id = stable_uuid("volunteer", phone)
    home = None
    if body.home_area:
        home, _ = resolve_place(body.home_area)
    event = VolunteerRegistered(
        volunteer_id=volunteer_id, name=body.name, phone=phone, skills=body.skills,
        vehicle=body.vehicle, home_area=body.home_area, home_location=home,
        organisation=body.organisation, preferred_channel=body.preferred_channel,
        language=body.language, source="api",
    )
    response = {"volunteer_id": str(volunteer_id), "status": "registered"}
    return await enqueue(conn, "volunteer-registrations", str(volunteer_id), event, response,
                         idempotency_key=f"volunteer:{idempotency_key}" if idempotency_key else None,
                         request_hash=body_hash(body.model_dump(mode="json")))


async def volunteer_exists(conn, volunteer_id: uuid.UUID) -> bool:
    row = await (await conn.execute(
        "SELECT 1 FROM volunteers WHERE volunteer_id = %s UNION ALL "
        "SELECT 1 FROM outbox WHERE topic = 'volunteer-registrations' AND key = %s LIMIT 1",
        (volunteer_id, str(volunteer_id)),
    )).fetchone()
    return row is not None


async def check_in(conn, volunteer_id: uuid.UUID, body: CheckInIn,
                   idempotency_key: str | None = None) -> Enqueued:
    loc = None
    if body.location is not None:
        loc = Location(lat=body.location.lat, lon=body.location.lon, source=body.location.source,
                       accuracy_m=body.location.accuracy_m)
    try:
        event = VolunteerCheckIn(volunteer_id=volunteer_id, location=loc, available=body.available,
                                 capacity=body.capacity, skills=body.skills, vehicle=body.vehicle,
                                 source="api")
    except ValueError as exc:
        raise InputError("location", "an available check-in needs a location (lat, lon)") from exc
    response = {"volunteer_id": str(volunteer_id), "checkin_id": str(event.event_id),
                "available": body.available}
    return await enqueue(conn, "volunteer-checkins", str(volunteer_id), event, response,
                         idempotency_key=f"checkin:{idempotency_key}" if idempotency_key else None,
                         request_hash=body_hash(body.model_dump(mode="json")))


async def record_donation(conn, body: DonationIn, idempotency_key: str | None = None) -> Enqueued:
    key = idempotency_key or body.client_id
    donation_id = stable_uuid("donation", key) if key else uuid.uuid4()
    corrects = None
    if body.corrects:
        try:
            corrects = uuid.UUID(body.corrects)
        except ValueError:
            raise InputError("corrects", "corrects must be the donation_id (UUID) of the entry it corrects") from None
    try:
        event = DonationEvent(donation_id=donation_id, kind=body.kind, money=body.money,
                              goods=body.goods, campaign=body.campaign, donor_name=body.donor_name,
                              donor_public=body.donor_public, corrects=corrects, note=body.note,
                              source="api")
    except ValueError as exc:
        raise InputError("money", "a donation is either money or goods (exactly one of them)") from exc
    response = {"donation_id": str(donation_id), "status": "recorded"}
    return await enqueue(conn, "donations", str(donation_id), event, response,
                         idempotency_key=f"donation:{key}" if key else None,
                         request_hash=body_hash(body.model_dump(mode="json")))
