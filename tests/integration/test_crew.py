"""Needs that take several people, end to end on the real stack (issue 12 item 3): a request
for three volunteers near five ends with three distinct volunteers, each holding one slot and
nothing else; the map shows 3/3; a coordinator changes how many a need takes."""
from __future__ import annotations

from contextlib import closing

import pytest

from tests.integration.test_map_support import stack, unique_point, wait_for  # noqa: F401
from tests.integration.test_task_page import _post

pytestmark = pytest.mark.integration
LIVE = ["offered", "accepted", "on_the_way"]


def _dispatches(stack, rid: str) -> list[tuple[str, str, str]]:
    with stack.db() as conn:
        return [tuple(r) for r in conn.execute(
            "SELECT volunteer_id::text, link_token, status FROM dispatches WHERE request_id = %s "
            "ORDER BY created_at", (rid,))]


def _request(stack, rid: str) -> tuple | None:
    with stack.db() as conn:
        return conn.execute("SELECT status, volunteers_needed, volunteers_filled FROM requests "
                            "WHERE request_id = %s", (rid,)).fetchone()


def test_a_need_for_three_near_five_volunteers_ends_with_three_distinct_volunteers(stack):
    lat, lon = unique_point(-0.80, 119.75)   # Palu: this test's own place
    vids = [stack.volunteer(lat + 0.001 * (i + 1), lon) for i in range(5)]   # 110 m apart
    rid = stack.post_request(needs=["food"], people=12, location={"lat": lat, "lon": lon},
                             volunteers_needed=3)["request_id"]
    offered = wait_for(lambda: (d := _dispatches(stack, rid)) and len(d) >= 3 and d, 60, "three offers")
    assert sorted(v for v, _t, _s in offered) == sorted(vids[:3])   # the three nearest, one slot each
    with stack.client() as c:
        for _v, token, _s in offered:
            _post(c, f"/t/{token}/accept")
        assert wait_for(lambda: _request(stack, rid) == ("matched", 3, 3), 60, "three slots filled")
        with stack.db() as conn:   # nobody holds two live tasks, nobody holds two slots
            double = conn.execute(
                "SELECT volunteer_id FROM dispatches WHERE volunteer_id::text = ANY(%s) AND status = ANY(%s) "
                "GROUP BY volunteer_id HAVING count(*) > 1", (vids, LIVE)).fetchall()
        assert double == []
        page = c.get(f"/t/{offered[0][1]}")
        assert page.status_code == 200 and "3 / 3" in page.text
        with closing(stack.signed_in()) as coord:
            detail = coord.get(f"/api/v1/map/requests/{rid}").json()
            assert detail["crew"] == {"needed": 3, "filled": 3}
        for _v, token, _s in offered:
            _post(c, f"/t/{token}/done")
    assert wait_for(lambda: (r := _request(stack, rid)) and r[0] == "done" and r, 60, "done") == ("done", 3, 3)
    assert [s for _v, _t, s in _dispatches(stack, rid)] == ["done", "done", "done"]


def test_a_coordinator_sets_how_many_volunteers_a_need_takes(stack):
    lat, lon = unique_point(-0.80, 120.75)   # Poso: this test's own place
    vids = [stack.volunteer(lat + 0.001 * (i + 1), lon) for i in range(2)]
    rid = stack.post_request(needs=["food"], location={"lat": lat, "lon": lon})["request_id"]
    first = wait_for(lambda: _dispatches(stack, rid), 60, "the first offer")
    assert [v for v, _t, _s in first] == [vids[0]]
    path = f"/api/v1/coordinator/requests/{rid}/actions"
    with stack.client() as anon:
        assert anon.post(path, json={"action": "slots", "count": 2}).status_code == 401
    with closing(stack.signed_in()) as coord:
        r = coord.post(path, json={"action": "slots"})
        assert r.status_code == 422 and "count" in r.text
        r = coord.post(path, json={"action": "slots", "count": 51})
        assert r.status_code == 422
        r = coord.post(path, json={"action": "cancel", "count": 2})
        assert r.status_code == 422 and "only the slots action" in r.text
        r = coord.post(path, json={"action": "slots", "count": 2})
        assert r.status_code == 202, r.text
    both = wait_for(lambda: (d := _dispatches(stack, rid)) and len(d) == 2 and d, 60, "a second slot offered")
    assert [v for v, _t, _s in both] == vids        # who had the offer keeps it; the next one is asked
    assert wait_for(lambda: (r := _request(stack, rid)) and r[1] == 2 and r, 30, "two needed")[2] == 0
