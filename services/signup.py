"""Volunteer sign-up with a confirmed phone: the form is kept as a pending sign-up, a one-time
code goes to the phone (SMS or WhatsApp, through the outbox and the notifier), and only the
right code registers the volunteer (the same VolunteerRegistered as the API). An unconfirmed
phone is never registered, so no offer can reach it.

Limits: a code lives CODE_TTL; CODE_TRIES wrong codes end the sign-up; a phone gets at most
SENDS_PER_HOUR codes an hour and an address SIGNUPS_PER_IP_HOUR sign-ups an hour (429)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from psycopg.types.json import Jsonb

from siaga.core.dispatch.notify import notification
from siaga.schemas.topics import Topic
from siaga.services import intake
from siaga.services.api.models import CheckInIn, PointIn, VolunteerIn
from siaga.services.outbox import enqueue

CODE_TTL = timedelta(minutes=10)
CODE_TRIES = 5
SENDS_PER_HOUR = 3
SIGNUPS_PER_IP_HOUR = 10


class TooMany(Exception):
    def __init__(self, message: str, retry_after_s: int):
        super().__init__(message)
        self.message, self.retry_after_s = message, retry_after_s


@dataclass(frozen=True)
class Checked:
    ok: bool
    reason: str = ""          # wrong, expired, tries, unknown, done
    volunteer_id: str | None = None


def _hash(signup_id: uuid.UUID, code: str) -> bytes:
    return hashlib.sha256(f"{signup_id}|{code}".encode()).digest()


async def start(conn, form: VolunteerIn, capacity: int, location: PointIn | None, ip: str | None,
                lang: str, now: datetime | None = None) -> uuid.UUID:
    """Keep the form, send a code. TooMany when this phone or address asked too often."""
    now = now or datetime.now(UTC)
    phone = intake._phone(form.phone)
    hour = now - timedelta(hours=1)
    sent = (await (await conn.execute(
        "SELECT coalesce(sum(sends), 0) FROM volunteer_signups WHERE phone = %s AND created_at > %s",
        (phone, hour))).fetchone())[0]
    if sent >= SENDS_PER_HOUR:
        raise TooMany("too many codes for this number: try again within the hour", 3600)
    if ip and (await (await conn.execute(
            "SELECT count(*) FROM volunteer_signups WHERE ip = %s AND created_at > %s", (ip, hour))).fetchone()
    )[0] >= SIGNUPS_PER_IP_HOUR:
        raise TooMany("too many sign-ups from this address: try again later", 3600)
    signup_id = uuid.uuid4()
    code = f"{secrets.randbelow(10**6):06d}"
    payload = {"form": form.model_dump(mode="json") | {"phone": phone}, "capacity": capacity,
               "location": location.model_dump(mode="json") if location else None}
    await conn.execute(
        "INSERT INTO volunteer_signups (signup_id, phone, payload, code_hash, ip, expires_at) "
        "VALUES (%s, %s, %s, %s, %s, %s)", (signup_id, phone, Jsonb(payload), _hash(signup_id, code), ip, now + CODE_TTL))
    n = notification(phone, form.preferred_channel, "signup_code", lang, {"code": code}, ("signup", signup_id))
    await enqueue(conn, Topic.NOTIFICATIONS, str(n.notification_id), n, {"signup_id": str(signup_id)})
    return signup_id


async def confirm(conn, signup_id: uuid.UUID, code: str, now: datetime | None = None) -> Checked:
    """Register the volunteer if the code is right (once: a second confirmation is 'done')."""
    now = now or datetime.now(UTC)
    row = await (await conn.execute(
        "SELECT code_hash, tries, expires_at, confirmed_at, payload FROM volunteer_signups WHERE signup_id = %s "
        "FOR UPDATE", (signup_id,))).fetchone()
    if row is None:
        return Checked(False, "unknown")
    code_hash, tries, expires_at, confirmed_at, payload = row
    if confirmed_at is not None:
        return Checked(False, "done")
    if tries >= CODE_TRIES:
        return Checked(False, "tries")
    if now > expires_at:
        return Checked(False, "expired")
    if not hmac.compare_digest(bytes(code_hash), _hash(signup_id, (code or "").strip())):
        await conn.execute("UPDATE volunteer_signups SET tries = tries + 1 WHERE signup_id = %s", (signup_id,))
        return Checked(False, "tries" if tries + 1 >= CODE_TRIES else "wrong")
    await conn.execute("UPDATE volunteer_signups SET confirmed_at = %s WHERE signup_id = %s", (now, signup_id))
    form = VolunteerIn.model_validate(payload["form"])
    res = await intake.register_volunteer(conn, form, idempotency_key=f"signup:{signup_id}")
    vid = res.response["volunteer_id"]
    if payload.get("location"):
        loc = PointIn.model_validate(payload["location"])
        await intake.check_in(conn, uuid.UUID(vid), CheckInIn(location=loc, available=True,
                                                               capacity=payload.get("capacity", 1)),
                              idempotency_key=f"signup-checkin:{signup_id}")
    return Checked(True, volunteer_id=vid)
