"""`make bench`: spatial index vs brute force vs PostGIS, the end-to-end pipeline, and the
map's bounding-box endpoint; results (with machine and date) into docs/benchmarks.md.

Sizes can be reduced for a quick look: BENCH_SIZES=10000,100000 BENCH_VOLUNTEERS=20000
BENCH_RATES=10,20 BENCH_SECONDS=30."""
from __future__ import annotations

import os
import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from infra.settings import REPO_ROOT

OUT = REPO_ROOT / "docs" / "benchmarks.md"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}, {pg}")


def table(rows: list[dict], cols: list[tuple[str, str]]) -> str:
    head = "| " + " | ".join(h for _, h in cols) + " |\n|" + "---|" * len(cols) + "\n"
    return head + "".join("| " + " | ".join(str(r.get(k, "")) for k, _ in cols) + " |\n" for r in rows)


def main() -> None:
    from bench import bench_geo, pipeline
    from bench.postgis_knn import PostgisBackend
    from infra import stack

    sizes = tuple(int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000,1000000").split(","))
    volunteers = int(os.environ.get("BENCH_VOLUNTEERS", "100000"))
    rates = [float(r) for r in os.environ.get("BENCH_RATES", "10,20,40").split(",")]
    seconds = float(os.environ.get("BENCH_SECONDS", "60"))
    started = datetime.now(timezone.utc)
    load_before = os.getloadavg()[0]

    stack.down()       # the bench profile (its own ports and folder) starts empty every time
    import shutil

    import psycopg

    shutil.rmtree(stack.RUNTIME_DIR, ignore_errors=True)
    env = stack.up()
    res: dict = {"steady": []}

    def write() -> None:   # after every part, so a later failure keeps what was measured
        doc = render(started, load_before, res, rates, seconds)
        OUT.write_text(doc)
        print(doc, flush=True)

    try:
        res["geo"] = bench_geo.run(sizes=sizes, extra_backends=[lambda: PostgisBackend(env["DATABASE_URL"])])
        write()
        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as db:
            res["load"] = pipeline.load_volunteers(env, volunteers, db)
            for rate in sorted(rates):
                res["steady"].append(pipeline.steady_load(env, rate, seconds, db))
                write()
        from bench import map_bbox

        res["bbox"] = map_bbox.run(env)
        write()
    finally:
        stack.down()


def render(started: datetime, load_before: float, res: dict, rates: list[float], seconds: float) -> str:
    text = [f"# Benchmarks\n\nRun by `make bench` on {started:%Y-%m-%d %H:%M} UTC.\n\n"
            f"Machine: {machine()}. Load average when starting: {load_before:.2f}.\n"]
    geo_rows = res.get("geo")
    if geo_rows:
        text.append("\n## Nearest available volunteers with a skill (k=10, 5 km)\n\n"
                    "Same queries for every backend; `agree` is the share of the first 100 queries "
                    "whose answer equals brute force (PostGIS ties and the spheroid can differ by "
                    "metres). Times are wall-clock per query.\n\n")
        text.append(table(geo_rows, [(k, k) for k in geo_rows[0].keys()]))
    load, steady = res.get("load"), res["steady"]
    if load and steady:
        rate_list = ", ".join(f"{r:g}" for r in sorted(rates))
        text.append("\n## End to end on the embedded broker\n\n"
                    f"{load['volunteers']} volunteers put straight onto their topics (registration "
                    f"and check-in each), all on the map (through the desks and the store sink) in "
                    f"{load['desk_s']} s ({load['volunteers'] / max(load['desk_s'], 1e-9):.0f} volunteers/s); "
                    f"the matchers had caught up {steady[0]['catch_up_s']} s later. "
                    f"Then, for each of {rate_list} requests/s, {seconds:g} s of requests through the "
                    "API (2 Faust workers, 8 partitions). Latency is from API acceptance (the event's "
                    "`occurred_at`) to the first dispatch decision: the offer granted by the "
                    "volunteer's desk, which emits the offer notification in the same step, or an "
                    "escalation, or a merge into an open duplicate. `waiting` requests had every "
                    "volunteer in reach busy (no decision yet, which is right). `cpu_*_pct` is the "
                    "CPU each process used during the phase (100 = one core). `catch_up_s` is how "
                    "long probes took before a phase until one was decided within 3 s.\n\n")
        text.append(table(steady, [(k, k) for k in steady[0].keys()]))
    if res.get("bbox"):
        text.append("\n## Map: needs in a bounding box\n\n" + res["bbox"]["text"])
    notes = Path(__file__).with_name("notes.md")   # what the numbers mean; kept across runs
    if notes.exists():
        text.append("\n" + notes.read_text())
    return "".join(text)


if __name__ == "__main__":
    main()
