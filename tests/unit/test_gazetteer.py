from __future__ import annotations

import statistics
import time

import pytest

from siaga.core.text.gazetteer import ACCURACY_M, DATA_DIR, gazetteer, lookup_code, resolve_place

SLEMAN_PRAMBANAN = (-7.797, 110.505)


def test_packaged_data_with_licences() -> None:
    for name in ("desa.csv", "kecamatan.csv", "kabupaten.csv", "provinsi.csv", "desa_no_coords.csv",
                 "README.md", "LICENSE-wilayah.txt", "LICENSE-wilayah_boundaries.txt"):
        assert (DATA_DIR / name).is_file(), name
    assert "Siaga" in (DATA_DIR / "README.md").read_text(encoding="utf-8")


def test_loads_every_area() -> None:
    g = gazetteer()
    levels = {lvl: g.levels.count(lvl) for lvl in set(g.levels)}
    assert levels == {0: 38, 1: 514, 2: 7285, 3: 83403 + 359}


@pytest.mark.parametrize(
    ("text", "code", "level"),
    [
        ("ds Sumberharjo kec Prambanan", "34.04.09.2001", "desa"),
        ("Sumberharjo Prambanan", "34.04.09.2001", "desa"),
        ("Sumberharjo, Prambanan, Sleman", "34.04.09.2001", "desa"),
        ("Wukirsari Imogiri", "34.02.10.2003", "desa"),
        ("Wukirsari, Cangkringan", "34.04.17.2002", "desa"),
        ("Umbulharjo Cangkringan", "34.04.17.2005", "desa"),     # not Kec. Umbulharjo (Yogyakarta)
        ("Prambanan Sleman", "34.04.09", "kecamatan"),
        ("Prambanan Klaten", "33.10.01", "kecamatan"),
        ("kec Palu Barat", "72.71.02", "kecamatan"),
        ("Sleman", "34.04", "kabupaten"),
        ("Kab. Klaten", "33.10", "kabupaten"),
        ("kota Bogor", "32.71", "kabupaten"),
        ("kabupaten Bogor", "32.01", "kabupaten"),
        ("Gunung Kidul", "34.03", "kabupaten"),                   # spacing variant of Gunungkidul
        ("Kulonprogo", "34.01", "kabupaten"),
        ("Jogja", "34.71", "kabupaten"),                          # alias
        ("Kampung Melayu, Jatinegara, Jakarta Timur", "31.75.03.1001", "desa"),
        ("Sumberhardjo Prambanan", "34.04.09.2001", "desa"),      # old spelling dj -> j
        ("Sumberharja Prambanan", "34.04.09.2001", "desa"),       # typo
        ("Glagahharjo, Cangkringan", "34.04.17.2003", "desa"),    # typo
    ],
)
def test_resolves(text: str, code: str, level: str) -> None:
    result = resolve_place(text)
    assert result.status == "resolved", [c.label for c in result.candidates]
    assert result.best is not None
    assert (result.best.code, result.best.level) == (code, level)
    assert result.best.accuracy_m == ACCURACY_M["kota" if result.best.kind == "kota" else level]


def test_best_match_fields() -> None:
    best = resolve_place("Sumberharjo Prambanan").best
    assert best is not None
    assert best.name == "Sumberharjo" and best.kind == "desa"
    assert best.parents == ("Prambanan", "Kabupaten Sleman", "Daerah Istimewa Yogyakarta")
    assert best.lat == pytest.approx(-7.810289) and best.lon == pytest.approx(110.500578)
    assert best.accuracy_m == 1500
    assert best.label == "Desa Sumberharjo, Kec. Prambanan, Kabupaten Sleman"


@pytest.mark.parametrize("text", ["Sumberharjo", "Prambanan", "Bogor", "Sidomulyo", "desa Wukirsari"])
def test_ambiguous_names_list_candidates(text: str) -> None:
    result = resolve_place(text)
    assert result.status == "ambiguous"
    assert result.best is None
    assert 2 <= len(result.candidates) <= 5
    assert all(c.parents for c in result.candidates)       # parents to ask "which one?"
    assert len({c.code for c in result.candidates}) == len(result.candidates)


def test_near_prefers_the_close_namesake() -> None:
    result = resolve_place("Sumberharjo", near=SLEMAN_PRAMBANAN)
    assert result.status == "resolved"
    assert result.best is not None and result.best.code == "34.04.09.2001"
    far = resolve_place("Prambanan", near=(-7.74, 110.52))  # Klaten side
    assert far.best is not None and far.best.code == "33.10.01"


@pytest.mark.parametrize("text", ["xyzzy qwerty", "", "tolong butuh air", "dusun Gendeng", "di sini"])
def test_not_found(text: str) -> None:
    assert resolve_place(text).status == "not_found"


def test_village_without_coordinates_uses_its_kecamatan_point() -> None:
    g = gazetteer()
    approx = [i for i, flag in enumerate(g.approx) if flag]
    assert len(approx) == 359
    match = lookup_code(g.codes[approx[0]])
    assert match is not None and match.approximate and match.accuracy_m == ACCURACY_M["kecamatan"]
    kec = lookup_code(g.codes[approx[0]].rsplit(".", 1)[0])
    assert kec is not None and (match.lat, match.lon) == (kec.lat, kec.lon)


def test_lookup_code() -> None:
    match = lookup_code("34.04.09")
    assert match is not None and match.name == "Prambanan" and match.level == "kecamatan"
    assert lookup_code("34") is None          # provinces are not locations
    assert lookup_code("99.99") is None


def test_lookups_are_fast() -> None:
    gazetteer()
    queries = ["ds Sumberharjo kec Prambanan", "Wukirsari Imogiri", "Sidomulyo", "Kampung Melayu Jatinegara",
               "Sumberharja Prambanan", "Dusun Krajan, Desa Wukirsari, Cangkringan, Sleman", "Palu Barat"]
    timings = []
    for _ in range(5):
        for q in queries:
            start = time.perf_counter()
            resolve_place(q)
            timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 0.005
