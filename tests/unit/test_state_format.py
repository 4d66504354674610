"""The dispatch state in the tables (changelogged JSON) keeps its form now that it is typed:
values written before the types (tests/fixtures/dispatch/state_before_typing.json, taken from
the simulator's tables on 2026-12-06) load, and are written back the same, key for key."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from siaga.core.dispatch.desk import ClosedHold, Group, Hold, HoldStatus, VolunteerState
from siaga.core.dispatch.matcher import Join, Offer, OfferState, RequestState
from siaga.core.dispatch.router import Route
from siaga.schemas.events import RequestStatus

OLD = json.loads((Path(__file__).parents[1] / "fixtures" / "dispatch" / "state_before_typing.json").read_text())


@pytest.mark.parametrize("value", OLD["requests"], ids=lambda v: v["status"])
def test_an_old_request_value_loads_typed_and_is_stored_the_same(value):
    before = copy.deepcopy(value)
    st = RequestState.from_dict(value)
    assert isinstance(st.status, RequestStatus)
    assert all(isinstance(o, Offer) and isinstance(o.state, OfferState) for o in st.offers.values())
    assert st.joining is None or isinstance(st.joining, Join)
    assert st.durable() == before
    assert json.loads(json.dumps(st.durable())) == before   # plain JSON: no enum objects left
    assert value == before   # loading does not touch the stored value ...
    st.snap["needs"].append("other")
    st.tried.append("x")
    assert value == before   # ... nor shares anything with it


def test_the_old_values_cover_every_typed_field_of_a_request():
    offers = [o for v in OLD["requests"] for o in v["offers"].values()]
    assert {o["state"] for o in offers} == {"pending", "live"}
    assert any("held_by" in o for o in offers) and any("forced_by" in o for o in offers)
    assert any(v["joining"] for v in OLD["requests"])
    assert {v["status"] for v in OLD["requests"]} >= {"open", "offered", "matched", "on_the_way", "done",
                                                      "joining", "duplicate", "cancelled", "escalated"}


@pytest.mark.parametrize("value", OLD["volunteers"], ids=lambda v: (v["hold"] or {}).get("status", "free"))
def test_an_old_volunteer_value_loads_typed_and_is_stored_the_same(value):
    before = copy.deepcopy(value)
    st = VolunteerState.from_dict(value)
    assert st.hold is None or (isinstance(st.hold, Hold) and isinstance(st.hold.status, HoldStatus))
    assert all(isinstance(c, ClosedHold) for c in st.closed)
    assert st.group is None or isinstance(st.group, Group)
    assert st.to_dict() == before
    assert json.loads(json.dumps(st.to_dict())) == before
    if st.hold is not None:
        st.hold.details.people += 1
        st.hold.status = HoldStatus.task
    st.replies.append("x")
    assert value == before   # a copy: a failed step cannot change the table's value in memory


def test_the_old_values_cover_every_typed_field_of_a_volunteer():
    holds = [v["hold"] for v in OLD["volunteers"] if v["hold"]]
    assert {h["status"] for h in holds} == {s.value for s in HoldStatus}
    assert all(any(k in h for h in holds) for k in ("bring", "asked_at", "checked_at"))
    closed = [c for v in OLD["volunteers"] for c in v["closed"]]
    assert {c["to_matcher"] for c in closed} == {"done", "declined"}
    assert {v["group"]["role"] for v in OLD["volunteers"] if v["group"]} == {"leader", "member"}


def test_a_volunteer_stored_with_a_single_closed_hold_still_loads():
    value = copy.deepcopy(next(v for v in OLD["volunteers"] if v["closed"]))
    value["closed"] = value["closed"][-1]   # the oldest form: one closed hold, not a list
    st = VolunteerState.from_dict(value)
    assert [c.to_dict() for c in st.closed] == [value["closed"]]


@pytest.mark.parametrize("value", OLD["routes"] + [{"request_id": "r1", "partition": None, "pending": {"x": 1},
                                                   "closed": "cancelled", "unacked": None, "sent_at": None}])
def test_an_old_route_value_loads_typed_and_is_stored_the_same(value):
    st = Route.from_dict(value)
    assert st.closed is None or isinstance(st.closed, RequestStatus)
    assert st.to_dict() == value
    assert json.loads(json.dumps(st.to_dict())) == value
