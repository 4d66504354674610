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
