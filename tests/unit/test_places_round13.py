"""Round thirteen, tuned on places17_dev (measured once as a holdout first; tests/fixtures/README.md):
each rule with a message written for the test, failing on the code before it."""
from __future__ import annotations

import pytest

from siaga.core.text import parse_help_message
from siaga.core.text.locate import locate
from siaga.schemas.common import NeedCategory as N


@pytest.mark.parametrize("text, needs", [
    # machines to open a road are no rescue; with anyone buried or trapped they are
    ("longsor menutup jalan ke dusun atas, mohon alat berat", {N.other}),
    ("akses jalan tertimbun tanah, butuh excavator dan beras", {N.other, N.food}),
    ("2 warga tertimbun longsor, jalan juga tertutup, mohon alat berat", {N.rescue}),
    ("rumah tertimbun, tolong alat berat", {N.rescue}),
    # the flood that traps people, or is sent from upstream, is no drinking water asked for
    ("keluarga kami terjebak air di kebun, tolong jemput", {N.rescue}),
    ("air kiriman dari hulu makin tinggi, butuh perahu", {N.rescue}),
    # their house swept away: a thing, not a person to rescue
    ("keluarga yg rumahnya hanyut butuh tenda", {N.shelter}),
    # "bama" (bahan makanan) as BPBD reports write it; English mats and being taken somewhere
    ("stok bama di posko habis", {N.food}),
    ("the families need sleeping mats", {N.shelter}),
    ("an old man needs to be taken to the clinic", {N.rescue}),
    # the flood water at a place, and how it is a few words on
    ("air di dusun tiga sdh mulai surut, warga bersih2", set()),
    ("air di posko habis, tolong kirim", {N.water}),
])
def test_needs(text, needs):
    assert set(parse_help_message(text).needs) == needs


@pytest.mark.parametrize("text, code", [
    # Acehnese writes the direction of a name its own way ("Teungoh" for Tengah)
    ("banjir di gampong Malaka, Kluet Teungoh, tulong", "11.01.13.2004"),
    # a river's name is not where the message is from: Desa Sedayu shares Sidodadi's kecamatan
    ("Sidodadi semaka tanggamus kena luapan way sedayu, butuh beras", "18.06.12.2006"),
    # "antar ke kantor camat": whose office it is, not a place called Camat
    ("bantuan utk banjir di kefamenanu bisa diantar ke kantor camat?", "53.03.05"),
    # the residents of a place are where the help is for, not where it came from
    ("warga hogio sudah dapat beras, bantuan dari dekai sampai tadi pagi", "95.03.14"),
    # English: the words before "road" name the road ("Seradala road"; Seradala is also a distrik)
    ("Dekai, Yahukimo flooded; families along Seradala road need cooked food", "95.03.07"),
    # its own kecamatan right after the name: that village, not another of the kecamatan named later
    ("pancado taliabu selatan banjir, jembatan ke maluli putus, butuh beras", "82.08.07.2004"),
])
def test_places(text, code):
    found = locate(text)
    assert (found.status, found.admin_code) == ("resolved", code)


def test_a_river_word_alone_is_no_fuzzy_place():
    # "Bengawan" is a river; one letter from Kec. Bungatan (Situbondo) it was read as that
    assert locate("BPBD Jatim: luapan Bengawan Njero belum surut").status == "missing"


def test_a_province_alone_does_not_make_an_ordinary_word_a_kecamatan():
    # "bantaran" is the riverbank; Kec. Bantaran is one of Jawa Timur's hundreds
    assert locate("Info BPBD Jatim: warga di bantaran diminta waspada").status == "missing"
    # with its kabupaten named it is the place
    assert locate("banjir di bantaran probolinggo, butuh beras").admin_code == "35.13.04"


@pytest.mark.parametrize("text, intent", [
    ("Update: banjir di desa kami sdh surut. blm ada laporan korban jiwa", "information"),
    ("sudah 2 hari belum ada bantuan di desa kami", "request"),
])
def test_no_news_of_casualties_is_no_lack(text, intent):
    from siaga.core.conversation import understand
    assert understand(text).intent.intent == intent
