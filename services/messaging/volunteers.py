"""Who is a registered volunteer, by phone (E.164)."""
from __future__ import annotations

import orjson

from siaga.core.codes import stable_uuid
from siaga.core.conversation import Volunteer
from siaga.schemas.topics import Topic


async def by_phone(conn, phone: str, *, include_pending: bool = False) -> Volunteer | None:
    """The volunteer with this phone. `include_pending` also finds a registration still in the
    outbox (not yet stored by the sink): services/intake derives volunteer_id from the phone."""
    row = await (await conn.execute(
        "SELECT volunteer_id, language FROM volunteers WHERE phone = %s", (phone,))).fetchone()
    if row is not None:
        return Volunteer(volunteer_id=row[0], language=row[1] or "id")
    if not include_pending:
        return None
    vid = stable_uuid("volunteer", phone)
    row = await (await conn.execute(
        "SELECT value FROM outbox WHERE topic = %s AND key = %s "
        "ORDER BY id DESC LIMIT 1", (Topic.VOLUNTEER_REGISTRATIONS, str(vid)))).fetchone()
    if row is None:
        return None
    data = orjson.loads(bytes(row[0]))
    return Volunteer(volunteer_id=vid, language=data.get("language") or "id")
