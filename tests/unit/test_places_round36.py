"""Round thirty-six, tuned on places67_dev (measured once as a holdout first; tests/fixtures/README.md):
each rule with a message written for the test, failing on the code before it unless marked as a guard."""
from __future__ import annotations

import pytest

from siaga.core.text.locate import locate
from siaga.core.text.normalize import tokenize
from siaga.core.text.whose_place import retracted_places


@pytest.mark.parametrize("text, code", [
    # a name taken back ("eh salah ... maksudnya") gives way to the name meant, its parent kept
    ("kel kampung baru soe, eh salah kota baru maksudnya. got meluap ke rumah, 10 kk", "53.02.01.1010"),
    ("desa sukamaju kec seluma barat eh salah, maksudnya kec air priukan kab seluma, sawah terendam",
     "17.05.06.2001"),
])
def test_a_slip_corrected(text, code):
    found = locate(text)
    assert (found.status, found.admin_code) == ("resolved", code)


@pytest.mark.parametrize("text", [
    "jangan salah kirim ya, maksudnya bantuan ke desa sukamaju kec air priukan seluma",   # no slip owned
    "desa sukamaju kec seluma barat, salah satu yang terendam, maksudnya sawah warga",     # no name meant
])
def test_guard_no_slip_is_no_correction(text):
    assert [s for s in retracted_places(tokenize(text)) if s[2]] == []
