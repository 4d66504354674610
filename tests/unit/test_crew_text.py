"""How many helpers a message asks for (core/text/crew.py), and that the SMS conversation
puts it on the request."""
from __future__ import annotations

import pytest

from siaga.core.text import parse_help_message


@pytest.mark.parametrize("text,helpers", [
    ("perlu 5 orang untuk angkat barang di desa sukamaju", 5),
    ("butuh 3 relawan bersihkan lumpur", 3),
    ("need 4 volunteers to carry sandbags", 4),
    ("dibutuhkan tenaga 10 orang di posko", 10),
    ("kami perlu lima orang bantu evakuasi", 5),
    ("butuh bantuan 6 org evakuasi lansia", 6),
    ("tolong kirim 2 relawan ke rt 03", 2),
    ("perlu 500 orang", 50),                      # capped: a coordinator decides beyond that
    ("butuh makanan untuk 50 orang", None),       # who is hungry, not who should come
    ("ada 30 jiwa butuh air bersih", None),
    ("5 relawan sudah datang, terima kasih", None),
    ("banjir 2 meter perlu perahu", None),
])
def test_helpers_asked_for(text, helpers):
    assert parse_help_message(text).helpers == helpers


def test_an_sms_asking_for_five_people_makes_a_request_for_five_volunteers():
    from tests.unit.test_conversation import only_event, run
    from siaga.schemas.events import AidRequest

    _emit, req = only_event(run("Perlu 5 orang bantu evakuasi warga, Desa Sumberharjo kec Prambanan",
                                sid="SM05"), AidRequest)
    assert req.volunteers_needed == 5
    _emit, req = only_event(run("butuh air bersih 25 org, Desa Sumberharjo kec Prambanan", sid="SM06"),
                            AidRequest)
    assert req.volunteers_needed is None   # the category decides (core/dispatch/crew.py)
