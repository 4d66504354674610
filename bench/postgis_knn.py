"""PostGIS as a nearest-volunteer backend for bench_geo: COPY the points, one prepared KNN
statement (generic plan, jit off: FIELD-NOTES) and an UPDATE per move. Wall-clock timings,
since the work happens in the server process."""
from __future__ import annotations

import psycopg

from bench.bench_geo import Dataset, Query

KNN = ("SELECT id, ST_Distance(geom, p, false) FROM bench_volunteers, "
       "(SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography AS p) q "
       "WHERE available AND skills @> ARRAY[%s]::text[] AND ST_DWithin(geom, p, %s, false) "
       "ORDER BY geom <-> p LIMIT %s")


class PostgisBackend:
    name = "PostGIS KNN (prepared)"

    def __init__(self, dsn: str):
        self.conn = psycopg.connect(dsn, autocommit=True, prepare_threshold=0)
        self.ds: Dataset | None = None

    def load(self, ds: Dataset) -> None:
        self.ds = ds
        c = self.conn
        c.execute("SET plan_cache_mode = force_generic_plan")
        c.execute("SET jit = off")
        c.execute("DROP TABLE IF EXISTS bench_volunteers")
        c.execute("CREATE UNLOGGED TABLE bench_volunteers (id text PRIMARY KEY, skills text[], "
                  "available boolean, geom geography(Point, 4326))")
        with c.cursor().copy("COPY bench_volunteers (id, skills, available, geom) FROM STDIN") as cp:
            for vid, la, lo, sk in zip(ds.ids, ds.lat.tolist(), ds.lon.tolist(), ds.skills):
                cp.write_row((vid, "{" + ",".join(sorted(sk)) + "}", True, f"SRID=4326;POINT({lo} {la})"))
        c.execute("CREATE INDEX ON bench_volunteers USING gist (geom)")
        c.execute("ANALYZE bench_volunteers")

    def query(self, q: Query, radius_m: float, k: int) -> list[tuple[str, float]]:
        rows = self.conn.execute(KNN, (q.lon, q.lat, q.skill, radius_m, k), prepare=True).fetchall()
        return [(r[0], float(r[1])) for r in rows]

    def move(self, i: int, lat: float, lon: float) -> None:
        assert self.ds is not None
        self.conn.execute("UPDATE bench_volunteers SET geom = ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography "
                          "WHERE id = %s", (lon, lat, self.ds.ids[i]), prepare=True)

    def close(self) -> None:
        self.conn.execute("DROP TABLE IF EXISTS bench_volunteers")
        self.conn.close()
