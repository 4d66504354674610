"""Round twelve of message understanding (docs/messaging.md, "Round twelve"), tuned on
places16_dev: each rule with a message written for the test, failing on the code before it."""
from __future__ import annotations

import pytest

from siaga.core.conversation import understand
from tests.place_answers import where


@pytest.mark.parametrize("text,code", [
    # where a patient is referred to is the hospital's town, not the place (Benteng is Selayar's capital)
    ("kalaotoa selayar, 2 warga patah kaki, perlu kapal buat dirujuk ke benteng", "73.01.09.2001"),
    # "kec. sarolangun" names the kecamatan: read as the kabupaten it backs another kecamatan's
    # village only half as much
    ("desa sungai baung kec sarolangun butuh tenda 10 kk", "15.03.03.2003"),
    # the Praya kecamatan of Lombok Tengah as local press writes them
    ("ds ungga kec prabarda jembatan putus, warga terisolir", "52.02.11.2002"),
    ("banjir di kec pratim, sawah terendam", "52.02.06"),
    # an English-writing team says where it is; the place is where it can go
    ("Our NGO team is in Pangkalan Bun and can reach Bulik tomorrow with hygiene kits", "62.09.03"),
    # "dr kota jambi": where the helpers come from (past its marker), not the disaster's place
    ("mau kirim donasi banjir sarolangun, kami dr kota jambi, lewat mana ya", "15.03"),
    # ... though "dari Ipuh ke Mukomuko" may still go down to Kec. Ipuh, inside Mukomuko (a guard:
    # it passed before too)
    ("jalan dr Ipuh ke Mukomuko sudah bisa dilewati? mau antar beras", "17.06.05"),
])
def test_round_twelve(text, code):
    assert where(text) == ("resolved", code)


@pytest.mark.parametrize("text,intent", [
    # "jd relawan": a would-be volunteer asking where help is needed
    ("sy mau jd relawan ke Sapeken, desa mana yg paling butuh?", "question"),
    # an English team that can reach a place with goods, asking which villages need them
    ("Our team can reach Sebuku on Monday with rice and water. Which villages still need it?", "offer"),
    # a warning of donations collected in someone's name
    ("awas ada yg minta sumbangan atas nama korban longsor, itu bukan dari desa", "information"),
])
def test_round_twelve_intents(text, intent):
    assert understand(text).intent.intent == intent
