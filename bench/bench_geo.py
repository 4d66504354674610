"""Benchmark: geo.VolunteerIndex against numpy brute force.

Run from the repo root:  python -m bench.bench_geo [SIZE ...]
Prints a Markdown table; `run()` returns the same rows as dicts for docs/benchmarks.md.

Workload: volunteers clustered on Java's cities (70 %) and other Indonesian cities (30 %),
12 skills with skewed frequencies; queries near volunteers, k=10, one required skill,
5 km radius. "moves/s" are position updates with a query every 500 moves, so the index's
lazy rebuilds are included (their query time is not). Every backend answers the same
queries; "agree" is the share of sampled queries whose ids equal the brute force's.

Every time is measured twice: wall clock and CPU time of this thread (time.thread_time).
The dev/CI machines are shared; under load, wall-clock percentiles measure the scheduler
more than the code, and CPU time is the steadier number for in-process backends. For a
backend that works in another process (PostGIS), only wall time counts. The load average
at the start of each size is recorded next to the numbers.

Other backends (e.g. PostGIS) plug in by implementing `Backend` and passing a factory in
`run(extra_backends=...)`; nothing else here needs to change.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from siaga.geo.distance import haversine_rad_np
from siaga.geo.index import VolunteerIndex

SKILLS: tuple[tuple[str, float], ...] = (
    ("pertolongan_pertama", 0.30), ("logistik", 0.25), ("sopir", 0.20), ("dapur", 0.18),
    ("sar", 0.10), ("medis", 0.08), ("perahu", 0.06), ("penerjemah", 0.05),
    ("listrik", 0.04), ("psikolog", 0.03), ("alat_berat", 0.02), ("penyelam", 0.01),
)
# (lat, lon, weight, sigma in degrees): Java's cities and a Java-wide spread, then others.
CLUSTERS: tuple[tuple[float, float, float, float], ...] = (
    (-6.20, 106.82, 0.22, 0.20), (-6.91, 107.61, 0.08, 0.15), (-6.97, 110.42, 0.06, 0.15),
    (-7.80, 110.37, 0.06, 0.12), (-7.25, 112.75, 0.10, 0.18), (-7.98, 112.63, 0.04, 0.12),
    (-7.30, 110.00, 0.14, 1.20),
    (3.59, 98.67, 0.05, 0.25), (-2.99, 104.76, 0.04, 0.25), (-5.14, 119.42, 0.04, 0.25),
    (-1.24, 116.85, 0.03, 0.25), (1.47, 124.84, 0.02, 0.20), (-8.65, 115.22, 0.04, 0.15),
    (-10.18, 123.60, 0.02, 0.15), (-2.53, 140.72, 0.02, 0.15), (-0.95, 100.35, 0.02, 0.20),
    (5.55, 95.32, 0.01, 0.15), (-0.03, 109.34, 0.01, 0.20),
)
RADIUS_M = 5_000.0
K = 10
MOVES = 100_000
QUERY_EVERY = 500


@dataclass
class Dataset:
    ids: list[str]
    lat: np.ndarray
    lon: np.ndarray
    skills: list[frozenset[str]]
    skill_bits: np.ndarray  # uint16 bitmask over SKILLS


@dataclass
class Query:
    lat: float
    lon: float
    skill: str


def make_dataset(n: int, seed: int = 42) -> Dataset:
    rng = np.random.default_rng(seed)
    w = np.array([c[2] for c in CLUSTERS])
    which = rng.choice(len(CLUSTERS), size=n, p=w / w.sum())
    c = np.array(CLUSTERS)[which]
    lat = np.clip(c[:, 0] + rng.normal(0.0, 1.0, n) * c[:, 3], -11.0, 6.0)
    lon = np.clip(c[:, 1] + rng.normal(0.0, 1.0, n) * c[:, 3], 95.0, 141.0)
    probs = np.array([p for _, p in SKILLS])
    has = rng.random((n, len(SKILLS))) < probs
    bits = (has * (1 << np.arange(len(SKILLS)))).sum(axis=1).astype(np.uint16)
    # Skill sets repeat a lot: intern one frozenset per distinct bitmask.
    names = [s for s, _ in SKILLS]
    sets = {int(b): frozenset(names[j] for j in range(len(names)) if int(b) >> j & 1)
            for b in np.unique(bits)}
    return Dataset([f"vol-{i:07d}" for i in range(n)], lat, lon, [sets[int(b)] for b in bits], bits)


def make_queries(ds: Dataset, count: int, seed: int = 7) -> list[Query]:
    rng = np.random.default_rng(seed)
    at = rng.integers(0, len(ds.ids), count)
    names = [s for s, _ in SKILLS]
    return [
        Query(float(ds.lat[i] + rng.normal(0, 0.01)), float(ds.lon[i] + rng.normal(0, 0.01)),
              names[int(rng.integers(len(names)))])
        for i in at
    ]


class Backend(Protocol):
    """What a benchmarked store must do. A PostGIS backend would COPY in `load`, run a
    prepared KNN statement in `query` and an UPDATE in `move` (and read its wall times:
    the server's CPU is not this thread's)."""

    name: str

    def load(self, ds: Dataset) -> None: ...

    def query(self, q: Query, radius_m: float, k: int) -> list[tuple[str, float]]: ...

    def move(self, i: int, lat: float, lon: float) -> None: ...

    def close(self) -> None: ...


class IndexBackend:
    name = "VolunteerIndex"

    def __init__(self) -> None:
        self.idx = VolunteerIndex()
        self.ds: Dataset | None = None

    def load(self, ds: Dataset) -> None:
        self.ds = ds
        upsert = self.idx.upsert
        for vid, la, lo, sk in zip(ds.ids, ds.lat.tolist(), ds.lon.tolist(), ds.skills):
            upsert(vid, la, lo, sk)
        self.idx.nearest(0.0, 100.0, 1.0, 1)  # first query builds the trees: part of loading

    def query(self, q: Query, radius_m: float, k: int) -> list[tuple[str, float]]:
        return self.idx.nearest(q.lat, q.lon, radius_m, k, frozenset((q.skill,)))

    def move(self, i: int, lat: float, lon: float) -> None:
        assert self.ds is not None
        self.idx.upsert(self.ds.ids[i], lat, lon, self.ds.skills[i])

    def close(self) -> None:
        pass


class BruteForceBackend:
    """numpy over every volunteer holding the skill: the baseline to beat."""

    name = "numpy brute force"

    def load(self, ds: Dataset) -> None:
        self.ids = np.array(ds.ids, dtype=object)
        self.latr = np.radians(ds.lat)
        self.lonr = np.radians(ds.lon)
        self.bits = ds.skill_bits.copy()
        self.bit_of = {s: np.uint16(1 << j) for j, (s, _) in enumerate(SKILLS)}

    def query(self, q: Query, radius_m: float, k: int) -> list[tuple[str, float]]:
        cand = np.flatnonzero(self.bits & self.bit_of[q.skill])
        d = haversine_rad_np(math.radians(q.lat), math.radians(q.lon), self.latr[cand], self.lonr[cand])
        inside = np.flatnonzero(d <= radius_m)
        if inside.size > k:
            inside = inside[np.argpartition(d[inside], k - 1)[:k]]
        return sorted(((str(self.ids[cand[i]]), float(d[i])) for i in inside), key=lambda p: (p[1], p[0]))

    def move(self, i: int, lat: float, lon: float) -> None:
        self.latr[i] = math.radians(lat)
        self.lonr[i] = math.radians(lon)

    def close(self) -> None:
        pass


def _now() -> tuple[float, float]:
    return time.perf_counter(), time.thread_time()


def _latencies_us(backend: Backend, queries: Sequence[Query]) -> tuple[np.ndarray, np.ndarray]:
    """Per-query (wall, CPU) latencies in microseconds."""
    wall = np.empty(len(queries))
    cpu = np.empty(len(queries))
    for j, q in enumerate(queries):
        w0, c0 = _now()
        backend.query(q, RADIUS_M, K)
        w1, c1 = _now()
        wall[j] = w1 - w0
        cpu[j] = c1 - c0
    return wall * 1e6, cpu * 1e6


def _stats(prefix: str, wall: np.ndarray, cpu: np.ndarray) -> dict:
    return {
        f"{prefix}_median_us": round(float(np.median(wall)), 1),
        f"{prefix}_p99_us": round(float(np.percentile(wall, 99)), 1),
        f"{prefix}_cpu_median_us": round(float(np.median(cpu)), 1),
        f"{prefix}_cpu_p99_us": round(float(np.percentile(cpu, 99)), 1),
    }


def bench_backend(
    backend: Backend,
    ds: Dataset,
    queries: Sequence[Query],
    n_moves: int,
    reference: Backend | None = None,
) -> dict:
    """Load, query (and compare with `reference`), move, query again. Returns one result
    row without the size/backend keys; times are wall and CPU (`*_cpu_*`)."""
    w0, c0 = _now()
    backend.load(ds)
    w1, c1 = _now()
    row: dict = {"load_s": round(w1 - w0, 2), "load_cpu_s": round(c1 - c0, 2), "queries": len(queries)}
    row.update(_stats("query", *_latencies_us(backend, queries)))
    if reference is not None:
        row["agree"] = round(_agreement(backend, reference, queries[:100]), 3)
    if n_moves:
        rng = np.random.default_rng(3)
        who = rng.integers(0, len(ds.ids), n_moves).tolist()
        dlat = rng.normal(0, 0.002, n_moves).tolist()  # ~200 m steps
        dlon = rng.normal(0, 0.002, n_moves).tolist()
        base_lat = ds.lat.tolist()
        base_lon = ds.lon.tolist()
        stall = 0.0
        n_mixed = 0
        w0, c0 = _now()
        for j in range(n_moves):
            i = who[j]
            backend.move(i, base_lat[i] + dlat[j], base_lon[i] + dlon[j])
            if j % QUERY_EVERY == QUERY_EVERY - 1:
                tq = time.perf_counter()
                backend.query(queries[j // QUERY_EVERY % len(queries)], RADIUS_M, K)
                stall = max(stall, time.perf_counter() - tq)
                n_mixed += 1
        w1, c1 = _now()
        # Charge lazy rebuilds (which run inside queries) to the moves, but not the
        # queries' own work, estimated at the median latency measured above.
        wall = (w1 - w0) - n_mixed * row["query_median_us"] * 1e-6
        cpu = (c1 - c0) - n_mixed * row["query_cpu_median_us"] * 1e-6
        row.update(
            moves=n_moves,
            moves_per_s=round(n_moves / wall),
            moves_cpu_per_s=round(n_moves / cpu),
            max_stall_ms=round(stall * 1e3, 1),
        )
        row.update(_stats("after_moves", *_latencies_us(backend, queries)))
    return row


def _agreement(a: Backend, b: Backend, queries: Sequence[Query]) -> float:
    same = sum([v for v, _ in a.query(q, RADIUS_M, K)] == [v for v, _ in b.query(q, RADIUS_M, K)]
               for q in queries)
    return same / max(1, len(queries))


def run(
    sizes: Sequence[int] = (10_000, 100_000, 1_000_000),
    extra_backends: Sequence[Callable[[], Backend]] = (),
    n_queries: int = 2000,
    n_moves: int | None = None,
) -> list[dict]:
    """One row per (size, backend).

    Brute force gets fewer queries at large sizes (it is slow) and no move phase (its
    moves are array writes). By default there are max(100k, 0.3 * size) moves, enough to
    include at least one full rebuild of the index at every size."""
    rows: list[dict] = []
    for n in sizes:
        load_avg = round(os.getloadavg()[0], 2)
        ds = make_dataset(n)
        queries = make_queries(ds, n_queries)
        moves = max(MOVES, int(0.3 * n)) if n_moves is None else n_moves
        brute = BruteForceBackend()
        n_brute = min(n_queries, max(100, int(2e7 // n)))
        brute_row = bench_backend(brute, ds, queries[:n_brute], 0)
        factories: list[Callable[[], Backend]] = [IndexBackend, *extra_backends]
        for factory in factories:
            backend = factory()
            try:
                row = bench_backend(backend, ds, queries, moves, reference=brute)
            finally:
                backend.close()
            rows.append({"volunteers": n, "backend": backend.name, **row, "load_avg": load_avg})
        rows.append({"volunteers": n, "backend": brute.name, **brute_row, "agree": 1.0,
                     "load_avg": load_avg})
    return rows


# (header, wall key, CPU key): cells show "wall / CPU".
COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("volunteers", "volunteers", None), ("backend", "backend", None),
    ("load s", "load_s", "load_cpu_s"),
    ("query median µs", "query_median_us", "query_cpu_median_us"),
    ("query p99 µs", "query_p99_us", "query_cpu_p99_us"),
    ("moves/s", "moves_per_s", "moves_cpu_per_s"),
    ("after moves: median µs", "after_moves_median_us", "after_moves_cpu_median_us"),
    ("after moves: p99 µs", "after_moves_p99_us", "after_moves_cpu_p99_us"),
    ("slowest query during moves (rebuild) ms", "max_stall_ms", None),
    ("agree", "agree", None), ("load avg", "load_avg", None),
)


def _fmt(v: object) -> str:
    if v is None:
        return ""
    return f"{v:,}" if isinstance(v, int) else str(v)


def to_markdown(rows: Sequence[dict]) -> str:
    """Markdown table; timed cells read "wall / CPU" (CPU = this thread only)."""
    head = "| " + " | ".join(h for h, _, _ in COLUMNS) + " |"
    sep = "|" + "|".join("---" for _ in COLUMNS) + "|"
    body = []
    for r in rows:
        cells = []
        for _, key, cpu_key in COLUMNS:
            cell = _fmt(r.get(key))
            if cpu_key is not None and r.get(cpu_key) is not None:
                cell = f"{cell} / {_fmt(r[cpu_key])}"
            cells.append(cell)
        body.append("| " + " | ".join(cells) + " |")
    return "\n".join([head, sep, *body])


def main(argv: Sequence[str]) -> None:
    sizes = tuple(int(a.replace("_", "")) for a in argv) or (10_000, 100_000, 1_000_000)
    t = time.perf_counter()
    rows = run(sizes)
    print(to_markdown(rows))
    print(f"\nk={K}, one required skill, radius {RADIUS_M:.0f} m. Timed cells: wall / CPU "
          f"time of the benchmark thread. {time.perf_counter() - t:.0f} s wall in total.")


if __name__ == "__main__":
    main(sys.argv[1:])
