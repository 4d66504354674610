"""The database pool of a Faust worker (opened on first use, inside the worker's event loop)."""
from __future__ import annotations

from psycopg_pool import AsyncConnectionPool

from services.db import async_pool

_pool: AsyncConnectionPool | None = None


async def pool() -> AsyncConnectionPool:
    global _pool
    if _pool is None:
        _pool = async_pool(min_size=1, max_size=8)
        await _pool.open(wait=True, timeout=30)
    return _pool
