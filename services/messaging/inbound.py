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


async def finish(conn, message_sid: str, outcome: str, reply: str | None, body_hash: bytes | None = None) -> None:
    await conn.execute("UPDATE inbound_messages SET outcome = %s, reply = %s, body_hash = %s, "
                       "replied_at = CASE WHEN %s::text IS NULL THEN NULL ELSE now() END WHERE message_sid = %s",
                       (outcome, reply, body_hash, reply, message_sid))


# A gateway that loops (Ushahidi once turned one SMS into 600 posts) sends the same text under
# new MessageSids. The same text from the same phone within REPEAT_WINDOW is taken once; the
# sender hears from us at most once per REPLY_GAP; coordinators are told at LOOP_FLAG repeats.
REPEAT_WINDOW_S = 600
REPLY_GAP_S = 60
LOOP_FLAG = 5


def body_hash(text: str) -> bytes:
    import hashlib

    return hashlib.sha256(" ".join((text or "").casefold().split()).encode()).digest()


async def lock_phone(conn, phone: str) -> None:
    """One message of a phone at a time (transaction-scoped): a burst cannot race past the
    repeat check."""
    await conn.execute("SELECT pg_advisory_xact_lock(7324104, hashtext(%s))", (phone,))


async def earlier_same(conn, phone: str, digest: bytes) -> tuple[int, str | None, str | None]:
    """(how many times this text came from this phone within the window, the first answer,
    and what the first one was taken as)."""
    row = await (await conn.execute(
        "SELECT count(*), (array_agg(reply ORDER BY received_at))[1], (array_agg(outcome ORDER BY received_at))[1] "
        "FROM inbound_messages WHERE phone = %s AND body_hash = %s AND received_at > now() - make_interval(secs => %s)",
        (phone, digest, REPEAT_WINDOW_S))).fetchone()
    return int(row[0]), row[1], row[2]


async def replied_recently(conn, phone: str) -> bool:
    row = await (await conn.execute(
        "SELECT 1 FROM inbound_messages WHERE phone = %s AND replied_at > now() - make_interval(secs => %s) LIMIT 1",
        (phone, REPLY_GAP_S))).fetchone()
    return row is not None
