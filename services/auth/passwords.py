"""Password hashing with argon2id (slow on purpose: a stolen table is expensive to crack)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # RFC 9106 low-memory profile: t=3, m=64 MiB, p=4
MIN_LENGTH = 10
MAX_LENGTH = 200
# Verified when the username does not exist, so a miss costs as long as a wrong password
# and response times do not reveal which usernames exist.
_DUMMY = _hasher.hash("not-a-real-password-0")


def check_strength(password: str) -> str | None:
    """A reason the password is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"the password must have at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"the password must have at most {MAX_LENGTH} characters"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
