"""The service learns incident areas from the record (services/active_areas.py): where the
clearly placed requests of the last two days gather, one point per sender, leaving out places
the text left unsure. Rows are written straight into the requests table far from every other
test's requests (Merauke, Papua) and removed at the end."""
from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from psycopg.types.json import Jsonb

from siaga.geo.distance import haversine_m
from siaga.services import active_areas
from tests.stack import signed_in

MERAUKE = (-8.49, 140.40)
BOVEN_DIGOEL = (-6.10, 140.30)
ASMAT = (-5.55, 138.10)
NABIRE = (-3.37, 135.50)
TIMIKA = (-4.55, 136.88)
TAG = "test-learned-"


def _insert(conn, rows: list[tuple[tuple[float, float], str, str, datetime]]) -> None:
    for i, ((lat, lon), phone, confidence, at) in enumerate(rows):
        rid = uuid.uuid4()
        conn.execute(
            "INSERT INTO requests (request_id, event_id, tracking_code, channel, needs, contact_phone, geom, "
            "location_source, location_confidence, created_at, status_at) VALUES (%s, %s, %s, 'sms', "
            "'{water}', %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, 'gazetteer', %s, %s, %s)",
            (rid, uuid.uuid4(), "L" + rid.hex[:7].upper(), TAG + phone, lon + 0.01 * (i % 5),
             lat + 0.01 * (i // 5), confidence, at, at))


def _report(conn, rows: list[tuple[tuple[float, float], str, str | None]]) -> None:
    """Reports of what people see (not requests), as core/conversation.py writes them."""
    now = datetime.now(timezone.utc)
    for i, ((lat, lon), phone, confidence) in enumerate(rows):
        conn.execute("INSERT INTO situation_log (event_id, kind, status, detail, occurred_at) "
                     "VALUES (%s, 'report', 'information', %s, %s)",
                     (uuid.uuid4(), Jsonb({"from": TAG + phone, "text": "banjir", "lat": lat + 0.01 * (i % 5),
                                           "lon": lon, "confidence": confidence}), now))


async def _learned(url: str):
    async with await psycopg.AsyncConnection.connect(url) as conn:
        return await active_areas.learned_areas(conn)


@pytest.fixture
def record(env):
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        yield conn
        conn.execute("DELETE FROM requests WHERE contact_phone LIKE %s", (TAG + "%",))
        conn.execute("DELETE FROM situation_log WHERE kind = 'report' AND detail ->> 'from' LIKE %s", (TAG + "%",))
    active_areas.forget()


def _near(areas, point) -> list:
    return [a for a in areas if haversine_m(a.lat, a.lon, *point) < 20_000]


def test_clearly_placed_requests_from_many_senders_make_an_area(env, record):
    now = datetime.now(timezone.utc)
    _insert(record, [(MERAUKE, f"m{i}", "high", now) for i in range(10)]
            # unsure places, one chatty sender and last week's requests make none
            + [(BOVEN_DIGOEL, f"b{i}", "low", now) for i in range(10)]
            + [(ASMAT, "a-same", "high", now - timedelta(minutes=i)) for i in range(10)]
            + [(ASMAT, f"old{i}", "high", now - timedelta(days=7)) for i in range(10)])
    active_areas.forget()
    areas = asyncio.run(_learned(env["DATABASE_URL"]))
    assert [a.learned for a in _near(areas, MERAUKE)] == [True]
    assert _near(areas, BOVEN_DIGOEL) == [] and _near(areas, ASMAT) == []


    # reports of what people see count too, unless their place was unsure
    _report(record, [(NABIRE, f"n{i}", "high") for i in range(9)] + [(TIMIKA, f"t{i}", "low") for i in range(9)])
    active_areas.forget()
    areas = asyncio.run(_learned(env["DATABASE_URL"]))
    assert [a.learned for a in _near(areas, NABIRE)] == [True] and _near(areas, TIMIKA) == []

    # the coordinators' map lists it (read from the record as it is, not from a cache)
    with signed_in(env, "viewer") as c:
        features = c.get("/api/v1/map/areas").json()["features"]
    here = [f["properties"] for f in features
            if haversine_m(f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0], *MERAUKE) < 20_000]
    assert [(p["kind"], p["name"]) for p in here] == [("learned", "10 permintaan / requests")]
