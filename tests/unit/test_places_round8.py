"""Round eight of message understanding (docs/messaging.md, "Round eight"), tuned on places10_dev:
each rule on phrases written for these tests, in no fixture file. Each test fails on the code
before the rule, except the distrik one, a guard: "distrik" now hints a kecamatan, and "kampung"
before a Papuan desa must not then lose the desa to the kecamatan."""
from __future__ import annotations

import pytest

from siaga.core.text import parse_help_message
from siaga.core.text.locate import locate
from tests.place_answers import where
from siaga.schemas.common import NeedCategory



# --- towns that are no kecamatan's name (lexicons/place_abbreviations.tsv) --------------------------

def test_a_town_is_the_kecamatan_that_holds_it():
    # Singaraja was Desa Singaraja in Indramayu, 770 km from Bali
    status, code = where("banjir di Singaraja, warga butuh makanan")
    assert status == "resolved" and code is not None and code.startswith("51.08")
    # Sampit: the town of Kotawaringin Timur, not Kel. Sampit in Ketapang (Kalimantan Barat)
    assert where("Pasir Putih Sampit terendam, warga butuh perahu") == ("resolved", "62.02.06.1009")


def test_an_owner_offering_help_writes_from_his_own_town():
    assert where("kami pemilik speedboat di Sampit, siap bantu warga Pasir Putih") == ("resolved", "62.02.06.1009")


# --- markers and names --------------------------------------------------------------------------------

def test_distrik_is_papuas_kecamatan_and_kampung_its_desa():
    assert where("kampung Liki distrik Sarmi kebanjiran, butuh perahu") == ("resolved", "91.10.01.2004")


def test_doubled_desa_is_no_marker():
    # "desa2 hulu": the upstream villages, not one of the villages named Hulu
    assert where("3 jembatan putus di Asera, akses ke desa2 hulu cuma lewat sungai") == ("resolved", "74.09.01")


def test_a_one_word_province_is_no_village_of_that_name():
    assert locate("donasi utk banjir Papua lewat mana?").status != "resolved"   # Desa Papua, Puncak Jaya


def test_a_group_that_helps_is_no_place():
    # Kel. Karang Taruna (Tanah Laut); "karang taruna" is the village youth group
    assert where("karang taruna Kersana siap kirim relawan ke Kec. Larangan") == ("resolved", "33.29.15")


@pytest.mark.parametrize(("text", "code"), [
    ("banjir Pesisir Selatan makin parah, tolong doanya", "13.01"),        # after a disaster word
    ("kami antar sembako ka Danau Panggang besok pagi", "63.08.01"),       # after Banjarese "ka" (to)
])
def test_two_capitalised_words_after_a_cue_that_name_one_place(text: str, code: str) -> None:
    assert where(text) == ("resolved", code)


def test_help_carried_somewhere_ends_with_its_sentence():
    # "Posko di Ambon?" is another question, not where the rice goes
    assert where("Mau kirim beras ke Tanimbar. Posko di Ambon masih buka?") == ("resolved", "81.03")


# --- needs ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "want", "not_wanted"), [
    ("minta baras wan banyu gasan nginum, tulungi", {"food", "water"}, set()),   # Banjarese
    ("urang gaek alun dapek dievakuasi, tolong", {"rescue"}, set()),             # Minang: not yet
    ("air bengawan solo masuk rumah, butuh obat", {"medical"}, {"water"}),       # the river's water
])
def test_regional_words_and_rivers(text: str, want: set[str], not_wanted: set[str]) -> None:
    got = {str(n) for n in parse_help_message(text).needs}
    assert want <= got and not (not_wanted & got), got
