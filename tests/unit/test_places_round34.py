"""Round thirty-four, found by mistyping the parents of dev messages one letter at a time (the
variants that went to a place more than 50 km off; docs/messaging.md): each rule with a message
written for the test, failing on the code before it unless marked as a guard."""
from __future__ import annotations

import pytest

from siaga.core.text.gazetteer import holds_a_place_named, is_whole_name
from siaga.core.text.locate import locate
from siaga.core.text.normalize import tokenize
from siaga.core.text.whose_place import denied_places


@pytest.mark.parametrize("text, code", [
    # the full stop of "Kab." no longer ends the denial: Kendal (Jateng) is the place it is not
    ("Sidorejo, Kendal, Ngawii. Bukan Kab. Kendal Jateng ya. Banjir bengawan solo, perlu perahu",
     "35.21.04.2007"),
    # a denial corrected by the same name with its parent ("bukan X Kepri, tapi X kec ...")
    ("Ralat ya: bukan Tanjung Pinang Kepri, tapi Tanjung Pinang kec Mara Samu kab Pasir. tolong evakuasi",
     "64.01.10.2001"),
    # a parent one letter off is read in the whole-message pass too
    ("Desa Nelayan Sunngai Tabukan, rumah panggung hampir tenggelam, tolong evakuasi", "63.08.10.2002"),
    # guard: a hamlet's name one letter off a kecamatan's is no parent (dusun Sumber Rejo is not
    # Kec. Sumberejo, Tanggamus)
    ("Bantuan utk warga dusun Sumber Rejo, desa Sidorejo kec Wonomulyo Polman diantar kemana?", "76.04.03.2002"),
    # guard: where the writer comes from, with no helper named, is still the place
    ("kami dari putussibau butuh perahu, air masuk rumah", "61.06.01"),
])
def test_places(text, code):
    found = locate(text)
    assert (found.status, found.admin_code) == ("resolved", code)


@pytest.mark.parametrize("text", [
    "makasih relawan dr putussibau, warga jambu kyaan hilir sdh dievakuasi semua",
    "Lipu, Betoabari: air setinggi paha, bantuan dr Kendari blm sampai",
])
def test_where_help_comes_from_is_not_the_answer(text):
    assert locate(text).status != "resolved"


def test_an_abbreviated_marker_keeps_the_denied_name_in_the_denial():
    text = "Sidorejo, Kendal, Ngawi. Bukan Kab. Kendal Jateng ya."
    spans = [text[a:b] for a, b in denied_places(tokenize(text), is_whole_name, holds_a_place_named)]
    assert spans == ["Bukan Kab. Kendal Jateng ya"]
