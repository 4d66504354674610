"""Coordinator accounts in PostgreSQL. Async functions for the API, sync ones for the command
line and tests; both share the SQL and the validation."""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Literal

from siaga.services.auth.passwords import check_strength, hash_password, needs_rehash, verify_password

Role = Literal["viewer", "dispatcher", "treasurer", "admin"]
# viewer: sees the map and the queue; dispatcher: assigns, closes, vets volunteers; treasurer:
# also writes the ledger; admin: everything.
ROLES: tuple[str, ...] = ("viewer", "dispatcher", "treasurer", "admin")
# "coordinator" was the dispatcher's name until migration 016: still accepted when creating one.
ROLE_ALIASES = {"coordinator": "dispatcher"}
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")

_INSERT = ("INSERT INTO coordinators (username, password_hash, role, display_name, created_by) "
           "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (username) DO NOTHING RETURNING username")
_SELECT = "SELECT username, role, display_name, password_hash FROM coordinators WHERE username = %s AND active"


@dataclass(frozen=True)
class Coordinator:
    username: str
    role: str
    display_name: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_dispatch(self) -> bool:
        """Everyone but a viewer acts on requests and volunteers."""
        return self.role != "viewer"

    @property
    def is_treasurer(self) -> bool:
        """Treasurers (and admins) write the ledger's goods, disbursements and corrections."""
        return self.role in ("treasurer", "admin")

    def public(self) -> dict:
        return {"username": self.username, "role": self.role, "display_name": self.display_name}


class AccountError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class AccountExists(AccountError):
    def __init__(self, username: str):
        super().__init__("username", f"an account named {username!r} already exists")


def normalise_username(raw: str) -> str:
    username = (raw or "").strip().lower()
    if not USERNAME_RE.match(username):
        raise AccountError("username", "3 to 40 characters: lower-case letters, digits, '.', '_' or '-', "
                                       "starting with a letter or digit")
    return username


def _prepare(username: str, password: str, role: str) -> tuple[str, str, str]:
    name = normalise_username(username)
    role = ROLE_ALIASES.get(role, role)
    if role not in ROLES:
        raise AccountError("role", f"role must be one of {', '.join(ROLES)}")
    weak = check_strength(password or "")
    if weak:
        raise AccountError("password", weak)
    return name, hash_password(password), role


async def create_coordinator(conn, username: str, password: str, role: str = "dispatcher",
                             display_name: str | None = None, created_by: str | None = None) -> Coordinator:
    name, pw_hash, role = await asyncio.to_thread(_prepare, username, password, role)
    row = await (await conn.execute(_INSERT, (name, pw_hash, role, display_name, created_by))).fetchone()
    if row is None:
        raise AccountExists(name)
    return Coordinator(name, role, display_name)


def create_coordinator_sync(conn, username: str, password: str, role: str = "dispatcher",
                            display_name: str | None = None, created_by: str | None = None) -> Coordinator:
    name, pw_hash, role = _prepare(username, password, role)
    if conn.execute(_INSERT, (name, pw_hash, role, display_name, created_by)).fetchone() is None:
        raise AccountExists(name)
    return Coordinator(name, role, display_name)


def set_password_sync(conn, username: str, password: str, role: str | None = None) -> None:
    name, pw_hash, canonical = _prepare(username, password, role or "dispatcher")
    conn.execute("UPDATE coordinators SET password_hash = %s, role = COALESCE(%s, role), active = true "
                 "WHERE username = %s", (pw_hash, canonical if role else None, name))
    conn.execute("DELETE FROM coordinator_sessions WHERE username = %s", (name,))


async def authenticate(conn, username: str, password: str) -> Coordinator | None:
    """The account if the password is right; None otherwise (same cost either way)."""
    name = (username or "").strip().lower()
    row = None
    if USERNAME_RE.match(name):
        row = await (await conn.execute(_SELECT, (name,))).fetchone()
    stored = row[3] if row else None
    if not await asyncio.to_thread(verify_password, stored, password or ""):
        return None
    if needs_rehash(stored):  # parameters were raised since this hash was made
        new_hash = await asyncio.to_thread(hash_password, password)
        await conn.execute("UPDATE coordinators SET password_hash = %s WHERE username = %s", (new_hash, name))
    return Coordinator(row[0], row[1], row[2])


async def list_coordinators(conn) -> list[dict]:
    rows = await (await conn.execute(
        "SELECT username, role, display_name, active, created_by, created_at FROM coordinators "
        "ORDER BY username")).fetchall()
    keys = ("username", "role", "display_name", "active", "created_by", "created_at")
    return [dict(zip(keys, r)) for r in rows]
