"""Server-side sessions: a random token in an HttpOnly, SameSite=Lax cookie; the database keeps
only its SHA-256, so logout and expiry are immediate and a leaked table opens nothing."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from siaga.services.auth.accounts import Coordinator

COOKIE = "siaga_session"
LIFETIME = timedelta(hours=12)  # one long shift at a posko


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def open_session(conn, username: str) -> str:
    token = secrets.token_urlsafe(32)
    await conn.execute(
        "INSERT INTO coordinator_sessions (token_hash, username, expires_at) VALUES (%s, %s, now() + %s)",
        (_digest(token), username, LIFETIME))
    # Housekeeping on the side: sign-ins are rare, expired rows are few.
    await conn.execute("DELETE FROM coordinator_sessions WHERE expires_at < now() - interval '1 day'")
    return token


async def session_user(conn, token: str | None) -> Coordinator | None:
    if not token or len(token) > 100:
        return None
    row = await (await conn.execute(
        "SELECT c.username, c.role, c.display_name FROM coordinator_sessions s "
        "JOIN coordinators c USING (username) "
        "WHERE s.token_hash = %s AND s.expires_at > now() AND c.active", (_digest(token),))).fetchone()
    return Coordinator(*row) if row else None


async def close_session(conn, token: str | None) -> None:
    if token and len(token) <= 100:
        await conn.execute("DELETE FROM coordinator_sessions WHERE token_hash = %s", (_digest(token),))


def open_session_sync(conn, username: str) -> str:
    """For tests and tools that need a signed-in cookie without the HTTP round trip."""
    token = secrets.token_urlsafe(32)
    conn.execute("INSERT INTO coordinator_sessions (token_hash, username, expires_at) "
                 "VALUES (%s, %s, now() + %s)", (_digest(token), username, LIFETIME))
    return token
