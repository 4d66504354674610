"""Map bounding-box endpoint with 50,000 needs in PostGIS (issue 4): rows are COPYed straight
into the requests table, then GET /api/v1/map/needs is timed for a city view and a region view."""
from __future__ import annotations

import statistics
import time
import uuid

import httpx
import numpy as np
import psycopg

from siaga.services.auth import csrf
from siaga.services.auth.accounts import create_coordinator_sync

N = 50_000
VIEWS = {   # name: bbox (minLon, minLat, maxLon, maxLat)
    "city (0.2 deg)": (110.27, -7.90, 110.47, -7.70),
    "region (1 deg)": (109.87, -8.30, 110.87, -7.30),
}


def _load(conn, n: int) -> None:
    rng = np.random.default_rng(3)
    lat = rng.normal(-7.8, 0.25, n)
    lon = rng.normal(110.37, 0.25, n)
    needs = ["water", "food", "medical", "rescue", "shelter", "baby"]
    statuses = ["open", "offered", "matched", "escalated", "done"]
    with conn.cursor().copy(
            "COPY requests (request_id, event_id, tracking_code, channel, status, needs, people, urgency, "
            "text, geom, created_at, status_at, priority) FROM STDIN") as cp:
        for i in range(n):
            cp.write_row((uuid.uuid4(), uuid.uuid4(), f"B{i:07d}", "bench", statuses[i % 5],
                          "{" + needs[i % 6] + "}", 1 + i % 30, "normal", "",
                          f"SRID=4326;POINT({lon[i]} {lat[i]})", "now", "now", float(i % 100)))
    conn.execute("ANALYZE requests")


def run(env: dict, n: int = N, repeats: int = 20) -> dict:
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        _load(conn, n)
        create_coordinator_sync(conn, "bench-coordinator", "bench-password-1234", "coordinator",
                                created_by="bench")
    rows = []
    with httpx.Client(base_url=env["API_URL"], timeout=60) as c:
        r = c.post("/api/v1/auth/login", json={"username": "bench-coordinator", "password": "bench-password-1234"})
        r.raise_for_status()
        csrf.attach(c)
        for name, bbox in VIEWS.items():
            times, size, feats = [], 0, 0
            for _ in range(repeats):
                t = time.perf_counter()
                resp = c.get("/api/v1/map/needs", params={"bbox": ",".join(map(str, bbox))})
                times.append((time.perf_counter() - t) * 1000)
                resp.raise_for_status()
                size = len(resp.content)
                feats = len(resp.json().get("features", []))
            times.sort()
            rows.append({"view": name, "features": feats, "bytes": size,
                         "median_ms": round(statistics.median(times), 1),
                         "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1)})
    head = ("| view | features | bytes | median ms | p95 ms |\n|---|---|---|---|---|\n")
    body = "".join(f"| {r['view']} | {r['features']} | {r['bytes']} | {r['median_ms']} | {r['p95_ms']} |\n"
                   for r in rows)
    return {"rows": rows, "text": f"{n} needs in PostGIS, {repeats} requests per view, signed in as a "
                                  f"coordinator (the page asks for aggregated cells when a view holds more "
                                  f"than 5,000 needs).\n\n" + head + body}
