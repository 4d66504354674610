"""Inbound de-duplication by Twilio MessageSid: the row is inserted first, in the same
transaction as every effect of the message, so a retried webhook changes nothing."""
from __future__ import annotations


async def previous_reply(conn, message_sid: str) -> tuple[bool, str | None]:
    """(seen before, the reply we gave then). Fast path for Twilio retries, outside a transaction."""
    row = await (await conn.execute(
        "SELECT reply FROM inbound_messages WHERE message_sid = %s", (message_sid,))).fetchone()
    return (row is not None, row[0] if row else None)


async def claim(conn, message_sid: str, channel: str, phone: str) -> bool:
    """Insert-first; False if another request already handled (or is handling) this sid.

    Under READ COMMITTED a concurrent duplicate waits here for the first transaction and then
    sees the conflict, so two deliveries of one message can never both proceed."""
    cur = await conn.execute(
        "INSERT INTO inbound_messages (message_sid, channel, phone, outcome) VALUES (%s, %s, %s, 'pending') "
        "ON CONFLICT (message_sid) DO NOTHING RETURNING 1", (message_sid, channel, phone))
    return await cur.fetchone() is not None


async def finish(conn, message_sid: str, outcome: str, reply: str | None) -> None:
    await conn.execute("UPDATE inbound_messages SET outcome = %s, reply = %s WHERE message_sid = %s",
                       (outcome, reply, message_sid))
