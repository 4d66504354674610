"""Round ten of message understanding (docs/messaging.md, "Round ten"), tuned on resident flood
reports (reports_dev and a development part of a public report archive): each rule on phrases
written for these tests, in no fixture file. Each test fails on the code before the rule, except
the one marked as a guard."""
from __future__ import annotations

import pytest

from tests.place_answers import where


def test_a_name_before_an_rt_or_rw_is_a_village():
    # Kel. Ulujami (Pesanggrahan, Jakarta Selatan), not Kec. Ulujami (Pemalang) that the level
    # of a bare name would give: an RW is part of a desa or kelurahan
    assert where("Ulujami rw 03 kebanjiran, air setinggi lutut") == ("resolved", "31.74.10.1005")


def test_where_the_flood_water_comes_from_is_no_parent():
    # "kiriman dari Bogor": upstream; Desa Balekambang in Kabupaten Bogor is no more likely than
    # the Balekambang in Jakarta Timur, so ask
    assert where("balekambang rt 05 tergenang, banjir kiriman dari bogor") == ("ambiguous", None)


def test_ordinary_lower_case_words_are_no_name_where_names_are_capitalised():
    # "arus deras" is a strong current, not Desa Arus Deras in Kubu Raya
    assert where("Jl. Cibadak arus deras, motor mogok semua") == ("missing", None)


def test_a_preposition_before_an_ordinary_word_makes_no_name_where_names_are_capitalised():
    # "di sepanjang jalan": along the road, not Kel. Sepanjang (Sidoarjo) backed by "taman" (a park)
    assert where("Genangan di Taman Mawar 2, Tanjung Duren Utara. Rumah kos di sepanjang gang ini "
                 "kemasukan air") == ("resolved", "31.73.02.1002")


@pytest.mark.parametrize(("text", "code"), [
    ("Bukit Duri rt 04 sudah kemasukan air", "31.74.01.1005"),        # "duri" is a thorn
    ("Pondok Cina rt 01 air naik terus", "32.76.06.1005"),             # Kel. Pondok Cina, Depok
])
def test_a_capitalised_head_noun_and_word_are_one_name(text: str, code: str) -> None:
    assert where(text) == ("resolved", code)


@pytest.mark.parametrize("text", [
    "Pelabuhan Tanjung Emas tergenang rob, truk antre",     # Semarang's port, not Kec. Tanjung Emas (Tanah Datar)
    "depan Univ Borobudur air sebetis",                     # a university in Jakarta, not Kec. Borobudur
])
def test_a_name_only_as_a_port_university_or_station_is_asked_about(text: str) -> None:
    assert where(text) == ("ambiguous", None)


def test_a_toll_road_is_named_after_somewhere_else():
    # "tol Jagorawi", "kolong tol Kalimalang": a road, not Desa Kalimalang (Ponorogo)
    assert where("kolong tol Kalimalang macet, air sepaha") == ("missing", None)


def test_a_city_kelurahan_and_a_rural_kecamatan_of_one_name_are_asked_about():
    # Kel. Pondok Kelapa (Jakarta Timur) and Kec. Pondok Kelapa (Bengkulu Tengah): the level decides nothing
    assert where("Pondok Kelapa tergenang sejak subuh") == ("ambiguous", None)


def test_a_street_name_backs_no_village():
    # "jalan raya": a main road, not Desa Raya backing Desa Naga (both in Karo)
    assert where("macet di jalan raya cikarang, dari naga sampai pertigaan") != ("resolved", "12.06.07.2013")


def test_an_ordinary_word_after_an_rw_number_is_no_name():
    # "rw 04 buat tanggul": the RW makes a dyke; Desa Buat (Bungo) is not meant
    assert where("Warga rw 04 buat tanggul darurat dari karung")[0] != "resolved"


def test_resources_is_no_village():
    # "Dinas Sumber Daya Air": water resources, not Desa Sumber Daya (Nagan Raya)
    assert where("Dinas Sumber Daya Air harus bersihkan got")[0] != "resolved"


def test_a_street_takes_no_village_name():
    # lower case after "Jl.": still the street's name, not Kel. Cempaka Putih
    assert where("Jl. Cempaka putih raya tergenang")[0] != "resolved"


@pytest.mark.parametrize("text", [
    "air sedengkul, arus deras, motor hanyut",      # Desa Arus Deras (Kubu Raya) is not meant
    "Deket sekolah air sudah sepinggang",           # "deket": near (Kec. Deket, Lamongan)
])
def test_flood_words_and_their_shorthand_are_no_place(text: str) -> None:
    assert where(text)[0] != "resolved"


@pytest.mark.parametrize(("text", "code"), [
    ("banjir kalimalang makin tinggi, motor mogok", "31.75.07"),       # the canal district, Duren Sawit
    ("Kampung Pulo terendam lagi, warga ngungsi", "31.75.03.1001"),    # in Kel. Kampung Melayu
])
def test_a_city_neighbourhood_is_the_place_that_holds_it(text: str, code: str) -> None:
    assert where(text) == ("resolved", code)


def test_a_neighbourhood_that_is_a_kecamatan_elsewhere_is_asked_about():
    # a guard (asked before the table too): the table must not make Kemang (Kel. Bangka, Jakarta
    # Selatan) win over Kec. Kemang (Kabupaten Bogor)
    assert where("air masuk rumah di Kemang, mobil terendam") == ("ambiguous", None)


def test_every_neighbourhood_names_a_place_in_the_gazetteer():
    from siaga.core.text import tables
    from siaga.core.text.gazetteer import lookup_code
    rows = tables.neighbourhoods()
    assert len(rows) >= 100
    assert [name for name, code in rows.items() if lookup_code(code) is None] == []


def test_a_place_name_inside_a_street_name_is_the_street():
    # "Jl. Pulo Gebang Indah": a street; "gebang indah" inside it is no place either
    assert where("Jl. Raya Bekasi Timur Permai rt 03 tergenang")[0] != "resolved"
