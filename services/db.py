"""Connection pools for the edges (API, relay, sink, notifier). One place that knows DATABASE_URL."""
from __future__ import annotations

from psycopg_pool import AsyncConnectionPool, ConnectionPool

from infra.settings import get_settings


def async_pool(min_size: int = 1, max_size: int = 10) -> AsyncConnectionPool:
    return AsyncConnectionPool(get_settings().database_url, min_size=min_size, max_size=max_size,
                               open=False, kwargs={"autocommit": True})


def sync_pool(min_size: int = 1, max_size: int = 4) -> ConnectionPool:
    return ConnectionPool(get_settings().database_url, min_size=min_size, max_size=max_size,
                          open=False, kwargs={"autocommit": True})
