"""Round twenty-five, tuned on the dev files and places43_dev (measured once as a holdout first;
tests/fixtures/README.md): each rule with a message written for the test, failing on the code
before it."""
from __future__ import annotations

import pytest

from siaga.core.conversation import understand
from siaga.core.text import parse_help_message
from siaga.core.text.locate import locate
from siaga.schemas.common import NeedCategory as N


@pytest.mark.parametrize("text, code", [
    # English puts the marker after the name: "Peusangan sub-district" marks Kec. Peusangan, so a
    # village of another kecamatan ("Matang", Samalanga) is not the place
    ("Evacuees at the Matang Glumpang Dua market, Peusangan sub-district, Bireuen regency. We need tents",
     "11.11.05"),
    ("Flood hit the Matang area, Peusangan district, Bireuen. Please send boats", "11.11.05"),
])
def test_places(text, code):
    found = locate(text)
    assert (found.status, found.admin_code) == ("resolved", code)


def test_a_marker_after_the_name_takes_no_word_after_it():
    # "Bireuen regency says": the marker closes the name before it; "says" starts nothing
    from siaga.core.text.normalize import tokenize
    from siaga.core.text.places import place_candidate_groups
    groups = place_candidate_groups(tokenize("The district office in Bireuen regency says 40 homes are flooded"))
    assert "Bireuen regency" in groups.marked


@pytest.mark.parametrize("text, needs", [
    ("longsor di kampung kami, air smp dada, butuh perahu", {N.rescue}),          # "smp": sampai, how deep
    ("aer udeh nyampe atep, kagak ade beras", {N.food}),                          # Betawi: up to the roof
    ("lini, imah rubuh, aya nu can kapendak", {N.rescue}),         # Sundanese: not yet found
    ("banyu naik, nini kada kawa bejalan, tulungi", {N.rescue}),                  # Banjar: cannot walk
    ("aer su maso rumah, opa seng bisa kaluar", {N.rescue}),                      # Ambonese: cannot get out
    ("banyu mlebu omah, mbah kudu digowo metu", {N.rescue}),                      # Javanese: be carried out
    ("ada ibu hamil, tolong bawa pigi rs, jalan putus", {N.rescue}),              # Manado "pigi": to
    ("desa lara terendam, warga perlu perahu", {N.rescue}),                       # Desa Lara, not "sick"
    ("hami di balige, nunga bolon aek, ndang adong sipanganon", {N.food}),       # Toba Batak: no food
    ("rumah warga tergenang air sejak subuh, perlu nasi bungkus", {N.food}),      # standing in the flood
])
def test_needs(text, needs):
    assert set(parse_help_message(text).needs) == needs


@pytest.mark.parametrize("text, intent", [
    # goods on their way with the sender, and a question which post lacks them: an offer
    ("kami dari padang bawa 3 truk beras utk korban, posko mana yg blm dpt?", "offer"),
    # "sudah sampai" with how deep the water is: no arrival, the ask stands
    ("aer udeh nyampe dade, kagak ade makanan, tulungin", "request"),
])
def test_intents(text, intent):
    assert understand(text).intent.intent == intent
