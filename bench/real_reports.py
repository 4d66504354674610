"""Places from real resident flood reports, against where each reporter stood (issue 13's last
target: of places resolved from real reports, at most 5% more than 25 km from the reporter).

    python -m bench.real_reports DIR|FILE.jsonl [--incident-areas JSON] [--learn] [-v]

DIR holds GeoJSON FeatureCollections of reports, each a Point (the reporter's position) with a
"text" property, such as the PetaBencana.id archive of the February 2017 Jabodetabek floods
(github.com/urbanriskmap/petabencana.id-data-archive, 2017/reports/*.geojson). The reports are
not in this repository: their licence is not stated, and they are other people's words. Only
place names in the text are used (never the position) and only totals are printed, no text.

A FILE.jsonl is a fixture of invented reports (tests/fixtures/reports/reports_{dev,holdout}.jsonl: one
object per line with "id", "text", "lat", "lon"); -v then lists the ids of the far places, which
is for dev files only (the archive's texts are never listed).

Prints how many distinct texts there are, how many resolve to a place from the text alone, and
how many of those lie more than FAR_KM from the reporter, with and without low confidence.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from siaga.core.text.incident_areas import parse_incident_areas
from siaga.core.text.locate import locate
from siaga.geo.active_areas import AreaLearner
from siaga.geo.distance import haversine_m
from siaga.geo.incidents import IncidentArea

FAR_KM = 25.0


def reports(folder: Path) -> list[tuple[str, float, float]]:
    """(text, lat, lon) of each report with a distinct, non-empty text, oldest first."""
    out: dict[str, tuple[float, float]] = {}
    features = [f for path in sorted(folder.glob("*.geojson"))
                for f in json.loads(path.read_text(encoding="utf-8")).get("features", [])]
    features.sort(key=lambda f: str((f.get("properties") or {}).get("created_at") or ""))
    for feature in features:
        text = ((feature.get("properties") or {}).get("text") or "").strip()
        geometry = feature.get("geometry") or {}
        if text and geometry.get("type") == "Point" and text not in out:
            lon, lat = geometry["coordinates"][:2]
            out[text] = (float(lat), float(lon))
    return [(text, lat, lon) for text, (lat, lon) in out.items()]


def fixture(path: Path) -> list[tuple[str, float, float, str]]:
    """(text, lat, lon, id) of each record of a JSONL fixture of invented reports."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(r["text"], float(r["lat"]), float(r["lon"]), r["id"]) for r in rows]


@dataclass(frozen=True, slots=True)
class Counts:
    reports: int
    resolved: int       # a place from the text (gazetteer)
    far: int            # ... more than FAR_KM from the reporter
    low: int            # ... marked low confidence
    far_low: int
    far_ids: tuple[str, ...] = ()


def measure(rows: Sequence[tuple[str, float, float] | tuple[str, float, float, str]],
            areas: tuple[IncidentArea, ...] = (), learner: AreaLearner | None = None) -> Counts:
    """``learner``: learn incident areas from the clearly placed reports so far, in the order
    given (geo/active_areas.py), as the service does from its record."""
    resolved = far = low = far_low = 0
    far_ids: list[str] = []
    for text, lat, lon, *ident in rows:
        r = locate(text, incidents=areas + (learner.areas if learner else ()))
        if r.status != "resolved" or r.source != "gazetteer" or r.lat is None or r.lon is None:
            continue
        if learner is not None and r.placed_clearly:
            learner.add(r.lat, r.lon)
        resolved += 1
        is_far = haversine_m(lat, lon, r.lat, r.lon) / 1000.0 > FAR_KM
        far += is_far
        low += r.low_confidence
        far_low += is_far and r.low_confidence
        if is_far and ident:
            far_ids.append(ident[0])
    return Counts(len(rows), resolved, far, low, far_low, tuple(far_ids))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a folder of GeoJSON reports or a .jsonl fixture")
    parser.add_argument("--incident-areas", default="", help="as the setting INCIDENT_AREAS")
    parser.add_argument("--learn", action="store_true",
                        help="learn incident areas from the reports so far, as the service does")
    parser.add_argument("-v", action="store_true", help="list the ids of far places (fixtures only)")
    args = parser.parse_args(argv)
    areas = parse_incident_areas(args.incident_areas)
    rows = fixture(args.folder) if args.folder.suffix == ".jsonl" else reports(args.folder)
    c = measure(rows, areas, AreaLearner() if args.learn else None)
    print(f"reports with text: {c.reports}; incident areas declared: {len(areas)}"
          f"{'; areas learned from the reports' if args.learn else ''}")
    print(f"resolved from the text: {c.resolved}; more than {FAR_KM:.0f} km from the reporter: "
          f"{c.far} ({100 * c.far / max(1, c.resolved):.1f}%)")
    print(f"  of which marked low confidence: {c.far_low} (of {c.low} low-confidence places)")
    if args.v and c.far_ids:
        print(f"  far: {', '.join(c.far_ids)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
