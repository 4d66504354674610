"""Round six of place understanding (docs/messaging.md, "Round six"): each rule on place
phrases written for these tests, in no fixture file. Each test that expects a place fails on the
code before the rule; the last of each group guards against the rule reaching too far."""
from __future__ import annotations

import pytest

from siaga.core.text.locate import locate
from tests.place_answers import where



# --- the name after "ke"/"utk" is a place, whatever its case ---------------------------------------

@pytest.mark.parametrize(("text", "code"), [
    ("Tolong kirim perahu ke gurabunga, air sudah sepinggang", "82.72.01.1008"),   # mixed case: no capital
    ("Mohon bantuan utk sambelia, banyak rumah roboh", "52.03.10"),
    ("kami mahasiswa di yogya, ada 30 dus mie, bisa diantar ke cangkringan", "34.04.17"),  # -an: no stem test
])
def test_an_unknown_word_after_ke_or_utk_is_a_place(text: str, code: str) -> None:
    assert where(text) == ("resolved", code)


def test_a_kabupaten_named_by_an_ordinary_word_after_ke():
    # "batang" is a stem and a word; after "ke" it is Kabupaten Batang, as after "banjir"
    assert where("Mau kirim beras ke batang, lewat mana ya?") == ("resolved", "33.25")


def test_an_ordinary_word_after_ke_stays_a_word():
    assert locate("tolong antar ke rumah sakit terdekat").status == "missing"


# --- where a helper writes from is not where help is wanted -----------------------------------

def test_the_helpers_own_town_gives_way_to_the_place_of_the_posko():
    assert where("saya relawan di Solo, bisa jaga dapur umum di Wonogiri") == ("resolved", "33.12")


def test_the_helpers_own_town_may_still_be_the_parent():
    # Cawas is in Klaten: the sender's town is dropped as an answer, not as evidence
    assert where("Sy bidan di Klaten, siap bantu di posko Cawas minggu ini") == ("resolved", "33.10.05")


def test_thanks_from_people_at_a_place_keep_the_place():
    # the role ("relawan") is who is thanked, not who writes: Dukuhseti is where the writer is
    assert where("Terima kasih relawan, kami di Dukuhseti sudah dapat makanan") == ("resolved", "33.18.20")


def test_the_road_from_somewhere_is_not_where_help_goes():
    assert where("mau kirim selimut ke garut, jalan dari tasik aman ga?") == ("resolved", "32.05")


# --- short forms, and names that begin with a marker word ------------------------------------------

@pytest.mark.parametrize(("text", "code"), [
    ("bupati polman tinjau lokasi banjir", "76.04"),                     # Polewali Mandar
    ("banjir di tidore, warga butuh makanan", "82.72"),                  # Kota Tidore Kepulauan
])
def test_kabupaten_short_forms(text: str, code: str) -> None:
    assert where(text) == ("resolved", code)


def test_a_kecamatan_whose_name_begins_with_dusun_is_a_parent():
    # Kec. Dusun Utara (Barito Selatan): "dusun" is also the marker of a hamlet
    assert where("bundar dusun utara terendam, tolong perahu") == ("resolved", "62.04.04.2003")
    assert where("Warga Sungai Telang, Dusun Utara ngungsi") == ("resolved", "62.04.04.2001")


# --- a natural feature named by an ordinary word ---------------------------------------------------

def test_a_stone_hill_is_not_kota_batu():
    for text in ("bukit batu longsor, warga butuh tenda", "warga ngungsi ke bukit batu, butuh selimut"):
        assert locate(text).admin_code != "35.79", text
