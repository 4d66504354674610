"""Round twenty-nine, tuned on places53_dev (measured once as a holdout first; tests/fixtures/README.md):
each rule with a message written for the test, failing on the code before it."""
from __future__ import annotations

import pytest

from siaga.core.text import parse_help_message
from siaga.core.text.intent import classify_intent
from siaga.core.text.locate import locate


@pytest.mark.parametrize("text, code", [
    # where a report comes from, with a desa marker and its province, is no kabupaten namesake
    ("update dr desa indramayu, sumsel: air sdh surut, warga sdh pulang", "16.03.27.2009"),
    # "di <parent>" after a denied name says where the namesake is: denied with it
    ("negeri suli, salahutu, bukan kec suli di luwu: 20 kk butuh terpal", "81.01.14.2006"),
    # where the boats are, named by a short form ("Kuala Tungkal": Kec. Tungkal Ilir), is not
    # where they would be sent
    ("ada 3 perahu di kuala tungkal, bisa kami kirim ke sungaililin muba", "16.06.07"),
    # "ps"/"psr": pasar, at the head of a name
    ("siap kirim nasi bungkus ke kampung baru ps kliwon", "33.72.03.1006"),
    ("banjir di psr minggu, warga butuh perahu", "31.74.04"),
])
def test_places(text, code):
    found = locate(text)
    assert (found.status, found.admin_code) == ("resolved", code)


@pytest.mark.parametrize("text, needs", [
    # "Kel. Air Putih": a name after the marker's dot, not water
    ("Kel. Air Putih, Samarinda Ulu terendam, lansia perlu dievakuasi", {"rescue"}),
    # Acehnese "bu ngon ie": rice and water
    ("ie ka tamong rumoh, kamoe lakee bu ngon ie bersih", {"food", "water"}),
    # Sasak "aik kokoq": the river's water, the flood
    ("aik kokoq Babak naek tame bale, anak kodeq perlu dijemput", {"rescue"}),
    # Banjar "parahu": a boat
    ("kami perlu parahu wan makanan, ada nini-nini", {"food", "rescue"}),
    # English "sea water flooded": the tide
    ("sea water flooded the village, we need rice", {"food"}),
    # Medan "cemana" is "how", not "celana" (trousers)
    ("kami perlu nasi bungkus, cemana ini bang", {"food"}),
])
def test_needs(text, needs):
    assert {str(n) for n in parse_help_message(text).needs} == needs


@pytest.mark.parametrize("text, intent", [
    # the helpers who helped, thanked (Ambonese "danke par": thanks to)
    ("danke par relawan yang bantu katong di Hitu", "information"),
    # an isolated village where help is taken is no ask
    ("kami komunitas motor siap antar logistik ke Sukamaju & desa2 terisolir", "offer"),
])
def test_intents(text, intent):
    assert classify_intent(text, parse_help_message(text)).intent == intent


def test_a_would_be_volunteer_asking_if_volunteers_are_needed_asks_for_nothing():
    text = "Are volunteers still needed in Kalukku? I am a nurse"
    assert classify_intent(text, parse_help_message(text)).intent != "request"
