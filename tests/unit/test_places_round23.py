"""Round twenty-three, tuned on places35_dev (measured once as a holdout first; tests/fixtures/README.md):
each rule with a message written for the test, failing on the code before it."""
from __future__ import annotations

import pytest

from siaga.core.conversation import understand
from siaga.core.text import parse_help_message
from siaga.core.text.locate import locate
from siaga.schemas.common import NeedCategory as N


@pytest.mark.parametrize("text, code", [
    # Kuala Tungkal, the town of Kec. Tungkal Ilir (Tanjung Jabung Barat), names the parent
    ("air pasang di tungkal II kuala tungkal, perlu perahu", "15.06.02.1007"),
    # "mpw" is Mempawah
    ("rob di jungkat mpw, 30 kk perlu beras", "61.02.08.2010"),
    # "X kota" is the kabupaten's town, its kecamatan X
    ("trenggalek kota banjir lagi, butuh perahu karet", "35.03.11"),
    # the report comes from the place: "dari" after a report is no origin
    ("laporan kode Q7MP4D dari Mattiro Bone pangkep blm ditanggapi", "73.10.03.2013"),
    # "dari Kota X": the origin is X, past the marker; the place is the one in the rest
    ("Relawan dari Kota Metro mau bantu dapur umum pringsewu", "18.10"),
])
def test_places(text, code):
    found = locate(text)
    assert (found.status, found.admin_code) == ("resolved", code)


def test_a_town_alias_counts_as_the_named_parent():
    found = locate("rob masuk kampung nelayan kuala tungkal, perlu perahu")
    assert (found.status, found.admin_code, found.low_confidence) == ("resolved", "15.06.02.1015", False)


@pytest.mark.parametrize("text, needs", [
    # Balinese: asking for rice and water; sea water in the houses is the flood
    ("yeh pasih ngranjing ke umah, titiang nunas nasi lan yeh", {N.food, N.water}),
    ("anak titiang gelem, nunas ubad", {N.medical}),
    # "strong" is an English word, no typo of "sarong"
    ("Strong winds tore the roofs off, 20 families need tarpaulins", {N.shelter}),
])
def test_needs(text, needs):
    assert set(parse_help_message(text).needs) == needs


def test_no_rice_to_be_had_is_a_request():
    # Manado "torang so nda dapa beras": we can no longer get rice, after a road report
    assert understand("jalan ke kampung tertutup longsor, torang so nda dapa beras").intent.intent == "request"
