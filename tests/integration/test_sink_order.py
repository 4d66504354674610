"""The store sink writes each topic with its own agent, so a request's situation update can be
stored before the request itself (seen in the cluster fault test: a duplicate stayed "open" in
PostGIS for ever). Against the stack's PostgreSQL, with the sink's own store functions."""
from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

import psycopg
import pytest

from siaga.schemas.common import Location
from siaga.schemas.events import AidRequest, SituationUpdate
from siaga.services import store

pytestmark = pytest.mark.integration


def _request(rid: uuid.UUID, at: datetime) -> AidRequest:
    return AidRequest(request_id=rid, tracking_code="S" + rid.hex[:6].upper(), channel="api", needs=["water"],
                      people=2, location=Location(lat=-7.8, lon=110.37), occurred_at=at)


def _situation(rid: uuid.UUID, status: str, at: datetime, **detail) -> SituationUpdate:
    return SituationUpdate(kind="request", request_id=rid, status=status, occurred_at=at, detail=detail)


async def _save(url: str, events: list, hold: asyncio.Event | None = None, started: asyncio.Event | None = None):
    async with await psycopg.AsyncConnection.connect(url) as conn:
        async with conn.transaction():
            await store.save_batch(conn, events)
            if started:
                started.set()
            if hold:
                await hold.wait()


def _status(url: str, rid: uuid.UUID):
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT status, duplicate_of::text FROM requests WHERE request_id = %s", (rid,)).fetchone()


def test_an_update_stored_before_its_request_still_sets_the_status(env):
    url = env["DATABASE_URL"]
    rid, first = uuid.uuid4(), uuid.uuid4()
    t0 = datetime.now(timezone.utc)
    asyncio.run(_save(url, [_request(first, t0 - timedelta(seconds=60))]))   # the one it repeats
    asyncio.run(_save(url, [_situation(rid, "duplicate", t0 + timedelta(seconds=3), duplicate_of=str(first))]))
    asyncio.run(_save(url, [_request(rid, t0)]))
    assert _status(url, rid) == ("duplicate", str(first))
    # An older update arriving afterwards changes nothing.
    asyncio.run(_save(url, [_situation(rid, "open", t0 + timedelta(seconds=1))]))
    assert _status(url, rid)[0] == "duplicate"


def test_a_duplicate_stored_before_the_request_it_repeats_is_kept(env):
    """The original travels on another partition: its request may be stored after the update
    that names it. The update is stored (not dead-lettered) and the original still arrives."""
    url = env["DATABASE_URL"]
    rid, first = uuid.uuid4(), uuid.uuid4()
    t0 = datetime.now(timezone.utc)
    asyncio.run(_save(url, [_request(rid, t0)]))
    asyncio.run(_save(url, [_situation(rid, "duplicate", t0 + timedelta(seconds=3), duplicate_of=str(first))]))
    assert _status(url, rid) == ("duplicate", str(first))
    asyncio.run(_save(url, [_request(first, t0 - timedelta(seconds=60))]))
    assert _status(url, first)[0] == "open"


def test_concurrent_agents_wait_for_each_other_on_the_same_request(env):
    """The situation's transaction is still open when the request's starts: the request's waits
    for it (a lock per request), then sees the update. Without the lock neither sees the other."""
    url = env["DATABASE_URL"]
    rid = uuid.uuid4()
    t0 = datetime.now(timezone.utc)

    async def scenario():
        hold, started = asyncio.Event(), asyncio.Event()
        first = asyncio.create_task(_save(url, [_situation(rid, "matched", t0 + timedelta(seconds=2))], hold, started))
        await started.wait()
        second = asyncio.create_task(_save(url, [_request(rid, t0)]))
        await asyncio.sleep(0.5)
        assert not second.done()          # blocked on the lock of this request
        hold.set()
        await asyncio.gather(first, second)

    asyncio.run(scenario())
    assert _status(url, rid)[0] == "matched"
