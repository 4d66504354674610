"""Connection pools for the edges (API, relay, sink, notifier). One place that knows DATABASE_URL."""
from __future__ import annotations

from psycopg_pool import AsyncConnectionPool, ConnectionPool

from infra.settings import get_settings


# `check`: a connection is tested (one round trip) before it is handed out, so after a database
# restart the pool replaces its dead connections at once instead of failing one call with each.


# `timeout`: how long a caller waits for a connection. With the database away, the API answers
# 503 + Retry-After after this instead of holding the client until its own timeout.


def async_pool(min_size: int = 1, max_size: int = 10, timeout: float = 5.0) -> AsyncConnectionPool:
    return AsyncConnectionPool(get_settings().database_url, min_size=min_size, max_size=max_size,
                               open=False, kwargs={"autocommit": True}, check=AsyncConnectionPool.check_connection,
                               timeout=timeout)


def sync_pool(min_size: int = 1, max_size: int = 4) -> ConnectionPool:
    return ConnectionPool(get_settings().database_url, min_size=min_size, max_size=max_size,
                          open=False, kwargs={"autocommit": True}, check=ConnectionPool.check_connection)
