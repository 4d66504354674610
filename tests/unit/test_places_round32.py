"""Round thirty-two, tuned on places62_dev (measured once as a holdout first; tests/fixtures/README.md):
each rule with a message written for the test, failing on the code before it."""
from __future__ import annotations

import pytest

from siaga.core.text import parse_help_message
from siaga.core.text.intent import classify_intent
from siaga.core.text.locate import locate


@pytest.mark.parametrize("text, code", [
    # a numbered village after "desa": transmigration blocks and kilometre posts
    ("banjir di desa Blok 18 kec Gunung Meriah, air sepinggang", "11.10.06.2010"),
    ("desa km 3 amurang banjir, warga butuh beras", "71.05.10.2018"),
    # "Singkil" alone is Aceh Singkil
    ("banjir singkil makin tinggi, warga ngungsi", "11.10"),
    # a kecamatan's two-word name misspelled after its marker is that kecamatan, not the one
    # its first word names
    ("banjir di kec Kao Barrat, warga butuh beras", "82.03.21"),
])
def test_places(text, code):
    found = locate(text)
    assert (found.status, found.admin_code) == ("resolved", code)


@pytest.mark.parametrize("text, kabupaten", [
    # two villages of that name under the kabupaten named: ask which, rather than answer with
    # a city of the same name (Kota Depok) or the whole kabupaten
    ("depok garut rumah ambruk, butuh terpal", "32.05."),
    ("pasir putih halsel banjir, perlu perahu", "82.04."),
])
def test_namesakes_read_as_a_kabupaten_are_asked_about(text, kabupaten):
    found = locate(text)
    assert found.status == "ambiguous"
    assert [c.code[:6] for c in found.candidates[:2]] == [kabupaten, kabupaten]


def test_an_earlier_disaster_compared_with_names_no_parent():
    # "seperti banjir Bandung 2020": another disaster's place, which backs no Sukajadi of Bandung
    found = locate("air masuk rumah di Sukajadi, seperti banjir Bandung 2020")
    assert found.status == "ambiguous"


@pytest.mark.parametrize("text, needs", [
    # the water of a river named with its river word ("Way", Lampung) is the flood
    ("banyu Way Seputih mlebu omah, mbah ra iso mlaku, butuh perahu", ["rescue"]),
    # Sasak "perau" is a boat
    ("aik belabur tame bale, perlu perau", ["rescue"]),
])
def test_needs(text, needs):
    assert sorted(map(str, parse_help_message(text).needs)) == needs


def test_we_can_send_is_an_offer():
    text = "We can send a boat and medicine to Kapuas Hulu district tomorrow."
    assert classify_intent(text, parse_help_message(text)).intent == "offer"
