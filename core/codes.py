"""Short human codes: tracking codes for requesters, offer codes for volunteers.
No 0/O/1/I/L, so they survive being read aloud or typed on a keypad."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SIAGA_NS = uuid.UUID("6f1b7a4e-53a9-4a8e-9b1e-5a1a6a3c0d11")


def tracking_code(length: int = 6) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ"
DIGITS = "23456789"


def code_from_uuid(value: uuid.UUID, length: int = 6) -> str:
    """A deterministic tracking code (replay must give the same code)."""
    n = value.int
    out = []
    for _ in range(length):
        n, r = divmod(n, len(ALPHABET))
        out.append(ALPHABET[r])
    return "".join(out)


def offer_code(value: uuid.UUID, length: int = 4) -> str:
    """A deterministic offer code like K7Q2. Letters and digits alternate, so a code is never
    an ordinary word ("TIDAK BUTUH" is not "decline BUTUH")."""
    n = value.int
    out = []
    for i in range(length):
        pool = LETTERS if i % 2 == 0 else DIGITS
        n, r = divmod(n, len(pool))
        out.append(pool[r])
    return "".join(out)


def stable_uuid(*parts: object) -> uuid.UUID:
    """Deterministic ids for derived things (offers, notifications) so replays are idempotent."""
    return uuid.uuid5(SIAGA_NS, "|".join(str(p) for p in parts))


def task_token(secret: bytes, offer_id: object, length: int = 12) -> str:
    """The unguessable part of a volunteer's task link: an HMAC-SHA256 of the offer id, in
    ALPHABET (12 characters, about 59 bits). Deterministic, so a replayed desk step sends the
    same link and the store computes the same token as the desk."""
    n = int.from_bytes(hmac.new(secret, str(offer_id).encode(), hashlib.sha256).digest(), "big")
    out = []
    for _ in range(length):
        n, r = divmod(n, len(ALPHABET))
        out.append(ALPHABET[r])
    return "".join(out)
