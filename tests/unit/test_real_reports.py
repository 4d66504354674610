"""bench/real_reports.py on invented reports: distinct texts only, far means from the reporter."""
from __future__ import annotations

import json
from pathlib import Path

from bench.real_reports import fixture, measure, reports
from siaga.geo.active_areas import MIN_POINTS, AreaLearner
from siaga.core.text.incident_areas import parse_incident_areas

CIANJUR = (-6.93, 107.08)     # near Warungkondang
JAKARTA = (-6.2, 106.85)      # about 90 km away


def feature(text: str, point: tuple[float, float]) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [point[1], point[0]]},
            "properties": {"text": text}}


def test_far_counts_places_away_from_the_reporter(tmp_path: Path) -> None:
    features = [feature("banjir di warungkondang cianjur", CIANJUR),      # resolved, near
                feature("banjir besar di warungkondang, cianjur", JAKARTA),  # resolved, far
                feature("banjir di warungkondang cianjur", JAKARTA),      # the same text again: once
                feature("", CIANJUR),                                     # no text
                feature("air naik terus", CIANJUR)]                       # no place
    (tmp_path / "a.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    rows = reports(tmp_path)
    assert len(rows) == 3
    c = measure(rows)
    assert (c.reports, c.resolved, c.far) == (3, 2, 1)


def test_a_bare_name_far_from_the_declared_area_is_not_counted_as_resolved() -> None:
    rows = [("banjir di warungkondang", *JAKARTA)]
    assert measure(rows).far == 1                                      # resolved, low confidence, far
    jakarta = parse_incident_areas('[{"name": "Jakarta", "lat": -6.2, "lon": 106.85, "radius_km": 30}]')
    assert measure(rows, jakarta).resolved == 0                        # asked about instead


def test_a_fixture_of_invented_reports_lists_its_far_ids(tmp_path: Path) -> None:
    path = tmp_path / "reports_dev.jsonl"
    rows = [{"id": "r-1", "text": "banjir di warungkondang cianjur", "lat": CIANJUR[0], "lon": CIANJUR[1]},
            {"id": "r-2", "text": "banjir di warungkondang cianjur", "lat": JAKARTA[0], "lon": JAKARTA[1]},
            {"id": "r-3", "text": "air naik terus", "lat": JAKARTA[0], "lon": JAKARTA[1]}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    c = measure(fixture(path))
    assert (c.reports, c.resolved, c.far, c.far_ids) == (3, 2, 1, ("r-2",))


def test_reports_are_replayed_oldest_first_across_files(tmp_path: Path) -> None:
    def at(text: str, when: str) -> dict:
        f = feature(text, CIANJUR)
        f["properties"]["created_at"] = when
        return f
    (tmp_path / "a.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        at("kedua", "2017-02-21T08:00:00Z"), at("pertama", "2017-02-20T23:00:00Z")]}))
    (tmp_path / "b.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        at("ketiga", "2017-02-22T01:00:00Z")]}))
    assert [text for text, *_ in reports(tmp_path)] == ["pertama", "kedua", "ketiga"]


def test_learning_takes_only_the_clearly_placed_reports() -> None:
    sleman = (-7.65, 110.45)
    clear = [(f"banjir lahar di desa Kepuharjo kec Cangkringan {i}", *sleman) for i in range(MIN_POINTS)]
    bare = [(f"posko Kepuharjo butuh tenda {i}", *sleman) for i in range(MIN_POINTS)]
    learner = AreaLearner()
    c = measure(bare, learner=learner)
    assert (c.resolved, learner.areas) == (0, ())             # asked about: nothing to learn
    c = measure(clear + bare, learner=AreaLearner())
    assert (c.resolved, c.low, c.far) == (2 * MIN_POINTS, MIN_POINTS, 0)   # then settled near Merapi
