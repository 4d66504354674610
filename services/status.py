"""What a requester may see of their request (no personal data), in Bahasa Indonesia and English."""
from __future__ import annotations

import re
import uuid

import orjson

from siaga.schemas.topics import Topic

STATUS_TEXT = {
    "received": {"id": "Permintaan diterima, sedang diproses.", "en": "Request received, being processed."},
    "needs_location": {"id": "Lokasi belum jelas. Kirim nama desa/kecamatan atau lokasi WhatsApp.",
                       "en": "Location unclear. Send the village/district name or a WhatsApp location."},
    "open": {"id": "Menunggu relawan terdekat.", "en": "Waiting for the nearest volunteer."},
    "offered": {"id": "Sedang ditawarkan ke relawan.", "en": "Being offered to a volunteer."},
    "matched": {"id": "Relawan sudah ditugaskan.", "en": "A volunteer has been assigned."},
    "on_the_way": {"id": "Relawan dalam perjalanan.", "en": "The volunteer is on the way."},
    "done": {"id": "Bantuan selesai diberikan.", "en": "Help has been delivered."},
    "escalated": {"id": "Diteruskan ke koordinator posko.", "en": "Passed to the command-post coordinators."},
    "cancelled": {"id": "Permintaan dibatalkan.", "en": "Request cancelled."},
    "duplicate": {"id": "Digabung dengan laporan lain di lokasi yang sama.",
                  "en": "Merged with another report at the same place."},
}
CODE_RE = re.compile(r"^[A-Za-z0-9]{4,10}$")


def _public(row: dict) -> dict:
    status = row["status"]
    return {**row, "status_text": STATUS_TEXT.get(status, {"id": status, "en": status})}


def parse_ref(ref: str) -> tuple[uuid.UUID | None, str | None] | None:
    """A request reference: (id, None) for a UUID, (None, CODE) for a tracking code, else None."""
    try:
        return uuid.UUID(ref), None
    except ValueError:
        return (None, ref.upper()) if CODE_RE.match(ref) else None


async def request_status(conn, ref: str) -> dict | None:
    """Find by request id or tracking code: the record first, else the outbox (not yet processed)."""
    parsed = parse_ref(ref)
    if parsed is None:
        return None
    rid, code = parsed
    row = await (await conn.execute(
        "SELECT request_id, tracking_code, status, needs, people, urgency, place_name, "
        "created_at, status_at, duplicate_of FROM requests "
        "WHERE request_id = %s OR tracking_code = %s", (rid, code),
    )).fetchone()
    if row:
        keys = ("request_id", "tracking_code", "status", "needs", "people", "urgency", "place_name",
                "created_at", "updated_at", "duplicate_of")
        d = dict(zip(keys, row))
        d["request_id"] = str(d["request_id"])
        d["duplicate_of"] = str(d["duplicate_of"]) if d["duplicate_of"] else None
        d["created_at"] = d["created_at"].isoformat()
        d["updated_at"] = d["updated_at"].isoformat()
        return _public(d)
    row = await (await conn.execute(
        "SELECT value, response, created_at FROM outbox WHERE topic = %s AND "
        "(key = %s OR response->>'tracking_code' = %s) LIMIT 1", (Topic.AID_REQUESTS, str(rid) if rid else None, code),
    )).fetchone()
    if row is None:
        return None
    ev = orjson.loads(bytes(row[0]))
    loc = ev.get("location") or {}
    return _public({
        "request_id": ev["request_id"], "tracking_code": ev["tracking_code"],
        "status": row[1].get("status", "received"), "needs": ev["needs"], "people": ev["people"],
        "urgency": ev["urgency"], "place_name": loc.get("place_name"),
        "created_at": row[2].isoformat(), "updated_at": row[2].isoformat(), "duplicate_of": None,
    })
