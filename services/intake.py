"""Accepting inputs: turn a validated submission into an event and commit it to the outbox.
Shared by the JSON API, the HTML form and the Twilio webhooks."""
from __future__ import annotations

import uuid
from collections.abc import Sequence

from siaga.core.codes import stable_uuid, tracking_code
from siaga.core.phone import normalize_phone
from siaga.core.text.gazetteer import resolve_place as gazetteer_resolve
from siaga.core.text.locate import low_confidence
from siaga.geo.incidents import IncidentArea
from siaga.infra.settings import get_settings
from siaga.schemas.common import Channel, Contact, Location
from siaga.schemas.events import AidRequest, DonationEvent, VolunteerCheckIn, VolunteerRegistered
from siaga.schemas.topics import Topic
from siaga.services.api.models import AidRequestIn, CheckInIn, DonationIn, VolunteerIn
from siaga.services.active_areas import learned_areas
from siaga.services.outbox import Enqueued, IdempotencyConflict, Outgoing, body_hash, enqueue, enqueue_many


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


def resolve_place(place: str | None, learned: tuple[IncidentArea, ...] = ()) -> tuple[Location | None, list[dict]]:
    """A place name -> Location via the offline gazetteer. Returns (location, candidates).
    ``learned``: incident areas learned from the record (services/active_areas.py)."""
    if not place:
        return None, []
    incidents = get_settings().incidents + learned
    res = gazetteer_resolve(place, incidents=incidents)
    cands = [
        {"name": c.name, "level": c.level, "code": c.code, "parents": list(c.parents)}
        for c in (res.candidates or [])
    ][:5]
    if res.status == "resolved" and res.best is not None:
        b = res.best
        return Location(lat=b.lat, lon=b.lon, source="gazetteer", accuracy_m=b.accuracy_m,
                        place_name=", ".join([b.name, *b.parents][:3]), admin_code=b.code,
                        confidence="low" if low_confidence(b, place, incidents) else "high"), cands
    return None, cands


def build_request(body: AidRequestIn, channel: Channel, request_id: uuid.UUID,
                  learned: tuple[IncidentArea, ...] = ()) -> tuple[AidRequest, list[dict]]:
    phone = _phone(body.phone)
    candidates: list[dict] = []
    if body.location is not None:
        loc = Location(lat=body.location.lat, lon=body.location.lon, source=body.location.source,
                       accuracy_m=body.location.accuracy_m, place_name=body.place)
    else:
        loc, candidates = resolve_place(body.place, learned)
    contact = None
    if phone or body.name:
        contact = Contact(phone=phone, name=body.name, language=body.language,
                          preferred_channel=body.preferred_channel if phone else "none")
    event = AidRequest(
        request_id=request_id, tracking_code=tracking_code(), channel=channel, contact=contact,
        location=loc, needs=body.needs, people=body.people, vulnerable=body.vulnerable,
        volunteers_needed=body.volunteers_needed, slot_skills=body.slot_skills,
        urgency=body.urgency, text=body.text, language=body.language, client_ref=body.client_id,
        source=f"api/{channel.value}",
    )
    return event, candidates


async def submit_request(conn, body: AidRequestIn, channel: Channel = Channel.api,
                         idempotency_key: str | None = None) -> Enqueued:
    key = idempotency_key or body.client_id
    request_id = stable_uuid("request", key) if key else uuid.uuid4()
    learned = await learned_areas(conn) if body.location is None and body.place else ()
    event, candidates = build_request(body, channel, request_id, learned)
    response = {
        "request_id": str(event.request_id),
        "tracking_code": event.tracking_code,
        "status": "received" if event.location else "needs_location",
        "location": event.location.model_dump(mode="json") if event.location else None,
        "place_candidates": candidates,
    }
    return await enqueue(conn, Topic.AID_REQUESTS, str(event.request_id), event, response,
                         idempotency_key=f"request:{key}" if key else None,
                         request_hash=body_hash(body))


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
    return await enqueue(conn, Topic.VOLUNTEER_REGISTRATIONS, str(volunteer_id), event, response,
                         idempotency_key=f"volunteer:{idempotency_key}" if idempotency_key else None,
                         request_hash=body_hash(body))


class UnknownVolunteer(InputError):
    """A check-in for a volunteer id nobody registered (answered 404, not 422)."""

    def __init__(self, field: str, index: int | None = None):
        super().__init__(field, "unknown volunteer id: register first (POST /api/v1/volunteers)")
        self.index = index


MAX_CHECKINS = 500   # per batch (POST /api/v1/checkins)


async def known_volunteers(conn, volunteer_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these volunteers are registered: stored, or their registration is still in the
    outbox (a check-in right after registering must not be refused)."""
    wanted = set(volunteer_ids)
    found = {r[0] for r in await (await conn.execute(
        "SELECT volunteer_id FROM volunteers WHERE volunteer_id = ANY(%s)", (list(wanted),))).fetchall()}
    missing = wanted - found
    if missing:
        found |= {uuid.UUID(r[0]) for r in await (await conn.execute(
            "SELECT DISTINCT key FROM outbox WHERE topic = %s AND key = ANY(%s)",
            (Topic.VOLUNTEER_REGISTRATIONS, [str(v) for v in missing]))).fetchall()}
    return found


def build_checkin(volunteer_id: uuid.UUID, body: CheckInIn) -> VolunteerCheckIn:
    loc = None
    if body.location is not None:
        loc = Location(lat=body.location.lat, lon=body.location.lon, source=body.location.source,
                       accuracy_m=body.location.accuracy_m)
    try:
        return VolunteerCheckIn(volunteer_id=volunteer_id, location=loc, available=body.available,
                                capacity=body.capacity, skills=body.skills, vehicle=body.vehicle,
                                source="api")
    except ValueError as exc:
        raise InputError("location", "an available check-in needs a location (lat, lon)") from exc


async def check_in(conn, volunteer_id: uuid.UUID, body: CheckInIn,
                   idempotency_key: str | None = None) -> Enqueued:
    """One check-in: the batch path with one item (same checks, same outbox row)."""
    return (await check_ins(conn, [(volunteer_id, body)], idempotency_key, batch=False))[0]


async def check_ins(conn, items: Sequence[tuple[uuid.UUID, CheckInIn]], idempotency_key: str | None = None,
                    batch: bool = True) -> list[Enqueued]:
    """Check-ins of registered volunteers, committed in one statement (all or none), one outbox
    row each, in order. In a batch, errors name the item: `[3].location`; the batch's
    Idempotency-Key covers each item (`checkins:<key>:<index>`), so a retried batch is answered
    item by item from what was stored."""
    def field(i: int, name: str) -> str:
        return f"[{i}].{name}" if batch else name

    known = await known_volunteers(conn, [vid for vid, _ in items])
    rows = []
    for i, (vid, body) in enumerate(items):
        if vid not in known:
            raise UnknownVolunteer(field(i, "volunteer_id"), i if batch else None)
        try:
            event = build_checkin(vid, body)
        except InputError as exc:
            raise InputError(field(i, exc.field), exc.message) from None
        if idempotency_key is None:
            key = None
        else:
            key = f"checkins:{idempotency_key}:{i}" if batch else f"checkin:{idempotency_key}"
        rows.append(Outgoing(Topic.VOLUNTEER_CHECKINS, str(vid), event,
                             {"volunteer_id": str(vid), "checkin_id": str(event.event_id),
                              "available": body.available},
                             idempotency_key=key, request_hash=body_hash(body)))
    if not batch:
        return await enqueue_many(conn, rows)
    try:
        # One statement stores them all; the transaction also takes back new items of a retried
        # batch when one of its other items turns out to conflict.
        async with conn.transaction():
            return await enqueue_many(conn, rows)
    except IdempotencyConflict as exc:
        raise IdempotencyConflict(f"[{exc.index}]: {exc}", exc.index) from None


class Forbidden(Exception):
    """The caller may not write this (401 when nobody is signed in, 403 otherwise)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def donation_writer(body: DonationIn, user) -> tuple[str, str | None]:
    """(source, actor) of an entry, or Forbidden: the public only pledges; money received comes
    from the gateway; a treasurer (or admin) records the rest. core/ledger/entry.py checks the
    same again at the ledger writer."""
    treasurer = user is not None and user.is_treasurer
    if body.kind == "received" and body.money is not None:
        raise Forbidden(403, "money received is recorded only from the payment gateway's signed "
                             "notification: start a payment with POST /api/v1/campaigns/{slug}/donate")
    if body.kind == "pledged" and body.corrects is None:
        return ("treasurer", user.username) if treasurer else ("public", None)
    if user is None:
        raise Forbidden(401, "only pledges are public: sign in as a treasurer to record goods received, "
                             "disbursements or corrections")
    if not treasurer:
        raise Forbidden(403, "this needs the treasurer role")
    if body.kind == "disbursed" and body.purpose is None:
        raise InputError("purpose", "a disbursement names what it paid for: requests, dispatches or a category")
    return "treasurer", user.username


async def record_donation(conn, body: DonationIn, user=None, idempotency_key: str | None = None) -> Enqueued:
    source, actor = donation_writer(body, user)
    row = await (await conn.execute("SELECT status FROM campaigns WHERE slug = %s", (body.campaign,))).fetchone()
    if row is None:
        raise InputError("campaign", f"no campaign {body.campaign!r} (GET /api/v1/campaigns lists them)")
    if row[0] != "open" and body.kind == "pledged":
        raise InputError("campaign", f"campaign {body.campaign!r} is closed to new pledges")
    key = idempotency_key or body.client_id
    donation_id = stable_uuid("donation", key) if key else uuid.uuid4()
    corrects = None
    if body.corrects:
        try:
            corrects = uuid.UUID(body.corrects)
        except ValueError:
            raise InputError("corrects", "corrects must be the entry_id (UUID) of the entry it corrects") from None
        found = await (await conn.execute(
            "SELECT body::jsonb ->> 'campaign' FROM ledger_entries WHERE entry_id = %s", (corrects,))).fetchone()
        if found is None:
            raise InputError("corrects", f"no ledger entry {corrects} (it may not be recorded yet)")
        if found[0] != body.campaign:
            raise InputError("corrects", "a correction stays in the campaign of the entry it corrects")
    try:
        event = DonationEvent(donation_id=donation_id, kind=body.kind, money=body.money,
                              goods=body.goods, campaign=body.campaign, donor_name=body.donor_name,
                              donor_public=body.donor_public, donor_phone=_phone(body.donor_phone, "donor_phone"),
                              corrects=corrects, note=body.note, purpose=body.purpose, actor=actor,
                              pickup=Location(lat=body.pickup.lat, lon=body.pickup.lon, source="manual",
                                              place_name=body.pickup_name) if body.pickup else None,
                              source=source)
    except ValueError as exc:
        raise InputError("money", "a donation is either money or goods (exactly one of them)") from exc
    response = {"donation_id": str(donation_id), "entry_id": str(donation_id), "status": "recorded",
                "counts_as_received": body.kind == "received"}
    return await enqueue(conn, Topic.DONATIONS, str(donation_id), event, response,
                         idempotency_key=f"donation:{key}" if key else None,
                         request_hash=body_hash(body))