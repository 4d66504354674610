"""Round nine of message understanding (docs/messaging.md, "Round nine"), tuned on places11_dev:
each rule on phrases written for these tests, in no fixture file. Each test fails on the code
before the rule."""
from __future__ import annotations

import pytest

from siaga.core.text import parse_help_message
from siaga.core.text.intent import classify_intent
from tests.place_answers import where


def test_a_whole_name_inside_a_landmark_is_not_read_alone():
    # "SD pasir putih peureulak": Desa Pasir Putih in Peureulak, not the one 4,600 km away in
    # Kec. Pasir Putih (Nduga) that the name alone would give
    assert where("pengungsi di SD pasir putih peureulak butuh tenda") == ("resolved", "11.03.07.2001")


def test_a_three_word_name_after_a_head_noun():
    assert where("Pasar Muara Labuh kebanjiran, tolong kirim beras") == ("resolved", "13.11.02.2005")


def test_kampung_is_the_desa_in_papua():
    assert where("tolong kirim perahu utk kampung Sokanggo") == ("resolved", "93.02.01.2002")


@pytest.mark.parametrize(("text", "code"), [
    ("kel pakis bwi banjir, air masuk rumah", "35.10.16.1001"),   # bwi: Banyuwangi
    ("banjir di kds, warga butuh makanan", "33.19"),              # kds: Kudus
])
def test_more_short_forms(text: str, code: str) -> None:
    assert where(text) == ("resolved", code)


def test_an_ordinary_word_written_as_where_help_is_carried_is_the_place():
    # "weda" is also a word; "bisa kirim perahu ke Weda" names Kec. Weda (Halmahera Tengah)
    assert where("kami bisa kirim perahu ke Weda besok pagi") == ("resolved", "82.02.01")


def test_asking_for_information_is_no_request():
    text = "tim medis kami siap ke kolaka, butuh info posko"
    assert classify_intent(text, parse_help_message(text)).intent != "request"


@pytest.mark.parametrize(("text", "want", "not_wanted"), [
    ("butuh pompa air & karung pasir, got meluap", {"other"}, {"water"}),   # a pump is no drinking water
    ("banyu tinggi, kami parlu jukung gasan mengungsi", {"rescue"}, set()),  # Banjarese: need a canoe
])
def test_needs(text: str, want: set[str], not_wanted: set[str]) -> None:
    got = {str(n) for n in parse_help_message(text).needs}
    assert want <= got and not (not_wanted & got), got
