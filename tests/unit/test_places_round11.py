"""Round eleven of message understanding (docs/messaging.md, "Round eleven"), tuned on places15_dev:
each rule on phrases written for these tests, in no fixture file. Each test fails on the code
before the rule."""
from __future__ import annotations

import pytest

from siaga.core.conversation import understand
from tests.place_answers import where


def test_a_whole_name_grown_from_a_marked_candidate_is_not_its_own_parent():
    # "kel kelapa" grows to "kel kelapa lima"; counted again alone, Kec. Kelapa Lima (Kupang)
    # backed Kel. Kelapa Lima there against the Merauke one that "merauke" names
    assert where("warga kel kelapa lima merauke ngungsi ke gereja") == ("resolved", "93.01.01.1006")


def test_the_road_to_a_place_names_it():
    # "jalan ke badau": the road to Kec. Badau (Kapuas Hulu), no street named Badau
    assert where("gmn akses jalan ke badau kapuas hulu skrg?") == ("resolved", "61.06.14")


def test_a_short_name_struck_by_the_disaster_is_a_place():
    # four letters, lower case, before "banjir": Desa Piru (Seram Bagian Barat)
    assert where("piru banjir lagi, warga ngungsi ke gunung") == ("resolved", "81.06.02.2003")


def test_help_met_and_asked_for_elsewhere_is_no_request():
    u = understand("bantuan di sini sdh tercukupi, tolong alihkan ke desa lain yg blm dapat")
    assert u.intent.intent != "request"


def test_a_child_not_yet_found_needs_rescue():
    assert "rescue" in {str(n) for n in understand("longsor td mlm, 1 anak blm ketemu").parsed.needs}


@pytest.mark.parametrize("text", [
    "air rob sebetis, warga butuh makanan",            # the tide's flood
    "aer so maso rumah, torang butuh makanan",         # Manado: the water has come in
    "banyu teka saka gunung, butuh sembako",           # Javanese: the water came down
    "imah kabawa cai, butuh sembako",                  # Sundanese: houses swept away by the water
])
def test_flood_water_is_no_water_need(text: str) -> None:
    assert "water" not in {str(n) for n in understand(text).parsed.needs}


@pytest.mark.parametrize("text", [
    "banjir di lampu merah cawang, motor mogok",        # traffic lights
    "genangan depan pom bensin, mobil putar balik",     # a petrol station
    "kali sunter meluap lagi",                          # Sunter (Jakarta), not "senter" (a torch)
    "lalin tersendat, air sebetis",                     # "lalin": traffic, not "lilin" (candles)
])
def test_landmarks_and_place_words_ask_for_no_power(text: str) -> None:
    assert "power" not in {str(n) for n in understand(text).parsed.needs}


@pytest.mark.parametrize("text", [
    "air dr subuh blm surut, rumah2 terendam",          # the flood does not go down
    "hujan semalam, rumah warga masuk air",              # water came into the houses
])
def test_flood_water_described_is_no_water_need(text: str) -> None:
    assert "water" not in {str(n) for n in understand(text).parsed.needs}
