"""services/active_areas.py without a database: the record read once a minute, what this
process takes counted at once, one point per sender."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import pytest

from siaga.geo.active_areas import MIN_POINTS
from siaga.services import active_areas

MERAPI = (-7.75, 110.42)


class FakeRecord:
    """Answers the points query with fixed rows and counts the reads."""

    def __init__(self, rows):
        self.rows, self.reads = rows, 0

    @asynccontextmanager
    async def transaction(self):
        yield

    async def execute(self, sql):
        self.reads += 1
        rows = self.rows

        class Cursor:
            async def fetchall(self):
                return rows
        return Cursor()


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setattr(active_areas, "RECOMPUTE_SHARE", float("inf"))   # compute at every call
    active_areas.forget()
    yield
    active_areas.forget()


def _areas(record):
    return asyncio.run(active_areas.learned_areas(record))


def test_what_this_process_takes_counts_before_the_record_has_it():
    record = FakeRecord([])
    assert _areas(record) == ()
    for i in range(MIN_POINTS):
        active_areas.note(f"+62812000000{i:02d}", MERAPI[0] + 0.01 * i, MERAPI[1])
    areas = _areas(record)
    assert len(areas) == 1 and areas[0].learned
    assert record.reads == 1            # the record is read once a minute, not per message


def test_one_sender_is_one_point_whether_noted_or_in_the_record():
    record = FakeRecord([("+6281200000000", MERAPI[0], MERAPI[1])])
    for _ in range(MIN_POINTS):
        active_areas.note("+6281200000000", *MERAPI)
    assert _areas(record) == ()
    record.rows = [(f"+62812000001{i:02d}", MERAPI[0], MERAPI[1] + 0.01 * i) for i in range(MIN_POINTS - 1)]
    active_areas.forget()
    active_areas.note("+6281200000000", *MERAPI)
    assert len(_areas(record)) == 1     # seven from the record and one taken here


def test_a_failed_read_keeps_the_areas_and_the_message_goes_on():
    class Broken(FakeRecord):
        async def execute(self, sql):
            raise RuntimeError("the database is away")
    for i in range(MIN_POINTS):
        active_areas.note(f"+62812000000{i:02d}", MERAPI[0] + 0.01 * i, MERAPI[1])
    assert len(_areas(Broken([]))) == 1   # no exception; what was taken here still counts


def test_turned_off_learns_nothing(monkeypatch):
    from siaga.infra.settings import get_settings
    monkeypatch.setattr(get_settings(), "learn_incident_areas", False)
    for i in range(MIN_POINTS):
        active_areas.note(f"+62812000000{i:02d}", *MERAPI)
    assert _areas(FakeRecord([])) == ()
