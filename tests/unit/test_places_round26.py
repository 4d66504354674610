"""Round twenty-six, tuned on places45_dev (measured once as a holdout first; tests/fixtures/README.md):
each rule with a message written for the test, failing on the code before it."""
from __future__ import annotations

import pytest

from siaga.core.text.gazetteer import is_whole_name
from siaga.core.text.locate import locate
from siaga.core.text.normalize import tokenize
from siaga.core.text.whose_place import denied_places


@pytest.mark.parametrize("text, code", [
    # the namesake the message says it is not about counts neither as the place nor as a parent
    ("Binjai, Tayan Hulu, Sanggau (bukan kota Binjai sumut): banjir, 20 kk perlu beras", "61.03.10.2010"),
    ("kupang jabon sidoarjo (bkn kota kupang ntt), tanggul jebol, 20 rumah terendam", "35.15.05.2006"),
    # Aceh's "gampong" is its desa: "gampong raya trienggadeng" is Desa Raya in Trienggadeng
    ("banjir di gampong raya trienggadeng, perlu tenda", "11.18.08.2011"),
    # a helper who has a boat where they are offers it elsewhere: "di muara beliti ... punya
    # perahu" is the helper's town, the village named after it is where help goes
    ("kami di muara beliti musi rawas punya perahu, siap bantu evakuasi ke batu gajah rupit", "16.13.01.2003"),
])
def test_places(text, code):
    found = locate(text)
    assert (found.status, found.admin_code) == ("resolved", code)


@pytest.mark.parametrize("text, denied", [
    ("Binjai, Sanggau (bukan kota Binjai sumut): banjir", ["bukan kota Binjai sumut"]),
    # a hoax's photo "not from" a place still names the place; an ordinary word denies nothing
    ("foto longsor itu bukan di Sebengkok, itu foto lama", []),
    ("ini bukan hoax, banjir di kalibata", []),
])
def test_what_a_denial_covers(text, denied):
    spans = denied_places(tokenize(text), is_whole_name)
    assert [text[a:b] for a, b in spans] == denied
