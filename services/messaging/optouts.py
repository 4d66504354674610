"""The opt-out registry: STOP/START words and Twilio's 21610 change it; the notifier reads it.

Each change carries when it happened; an older change never overrides a newer one (a STOP
and a START can be handled out of order by two API processes)."""
from __future__ import annotations

from datetime import datetime, timezone

UPSERT = """INSERT INTO opt_outs (phone, opted_out, reason, changed_at) VALUES (%s, %s, %s, %s)
            ON CONFLICT (phone) DO UPDATE SET opted_out = EXCLUDED.opted_out,
                reason = EXCLUDED.reason, changed_at = EXCLUDED.changed_at
            WHERE opt_outs.changed_at <= EXCLUDED.changed_at"""


async def set_opt_out(conn, phone: str, opted_out: bool, reason: str, at: datetime) -> None:
    await conn.execute(UPSERT, (phone, opted_out, reason[:40], at))


def mark_opted_out_sync(conn, phone: str, reason: str) -> None:
    """Twilio refused to send (21610): the number is opted out as of now."""
    conn.execute(UPSERT, (phone, True, reason[:40], datetime.now(timezone.utc)))


def is_opted_out_sync(conn, phone: str) -> bool:
    row = conn.execute("SELECT opted_out FROM opt_outs WHERE phone = %s", (phone,)).fetchone()
    return bool(row and row[0])
