"""The dispatch state in the tables (changelogged JSON) keeps its form now that it is typed:
values written before the types (tests/fixtures/dispatch/state_before_typing.json, taken from
the simulator's tables on 2026-12-06) load, and are written back the same, key for key."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from core.dispatch.matcher import Join, Offer, OfferState, RequestState
from schemas.events import RequestStatus

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
