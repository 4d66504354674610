"""Round seven of message understanding (docs/messaging.md, "Round seven"), tuned on places9_dev:
each rule on phrases written for these tests, in no fixture file. Each test fails on the code
before the rule, except the guards, which say so."""
from __future__ import annotations

import pytest

from siaga.core.text import parse_help_message
from siaga.core.text.locate import locate
from tests.place_answers import where
from siaga.schemas.common import NeedCategory



# --- needs: people who cannot get out ---------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "banyu wis mlebu omah, mbah ora iso mlaku, njaluk dijemput",     # Javanese: cannot walk, fetch us
    "air sampai dada, nenek tidak bisa jalan, tolong",
    "ada kakek sakit stroke gak bisa dievakuasi, tolong cepat",       # not evacuated: still to do
])
def test_people_who_cannot_get_out_need_rescue(text: str) -> None:
    needs = set(parse_help_message(text).needs)
    assert NeedCategory.rescue in needs and NeedCategory.water not in needs, needs


def test_an_evacuation_already_done_is_no_need():      # guard
    assert NeedCategory.rescue not in parse_help_message("pasien sudah dievakuasi ke puskesmas").needs


# --- places ------------------------------------------------------------------------------------------

def test_a_neighbouring_ordinary_word_does_not_overrule_the_named_place():
    # Desa Lewat (Ile Boleng) lies near Nurabelen: "lewat" (passing) gets no weight from that
    assert where("banjir lewat kampung di Nurabelen, warga ngungsi ke gereja") == ("resolved", "53.06.16.2003")


def test_pemkab_names_the_kabupaten():
    # not Kec. Kapuas Hulu in Kabupaten Kapuas
    assert where("Pemkab Kapuas Hulu buka posko di kantor bupati") == ("resolved", "61.06")


def test_a_doubled_name_is_one_name():
    # the parser reads "Batu-Batu" as the plural of batu (stone)
    assert where("Desa Batu-Batu, Gunung Tabur: air naik terus") == ("resolved", "64.03.06.2011")


@pytest.mark.parametrize("text", ["banjir besar di Jawa Tengah, tolong doanya", "longsor di Papua Tengah"])
def test_a_province_named_in_full_is_no_village_of_that_name(text: str) -> None:
    assert locate(text).status != "resolved"        # a province alone is too coarse to send anyone


def test_a_village_named_like_a_province_is_found_with_its_marker():      # guard
    assert where("banjir di desa Jawa Tengah, Sungai Ambawang") == ("resolved", "61.12.03.2006")


def test_a_whole_name_is_not_counted_twice():
    # Undaan Kidul: one village in Kec. Undaan (Kudus), one in Karanganyar (Demak); "Undaan"
    # inside the name is no parent named
    assert locate("tanggul di Undaan Kidul rembes lagi").status == "ambiguous"
