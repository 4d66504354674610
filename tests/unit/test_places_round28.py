"""Round twenty-eight, tuned on places48_dev (measured once as a holdout first; tests/fixtures/README.md):
each rule with a message written for the test, failing on the code before it."""
from __future__ import annotations

import pytest

from siaga.core.text import parse_help_message
from siaga.core.text.gazetteer import is_whole_name
from siaga.core.text.locate import locate
from siaga.core.text.normalize import tokenize
from siaga.core.text.whose_place import denied_places


@pytest.mark.parametrize("text, code", [
    # a name said again after the denial, with its namesake's parent, is denied as a level word
    # would deny it ("bukan Ubung Denpasar"): neither that Ubung nor Denpasar counts
    # (here "dari" made the desa the writer's origin, and Denpasar won)
    ("sy dari desa ubung kec jonggat (bukan ubung denpasar), kapan bantuan dtg?", "52.02.02.2002"),
    # Denpasar's kecamatan as Bali writes them; "kep" heads an islands' name
    ("kel panjer densel kebanjiran, warga butuh nasi bungkus", "51.71.01.1004"),
    ("pulau harapan kep seribu utara kena rob, butuh air bersih", "31.01.01.1003"),
])
def test_places(text, code):
    found = locate(text)
    assert (found.status, found.admin_code) == ("resolved", code)


@pytest.mark.parametrize("text, denied", [
    ("kel tanjung pinang jambi timur kebanjiran (bukan tanjungpinang kepri)", "bukan tanjungpinang kepri"),
    # Sundanese and Javanese "not"
    ("abdi ti desa ubung kec jonggat (sanes ubung denpasar)", "sanes ubung denpasar"),
    ("aku seko ubung jonggat, dudu ubung denpasar", "dudu ubung denpasar"),
])
def test_the_namesake_said_again_is_denied(text, denied):
    assert [text[a:b] for a, b in denied_places(tokenize(text), is_whole_name)] == [denied]


def test_a_place_denied_without_its_name_said_before_still_names_it():
    # the name was not said before the denial: "bukan" alone says nothing of a namesake
    found = locate("foto banjir itu bukan di sebengkok tarakan")
    assert found.status == "resolved" and found.admin_code.startswith("65.71")


@pytest.mark.parametrize("text, needs", [
    # "naek" is "naik": the water rises, no drinking water asked
    ("air naek terus, 20 kk ngungsi, belum dapat makan", {"food"}),
    # Sundanese "cai na": the water (written apart), swift; the flood, not a need
    ("cai na deras pisan, imah kakeueum, peryogi simbut", {"clothing"}),
    # Balinese "baas": rice
    ("yeh tukad ngranjing ka umah, nunas baas lan terpal", {"food", "shelter"}),
])
def test_needs(text, needs):
    assert {str(n) for n in parse_help_message(text).needs} == needs


@pytest.mark.parametrize("text, code", [
    # the dot of a shortened name head, as maps and signs write it, does not end the name
    ("banjir di tj. priok, warga butuh perahu", "31.72.02"),
    ("Tg. Priok banjir lagi, warga butuh makan", "31.72.02"),
    ("banjir di kep. sula, butuh terpal", "82.05"),
    ("rumah kami di sei. rampah terendam", "12.18.04"),
])
def test_the_dot_of_a_name_head_stays_inside_the_name(text, code):
    found = locate(text)
    assert (found.status, found.admin_code) == ("resolved", code)
