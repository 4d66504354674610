"""Round five of place understanding (docs/messaging.md, "Round five"): each rule on place
phrases written for these tests, in no fixture file. Each test fails on the code before the rule."""
from __future__ import annotations

from siaga.core.text.locate import locate


def test_a_single_place_beats_a_name_that_many_places_share():
    # Mengkang: one village; Parit: a dozen. The message points at the one.
    r = locate("pengungsi di Mengkang butuh tenda, sungai meluap sampai di parit")
    assert (r.status, r.admin_code) == ("resolved", "71.01.14.2021")


def test_two_shared_names_stay_a_question():
    # Kelutan: two villages, Parit: a dozen; nothing says which.
    assert locate("banjir di Kelutan, air masuk sampai di parit").status == "ambiguous"


def test_a_whole_two_word_name_that_one_place_bears():
    # "Lintang" alone is an ordinary word (and a village far away); "Botuh Lintang" is one village.
    for text in ("Botuh Lintang: rumah panggung tenggelam, butuh terpal", "tolong, Botuh Lintang kebanjiran"):
        r = locate(text)
        assert (r.status, r.admin_code) == ("resolved", "61.03.01.2026"), text


def test_ordinary_words_that_make_a_village_name_are_not_one():
    # Desa Air Bersih (Kerinci) exists; "butuh air bersih" asks for clean water.
    r = locate("butuh air bersih, rumah panggung kebanjiran")
    assert r.status != "resolved"


def test_a_need_phrase_is_no_village_without_its_parent():
    # Desa Air Bersih (Kerinci) no longer ties with Cidadap, whose kecamatan is named.
    r = locate("Cidadap simpenan terendam, kami butuh makan & air bersih")
    assert (r.status, r.admin_code) == ("resolved", "32.02.02.2001")


def test_an_ordinary_word_does_not_back_its_neighbour():
    # "sumur" (a well) is also Desa Sumur in Lampung Selatan; it does not settle which Candipuro.
    assert locate("Candipuro butuh selimut, sumur ketutup abu").status == "ambiguous"


def test_an_ordinary_word_that_is_only_a_short_form_is_asked_about():
    # "loteng" is an attic, and the short form of Lombok Tengah; written out, the kabupaten stands.
    assert locate("tolong, 3 anak terjebak di loteng rumah, air naik terus").status == "ambiguous"
    assert locate("banjir di Lombok Tengah, butuh terpal").admin_code == "52.02"
