"""Shared dependencies of the routes: the pool, idempotency header. `async def` although they
wait for nothing: FastAPI runs a plain `def` dependency in a thread pool, two thread hand-offs
per request for a dictionary lookup (bench/notes.md)."""
from __future__ import annotations

from fastapi import Header, Request


async def pool(request: Request):
    return request.app.state.pool


async def idempotency_key(idempotency_key: str | None = Header(
        default=None, min_length=8, max_length=100,
        description="resending a request with the same key never records it twice")) -> str | None:
    # Checked by the header's declaration, not raised from here: a raise would come before the
    # sign-in check of a route that declares this dependency first (an anonymous caller gets 401).
    return idempotency_key
