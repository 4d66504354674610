"""Round twenty, tuned on places28_dev (measured once as a holdout first; tests/fixtures/README.md):
each rule with a message written for the test, failing on the code before it."""
from __future__ import annotations

import pytest

from siaga.core.conversation import understand
from siaga.core.text.locate import locate


@pytest.mark.parametrize("text, code", [
    # "bjb" is Banjarbaru as South Kalimantan writes it
    ("banjir di cempaka bjb, butuh perahu", "63.72.03"),
    # "Bone" is a word of its own kabupaten's name as written, not Kec. Bone
    ("korban banjir Bone Bolango butuh beras, posko BPBD Bone Bolango", "75.03"),
    # Betawi "pulo" for pulau
    ("rob di pulo tidung, kagak bisa masak, minta nasi bungkus", "31.01.02.1002"),
])
def test_places(text, code):
    found = locate(text)
    assert (found.status, found.admin_code) == ("resolved", code)


@pytest.mark.parametrize("text", [
    # an iron bridge (Kel. Jembatan Besi, Jakarta, has namesakes): not the town of Kec. Kota Besi,
    # Kotawaringin Timur, 791 km off, that the word "besi" alone named
    "kebakaran di jembatan besi, tolong susu bayi",
    # a craftsman's own town is where the helper is; the place struck is another
    "Sy tukang las di Abepura, siap bantu perbaiki rumah korban kebakaran Waena",
])
def test_not_placed_where_it_is_not(text):
    assert locate(text).status == "ambiguous"


@pytest.mark.parametrize("text", [
    "beras sdh cukup, mohon jgn kirim lg ke posko kami",       # please do not send more
    "Info: talud darurat selesai dibangun, warga boleh pulang",  # a makeshift sea wall, no emergency
])
def test_information_not_requests(text):
    assert understand(text).intent.intent == "information"
