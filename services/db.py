"""Connection pools of every process (API, relay, notifier, Faust workers): the one place that
knows DATABASE_URL and how a pool is set up."""
from __future__ import annotations

from collections.abc import Callable

from psycopg_pool import AsyncConnectionPool, ConnectionPool

from siaga.infra.settings import get_settings


# `check`: a connection is tested (one round trip) before it is handed out, so after a database
# restart the pool replaces its dead connections at once instead of failing one call with each.


# `timeout`: how long a caller waits for a connection. With the database away, the API answers
# 503 + Retry-After after this instead of holding the client until its own timeout.


def async_pool(min_size: int = 1, max_size: int = 10, timeout: float = 5.0) -> AsyncConnectionPool:
    return AsyncConnectionPool(get_settings().database_url, min_size=min_size, max_size=max_size,
                               open=False, kwargs={"autocommit": True}, check=AsyncConnectionPool.check_connection,
                               timeout=timeout)


def sync_pool(min_size: int = 1, max_size: int = 4, *, open: bool = False,
              reset: Callable | None = None) -> ConnectionPool:
    return ConnectionPool(get_settings().database_url, min_size=min_size, max_size=max_size,
                          open=open, kwargs={"autocommit": True}, check=ConnectionPool.check_connection,
                          reset=reset)


_worker_pool: AsyncConnectionPool | None = None


async def worker_pool() -> AsyncConnectionPool:
    """The pool of a Faust worker (sink, ledger, supply round, heartbeat): opened on first use,
    inside the worker's event loop."""
    global _worker_pool
    if _worker_pool is None:
        _worker_pool = async_pool(min_size=1, max_size=8)
        await _worker_pool.open(wait=True, timeout=30)
    return _worker_pool
