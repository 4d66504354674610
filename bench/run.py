"""`make bench`: spatial index vs brute force vs PostGIS, the end-to-end pipeline on the
embedded Apache Kafka node (loading volunteers, sustained check-ins, aid requests, one worker
against two), and the map's bounding-box endpoint; results (with machine and date) into
docs/benchmarks.md, followed by the notes (bench/notes.md) and the Tansu run of 2026-11-22
(bench/history/).

Everything is reducible for a quick look (defaults in brackets):
  BENCH_PARTS            parts to run [text,geo,load,checkins,requests,workers,bbox]; checkins,
                         requests and workers load the volunteers first whether or not `load`
                         is listed. BENCH_SKIP_GEO=1 drops geo.
  BENCH_SIZES            geo sizes [10000,100000,1000000]
  BENCH_VOLUNTEERS       volunteers loaded [100000]
  BENCH_CHECKIN_RATES    check-ins/s [100,250,500,1000,2000,3000]
  BENCH_CHECKIN_MODES    single (one per HTTP request) and/or batch [single,batch]
  BENCH_CHECKIN_BATCH    check-ins per batch request [200]
  BENCH_RATES            aid requests/s [20,40,100,200,300]
  BENCH_WORKER_RATES     aid requests/s for the other worker count [BENCH_RATES]
  BENCH_SECONDS          seconds per phase [60]
  BENCH_ALL_RATES=1      go on to higher rates after one was not kept up with (default: stop)
  BENCH_OUT              where the report goes [docs/benchmarks.md]
The stack runs SIAGA_WORKERS workers (2 in the Makefile); `workers` then runs the same loads
with one worker (or two, when it started with one)."""
from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

from siaga.infra.dev import stack
from siaga.infra.settings import REPO_ROOT
from siaga.schemas.topics import Table

OUT = Path(os.environ.get("BENCH_OUT") or REPO_ROOT / "docs" / "benchmarks.md")
HERE = Path(__file__).resolve().parent
HISTORY = HERE / "history" / "2026-11-22-tansu.md"
PARTS = ("text", "geo", "load", "checkins", "requests", "workers", "bbox")


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


def table(rows: list[dict], cols: list[tuple[str, str]] | None = None) -> str:
    if cols is None:   # every key of every row, in order of first appearance
        cols = [(k, k) for k in dict.fromkeys(k for r in rows for k in r)]
    head = "| " + " | ".join(h for _, h in cols) + " |\n|" + "---|" * len(cols) + "\n"

    def cell(v) -> str:
        return "" if v is None else str(v)
    return head + "".join("| " + " | ".join(cell(r.get(k)) for k, _ in cols) + " |\n" for r in rows)


def config() -> dict:
    def floats(name: str, default: str) -> list[float]:
        return sorted(float(r) for r in os.environ.get(name, default).split(",") if r.strip())

    parts = [p.strip() for p in os.environ.get("BENCH_PARTS", ",".join(PARTS)).split(",") if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise SystemExit(f"BENCH_PARTS: unknown part(s) {sorted(unknown)}; choose from {','.join(PARTS)}")
    if os.environ.get("BENCH_SKIP_GEO"):
        parts = [p for p in parts if p != "geo"]
    rates = floats("BENCH_RATES", "20,40,100,200,300")
    return {
        "parts": parts,
        "sizes": tuple(int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000,1000000").split(",")),
        "volunteers": int(os.environ.get("BENCH_VOLUNTEERS", "100000")),
        "checkin_rates": floats("BENCH_CHECKIN_RATES", "100,250,500,1000,2000,3000"),
        "checkin_modes": [m.strip() for m in os.environ.get("BENCH_CHECKIN_MODES", "single,batch").split(",")
                          if m.strip()],
        "checkin_batch": int(os.environ.get("BENCH_CHECKIN_BATCH", "200")),
        "rates": rates,
        "worker_rates": floats("BENCH_WORKER_RATES", ",".join(str(r) for r in rates)),
        "seconds": float(os.environ.get("BENCH_SECONDS", "60")),
        "all_rates": bool(os.environ.get("BENCH_ALL_RATES")),
        "workers": stack.worker_count(),   # SIAGA_WORKERS, as the stack started them
    }


def kept_up_checkins(row: dict, seconds: float) -> bool:
    """The API took (nearly) every check-in offered, every one reached the matchers within 5 s
    of the last being sent, and p99 stayed within 5 s."""
    return (row["accepted"] >= 0.9 * row["rate_target"] * seconds and row["visible"] >= row["accepted"]
            and row["drain_s"] <= 5 and (row["p99_ms"] or 0) <= 5000 and not row["errors"])


def kept_up_requests(row: dict) -> bool:
    """Every request offered was taken and decided, at the offered rate, p99 within 5 s."""
    return (row["accepted_per_s"] >= 0.9 * row["rate_target"] and row["waiting"] == 0
            and row["throughput_rps"] >= 0.9 * row["rate_target"] and (row["p99_ms"] or 0) <= 5000
            and not row["errors"])


def _assigned(database_url: str) -> list[dict]:
    """The readiness of every worker that reported in the last 5 s (streams/health.py)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as c:
        return [d for (d,) in c.execute(
            "SELECT detail FROM heartbeats WHERE kind = 'worker' AND seen_at > now() - interval '5 seconds'")]


def set_workers(env: dict, count: int, timeout: float = 900) -> float:
    """Stop or start workers until `count` run, and wait until they own every partition the
    workers owned before, with their tables recovered. Returns how long that took."""
    from siaga.infra.dev import procs, stack
    from siaga.infra.settings import PROFILE, RUNTIME_DIR

    total = sum(d.get("assigned", 0) for d in _assigned(env["DATABASE_URL"]))
    started = time.monotonic()
    running = [n for n in stack.worker_names() if procs.read_pid(RUNTIME_DIR / "pids" / f"{n}.pid")]
    for name in running[count:]:
        procs.stop(name, RUNTIME_DIR)
    if len(running) < count:
        full = {**os.environ, **env, "SIAGA_PROFILE": PROFILE, "PYTHONUNBUFFERED": "1"}
        for i in range(len(running) + 1, count + 1):
            stack.start_worker(i, full)
    time.sleep(5)   # the heartbeats of the stopped ones go stale; the group starts rebalancing
    while time.monotonic() - started < timeout:
        rows = _assigned(env["DATABASE_URL"])
        if (len(rows) == count and sum(d.get("assigned", 0) for d in rows) >= total
                and all(d.get("recovered") and not d.get("rebalancing") for d in rows)):
            return time.monotonic() - started
        time.sleep(1)
    raise RuntimeError(f"{count} worker(s) did not take over every partition within {timeout:.0f} s")


def main() -> None:
    from bench import pipeline
    from siaga.infra.dev import stack

    cfg = config()
    parts = cfg["parts"]
    started = datetime.now(timezone.utc)
    load_before = os.getloadavg()[0]

    stack.down()       # the bench profile (its own ports and folder) starts empty every time
    import shutil

    import psycopg

    shutil.rmtree(stack.RUNTIME_DIR, ignore_errors=True)
    env = stack.up()
    res: dict = {"cfg": cfg, "checkins": [], "steady": [], "other": {"checkins": [], "steady": []}}

    from bench.soak import keep

    soak = keep(OUT.read_text()) if OUT.exists() else ""   # make soak's figures stay

    def write() -> None:   # after every phase, so a later failure keeps what was measured
        doc = render(started, load_before, res)
        OUT.write_text(doc.rstrip() + "\n\n" + soak if soak else doc)
        print(f"[bench] {OUT} written", flush=True)

    def checkin_series(watch, plan, out: list, modes: list[str]) -> None:
        for mode in modes:
            for rate in cfg["checkin_rates"]:
                row = pipeline.checkin_load(env, watch, plan, rate, cfg["seconds"], mode,
                                            batch=cfg["checkin_batch"])
                row["kept_up"] = "yes" if kept_up_checkins(row, cfg["seconds"]) else "no"
                print(f"[bench] check-ins: {json.dumps(row)}", flush=True)
                out.append(row)
                write()
                if row["kept_up"] == "no" and not cfg["all_rates"]:
                    break

    def request_series(rates: list[float], out: list, first_phase: int) -> None:
        for i, rate in enumerate(rates):
            row = pipeline.steady_load(env, rate, cfg["seconds"], db, phase=first_phase + i)
            row["kept_up"] = "yes" if kept_up_requests(row) else "no"
            print(f"[bench] requests: {json.dumps(row)}", flush=True)
            out.append(row)
            write()
            if row["kept_up"] == "no" and not cfg["all_rates"]:
                break

    try:
        if "text" in parts:   # pure, no stack needed; first, while the machine is quiet
            from bench import text_speed

            res["text"] = text_speed.run()
            print(f"[bench] text: {json.dumps(res['text'])}", flush=True)
            write()
        if "geo" in parts:
            from bench import bench_geo
            from bench.postgis_knn import PostgisBackend

            res["geo"] = bench_geo.run(sizes=cfg["sizes"],
                                       extra_backends=[lambda: PostgisBackend(env["DATABASE_URL"])])
            write()
        if {"load", "checkins", "requests", "workers"} & set(parts):
            with psycopg.connect(env["DATABASE_URL"], autocommit=True) as db:
                res["load"] = pipeline.load_volunteers(env, cfg["volunteers"], db)
                print(f"[bench] load: {json.dumps(res['load'])}", flush=True)
                write()
                watch = pipeline.ChangelogWatch(env["KAFKA_BOOTSTRAP_SERVERS"])
                plan = pipeline.CheckinPlan(cfg["volunteers"])
                try:
                    if "checkins" in parts:
                        checkin_series(watch, plan, res["checkins"], cfg["checkin_modes"])
                    if "requests" in parts:
                        request_series(cfg["rates"], res["steady"], 0)
                    if "workers" in parts:
                        other = 1 if cfg["workers"] > 1 else 2
                        res["other"]["workers"] = other
                        res["other"]["takeover_s"] = round(set_workers(env, other), 1)
                        write()
                        if "checkins" in parts and "batch" in cfg["checkin_modes"]:
                            checkin_series(watch, plan, res["other"]["checkins"], ["batch"])
                        request_series(cfg["worker_rates"], res["other"]["steady"], 100)
                finally:
                    watch.close()
        if "bbox" in parts:
            from bench import map_bbox

            res["bbox"] = map_bbox.run(env)
            write()
    finally:
        stack.down()


# -- the report -------------------------------------------------------------------------------

def tansu_figures(text: str) -> dict:
    """The 2026-11-22 figures from the verbatim Tansu report: loading, and per request rate."""
    out: dict = {"rates": {}}
    m = re.search(r"(\d+) volunteers put straight onto their topics.*? in ([\d.]+) s \((\d+) volunteers/s\)", text)
    if m:
        out["load"] = {"volunteers": int(m.group(1)), "map_s": float(m.group(2)), "per_s": int(m.group(3))}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("| rate_target |"):
            head = [c.strip() for c in line.strip("|").split("|")]
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                cells = dict(zip(head, (c.strip() for c in row.strip("|").split("|"))))
                out["rates"][float(cells["rate_target"])] = cells
            break
    return out


def comparison(res: dict, old: dict) -> str:
    rows = []
    load = res.get("load")
    if load and old.get("load"):
        o = old["load"]
        rows.append({"what": "loading volunteers until all are on the map",
                     "tansu": f"{o['volunteers']}: {o['map_s']} s, {o['per_s']}/s",
                     "kafka": f"{load['volunteers']}: {load['map_s']} s, "
                              f"{round(load['volunteers'] / max(load['map_s'], 1e-9))}/s"})
    for r in res.get("steady", []):
        o = old["rates"].get(r["rate_target"])
        if o:
            rows.append({"what": f"{r['rate_target']:g} requests/s: decided/s, p50, p99",
                         "tansu": f"{o['throughput_rps']}/s, {o['p50_ms']} ms, {o['p99_ms']} ms",
                         "kafka": f"{r['throughput_rps']}/s, {r['p50_ms']} ms, {r['p99_ms']} ms"})
    if not rows:
        return ""
    return ("\n## Against the embedded Tansu broker\n\nThe 2026-11-22 run (below) against this one, "
            "where both measured the same thing. The Tansu run used 2,000 request locations for all "
            "its phases, so about half of its requests at 20/s were merged into open duplicates; "
            "this one draws new locations for each phase.\n\n"
            + table(rows, [("what", "what"), ("tansu", "Tansu 0.6, 2026-11-22"), ("kafka", "Apache Kafka, this run")]))


def demote(md: str) -> str:
    """A whole report under a heading of this one: drop its title, headings one level down."""
    lines = md.splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return "\n".join("#" + ln if ln.startswith("#") else ln for ln in lines).strip() + "\n"


TEXT_SECTION = ("\n## Understanding a message\n\n`understand()` (normalising, needs, intent with its "
                "trained model, places against the gazetteer) on every labelled fixture message, "
                "warm; per-message times of the fastest of five passes (`bench/text_speed.py`). "
                "`longest_input_ms`: the slowest of three texts of the longest length the API accepts "
                "(2,000 characters: one unbroken word, one word again and again, the messages end to "
                "end). Issue 13 asks for well under 10 ms per message.\n\n")


def render(started: datetime, load_before: float, res: dict) -> str:
    from siaga.infra.dev import broker
    from siaga.infra.settings import get_settings

    cfg = res["cfg"]
    text = [f"# Benchmarks\n\nRun by `make bench` on {started:%Y-%m-%d %H:%M} UTC "
            f"(parts: {', '.join(cfg['parts'])}).\n\n"
            f"Machine: {machine()}. Load average when starting: {load_before:.2f}.\n\n"
            f"Broker: Apache Kafka {broker.kafka_version()}, embedded (KRaft, one node, "
            f"`infra/dev/broker.py`), producers linger {get_settings().kafka_linger_ms:g} ms. PostgreSQL, the "
            f"API, the relay, the notifier, {cfg['workers']} Faust worker(s) and the load generator "
            "share the machine's cores. `cpu_<process>_pct` is the CPU each process used during a "
            "phase (100 = one core): `postgres` is the postmaster and all its backends, `client` the "
            "load generator's HTTP thread, `bench` the whole bench process (also reading the "
            "matchers' changelog), `machine` everything on the machine, including other users.\n"]
    if res.get("text"):
        text.append(TEXT_SECTION + table([res["text"]]))
    geo_rows = res.get("geo")
    if geo_rows:
        text.append("\n## Nearest available volunteers with a skill (k=10, 5 km)\n\n"
                    "Same queries for every backend; `agree` is the share of the first 100 queries "
                    "whose answer equals brute force (PostGIS ties and the spheroid can differ by "
                    "metres). Times are wall-clock per query.\n\n")
        text.append(table(geo_rows))
    load = res.get("load")
    if load:
        text.append(f"\n## Loading volunteers\n\n{load['volunteers']} volunteers put straight onto "
                    "their topics (a registration and a check-in each, produced in "
                    f"{load['produce_s']} s). Every one was on duty in a matcher's table "
                    f"(`{MATCHER_TABLE}`) {load['matcher_s']} s after the first was produced "
                    f"(**{load['per_s']} volunteers/s**) and on the map (the desks' situation updates, "
                    f"stored in PostGIS by the sink) after {load['map_s']} s. CPU over the whole load:\n\n")
        text.append(table([{k: v for k, v in load.items() if k.startswith("cpu_")}]))
    if res["checkins"]:
        text.append(f"\n## Sustained check-ins\n\nPosition updates of the registered volunteers "
                    f"(each a few hundred metres from where it was), offered at a fixed rate for "
                    f"{cfg['seconds']:g} s through the API: `single` is one check-in per request "
                    "(`POST /api/v1/volunteers/{id}/checkins`, at most 64 in flight), `batch of N` is N "
                    "per request (`POST /api/v1/checkins`, at most 8 in flight), each committed to "
                    "the outbox before the answer. Latency is from the check-in's `occurred_at` "
                    "(set by the API as it accepts it) to the timestamp of the first record of the "
                    f"matchers' volunteer table (changelog `{pipeline_changelog()}`) that carries "
                    "this check-in: the matcher writes that record in the same step as it moves the "
                    "volunteer in its index, so from then on it matches with the new position. "
                    "`all_p99_ms`: until the last matcher partition near the volunteer had it (a "
                    "volunteer is published to every partition within 25 km). `accepted_per_s` is "
                    "what the API took (the client falls behind its schedule when the API is slow), "
                    "`visible` how many check-ins reached the matchers, `drain_s` how long after the "
                    "last was sent the last arrived; `settle_s` how long the phase first waited for "
                    "the workers to catch up with what earlier phases left. `kept_up`: the API took "
                    "at least 90 % of the offered rate, every check-in reached the matchers within "
                    "5 s of the end and p99 was at most 5 s; after the first rate a mode did not "
                    "keep up with, its higher rates are skipped.\n\n")
        text.append(table(res["checkins"]))
    steady = res["steady"]
    if steady:
        text.append(f"\n## Aid requests\n\nFor each rate, {cfg['seconds']:g} s of requests through the "
                    f"API ({cfg['workers']} Faust worker(s), 8 partitions), with "
                    f"{load['volunteers'] if load else '?'} volunteers registered. Latency is from "
                    "API acceptance (the event's `occurred_at`) to the first dispatch decision: the "
                    "offer granted by the volunteer's desk, which emits the offer notification in the "
                    "same step (`offered`), a merge into an open duplicate (`merged`) or an "
                    "escalation. `waiting` requests had every volunteer in reach busy (no decision "
                    "yet, which is right). Each phase has its own request locations. `catch_up_s` "
                    "is how long probes took before a phase until one was decided within 3 s. "
                    "`kept_up`: at least 90 % of the rate accepted and decided, none waiting, p99 "
                    "at most 5 s; higher rates are skipped after the first that was not kept up with.\n\n")
        text.append(table(steady))
    other = res["other"]
    if other.get("steady") or other.get("checkins"):
        n = other["workers"]
        text.append(f"\n## {n} worker(s) against {cfg['workers']}\n\nThe same loads after "
                    f"{'stopping' if n < cfg['workers'] else 'adding'} workers: the group took "
                    f"{other.get('takeover_s')} s until {n} worker(s) owned every partition with "
                    "their tables recovered (no standby replicas: the changelogs are replayed).\n\n")
        if other["checkins"]:
            text.append(table(other["checkins"]) + "\n")
        if other["steady"]:
            text.append(table(other["steady"]) + "\n")
        text.append(worker_comparison(res))
    if res.get("bbox"):
        text.append("\n## Map: needs in a bounding box\n\n" + res["bbox"]["text"])
    old_text = HISTORY.read_text() if HISTORY.exists() else ""
    if old_text:
        text.append(comparison(res, tansu_figures(old_text)))
    notes = HERE / "notes.md"   # what the numbers mean; kept across runs
    if notes.exists():
        text.append("\n" + notes.read_text())
    if old_text:
        text.append("\n## Before: the embedded Tansu broker (2026-11-22, same machine, same scenario)\n\n"
                    f"The report of that run, as it was (`{HISTORY.relative_to(REPO_ROOT)}`); its "
                    "notes are about Tansu, and the files they name (`streams/tansu.py`, "
                    "`tests/integration/test_tansu_transport.py`) went with it (git history: b506b79).\n\n"
                    + demote(old_text))
    return "".join(text)


MATCHER_TABLE = Table.VOLUNTEERS


def pipeline_changelog() -> str:
    from bench.pipeline import MATCHER_CHANGELOG

    return MATCHER_CHANGELOG


def worker_comparison(res: dict) -> str:
    """Side by side, per rate: the first run's figures and the other worker count's."""
    n0, n1 = res["cfg"]["workers"], res["other"]["workers"]

    def cpu(r: dict) -> int:
        return sum(v for k, v in r.items() if k.startswith("cpu_worker"))
    rows = []
    for kind, key, a_rows, b_rows in (("check-ins", "mode", res["checkins"], res["other"]["checkins"]),
                                      ("requests", None, res["steady"], res["other"]["steady"])):
        b_by = {(r.get(key), r["rate_target"]): r for r in b_rows}
        for a in a_rows:
            b = b_by.get((a.get(key), a["rate_target"]))
            if b is None:
                continue
            what = f"{a['rate_target']:g} {kind}/s" + (f" ({a['mode']})" if key else "")
            rate_key = "visible_per_s" if kind == "check-ins" else "throughput_rps"
            rows.append({"what": what, "a": f"{a[rate_key]}/s, p50 {a['p50_ms']} ms, p99 {a['p99_ms']} ms, "
                                          f"workers {cpu(a)} %",
                         "b": f"{b[rate_key]}/s, p50 {b['p50_ms']} ms, p99 {b['p99_ms']} ms, workers {cpu(b)} %"})
    if not rows:
        return ""
    return "\n" + table(rows, [("what", "load"), ("a", f"{n0} worker(s)"), ("b", f"{n1} worker(s)")])


if __name__ == "__main__":
    main()
