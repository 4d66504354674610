"""Round four of place understanding (docs/messaging.md, "Round four"): each rule on place
phrases written for these tests, in no fixture file. Each test fails on the code before the rule."""
from __future__ import annotations

import pytest

from siaga.core.text.gazetteer import is_whole_name, lookup_code, named_in
from siaga.core.text.locate import locate


@pytest.mark.parametrize(("text", "code"), [
    # English order: the direction before the name, the level after it
    ("our village in South Halmahera was flooded, we need tents", "82.04"),
    ("flood victims in Malang regency, East Java need clean water", "35.07"),
])
def test_english_word_order(text: str, code: str) -> None:
    assert locate(text).admin_code == code


def test_abbreviated_first_word_of_a_name() -> None:
    assert locate("banjir rob di tj priok, warga butuh perahu karet").admin_code == "31.72.02"
    assert is_whole_name(["tg", "pinang"]) and is_whole_name(["kp", "melayu"])


@pytest.mark.parametrize(("text", "code"), [
    ("banjir di dps timur, butuh terpal", "51.71.02"),                 # Denpasar Timur
    ("rumah warga kec TNS terendam, butuh beras", "81.01.02"),         # Teon Nila Serua
    ("kec aruta terendam, butuh perahu", "62.01.04"),                  # Arut Utara
    ("desa Pasir Panjang kec arsel butuh perahu", "62.01.02.2004"),    # a namesake settled by it
])
def test_kecamatan_and_city_short_forms(text: str, code: str) -> None:
    assert locate(text).admin_code == code


def test_a_kota_kecamatan_by_its_town_name() -> None:
    assert locate("pengungsi di Masohi butuh air bersih dan selimut").admin_code == "81.01.17"
    # not when a city or another kecamatan has the name
    assert locate("banjir di Padang, butuh perahu").admin_code == "13.71"
    assert locate("pengungsi di Maba butuh air bersih dan selimut").admin_code == "82.06.02"


@pytest.mark.parametrize(("text", "code"), [
    ("posko di desa Juru Seberang butuh selimut", "19.02.01.2008"),     # "seberang": no name alone
    ("Pengungsi di Melayu Kota Piring butuh tikar", "21.72.02.1001"),   # a marker inside the name
])
def test_the_whole_name_wins_over_its_part(text: str, code: str) -> None:
    assert locate(text).admin_code == code


def test_on_the_way_names_the_destination() -> None:
    assert locate("relawan dari Bandung otw Cianjur bawa beras").admin_code == "32.03"


def test_a_province_alone_does_not_single_out_a_village() -> None:
    jok = lookup_code("11.08.20.2022")                                 # Desa Jok, Aceh Utara
    assert jok is not None
    text = "kamoe ureueng Aceh di Mukomuko, jok beras keu korban"
    assert named_in(jok, text) and not named_in(jok, text, below_province=True)
    assert locate(text).admin_code == "17.06"
