"""Incident areas learned from where the clearly placed requests gather (geo/active_areas.py),
and how the locator weighs them: a tie-breaker between namesakes, weaker than a declared area."""
from __future__ import annotations

import random

from siaga.core.text.locate import locate
from siaga.geo.active_areas import MIN_POINTS, MOST_OF, AreaLearner, learn_areas
from siaga.geo.distance import haversine_m
from siaga.geo.incidents import IncidentArea

JAKARTA = (-6.20, 106.83)
MERAPI = (-7.75, 110.42)


def _around(centre: tuple[float, float], n: int, spread: float = 0.08, seed: int = 1) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    return [(centre[0] + rng.uniform(-spread, spread), centre[1] + rng.uniform(-spread, spread)) for _ in range(n)]


def _km(a: IncidentArea, point: tuple[float, float]) -> float:
    return haversine_m(a.lat, a.lon, *point) / 1000.0


def test_a_dense_group_of_requests_makes_a_learned_area_around_it():
    points = _around(JAKARTA, 12) + _around((5.2, 97.1), 3)     # and three in Aceh
    areas = learn_areas(points)
    assert len(areas) == 1
    assert areas[0].learned and _km(areas[0], JAKARTA) < 10


def test_too_few_requests_make_no_area_and_the_densest_group_comes_first():
    assert learn_areas(_around(JAKARTA, MIN_POINTS - 1)) == ()
    assert learn_areas([]) == ()
    areas = learn_areas(_around(MERAPI, 9) + _around(JAKARTA, 14, seed=2))
    assert [round(_km(a, JAKARTA)) < 15 for a in areas] == [True, False]
    assert _km(areas[1], MERAPI) < 10


def test_the_same_requests_in_any_order_give_the_same_areas():
    points = _around(MERAPI, 10) + _around(JAKARTA, 11, seed=3)
    shuffled = points[:]
    random.Random(7).shuffle(shuffled)
    assert learn_areas(shuffled) == learn_areas(points)


def test_the_learner_follows_a_stream():
    learner = AreaLearner()
    for lat, lon in _around(MERAPI, MIN_POINTS):
        assert learner.areas == ()
        learner.add(lat, lon)
    assert len(learner.areas) == 1 and _km(learner.areas[0], MERAPI) < 10


LEARNED_MERAPI = (IncidentArea("learned", *MERAPI, 30.0, learned=True),)
DECLARED_MERAPI = (IncidentArea("Erupsi Merapi", *MERAPI, 30.0),)
LEARNED_JAKARTA = (IncidentArea("learned", *JAKARTA, 30.0, learned=True),)
DECLARED_JAKARTA = (IncidentArea("Banjir Jakarta", *JAKARTA, 30.0),)


def test_a_learned_area_settles_a_bare_name_shared_by_villages_but_marks_it_low_confidence():
    text = "Perlu relawan dan dapur umum di posko Kepuharjo, 500 pengungsi"
    assert locate(text).status == "ambiguous"
    learned = locate(text, incidents=LEARNED_MERAPI)
    assert (learned.status, learned.admin_code) == ("resolved", "34.04.17.2004")   # Cangkringan, Sleman
    assert learned.low_confidence          # a bare name: the coordinators check it
    assert not locate(text, incidents=DECLARED_MERAPI).low_confidence


def test_a_learned_area_puts_the_namesakes_inside_it_first_when_asking():
    text = "butuh obat 3 org, ada lansia sakit. desa Wukirsari"
    r = locate(text, incidents=LEARNED_MERAPI)
    assert r.status == "ambiguous"
    assert {c.code[:5] for c in r.candidates[:2]} == {"34.02", "34.04"}     # Bantul, Sleman
    assert "34.02" not in {c.code[:5] for c in locate(text).candidates[:2]}


def test_a_named_parent_wins_over_a_learned_area():
    r = locate("butuh obat desa Wukirsari kec Todanan", incidents=LEARNED_MERAPI)
    assert (r.status, r.admin_code) == ("resolved", "33.16.14.2015")        # Blora


def test_a_place_far_from_a_learned_area_is_not_asked_about_as_for_a_declared_one():
    text = "banjir, butuh makanan 10 orang di warungkondang"
    learned = locate(text, incidents=LEARNED_JAKARTA)
    assert (learned.status, learned.admin_code, learned.low_confidence) == ("resolved", "32.03.02", True)
    assert locate(text, incidents=DECLARED_JAKARTA).status == "ambiguous"


def test_an_area_holding_most_of_enough_requests_is_marked_so():
    assert [a.most for a in learn_areas(_around(JAKARTA, MOST_OF - 1))] == [False]        # too few yet
    assert [a.most for a in learn_areas(_around(JAKARTA, MOST_OF))] == [True]
    # a national stream: no area holds most of it
    mixed = _around(JAKARTA, MOST_OF) + _around(MERAPI, MOST_OF // 2, seed=2) + _around((5.2, 97.1), 8, seed=3)
    assert [a.most for a in learn_areas(mixed)] == [False, False, False]


HOLDING_MOST_JAKARTA = (IncidentArea("learned", *JAKARTA, 30.0, learned=True, most=True),)


def test_where_one_learned_area_holds_most_requests_a_bare_name_far_away_is_asked_about():
    text = "banjir, butuh makanan 10 orang di warungkondang"
    r = locate(text, incidents=HOLDING_MOST_JAKARTA)
    assert r.status == "ambiguous" and [c.code for c in r.candidates] == ["32.03.02"]   # "which place?"
    near = locate("banjir, butuh makanan 10 orang di warungkondang", incidents=(
        IncidentArea("learned", -6.93, 107.08, 30.0, learned=True, most=True),))
    assert (near.status, near.admin_code) == ("resolved", "32.03.02")
    named = locate("banjir, butuh makanan 10 orang di warungkondang, cianjur", incidents=HOLDING_MOST_JAKARTA)
    assert (named.status, named.admin_code, named.low_confidence) == ("resolved", "32.03.02", False)
