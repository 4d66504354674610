"""Declared incident areas (geo/incidents.py, core/text/incident_areas.py): namesakes inside one win,
bare names away from all of them are low confidence."""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from siaga.core.text.incident_areas import parse_incident_areas
from siaga.core.text.locate import locate
from siaga.infra.settings import Settings

GAZETTEER = Path(__file__).resolve().parents[2] / "data" / "gazetteer"


def _areas(*codes: str):
    return parse_incident_areas(str([{"name": f"incident {c}", "code": c} for c in codes]).replace("'", '"'))


@pytest.mark.parametrize("raw, problem", [
    ("not json", "not JSON"),
    ('{"name": "x"}', "JSON list"),
    ('[{"code": "32.03"}]', 'needs a "name"'),
    ('[{"name": "x", "code": "99.99"}]', "no province, kabupaten, kecamatan or desa with code '99.99'"),
    ('[{"name": "x", "lat": -6.8, "lon": 107.1}]', "radius_km must be a number"),
    ('[{"name": "x", "lat": 95, "lon": 107.1, "radius_km": 10}]', r"\[0\].lat must be a number"),
])
def test_a_bad_setting_says_what_is_wrong(raw, problem):
    with pytest.raises(ValueError, match=problem):
        parse_incident_areas(raw)
    with pytest.raises(ValueError, match=problem):     # the service refuses to start with it
        Settings(incident_areas=raw)


def test_areas_by_code_or_by_point():
    by_code, by_point = parse_incident_areas(
        '[{"name": "Gempa Cianjur", "code": "32.03"}, '
        '{"name": "Banjir Demak", "lat": -6.89, "lon": 110.64, "radius_km": 25}]')
    assert by_code.radius_km == 40.0 and -7.5 < by_code.lat < -6.5     # a kabupaten's radius
    assert by_point.reach(-6.89, 110.64) == 0.0 and by_point.radius_km == 25.0
    assert Settings(incident_areas="").incidents == ()


def test_a_province_may_be_declared_and_holds_every_place_under_it():
    (jakarta,) = parse_incident_areas('[{"name": "Banjir Jakarta", "code": "31"}]')
    assert jakarta.code == "31" and jakarta.radius_km == 100.0
    assert jakarta.reach(-6.1, 106.9, "31.72.01.1002") == 0.0          # Kamal Muara: inside
    assert jakarta.reach(-7.8, 110.4, "34.71") > 1.0                   # Kota Yogyakarta: far


def _namesakes() -> list[tuple[str, dict, dict]]:
    """Names of exactly two villages (and of no kecamatan or kabupaten) in different provinces,
    more than 150 km apart."""
    from siaga.geo.distance import haversine_m

    by_name: dict[str, list[dict]] = defaultdict(list)
    with (GAZETTEER / "desa.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            by_name[row["name"]].append(row)
    higher: set[str] = set()       # names of kecamatan and kabupaten are namesakes too: left out
    for file in ("kecamatan.csv", "kabupaten.csv"):
        with (GAZETTEER / file).open(encoding="utf-8", newline="") as f:
            higher |= {row["name"].removeprefix("Kabupaten ").removeprefix("Kota ") for row in csv.DictReader(f)}
    out = []
    for name, rows in sorted(by_name.items()):
        if len(rows) == 2 and name not in higher and name.isalpha() and len(name) >= 7 and rows[0]["provinsi"] != rows[1]["provinsi"] \
                and haversine_m(float(rows[0]["lat"]), float(rows[0]["lon"]),
                                float(rows[1]["lat"]), float(rows[1]["lon"])) > 150_000:
            out.append((name, rows[0], rows[1]))
    return out[::97][:8]    # a spread sample, the same every run


@pytest.mark.parametrize("name, first, second", _namesakes())
def test_the_namesake_inside_the_incident_wins(name, first, second):
    text = f"banjir di desa {name}, butuh makanan"
    assert locate(text).status == "ambiguous"            # without an incident: ask which one
    for row in (first, second):
        r = locate(text, incidents=_areas(row["kecamatan_code"]))
        assert r.status == "resolved" and r.admin_code == row["code"], (name, row["provinsi"], r)
        assert not r.low_confidence                        # inside the incident area


def test_a_named_parent_still_beats_the_incident():
    # Kuta Raja (Banda Aceh) named with its city, while the incident is declared in Bali (Kuta).
    r = locate("banjir di kuta raja banda aceh", incidents=_areas("51.03"))
    assert r.status == "resolved" and r.admin_code.startswith("11.71")


def test_an_ordinary_word_inside_the_incident_is_the_place():
    assert locate("gempa di pemenang").status == "ambiguous"          # "winner", or Kec. Pemenang?
    r = locate("gempa di pemenang", incidents=_areas("52.08"))         # the Lombok earthquake
    assert r.status == "resolved" and r.admin_code == "52.08.05" and not r.low_confidence


@pytest.mark.parametrize("text, incidents, low", [
    ("banjir di warungkondang", (), True),                 # bare kecamatan name, no incident
    ("banjir di warungkondang", ("32.03",), False),        # inside the Cianjur incident
    ("banjir di warungkondang cianjur", (), False),        # its kabupaten named
    ("banjir di kabupaten garut", (), False),              # a kabupaten is not a namesake risk
])
def test_low_confidence_marks_bare_names_away_from_incidents(text, incidents, low):
    r = locate(text, incidents=_areas(*incidents) if incidents else ())
    assert r.status == "resolved"
    assert r.low_confidence is low
    assert r.to_location().confidence == ("low" if low else "high")


def test_coordinates_carry_no_confidence_claim():
    assert locate("tolong -7.7956, 110.3695").to_location().confidence is None


@pytest.mark.parametrize("text, status", [
    ("banjir di warungkondang", "ambiguous"),              # bare, and far from the Lombok incident: ask
    ("banjir di warungkondang cianjur", "resolved"),       # its kabupaten named: no doubt
    ("banjir di kabupaten garut", "resolved"),             # a kabupaten is not a namesake risk
])
def test_a_bare_name_far_from_every_declared_incident_is_asked_about(text, status):
    r = locate(text, incidents=_areas("52.08"))
    assert r.status == status
    if status == "ambiguous":
        assert r.candidates and r.candidates[0].name == "Warungkondang"   # the reply offers it
