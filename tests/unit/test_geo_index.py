"""VolunteerIndex against a brute-force haversine reference.

Results must match exactly: same ids, same order, and distances equal to
geo.distance.haversine_m bit for bit (callers re-check with it).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from siaga.geo.distance import EARTH_RADIUS_M, haversine_m, haversine_m_np, haversine_rad_np
from siaga.geo.index import VolunteerIndex, VolunteerRecord

# Knobs that force each code path: k-NN always (-1) / radius query always (inf);
# tiny rebuild and scan limits put most points in the delta grid and rebuild often.
KNN = {"ball_max_expected": -1.0}
BALL = {"ball_max_expected": math.inf}
TINY = {"rebuild_min": 16, "delta_scan_max": 4}

SKILLS = ("medis", "sar", "dapur", "logistik", "perahu", "sopir", "psikolog", "listrik")

# (available, lat, lon, skills) per volunteer id
Model = dict[str, tuple[bool, float, float, frozenset[str]]]


class Brute:
    """Brute-force reference over a frozen copy of the model."""

    def __init__(self, model: Model) -> None:
        self.ids = list(model)
        self.avail = [model[v][0] for v in self.ids]
        self.skills = [model[v][3] for v in self.ids]
        self.lat = [model[v][1] for v in self.ids]
        self.lon = [model[v][2] for v in self.ids]
        self.latr = np.radians(np.array(self.lat, dtype=float))
        self.lonr = np.radians(np.array(self.lon, dtype=float))

    def __call__(
        self,
        lat: float,
        lon: float,
        radius_m: float,
        k: int,
        required: frozenset[str] = frozenset(),
        exclude: frozenset[str] = frozenset(),
    ) -> list[tuple[str, float]]:
        if k <= 0 or not self.ids:
            return []
        # numpy narrows it down (with a metre of slack); scalar haversine_m decides.
        d = haversine_rad_np(math.radians(lat), math.radians(lon), self.latr, self.lonr)
        hits = sorted(
            (haversine_m(lat, lon, self.lat[i], self.lon[i]), self.ids[i])
            for i in np.flatnonzero(d <= radius_m + 1.0).tolist()
            if self.avail[i] and required <= self.skills[i] and self.ids[i] not in exclude
        )
        return [(v, dd) for dd, v in hits if dd <= radius_m][:k]


def reference(
    model: Model,
    lat: float,
    lon: float,
    radius_m: float,
    k: int,
    required: frozenset[str] = frozenset(),
    exclude: frozenset[str] = frozenset(),
) -> list[tuple[str, float]]:
    return Brute(model)(lat, lon, radius_m, k, required, exclude)


def assert_same(got: list[tuple[str, float]], want: list[tuple[str, float]]) -> None:
    assert got == want
    assert all(a[1] <= b[1] for a, b in zip(got, got[1:]))


def build(model: Model, **kw: float) -> VolunteerIndex:
    idx = VolunteerIndex(**kw)
    for v, (av, la, lo, sk) in model.items():
        idx.upsert(v, la, lo, sk, av)
    return idx


def random_model(rng: np.random.Generator, n: int, lat0: float, lon0: float, spread: float) -> Model:
    lat = np.clip(lat0 + rng.uniform(-spread, spread, n), -89.0, 89.0)
    lon = np.clip(lon0 + rng.uniform(-spread, spread, n), -179.0, 179.0)
    # Skewed skill frequencies: the last skills are rare, to exercise per-skill trees.
    probs = np.array([0.5, 0.3, 0.2, 0.1, 0.05, 0.03, 0.01, 0.003])
    has = rng.random((n, len(SKILLS))) < probs
    avail = rng.random(n) < 0.8
    return {
        f"v{i:05d}": (bool(avail[i]), float(lat[i]), float(lon[i]),
                      frozenset(s for s, h in zip(SKILLS, has[i]) if h))
        for i in range(n)
    }


# --------------------------------------------------------------------------- haversine


def test_haversine_known_distances() -> None:
    # One degree of arc on the mean sphere, and Jakarta-Surabaya (about 663 km).
    assert haversine_m(0, 100, 0, 101) == pytest.approx(EARTH_RADIUS_M * math.pi / 180, rel=1e-12)
    assert haversine_m(-6.2, 106.8, -7.25, 112.75) == pytest.approx(663_000, rel=0.01)
    assert haversine_m(1, 2, 1, 2) == 0.0
    assert haversine_m(0, 0, 0, 180) == pytest.approx(math.pi * EARTH_RADIUS_M, rel=1e-12)


@given(
    st.floats(-11, 6), st.floats(95, 141), st.floats(-11, 6), st.floats(95, 141),
)
def test_haversine_scalar_matches_vector(la1: float, lo1: float, la2: float, lo2: float) -> None:
    v = float(haversine_m_np(la1, lo1, np.array([la2]), np.array([lo2]))[0])
    assert haversine_m(la1, lo1, la2, lo2) == pytest.approx(v, rel=1e-12, abs=1e-6)
    assert haversine_m(la1, lo1, la2, lo2) == pytest.approx(haversine_m(la2, lo2, la1, lo1), abs=1e-6)


# --------------------------------------------------------------------------- fixed scenarios


@pytest.mark.parametrize("kw", [{}, KNN, BALL, {**TINY, **KNN}, {**TINY, **BALL}])
def test_matches_reference_across_indonesia(kw: dict[str, float]) -> None:
    """Clusters from Sumatra (UTM 46-47) to Papua (UTM 54), incl. the equator."""
    rng = np.random.default_rng(7)
    model: Model = {}
    centres = [(5.5, 95.3), (3.6, 98.7), (-0.9, 100.4), (-6.2, 106.8), (-7.25, 112.75),
               (-8.65, 115.2), (0.0, 117.0), (1.5, 124.8), (-3.7, 128.2), (-2.5, 140.7),
               (-10.2, 123.6), (5.9, 96.0), (-11.0, 141.0)]
    for c, (la, lo) in enumerate(centres):
        sub = random_model(rng, 300, la, lo, 0.3)
        model.update({f"c{c}-{v}": rec for v, rec in sub.items()})
    idx = build(model, **kw)
    brute = Brute(model)
    for _ in range(200):
        la, lo = centres[rng.integers(len(centres))]
        qla = float(np.clip(la + rng.uniform(-0.3, 0.3), -11, 6))
        qlo = float(np.clip(lo + rng.uniform(-0.3, 0.3), 95, 141))
        radius = float(rng.choice([500.0, 5_000.0, 25_000.0, 80_000.0]))
        k = int(rng.integers(1, 25))
        req = frozenset(rng.choice(SKILLS, size=int(rng.integers(0, 3)), replace=False).tolist())
        assert_same(idx.nearest(qla, qlo, radius, k, req), brute(qla, qlo, radius, k, req))


@pytest.mark.parametrize("kw", [KNN, BALL, {**TINY, "rebuild_min": 100}])
def test_skill_filter_needs_all_skills_and_rare_skill_is_found_far_away(kw: dict[str, float]) -> None:
    model: Model = {
        "a": (True, -6.20, 106.80, frozenset({"medis"})),
        "b": (True, -6.21, 106.80, frozenset({"medis", "sar"})),
        "c": (True, -6.22, 106.80, frozenset({"sar"})),
        "d": (False, -6.20, 106.80, frozenset({"medis", "sar"})),  # unavailable
    }
    # Many close volunteers without the rare skill: must not crowd out the far holder.
    rng = np.random.default_rng(3)
    for i in range(3000):
        model[f"x{i:04d}"] = (True, -6.2 + rng.uniform(-0.01, 0.01), 106.8 + rng.uniform(-0.01, 0.01),
                              frozenset({"medis"}))
    model["rare"] = (True, -6.35, 106.80, frozenset({"selam", "medis"}))
    idx = build(model, **kw)
    got = idx.nearest(-6.2, 106.8, 25_000, 5, {"medis", "sar"})
    assert [v for v, _ in got] == ["b"]
    assert_same(got, reference(model, -6.2, 106.8, 25_000, 5, frozenset({"medis", "sar"})))
    got = idx.nearest(-6.2, 106.8, 25_000, 3, frozenset({"selam"}))
    assert [v for v, _ in got] == ["rare"]
    assert idx.nearest(-6.2, 106.8, 25_000, 3, {"unknown-skill"}) == []
    assert idx.nearest(-6.2, 106.8, 1_000, 3, {"selam"}) == []  # out of radius
    # Recent updates (the delta, scanned or through its grid) need all skills too.
    for i in range(10):
        for name, skills in ((f"m{i}", {"medis"}), (f"s{i}", {"sar"})):
            model[name] = (True, -6.2 + i * 1e-4, 106.8, frozenset(skills))
            idx.upsert(name, -6.2 + i * 1e-4, 106.8, skills)
        got = idx.nearest(-6.2, 106.8, 25_000, 5, {"medis", "sar"})
        assert [v for v, _ in got] == ["b"]


@pytest.mark.parametrize("kw", [KNN, BALL])
def test_exclusion_skips_declined_volunteers(kw: dict[str, float]) -> None:
    rng = np.random.default_rng(11)
    model = random_model(rng, 2000, -7.0, 110.0, 0.05)
    idx = build(model, **kw)
    near = reference(model, -7.0, 110.0, 10_000, 50)
    exclude = frozenset(v for v, _ in near[:40])  # more than the first k+extra fetch
    got = idx.nearest(-7.0, 110.0, 10_000, 5, exclude=exclude)
    assert not exclude & {v for v, _ in got}
    assert_same(got, reference(model, -7.0, 110.0, 10_000, 5, exclude=exclude))


@pytest.mark.parametrize("kw", [KNN, BALL, {"rebuild_min": 1000}])
def test_radius_boundary_is_inclusive_to_the_last_bit(kw: dict[str, float]) -> None:
    rng = np.random.default_rng(4)
    idx = VolunteerIndex(**kw)
    for i in range(300):
        idx.upsert(f"p{i:03d}", -6.2 + rng.uniform(-0.1, 0.1), 106.8 + rng.uniform(-0.1, 0.1), frozenset())
    idx.nearest(0, 100, 1, 1)  # build the trees (unless rebuild_min keeps all in the delta)
    for i in range(300):
        rec = idx.get(f"p{i:03d}")
        d = haversine_m(-6.2, 106.8, rec.lat, rec.lon)
        got = idx.nearest(-6.2, 106.8, d, 300)
        assert got[-1] == (f"p{i:03d}", d) or (f"p{i:03d}", d) in got
        assert all(dd <= d for _, dd in got)
        assert (f"p{i:03d}", d) not in idx.nearest(-6.2, 106.8, math.nextafter(d, 0.0), 300)
    idx.upsert("here", -6.2, 106.8, frozenset())
    assert idx.nearest(-6.2, 106.8, 0.0, 5) == [("here", 0.0)]


@pytest.mark.parametrize("kw", [KNN, BALL, {"rebuild_min": 1, "delta_scan_max": 0}])
def test_ties_are_broken_by_id_even_across_the_k_cut(kw: dict[str, float]) -> None:
    rng = np.random.default_rng(5)
    ids = [f"t{i:03d}" for i in rng.permutation(60)]
    idx = VolunteerIndex(**kw)
    for v in ids:
        idx.upsert(v, -7.8, 110.36, frozenset({"medis"}))
    idx.upsert("closer", -7.8, 110.3601, frozenset({"medis"}))
    idx.upsert("z-farther", -7.8, 110.3702, frozenset({"medis"}))
    for _ in range(2):  # second round runs on the rebuilt trees
        got = idx.nearest(-7.8, 110.3605, 5_000, 6, {"medis"})
        assert [v for v, _ in got] == ["closer"] + sorted(ids)[:5]
        assert len({d for _, d in got[1:]}) == 1
        idx._rebuild()


def test_large_k_switches_to_radius_query_and_still_matches() -> None:
    rng = np.random.default_rng(9)
    model = random_model(rng, 6000, -6.9, 107.6, 0.02)
    idx = build(model, **KNN)
    assert_same(idx.nearest(-6.9, 107.6, 5_000, 5000), reference(model, -6.9, 107.6, 5_000, 5000))


def test_record_access_and_errors() -> None:
    idx = VolunteerIndex()
    assert len(idx) == 0 and "a" not in idx and idx.get("a") is None
    assert idx.nearest(0, 100, 1000, 3) == []
    idx.upsert("a", -6.2, 106.8, {"medis"})
    assert idx.get("a") == VolunteerRecord(-6.2, 106.8, frozenset({"medis"}), True)
    assert isinstance(idx.get("a").skills, frozenset)
    idx.set_available("a", False)
    assert idx.get("a").available is False and "a" in idx and len(idx) == 1
    assert idx.nearest(-6.2, 106.8, 1000, 3) == []
    idx.set_available("a", True)
    assert [v for v, _ in idx.nearest(-6.2, 106.8, 1000, 3)] == ["a"]
    idx.remove("a")
    idx.remove("a")  # absent: no error
    assert len(idx) == 0 and idx.get("a") is None
    with pytest.raises(KeyError):
        idx.set_available("a", True)
    for bad in ((91.0, 0.0), (0.0, 181.0), (float("nan"), 0.0)):
        with pytest.raises(ValueError):
            idx.upsert("b", *bad, frozenset())
    assert idx.nearest(0, 100, 1000, 0) == []


def test_updates_are_incremental(monkeypatch: pytest.MonkeyPatch) -> None:
    """Moves and queries interleaved must not rebuild per update."""
    calls = {"n": 0}
    real = VolunteerIndex._rebuild

    def counting(self: VolunteerIndex) -> None:
        calls["n"] += 1
        real(self)

    monkeypatch.setattr(VolunteerIndex, "_rebuild", counting)
    rng = np.random.default_rng(2)
    model = random_model(rng, 5000, -7.0, 110.0, 1.0)
    idx = build(model)
    idx.nearest(-7.0, 110.0, 5000, 5)
    before = calls["n"]
    ids = list(model)
    for i in range(3000):
        v = ids[int(rng.integers(len(ids)))]
        av, la, lo, sk = model[v]
        model[v] = (av, la + rng.normal(0, 0.001), lo + rng.normal(0, 0.001), sk)
        idx.upsert(v, model[v][1], model[v][2], sk, av)
        if i % 50 == 0:
            q = (float(-7 + rng.uniform(-1, 1)), float(110 + rng.uniform(-1, 1)))
            want = reference(model, *q, 20_000, 10, frozenset({"sar"}))
            assert_same(idx.nearest(*q, 20_000, 10, {"sar"}), want)
    assert calls["n"] - before <= 3


# --------------------------------------------------------------------------- stateful


@st.composite
def positions(draw: st.DrawFn, centre: tuple[float, float]) -> tuple[float, float]:
    # A few fixed "hotspots" (exact duplicates -> ties) plus free points near the centre.
    la0, lo0 = centre
    hot = draw(st.integers(0, 9))
    if hot < 3:
        return la0 + 0.01 * hot, lo0 - 0.01 * hot
    return (la0 + draw(st.floats(-0.15, 0.15)), lo0 + draw(st.floats(-0.15, 0.15)))


class IndexMachine(RuleBasedStateMachine):
    """Random upsert/move/remove/set_available sequences; every query vs the reference."""

    def __init__(self) -> None:
        super().__init__()
        self.model: Model = {}
        self.idx = VolunteerIndex()
        self.centre = (-6.2, 106.8)

    @initialize(
        centre=st.tuples(st.floats(-10.8, 5.8), st.floats(95.2, 140.8)),
        rebuild_min=st.sampled_from([1, 2, 5, 2048]),
        delta_scan_max=st.sampled_from([0, 3, 1024]),
        ball_max_expected=st.sampled_from([-1.0, 2.0, math.inf]),
    )
    def setup(self, centre: tuple[float, float], rebuild_min: int, delta_scan_max: int,
              ball_max_expected: float) -> None:
        self.centre = centre
        self.idx = VolunteerIndex(rebuild_min=rebuild_min, delta_scan_max=delta_scan_max,
                                  rebuild_fraction=0.1, ball_max_expected=ball_max_expected)

    ids = st.integers(0, 30).map(lambda i: f"v{i:02d}")
    skill_sets = st.frozensets(st.sampled_from(SKILLS[:4]), max_size=3)

    @rule(data=st.data(), vid=ids, skills=skill_sets, available=st.booleans())
    def upsert(self, data: st.DataObject, vid: str, skills: frozenset[str], available: bool) -> None:
        la, lo = data.draw(positions(self.centre))
        self.idx.upsert(vid, la, lo, set(skills) if len(skills) % 2 else skills, available)
        self.model[vid] = (available, la, lo, skills)

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def move(self, data: st.DataObject) -> None:
        vid = data.draw(st.sampled_from(sorted(self.model)))
        av, _, _, sk = self.model[vid]
        la, lo = data.draw(positions(self.centre))
        self.idx.upsert(vid, la, lo, sk, av)
        self.model[vid] = (av, la, lo, sk)

    @rule(vid=ids)
    def remove(self, vid: str) -> None:
        self.idx.remove(vid)
        self.model.pop(vid, None)

    @precondition(lambda self: self.model)
    @rule(data=st.data(), available=st.booleans())
    def set_available(self, data: st.DataObject, available: bool) -> None:
        vid = data.draw(st.sampled_from(sorted(self.model)))
        self.idx.set_available(vid, available)
        self.model[vid] = (available,) + self.model[vid][1:]

    @rule(
        data=st.data(),
        radius=st.one_of(st.floats(0, 40_000), st.sampled_from([0.0, 1_000.0, 5_000.0, 3e6])),
        k=st.integers(0, 12),
        required=st.frozensets(st.sampled_from(SKILLS[:5]), max_size=2),
        exclude=st.frozensets(ids, max_size=6),
    )
    def query(self, data: st.DataObject, radius: float, k: int, required: frozenset[str],
              exclude: frozenset[str]) -> None:
        la, lo = data.draw(positions(self.centre))
        got = self.idx.nearest(la, lo, radius, k, required, exclude)
        assert_same(got, reference(self.model, la, lo, radius, k, required, exclude))

    @invariant()
    def records_match(self) -> None:
        assert len(self.idx) == len(self.model)
        for vid, (av, la, lo, sk) in self.model.items():
            assert self.idx.get(vid) == VolunteerRecord(la, lo, sk, av)


IndexMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=50, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestIndexMachine = IndexMachine.TestCase


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    lat=st.floats(-11, 6),
    lon=st.floats(95, 141),
    radius=st.floats(0, 60_000),
    k=st.integers(1, 30),
)
def test_random_points_anywhere_in_indonesia(
    seed: int, lat: float, lon: float, radius: float, k: int
) -> None:
    rng = np.random.default_rng(seed)
    model = random_model(rng, 400, lat, lon, 0.4)
    idx = build(model, rebuild_min=int(rng.integers(1, 300)), delta_scan_max=int(rng.integers(0, 200)),
                ball_max_expected=float(rng.choice([-1.0, 30.0, math.inf])))
    idx.nearest(lat, lon, 1.0, 1)  # may rebuild; then move some so the delta is non-empty
    for v in list(model)[: int(rng.integers(0, 100))]:
        av, la, lo, sk = model[v]
        model[v] = (av, la + rng.normal(0, 0.01), lo + rng.normal(0, 0.01), sk)
        idx.upsert(v, model[v][1], model[v][2], sk, av)
    req = frozenset(rng.choice(SKILLS[:4], size=int(rng.integers(0, 3)), replace=False).tolist())
    assert_same(idx.nearest(lat, lon, radius, k, req), reference(model, lat, lon, radius, k, req))

