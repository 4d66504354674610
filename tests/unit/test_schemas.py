"""Contracts: exported JSON Schemas are current; envelopes; consumers ignore unknown fields."""
from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from siaga.schemas.events import AidRequest, DonationEvent, VolunteerCheckIn, parse_event
from siaga.schemas.export import JSON_DIR, rendered
from siaga.schemas.topics import all_topics


def test_exported_json_schemas_are_current():
    files = rendered()
    on_disk = {p.name: p.read_text() for p in JSON_DIR.glob("*.json")}
    assert on_disk == files, "schemas/json is stale: run `make schemas` (python -m siaga.schemas.export)"


def test_envelope_and_forward_compatibility():
    e = AidRequest(request_id=uuid.uuid4(), tracking_code="ABC234", channel="sms", needs=["water"])
    data = e.model_dump(mode="json")
    assert data["type"] == "aid_request.submitted" and data["version"] == 1 and data["event_id"]
    data["added_in_v2"] = {"anything": 1}   # a newer producer's extra field
    back = parse_event(data)
    assert back.request_id == e.request_id
    with pytest.raises(ValueError, match="unknown event type"):
        parse_event({**data, "type": "nope"})
    with pytest.raises(ValidationError):
        parse_event({**data, "occurred_at": "2026-01-01T00:00:00"})   # no timezone


def test_event_rules():
    with pytest.raises(ValidationError, match="exactly one"):
        DonationEvent(donation_id=uuid.uuid4(), kind="received", campaign="x")
    with pytest.raises(ValidationError, match="needs a location"):
        VolunteerCheckIn(volunteer_id=uuid.uuid4(), available=True)


def test_every_topic_is_declared_once_with_partitions():
    names = [t.name for t in all_topics()]
    assert len(names) == len(set(names))
    assert all(t.partitions >= 1 for t in all_topics())
    assert {"aid-requests", "volunteer-checkins", "volunteer-replies", "donations", "dispatch-offers",
            "notifications", "situation-updates", "dead-letter"} <= set(names)
