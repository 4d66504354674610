"""The notifications table, seen from the notifier (infra/sql/002_messaging.sql).

A row is claimed ('sending', committed) before Twilio is called and completed after. Every
function runs on an autocommit connection that holds the notification's advisory lock
(see deliver.py), so only one process at a time works on one notification."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from siaga.schemas.events import Notification
from siaga.services.notifier.twilio_sender import SendOutcome

FINAL = frozenset({"sent", "failed", "opted_out", "invalid"})
_COLS = "notification_id, to_phone, channel, body, state, claimed_at, tries, next_try_at"


@dataclass(frozen=True, slots=True)
class Row:
    notification_id: uuid.UUID
    to_phone: str
    channel: str
    body: str
    state: str
    claimed_at: datetime | None
    tries: int
    next_try_at: datetime | None


def lock_key(notification_id: uuid.UUID) -> int:
    """64-bit advisory lock key of a notification (collisions are practically impossible)."""
    return int.from_bytes(notification_id.bytes[:8], "big", signed=True)


def get(conn, notification_id: uuid.UUID) -> Row | None:
    row = conn.execute(f"SELECT {_COLS} FROM notifications WHERE notification_id = %s",
                       (notification_id,)).fetchone()
    return Row(*row) if row else None


def insert(conn, n: Notification, state: str, by: str) -> Row:
    fallback_of = n.params.get("fallback_of")
    row = conn.execute(
        f"""INSERT INTO notifications (notification_id, event_id, to_phone, channel, template,
                language, body, request_id, volunteer_id, fallback_of, state, claimed_by, claimed_at, tries)
            VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s, now(), %s) RETURNING {_COLS}""",
        (n.notification_id, n.event_id, n.to, n.channel, n.template, n.language, n.body,
         n.request_id, n.volunteer_id, uuid.UUID(str(fallback_of)) if fallback_of else None,
         state, by, 1 if state == "sending" else 0),
    ).fetchone()
    return Row(*row)


def reclaim(conn, notification_id: uuid.UUID, by: str) -> Row:
    """Claim again (after a crash, or for a retry): a new try starts now."""
    row = conn.execute(
        f"""UPDATE notifications SET state = 'sending', claimed_by = %s, claimed_at = now(),
                tries = tries + 1, next_try_at = NULL, updated_at = now()
            WHERE notification_id = %s RETURNING {_COLS}""", (by, notification_id)).fetchone()
    return Row(*row)


def record(conn, notification_id: uuid.UUID, state: str, outcome: SendOutcome,
           retry_in_s: float | None = None) -> None:
    conn.execute(
        """UPDATE notifications SET state = %s, sid = %s, sent_channel = %s, api_attempts = %s,
               error_code = %s, error_message = %s,
               sent_at = CASE WHEN %s = 'sent' THEN now() ELSE sent_at END,
               next_try_at = CASE WHEN %s::float8 IS NULL THEN NULL
                                  ELSE now() + make_interval(secs => %s::float8) END,
               updated_at = now()
           WHERE notification_id = %s""",
        (state, outcome.sid, outcome.channel if outcome.sid else None, outcome.attempts,
         outcome.error_code or outcome.fallback_code, (outcome.error_message or "")[:500] or None,
         state, retry_in_s, retry_in_s, notification_id))


def record_found(conn, notification_id: uuid.UUID, sid: str, channel: str) -> None:
    """Reconciled: the message did go out before the crash."""
    conn.execute(
        """UPDATE notifications SET state = 'sent', sid = %s, sent_channel = %s, reconciled = true,
               sent_at = now(), updated_at = now() WHERE notification_id = %s""",
        (sid, channel, notification_id))


def record_skipped(conn, notification_id: uuid.UUID, state: str, reason: str) -> None:
    conn.execute("UPDATE notifications SET state = %s, error_message = %s, updated_at = now() "
                 "WHERE notification_id = %s", (state, reason, notification_id))


def known_sids(conn, sids: list[str]) -> set[str]:
    """Sids already recorded for some notification (never adopt another one's message)."""
    if not sids:
        return set()
    return {r[0] for r in conn.execute("SELECT sid FROM notifications WHERE sid = ANY(%s)", (sids,))}


def open_rows(conn, limit: int = 200) -> list[uuid.UUID]:
    """Rows a sweep should look at: claims that may be orphaned, and retries that are due."""
    return [r[0] for r in conn.execute(
        """SELECT notification_id FROM notifications
            WHERE state = 'sending' OR (state = 'retry_wait' AND next_try_at <= now())
            ORDER BY claimed_at LIMIT %s""", (limit,))]


def delivery_status(conn, sid: str) -> tuple[str, int | None] | None:
    row = conn.execute("SELECT status, error_code FROM message_status WHERE sid = %s", (sid,)).fetchone()
    return (row[0], row[1]) if row else None
