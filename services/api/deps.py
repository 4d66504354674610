"""Shared dependencies of the routes: the pool, idempotency header."""
from __future__ import annotations

from fastapi import Header, HTTPException, Request


def pool(request: Request):
    return request.app.state.pool


def idempotency_key(idempotency_key: str | None = Header(default=None, max_length=100)) -> str | None:
    if idempotency_key is not None and not (8 <= len(idempotency_key) <= 100):
        raise HTTPException(422, "Idempotency-Key must be 8 to 100 characters")
    return idempotency_key
