"""Coordinators' map API against a running stack: access control on every route, bbox
validation, GeoJSON layers and filters, details, nearest volunteers, actions into the outbox."""
from __future__ import annotations

import sys
from contextlib import closing
import uuid
from pathlib import Path

import orjson
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from siaga.services.api.routes_map import STATUSES  # noqa: E402
from test_map_support import bbox_around, stack, unique_point, wait_for  # noqa: E402,F401

pytestmark = pytest.mark.integration
SOME_ID = str(uuid.uuid4())
BBOX = "110.3,-7.9,110.5,-7.7"

# Every route that shows personal data or changes something: (method, path, json body).
COORDINATOR_ROUTES = [
    ("GET", f"/api/v1/map/needs?bbox={BBOX}", None),
    ("GET", f"/api/v1/map/volunteers?bbox={BBOX}", None),
    ("GET", f"/api/v1/map/dispatches?bbox={BBOX}", None),
    ("GET", "/api/v1/map/summary", None),
    ("GET", "/api/v1/map/queue", None),
    ("GET", "/api/v1/map/areas", None),
    ("GET", f"/api/v1/map/requests/{SOME_ID}", None),
    ("GET", f"/api/v1/map/requests/{SOME_ID}/candidates", None),
    ("GET", "/api/v1/live", None),
    ("POST", f"/api/v1/coordinator/requests/{SOME_ID}/actions", {"action": "verify"}),
    ("GET", "/api/v1/auth/me", None),
    ("GET", "/api/v1/admin/coordinators", None),
    ("POST", "/api/v1/admin/coordinators", {"username": "x-y-z", "password": "a-long-password-1"}),
]
ADMIN_ONLY = [r for r in COORDINATOR_ROUTES if "/admin/" in r[1]]


@pytest.mark.parametrize("method,path,body", COORDINATOR_ROUTES, ids=[f"{m} {p.split('?')[0]}" for m, p, _ in COORDINATOR_ROUTES])
def test_anonymous_calls_are_401(stack, method, path, body):
    with stack.client() as c:
        r = c.request(method, path, json=body)
        assert r.status_code == 401, r.text
        assert "sign in" in r.json()["error"]
        c.cookies.set("siaga_session", "forged-or-expired-token")
        assert c.request(method, path, json=body).status_code == 401


@pytest.mark.parametrize("method,path,body", ADMIN_ONLY, ids=[f"{m} {p}" for m, p, _ in ADMIN_ONLY])
def test_coordinators_get_403_on_admin_routes(stack, method, path, body):
    with closing(stack.signed_in("coordinator")) as c:
        assert c.request(method, path, json=body).status_code == 403


@pytest.fixture(scope="module")
def coord(stack):
    with closing(stack.signed_in("coordinator")) as c:
        yield c


@pytest.mark.parametrize("bbox,expect", [
    (None, "bbox is required"),
    ("", "bbox is required"),
    ("1,2,3", "got 3 values"),
    ("1,2,3,4,5", "got 5 values"),
    ("a,b,c,d", "not a number"),
    ("110,-7,nan,-6", "finite"),
    ("110,-7,inf,-6", "finite"),
    ("200,-7,210,-6", "longitudes"),
    ("110,-95,111,-6", "latitudes"),
    ("111,-7,110,-6", "minimum must be below"),
    ("110,-6,111,-7", "minimum must be below"),
    ("110,-7,110,-6", "minimum must be below"),
])
@pytest.mark.parametrize("layer", ["needs", "volunteers", "dispatches"])
def test_malformed_bbox_is_422_with_a_message(coord, bbox, expect, layer):
    params = {} if bbox is None else {"bbox": bbox}
    r = coord.get(f"/api/v1/map/{layer}", params=params)
    assert r.status_code == 422, r.text
    assert expect in r.json()["error"]


@pytest.mark.parametrize("query,expect", [
    ("category=water,lava", "unknown category 'lava'"),
    ("status=open,sleeping", "unknown status 'sleeping'"),
    ("urgency=meh", "unknown urgency"),
    ("age_h=-1", "age_h"),
    ("limit=0", "limit"),
    ("limit=999999", "limit"),
])
def test_bad_filters_are_422(coord, query, expect):
    r = coord.get(f"/api/v1/map/needs?bbox={BBOX}&{query}")
    assert r.status_code == 422 and expect in r.json()["error"], r.text


def test_bad_ids_are_422_or_404(coord):
    assert coord.get("/api/v1/map/requests/not-a-uuid").status_code == 422
    assert coord.get(f"/api/v1/map/requests/{uuid.uuid4()}").status_code == 404
    assert coord.get(f"/api/v1/map/requests/{uuid.uuid4()}/candidates").status_code == 404
    assert coord.get("/api/v1/live", headers={"Last-Event-ID": "x1"}).status_code == 422
    assert coord.get("/api/v1/live", headers={"Last-Event-ID": str(2**70)}).status_code == 422
    assert coord.get("/api/v1/live", params={"after": 2**70}).status_code == 422
    assert coord.get("/api/v1/map/needs", params={"bbox": "1e400,0,1,1"}).status_code == 422


def test_needs_in_bbox_with_filters_and_details(stack, coord):
    lat, lon = unique_point()
    suffix = str(uuid.uuid4().int)[:4]  # a fresh number: the dispatch engine merges repeats from one phone
    made = stack.post_request(needs=["medical", "baby"], urgency="critical", people=7, name="Ibu Sari Uji",
                              phone="0812-7777-" + suffix, text="bayi demam tinggi", location={"lat": lat, "lon": lon})
    rid = made["request_id"]
    stack.wait_stored(rid)
    box = bbox_around(lat, lon, 0.002)

    def ids(**params):
        r = coord.get("/api/v1/map/needs", params={"bbox": box, **params})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/geo+json")
        return {f["id"]: f for f in r.json()["features"]}

    found = ids()
    assert rid in found
    f = found[rid]
    assert f["geometry"]["coordinates"] == [lon, lat]
    assert f["properties"]["needs"] == ["medical", "baby"] and f["properties"]["urgency"] == "critical"
    assert set(f["properties"]) == {"code", "status", "needs", "urgency", "people", "created", "priority",
                                    "verified", "vulnerable", "crew", "filled"}, "compact: no personal data in the layer"
    assert (f["properties"]["crew"], f["properties"]["filled"]) == (1, 0)
    assert rid in ids(category="baby,water")
    assert rid not in ids(category="water,food")
    assert rid in ids(urgency="critical") and rid not in ids(urgency="low")
    assert rid in ids(age_h=1)
    assert rid not in ids(status="done")
    assert rid in ids(status=",".join(STATUSES))
    assert rid not in {f["id"] for f in coord.get("/api/v1/map/needs", params={"bbox": bbox_around(lat + 0.05, lon)}).json()["features"]}

    d = coord.get(f"/api/v1/map/requests/{rid}").json()
    assert d["contact"] == {"name": "Ibu Sari Uji", "phone": "+628127777" + suffix, "preferred_channel": "sms"}
    assert d["text"] == "bayi demam tinggi" and d["code"] == made["tracking_code"]
    assert d["location"]["lat"] == pytest.approx(lat) and isinstance(d["offers"], list)
    assert isinstance(d["timeline"], list) and isinstance(d["actions"], list)
    assert d["reports"][0]["channel"] == "api"

    queue = coord.get("/api/v1/map/queue", params={"limit": 1000}).json()
    mine = next(q for q in queue if q["id"] == rid)
    assert mine["waiting_s"] >= 0 and mine["code"] == made["tracking_code"]


def test_volunteers_layer_and_nearest_candidates(stack, coord):
    lat, lon = unique_point(3.9, 98.2)   # North Sumatra: no other test places needs within reach here
    # A medical need: these logistics volunteers are never offered it (medical is never relaxed),
    # so the matcher cannot make them busy while the map is read. Candidates ignore skills.
    rid = stack.post_request(location={"lat": lat, "lon": lon}, needs=["medical"])["request_id"]
    near = stack.volunteer(lat + 0.003, lon, name="Relawan Dekat")
    far = stack.volunteer(lat + 0.02, lon, name="Relawan Jauh")
    stack.wait_stored(rid)
    vols = coord.get("/api/v1/map/volunteers", params={"bbox": bbox_around(lat, lon, 0.05)}).json()["features"]
    by_id = {v["id"]: v["properties"] for v in vols}
    assert by_id[near]["state"] == "available" and by_id[near]["name"] == "Relawan Dekat"
    only_busy = coord.get("/api/v1/map/volunteers", params={"bbox": bbox_around(lat, lon, 0.05), "state": "busy"}).json()
    assert near not in {v["id"] for v in only_busy["features"]}
    cands = coord.get(f"/api/v1/map/requests/{rid}/candidates", params={"limit": 50}).json()
    order = [c["id"] for c in cands]
    assert near in order and far in order and order.index(near) < order.index(far)
    first = next(c for c in cands if c["id"] == near)
    assert 300 <= first["distance_m"] <= 400 and first["phone"].startswith("+62")


def test_actions_go_to_the_outbox_with_the_actor(stack, coord):
    lat, lon = unique_point(-8.0, 110.9)
    rid = stack.post_request(location={"lat": lat, "lon": lon})["request_id"]
    other = stack.post_request(location={"lat": lat + 0.0005, "lon": lon})
    vid = stack.volunteer(lat + 0.002, lon)
    stack.wait_stored(rid)
    stack.wait_stored(other["request_id"])
    url = f"/api/v1/coordinator/requests/{rid}/actions"

    r = coord.post(url, json={"action": "assign", "volunteer_id": vid, "note": "dekat posko"},
                   headers={"Idempotency-Key": "assign-key-0001"})
    assert r.status_code == 202, r.text
    answer = r.json()
    assert answer["actor"] == coord.username and answer["action"] == "assign"
    again = coord.post(url, json={"action": "assign", "volunteer_id": vid, "note": "dekat posko"},
                       headers={"Idempotency-Key": "assign-key-0001"})
    assert again.status_code == 202 and again.json()["action_id"] == answer["action_id"]
    assert again.headers.get("idempotent-replay") == "true"

    with stack.db() as conn:
        row = conn.execute("SELECT topic, key, value FROM outbox WHERE event_id = %s", (answer["action_id"],)).fetchone()
    topic, key, value = row
    event = orjson.loads(bytes(value))
    assert topic == "coordinator-actions" and key == rid
    assert event["type"] == "coordinator.action" and event["actor"] == coord.username
    assert event["volunteer_id"] == vid and event["note"] == "dekat posko"

    dup = coord.post(url, json={"action": "duplicate", "duplicate_of": other["tracking_code"]})
    assert dup.status_code == 202, dup.text
    with stack.db() as conn:
        ev = orjson.loads(bytes(conn.execute("SELECT value FROM outbox WHERE event_id = %s",
                                             (dup.json()["action_id"],)).fetchone()[0]))
    assert ev["duplicate_of"] == other["request_id"], "a tracking code is resolved to the request id"

    # The sink records every action with who made it.
    def recorded():
        with stack.db() as conn:
            return conn.execute("SELECT actor FROM coordinator_actions WHERE event_id = %s",
                                (answer["action_id"],)).fetchone()
    assert wait_for(recorded, 40, "the assign action in coordinator_actions")[0] == coord.username


@pytest.mark.parametrize("body,status,expect", [
    ({"action": "verify", "note": "nul\u0000byte"}, 422, "NUL"),
    ({"action": "assign"}, 422, "needs the chosen volunteer"),
    ({"action": "assign", "volunteer_id": str(uuid.uuid4())}, 422, "no volunteer with that id"),
    ({"action": "done", "volunteer_id": str(uuid.uuid4())}, 422, "only assign and reassign"),
    ({"action": "duplicate"}, 422, "say which request"),
    ({"action": "duplicate", "duplicate_of": "ZZZZZZ9"}, 422, "no request with that id or tracking code"),
    ({"action": "verify", "duplicate_of": "ABCDEF"}, 422, "only the duplicate action"),
    ({"action": "explode"}, 422, "action"),
    ({"action": "verify", "actor": "someone-else"}, 422, "unknown field"),
])
def test_bad_actions_are_refused(stack, coord, body, status, expect):
    rid = _stored_request(stack)
    r = coord.post(f"/api/v1/coordinator/requests/{rid}/actions", json=body)
    assert r.status_code == status, r.text
    assert expect in r.json()["error"]


def test_action_on_unknown_or_self_duplicate(stack, coord):
    r = coord.post(f"/api/v1/coordinator/requests/{uuid.uuid4()}/actions", json={"action": "verify"})
    assert r.status_code == 404
    rid = _stored_request(stack)
    r = coord.post(f"/api/v1/coordinator/requests/{rid}/actions", json={"action": "duplicate", "duplicate_of": rid})
    assert r.status_code == 422 and "itself" in r.json()["error"]
    r = coord.post(f"/api/v1/coordinator/requests/{rid}/actions", content=b"action=verify",
                   headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422, "actions are JSON only (a cross-site form cannot send them)"


_stored: dict[str, str] = {}


def _stored_request(stack) -> str:
    if "id" not in _stored:
        lat, lon = unique_point(-8.1, 110.8)
        rid = stack.post_request(location={"lat": lat, "lon": lon})["request_id"]
        stack.wait_stored(rid)
        _stored["id"] = rid
    return _stored["id"]


def test_summary_counters(stack, coord):
    s = coord.get("/api/v1/map/summary").json()
    for key in ("open", "matched", "escalated", "needs_location", "done_today", "volunteers_available",
                "donations_received_idr", "donations_received_goods"):
        assert isinstance(s[key], int) and s[key] >= 0
    rid = stack.post_request(location=dict(zip(("lat", "lon"), unique_point())))["request_id"]
    stack.wait_stored(rid)
    # Other needs move on meanwhile (the dispatch engine runs), so compare with the table itself.
    with stack.db() as conn:
        waiting = conn.execute("SELECT count(*) FROM requests WHERE status = ANY(%s)",
                               (["received", "needs_location", "open", "offered", "escalated"],)).fetchone()[0]
    got = coord.get("/api/v1/map/summary").json()["open"]
    assert got >= 1 and abs(got - waiting) <= 5


def test_zoomed_out_views_get_grid_cells(stack, coord):
    lat, lon = unique_point(-8.2, 110.1)
    made = [stack.post_request(needs=needs, location={"lat": lat + d, "lon": lon})
            for needs, d in ((["water"], 0.0), (["food"], 0.004), (["shelter"], 0.02))]
    for m in made:
        stack.wait_stored(m["request_id"])
    box = bbox_around(lat, lon, 0.05)
    fc = coord.get("/api/v1/map/needs", params={"bbox": box, "cluster_above": 1}).json()
    assert fc["clustered"] is True and fc["grid_m"] >= 150
    assert sum(f["properties"]["count"] for f in fc["features"]) >= 3
    assert all("id" not in f for f in fc["features"])
    assert set(fc["features"][0]["properties"]) == {"count", "waiting", "matched", "urgent", "by_category"}
    points = coord.get("/api/v1/map/needs", params={"bbox": box, "cluster_above": 0}).json()
    assert points["clustered"] is False
    assert {m["request_id"] for m in made} <= {f["id"] for f in points["features"]}
    few = coord.get("/api/v1/map/needs", params={"bbox": box, "cluster_above": 0, "limit": 1}).json()
    assert few["truncated"] is True and len(few["features"]) == 1
