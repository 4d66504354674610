"""Transactional outbox: an accepted event is committed to PostgreSQL before we answer 2xx;
services/relay.py moves it to its topic. Idempotency keys make client retries harmless."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from psycopg.types.json import Jsonb
from pydantic import BaseModel

from siaga.schemas.envelope import Event
from siaga.schemas.stages import OUTBOX_TOPICS


class IdempotencyConflict(Exception):
    """The same idempotency key was used before with a different body. `index`: which of the
    rows given to enqueue_many."""

    def __init__(self, message: str, index: int = 0):
        super().__init__(message)
        self.index = index


@dataclass
class Enqueued:
    response: dict
    created: bool


def body_hash(payload: dict | BaseModel, **context: str) -> str:
    """What an Idempotency-Key is bound to. A parsed body counts by the fields the client sent
    (exclude_unset): a field added to the schema later, with its default, must not turn a retry
    that spans an upgrade into a 409. `context`: the path's ids, which are part of the request."""
    data = payload.model_dump(mode="json", exclude_unset=True) if isinstance(payload, BaseModel) else payload
    return hashlib.sha256(json.dumps({**data, **context}, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class Outgoing:
    """One event to commit to the outbox, with the answer a retry of it gets."""
    topic: str
    key: str
    event: Event
    response: dict
    idempotency_key: str | None = None
    request_hash: str | None = None


def _check_topic(topic: str) -> None:
    # A topic the relay is not declared to write (schemas/stages.py) fails here, not at the relay.
    if topic not in OUTBOX_TOPICS:
        raise KeyError(topic)


async def enqueue(conn, topic: str, key: str, event: Event, response: dict,
                  idempotency_key: str | None = None, request_hash: str | None = None) -> Enqueued:
    return (await enqueue_many(conn, [Outgoing(topic, key, event, response, idempotency_key, request_hash)]))[0]


async def enqueue_many(conn, rows: Sequence[Outgoing]) -> list[Enqueued]:
    """Commit events to the outbox in one statement (all or none, in order), one row each.
    A row whose idempotency key was used before is not stored again: its answer is the stored
    one, or IdempotencyConflict when the key came with a different body."""
    for r in rows:
        _check_topic(r.topic)
    if len(rows) == 1:   # the common case: plain VALUES (arrays cost the API more to build)
        r = rows[0]
        cur = await conn.execute(
            "INSERT INTO outbox(event_id, topic, key, value, idempotency_key, request_hash, response) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (idempotency_key) DO NOTHING RETURNING event_id",
            (r.event.event_id, r.topic, r.key, r.event.to_bytes(), r.idempotency_key, r.request_hash,
             Jsonb(r.response)))
    else:   # WITH ORDINALITY ... ORDER BY: the rows get their ids (the relay's order) in list order
        cur = await conn.execute(
            "INSERT INTO outbox(event_id, topic, key, value, idempotency_key, request_hash, response) "
            "SELECT e, t, k, v, i, h, r FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::bytea[], "
            "%s::text[], %s::text[], %s::jsonb[]) WITH ORDINALITY AS x(e, t, k, v, i, h, r, n) ORDER BY n "
            "ON CONFLICT (idempotency_key) DO NOTHING RETURNING event_id",
            ([r.event.event_id for r in rows], [r.topic for r in rows], [r.key for r in rows],
             [r.event.to_bytes() for r in rows], [r.idempotency_key for r in rows],
             [r.request_hash for r in rows], [Jsonb(r.response) for r in rows]))
    created = {row[0] for row in await cur.fetchall()}
    if created:
        await conn.execute("NOTIFY outbox")
    if len(created) == len(rows):
        return [Enqueued(r.response, True) for r in rows]
    keys = [r.idempotency_key for r in rows if r.event.event_id not in created]
    earlier = {key: (response, request_hash) for key, response, request_hash in await (await conn.execute(
        "SELECT idempotency_key, response, request_hash FROM outbox WHERE idempotency_key = ANY(%s)",
        (keys,))).fetchall()}
    out = []
    for i, r in enumerate(rows):
        if r.event.event_id in created:
            out.append(Enqueued(r.response, True))
            continue
        if r.idempotency_key not in earlier:  # pragma: no cover - the conflicting row was pruned in between
            raise IdempotencyConflict("idempotency key expired; retry with a new one", i)
        response, request_hash = earlier[r.idempotency_key]
        if r.request_hash and request_hash and request_hash != r.request_hash:
            raise IdempotencyConflict("this Idempotency-Key was already used with a different body", i)
        out.append(Enqueued(response, False))
    return out


def enqueue_sync(conn, topic: str, key: str, event: Event, response: dict | None = None,
                 idempotency_key: str | None = None) -> bool:
    """Same as enqueue for synchronous callers (demo loader, webhooks in threads)."""
    _check_topic(topic)
    cur = conn.execute(
        "INSERT INTO outbox(event_id, topic, key, value, idempotency_key, response) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id",
        (event.event_id, topic, key, event.to_bytes(), idempotency_key, Jsonb(response or {})),
    )
    created = cur.fetchone() is not None
    if created:
        conn.execute("NOTIFY outbox")
    return created
