"""Round thirty-one, tuned on places61_dev (measured once as a holdout first; tests/fixtures/README.md):
each rule with a message written for the test, failing on the code before it."""
from __future__ import annotations

import pytest

from siaga.core.text import parse_help_message
from siaga.core.text.intent import classify_intent
from siaga.core.text.locate import locate


@pytest.mark.parametrize("text, code", [
    # in Papua the desa is a "kampung": "kampung X distrik X" is the village, as "desa X kec X" is
    ("air masuk rumah di kampung Okaba distrik Okaba, mama2 dan anak kecil butuh makan", "93.01.03.2001"),
    ("kampung Muting distrik Muting banjir, tolong", "93.01.02.2001"),
    # a village under its kecamatan, in lower case, beats a bare word that nothing backs ("mabar":
    # also Kelurahan Mabar in Medan)
    ("pasir panjang komodo mabar banjir rob, perlu perahu", "53.15.05.2003"),
    # a kabupaten split into directions keeps the old one's short form
    ("banjir bandang di bolmong selatan, 30 kk ngungsi", "71.11"),
    ("longsor di oku selatan, jalan putus", "16.09"),
    ("tanjab timur banjir rob, warga perlu beras", "15.07"),
])
def test_places(text, code):
    found = locate(text)
    assert (found.status, found.admin_code) == ("resolved", code)


@pytest.mark.parametrize("text, kabupaten", [
    # two villages of that name under the kabupaten named, written in lower case: ask which one,
    # rather than know nothing
    ("tangkil bogor banjir, warga butuh beras", "32.01."),
    ("peron kendal banjir, warga butuh beras", "33.24."),
])
def test_namesakes_under_the_parent_named_are_asked_about(text, kabupaten):
    found = locate(text)
    assert found.status == "ambiguous"
    assert [c.code[:6] for c in found.candidates[:2]] == [kabupaten, kabupaten]


@pytest.mark.parametrize("text, code", [
    # the hamlet of a kelurahan ("lingk.") is no place of the gazetteer: the kelurahan after it is
    ("lingk. Kampung Baru, kel. tanah tinggi, ternate, air masuk rumah", "82.71.02.1011"),
    # a kecamatan's name one letter off, though the typo is itself a village elsewhere
    ("desa Bila sabbangparu banjir, 20 kk butuh beras", "73.13.01.2015"),
])
def test_places_read_past_hamlets_and_typos(text, code):
    found = locate(text)
    assert (found.status, found.admin_code) == ("resolved", code)


@pytest.mark.parametrize("text, needs", [
    # water from the hills or with stones coming into the house is the flood, not a need
    ("air dr perbukitan Menoreh masuk rumah, 3 org hanyut, tolong tim sar", ["rescue"]),
    ("aer deng batu dari gunung so maso rumah, tolong kirim makanang", ["food"]),
])
def test_flood_water_is_no_need(text, needs):
    assert sorted(map(str, parse_help_message(text).needs)) == needs


def test_an_escort_for_aid_on_its_way_asks_for_no_aid():
    text = "Bantuan beras 2 ton dr Makassar sdh berangkat menuju lokasi banjir, mohon dikawal"
    assert classify_intent(text, parse_help_message(text)).intent == "information"
