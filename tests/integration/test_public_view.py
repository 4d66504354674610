"""The public view never shows personal data: requests with distinctive names, phone numbers,
free text and places are stored, then every public response is searched for them."""
from __future__ import annotations

import math
import re
import secrets
import sys
import time
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_map_support import stack, unique_point  # noqa: E402,F401

pytestmark = pytest.mark.integration
GRID_DEG = 150 / 111_320


@pytest.fixture(scope="module")
def secret_requests(stack):
    """Two requests full of personal data, close together, at a fresh place."""
    tag = secrets.token_hex(3).upper()
    lat, lon = unique_point(-7.2, 112.6)
    people = [
        {"name": f"Siti Rahasia {tag}", "phone": "0812-3456-7" + str(secrets.randbelow(900) + 100),
         "text": f"rumah kami di gang mawar {tag} tolong", "place": f"Dusun Tersembunyi {tag}",
         "location": {"lat": lat, "lon": lon}, "needs": ["water", "medical"]},
        {"name": f"Bambang Pribadi {tag}", "phone": "0857-1234-5" + str(secrets.randbelow(900) + 100),
         "text": f"anak saya {tag} sakit", "place": f"RT 03 Kampung {tag}",
         "location": {"lat": lat + 0.0003, "lon": lon + 0.0002}, "needs": ["food"]},
    ]
    made = [stack.post_request(**p) for p in people]
    for m in made:
        stack.wait_stored(m["request_id"])
    return {"tag": tag, "lat": lat, "lon": lon, "people": people, "made": made}


def _forbidden(secret_requests) -> list[str]:
    out = []
    for p, m in zip(secret_requests["people"], secret_requests["made"]):
        digits = re.sub(r"\D", "", p["phone"])
        out += [p["name"], p["name"].split()[0] + " " + p["name"].split()[1], p["text"], p["place"],
                digits, "62" + digits[1:], digits[-7:], m["request_id"], m["tracking_code"]]
    out.append(secret_requests["tag"])
    return out


def _assert_clean(text: str, secret_requests, where: str) -> None:
    for needle in _forbidden(secret_requests):
        assert needle.lower() not in text.lower(), f"{where} leaks {needle!r}"


def test_public_json_and_pages_contain_no_personal_data(stack, secret_requests):
    lat, lon = secret_requests["lat"], secret_requests["lon"]
    with stack.client() as c:
        responses = {
            "needs": c.get("/api/v1/public/needs", params={"bbox": f"{lon - 0.02},{lat - 0.02},{lon + 0.02},{lat + 0.02}"}),
            "needs-all": c.get("/api/v1/public/needs", params={"bbox": "-180,-90,180,90"}),
            "needs-category": c.get("/api/v1/public/needs", params={"bbox": "-180,-90,180,90", "category": "water"}),
            "summary": c.get("/api/v1/public/summary"),
            "page": c.get("/public"),
        }
        for name, r in responses.items():
            assert r.status_code == 200, (name, r.text)
            _assert_clean(r.text, secret_requests, name)
        # The cells do show that help is needed there.
        cells = responses["needs"].json()["features"]
        assert sum(f["properties"]["needs_total"] for f in cells) >= 2
        assert {"type", "geometry", "properties"} >= set(cells[0])
        assert set(cells[0]["properties"]) == {"needs_total", "waiting", "helping", "by_category"}


def test_public_points_are_snapped_to_a_150_m_grid(stack, secret_requests):
    lat, lon = secret_requests["lat"], secret_requests["lon"]
    with stack.client() as c:
        fc = c.get("/api/v1/public/needs", params={"bbox": f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"}).json()
    assert fc["grid_m"] == 150
    for f in fc["features"]:
        clon, clat = f["geometry"]["coordinates"]
        gy = clat / GRID_DEG
        assert abs(gy - round(gy)) < 1e-2, "latitude is a grid row (to the 5 decimals published)"
        gx = clon / (GRID_DEG / math.cos(math.radians(round(gy) * GRID_DEG)))
        assert abs(gx - round(gx)) < 1e-2, "longitude is a grid column"
    nearest = min(fc["features"], key=lambda f: abs(f["geometry"]["coordinates"][1] - lat) + abs(f["geometry"]["coordinates"][0] - lon))
    clon, clat = nearest["geometry"]["coordinates"]
    moved_m = math.hypot((clat - lat) * 111_320, (clon - lon) * 111_320 * math.cos(math.radians(lat)))
    assert moved_m <= 110, "a point moves at most half a cell diagonal"
    assert (clat, clon) != (lat, lon)


def test_public_summary_counts_by_category(stack, secret_requests):
    with stack.client() as c:
        s = c.get("/api/v1/public/summary").json()
    assert set(s["by_category"]) >= {"water", "food", "medical", "rescue"}
    assert s["by_category"]["water"] >= 1 and s["by_category"]["food"] >= 1
    assert s["waiting"] >= 2 and isinstance(s["volunteers_available"], int)


@pytest.mark.parametrize("bbox", ["", "1,2,3", "x,1,2,3", "10,10,5,5", "0,-100,1,1"])
def test_public_bbox_is_validated(stack, bbox):
    with stack.client() as c:
        r = c.get("/api/v1/public/needs", params={"bbox": bbox})
    assert r.status_code == 422 and "bbox" in r.json()["error"]


def test_public_live_stream_leaks_nothing(stack, secret_requests):
    seen: list[str] = []
    with stack.client() as c:
        with c.stream("GET", "/api/v1/public/live", timeout=httpx.Timeout(5, read=10)) as r:
            assert r.status_code == 200
            stack.post_request(name=secret_requests["people"][0]["name"], text=secret_requests["people"][0]["text"],
                               location={"lat": secret_requests["lat"], "lon": secret_requests["lon"]})
            deadline = time.monotonic() + 30
            for line in r.iter_lines():
                seen.append(line)
                if line.startswith("event: change") or time.monotonic() > deadline:
                    break
    text = "\n".join(seen)
    assert "event: change" in text
    _assert_clean(text, secret_requests, "public live stream")
