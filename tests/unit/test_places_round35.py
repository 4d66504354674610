"""Round thirty-five, tuned on places68_dev (cities; measured once as a holdout first;
tests/fixtures/README.md): each rule with a message written for the test, failing on the code before it."""
from __future__ import annotations

import pytest

from siaga.core.text.locate import locate


@pytest.mark.parametrize("text, code", [
    # city abbreviations as their residents write them, here with a kecamatan misspelled
    ("kel pintu air, rangkoi, pkp. air msk rmh, tolong", "19.71.04.1001"),        # Pangkalpinang
    ("angkasapura jpr utara tanah longsor, butuh alat berat", "91.71.01.1007"),    # Jayapura
    ("mangga dua kdi kebanjiran, warga perlu air bersih", "74.71.02.1012"),        # Kendari
])
def test_city_abbreviations(text, code):
    found = locate(text)
    assert (found.status, found.admin_code) == ("resolved", code)


def test_smd_is_not_read_as_samarinda():
    # guard: "smd" is Sumedang as often as Samarinda ("kotakaler smd utara")
    found = locate("rumah di kotakaler smd utara retak, perlu tenda")
    assert found.admin_code != "64.72.05"
