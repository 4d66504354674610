"""Conversation state per phone (a request waiting for its location); expires by itself."""
from __future__ import annotations

from psycopg.types.json import Jsonb

from siaga.core.conversation import Choice, Conversation


async def load(conn, phone: str) -> Conversation | None:
    """The phone's conversation, locked for this transaction (expired ones are returned too:
    core.conversation decides what expiry means)."""
    row = await (await conn.execute(
        "SELECT request_id, tracking_code, channel, language, needs, candidates, expires_at "
        "FROM conversations WHERE phone = %s FOR UPDATE", (phone,))).fetchone()
    if row is None:
        return None
    rid, code, channel, lang, needs, cands, expires = row
    return Conversation(request_id=rid, tracking_code=code, channel=channel, language=lang,
                        needs=tuple(needs or ()), choices=tuple(Choice.from_dict(c) for c in cands or ()),
                        expires_at=expires)


async def save(conn, phone: str, c: Conversation) -> None:
    await conn.execute(
        """INSERT INTO conversations (phone, request_id, tracking_code, channel, language, needs,
               candidates, updated_at, expires_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, now(), %s)
           ON CONFLICT (phone) DO UPDATE SET request_id = EXCLUDED.request_id,
               tracking_code = EXCLUDED.tracking_code, channel = EXCLUDED.channel,
               language = EXCLUDED.language, needs = EXCLUDED.needs,
               candidates = EXCLUDED.candidates, updated_at = now(), expires_at = EXCLUDED.expires_at""",
        (phone, c.request_id, c.tracking_code, c.channel, c.language, list(c.needs),
         Jsonb([ch.to_dict() for ch in c.choices]), c.expires_at))


async def end(conn, phone: str) -> None:
    await conn.execute("DELETE FROM conversations WHERE phone = %s", (phone,))

