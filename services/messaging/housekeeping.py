"""Deleting what the messaging tables no longer need (run hourly by the notifier).

Inbound MessageSids are kept 30 days: Twilio retries a webhook within minutes, and a month
answers "did we get this message?" questions. Conversations are kept a day past expiry."""
from __future__ import annotations

INBOUND_DAYS = 30


def prune(conn) -> None:
    conn.execute("DELETE FROM inbound_messages WHERE received_at < now() - make_interval(days => %s)",
                 (INBOUND_DAYS,))
    conn.execute("DELETE FROM conversations WHERE expires_at < now() - interval '1 day'")
