"""Transactional outbox: an accepted event is committed to PostgreSQL before we answer 2xx;
services/relay.py moves it to its topic. Idempotency keys make client retries harmless."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from psycopg.types.json import Jsonb

from schemas.envelope import Event
from schemas.topics import spec


class IdempotencyConflict(Exception):
    """The same idempotency key was used before with a different body."""


@dataclass
class Enqueued:
    response: dict
    created: bool


def body_hash(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


async def enqueue(conn, topic: str, key: str, event: Event, response: dict,
                  idempotency_key: str | None = None, request_hash: str | None = None) -> Enqueued:
    spec(topic)  # unknown topic names fail here, not at the relay
    cur = await conn.execute(
        "INSERT INTO outbox(event_id, topic, key, value, idempotency_key, request_hash, response) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
        (event.event_id, topic, key, event.to_bytes(), idempotency_key, request_hash, Jsonb(response)),
    )
    if await cur.fetchone() is not None:
        await conn.execute("NOTIFY outbox")
        return Enqueued(response, True)
    row = await (await conn.execute(
        "SELECT response, request_hash FROM outbox WHERE idempotency_key = %s", (idempotency_key,)
    )).fetchone()
    if row is None:  # pragma: no cover - the conflicting row was pruned in between
        raise IdempotencyConflict("idempotency key expired; retry with a new one")
    if request_hash and row[1] and row[1] != request_hash:
        raise IdempotencyConflict("this Idempotency-Key was already used with a different body")
    return Enqueued(row[0], False)


def enqueue_sync(conn, topic: str, key: str, event: Event, response: dict | None = None,
                 idempotency_key: str | None = None) -> bool:
    """Same as enqueue for synchronous callers (demo loader, webhooks in threads)."""
    spec(topic)
    cur = conn.execute(
        "INSERT INTO outbox(event_id, topic, key, value, idempotency_key, response) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id",
        (event.event_id, topic, key, event.to_bytes(), idempotency_key, Jsonb(response or {})),
    )
    created = cur.fetchone() is not None
    if created:
        conn.execute("NOTIFY outbox")
    return created
