"""Round thirty-three, tuned on places65_dev (measured once as a holdout first; tests/fixtures/README.md):
each rule with a message written for the test, failing on the code before it."""
from __future__ import annotations

import pytest

from siaga.core.text import parse_help_message
from siaga.core.text.intent import classify_intent
from siaga.core.text.locate import locate


@pytest.mark.parametrize("text, code", [
    # Sundanese "ka imah" (into the house) is no hospital: the village named after it is the place
    ("Punten, cai geus asup ka imah di desa Palembang kec Cisata, sepuh kakurung", "36.01.23.2009"),
    # a kecamatan found from a misspelling holds one of the namesakes the message names: that one
    ("kampung Tanah Merah distrik Warmari, kali meluap, kitong butuh makanan", "92.02.03.2007"),
])
def test_places(text, code):
    found = locate(text)
    assert (found.status, found.admin_code) == ("resolved", code)


@pytest.mark.parametrize("text, needs", [
    ("Aik ngeno tame bale, kanak-kanak ndek araq kelambi, tulung", ["clothing"]),   # Sasak: clothes
    ("Nunas tulung, yeh ngranjing ke umah, nenten wenten ajengan", ["food"]),       # Balinese: food
])
def test_regional_needs(text, needs):
    assert sorted(map(str, parse_help_message(text).needs)) == needs


def test_aid_to_be_sent_elsewhere_asks_for_none():
    text = "air sudah surut, bantuan tdk perlu lagi, mohon dialihkan ke desa sebelah"
    assert classify_intent(text, parse_help_message(text)).intent == "information"
