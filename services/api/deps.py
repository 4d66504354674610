"""Shared dependencies of the routes: the pool, idempotency header. `async def` although they
wait for nothing: FastAPI runs a plain `def` dependency in a thread pool, two thread hand-offs
per request for a dictionary lookup (bench/notes.md)."""
from __future__ import annotations

from fastapi import Header, HTTPException, Request


async def pool(request: Request):
    return request.app.state.pool


async def idempotency_key(idempotency_key: str | None = Header(default=None, max_length=100)) -> str | None:
    if idempotency_key is not None and not (8 <= len(idempotency_key) <= 100):
        raise HTTPException(422, "Idempotency-Key must be 8 to 100 characters")
    return idempotency_key
