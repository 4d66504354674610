"""Round nineteen, tuned on places25_dev (measured once as a holdout first; tests/fixtures/README.md):
each rule with a message written for the test, failing on the code before it (the controls say so)."""
from __future__ import annotations

import pytest

from siaga.core.text import parse_help_message
from siaga.core.text.locate import locate
from siaga.schemas.common import NeedCategory as N


def test_food_supplies():
    assert set(parse_help_message("mohon bantuan pangan utk 50 KK").needs) == {N.food}


@pytest.mark.parametrize("text, code", [
    # "kota X" where X is a kabupaten and no city: the town, the kecamatan of that name
    ("banjir di kota Sintang, butuh perahu", "61.05.01"),
    ("banjir di kota situbondo, butuh perahu", "35.12.07"),
    # the name written twice backs no kecamatan of it: the kabupaten, as a bare name is
    ("banjir di Pasangkayu, BPBD Pasangkayu minta perahu", "76.01"),
    # control (resolved before too): both marked, the village of its own kecamatan
    ("ds larangan kec larangan terendam, butuh makan", "33.29.15.2004"),
    # Seruyan's capital
    ("asap di Kuala Pembuang, butuh masker", "62.07.01"),
])
def test_places(text, code):
    found = locate(text)
    assert (found.status, found.admin_code) == ("resolved", code)


@pytest.mark.parametrize("text, status", [
    # "the driest village": no Desa Kering
    ("air bersih tolong kirim ke desa paling kering", "missing"),
    # the coast of Kec. Cinangka (three namesakes) is where the goods go, not Cilegon
    ("Kami dr Cilegon bisa angkut sembako ke pesisir Cinangka", "ambiguous"),
])
def test_not_resolved(text, status):
    assert locate(text).status == status
