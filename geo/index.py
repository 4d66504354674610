"""In-memory spatial index of volunteers: k nearest available volunteers with skills.

Layout (why it looks like this):
- Points live on the unit sphere as 3D vectors. Euclidean chord length is monotone in
  great-circle distance, so one Euclidean KD-tree is exact everywhere (no UTM zone, which
  is wrong far from its meridian; Indonesia spans zones 46-54). The few final candidates
  get their distance from `geo.distance.haversine_m` itself, so distances, the radius
  test and the (distance, id) order are bit-for-bit what a caller re-checking with
  haversine_m computes.
- Every indexed position is an immutable "slot" (a row in flat numpy arrays). Moving a
  volunteer or changing its skills kills the old slot (a tombstone) and appends a new one;
  rows are never edited in place, so static trees never go stale, they only hold dead
  rows that queries skip.
- Slots below `_mark` are in static cKDTrees: one over everything plus one per skill, so a
  query for a rare skill searches only holders of that skill. Slots at or above `_mark`
  are the "delta": scanned by brute force (a contiguous slice), or through a coarse
  lat/lon grid once the delta is large. When the delta or the tombstones exceed a fraction
  of the index, the next query compacts the arrays and rebuilds the trees: amortised O(1)
  per update, never a rebuild per update.
- Unavailable volunteers keep their slot as a dead row ("dormant"), so toggling
  availability back is O(1) and does not grow the delta.

Not thread-safe: one owner (e.g. the worker of one stream partition) mutates and queries.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from siaga.geo.distance import EARTH_RADIUS_M, chord_for_metres, haversine_m

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
# Required-skill test: (word index, bits) pairs that a slot's mask must contain.
_Req = tuple[tuple[int, np.uint64], ...]

# Delta grid cell size in degrees (~5.5 km at the equator): a 5 km query touches 3x3 cells.
_CELL_DEG = 0.05
_LON_CELLS = 1 << 14  # > 360 / _CELL_DEG, so (row, col) packs into one int key
_MAX_GRID_CELLS = 256  # past this many cells a query scans the whole delta slice instead
# Slack on chord comparisons: unit-vector float error is ~2e-16 (~1e-9 m), far below this,
# and the exact haversine test afterwards drops anything the slack lets in.
_REL_EPS = 1e-9
_ABS_EPS = 1e-15
_FIRST_EXTRA = 8  # extra neighbours fetched up front to absorb tombstones and filters
_BALL_SWITCH = 4096  # past this many k-NN results, one radius query is cheaper
# cKDTree.query (k-NN) costs ~3x a radius query for one point, so when the local density
# says the search cap holds few points (default: <= 256), a radius query is used instead.
# Density comes from per-tree histograms of 0.1-degree cells, summed over 3x3 blocks.
_DENS_CELL = math.radians(0.1)
_DENS_BOX_M2 = (3 * _DENS_CELL * EARTH_RADIUS_M) ** 2  # 3x3 block area at the equator
_DENS_MAX_CELLS = 2_000_000  # a tree spread wider than this gets no histogram (k-NN only)
_INF = float("inf")


class VolunteerRecord(NamedTuple):
    lat: float
    lon: float
    skills: frozenset[str]
    available: bool


class _Partition(NamedTuple):
    """A static cKDTree over some slots (all of them, or the holders of one skill)."""

    tree: cKDTree
    n: int
    slots: IntArray | None  # tree index -> slot; None means identity (the "all" tree)
    skill_bit: int  # -1 for the "all" tree
    dens: "_Density | None"


class _Density(NamedTuple):
    box: npt.NDArray[np.int32]  # points in the 3x3 cell block centred on each cell
    row0: int
    col0: int

    @staticmethod
    def of(geo: FloatArray) -> "_Density | None":
        rows = np.floor(geo[:, 0] / _DENS_CELL).astype(np.int64)
        cols = np.floor(geo[:, 1] / _DENS_CELL).astype(np.int64)
        row0 = int(rows.min()) - 1
        col0 = int(cols.min()) - 1
        shape = (int(rows.max()) - row0 + 2, int(cols.max()) - col0 + 2)
        if shape[0] * shape[1] > _DENS_MAX_CELLS:
            return None
        flat = (rows - row0) * shape[1] + (cols - col0)
        h = np.bincount(flat, minlength=shape[0] * shape[1]).reshape(shape).astype(np.int32)
        box = np.zeros_like(h)
        for dr in (-1, 0, 1):  # borders of h are empty, so the wrap of roll is harmless
            for dc in (-1, 0, 1):
                box += np.roll(h, (dr, dc), axis=(0, 1))
        return _Density(box, row0, col0)

    def expected(self, latr: float, lonr: float, clat: float, radius_m: float) -> float:
        """Rough count of points within radius_m of the point (inf if unknown)."""
        r = math.floor(latr / _DENS_CELL) - self.row0
        c = math.floor(lonr / _DENS_CELL) - self.col0
        if not (0 <= r < self.box.shape[0] and 0 <= c < self.box.shape[1]):
            return math.inf  # outside the tree's extent: no estimate, use k-NN
        return float(self.box[r, c]) * (math.pi * radius_m * radius_m) / (_DENS_BOX_M2 * max(clat, 1e-6))


class _Plan(NamedTuple):
    """How to answer one required-skill set (cached until the next rebuild)."""

    part: _Partition | None  # tree to search; None: no tree holds candidates
    tree_req: _Req | None  # skills still to check on tree hits (None: nothing to check)
    delta_req: _Req | None  # skills to check on delta hits
    delta_bit: int  # skill whose delta grid to read; -1: the grid of all delta slots


_NO_MATCH = _Plan(None, None, None, -1)


def _check_coords(lat: float, lon: float) -> tuple[float, float]:
    lat = float(lat)
    lon = float(lon)
    if not (-90.0 <= lat <= 90.0) or not (-180.0 <= lon <= 180.0):  # also rejects NaN
        raise ValueError(f"invalid coordinates lat={lat!r} lon={lon!r}")
    return lat, lon


def _cell_key(lat: float, lon: float) -> int:
    return math.floor(lat / _CELL_DEG) * _LON_CELLS + math.floor(lon / _CELL_DEG)


class VolunteerIndex:
    """Nearest available volunteers by great-circle distance, with skill filters.

    The keyword-only knobs exist mostly so tests can force every code path (trees, delta
    grid, rebuilds) with a handful of points; the defaults suit 10k-1M volunteers.
    """

    def __init__(
        self,
        *,
        rebuild_min: int = 2048,
        rebuild_fraction: float = 0.25,
        delta_scan_max: int = 1024,
        ball_max_expected: float = 256.0,
        leafsize: int = 16,
    ) -> None:
        self._rebuild_min = max(1, int(rebuild_min))
        self._rebuild_fraction = float(rebuild_fraction)
        self._delta_scan_max = max(0, int(delta_scan_max))
        self._ball_max_expected = float(ball_max_expected)
        self._leafsize = int(leafsize)
        self._limit = self._rebuild_min  # delta/tombstone count that triggers a rebuild

        # Volunteers: id -> stable number ("vnum"); record and current slot by vnum.
        self._ids: dict[str, int] = {}
        self._records: list[VolunteerRecord | None] = []
        self._free_vnums: list[int] = []
        self._slot_of: list[int] = []  # a list: scalar access is several times faster

        # Skills -> bit numbers; a slot's skills are bits in 64-bit words.
        self._skill_bit: dict[str, int] = {}
        # skill set -> (mask words, bit numbers)
        self._words_cache: dict[frozenset[str], tuple[tuple[int, ...], tuple[int, ...]]] = {}
        self._plans: dict[frozenset[str], _Plan] = {}

        # Slots: unit vectors, lat/lon, skill words, live flag, id.
        cap = 1024
        self._xyz: FloatArray = np.zeros((cap, 3), dtype=np.float64)
        self._xyz_flat = self._xyz.reshape(-1)  # view: scalar writes beat row writes 5x
        self._ll: FloatArray = np.zeros((cap, 2), dtype=np.float64)  # lat, lon in degrees
        self._ll_flat = self._ll.reshape(-1)
        self._mask: list[npt.NDArray[np.uint64]] = [np.zeros(cap, dtype=np.uint64)]
        self._live: BoolArray = np.zeros(cap, dtype=bool)
        self._vid: npt.NDArray[np.object_] = np.empty(cap, dtype=object)
        self._n = 0  # slots in use
        self._mark = 0  # slots < _mark are in the static trees
        self._dead_in_trees = 0  # slots < _mark that are not live
        # Delta grid: cell -> delta slots, for all slots and per skill bit, so a query for
        # a skill only walks that skill's delta entries.
        self._delta_cells: dict[int, list[int]] = {}
        self._delta_by_bit: list[dict[int, list[int]]] = []
        self._all: _Partition | None = None
        self._parts: dict[str, _Partition] = {}

    # ------------------------------------------------------------------ public API

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, volunteer_id: object) -> bool:
        return volunteer_id in self._ids

    def get(self, volunteer_id: str) -> VolunteerRecord | None:
        vnum = self._ids.get(volunteer_id)
        return None if vnum is None else self._records[vnum]

    def upsert(
        self,
        volunteer_id: str,
        lat: float,
        lon: float,
        skills: frozenset[str] | set[str],
        available: bool = True,
    ) -> None:
        lat, lon = _check_coords(lat, lon)
        skills = skills if isinstance(skills, frozenset) else frozenset(skills)
        available = bool(available)
        rec = VolunteerRecord(lat, lon, skills, available)
        vnum = self._ids.get(volunteer_id)
        if vnum is None:
            vnum = self._alloc_vnum()
            self._ids[volunteer_id] = vnum
            self._records[vnum] = rec
            if available:
                self._slot_of[vnum] = self._new_slot(volunteer_id, rec)
            return
        old = self._records[vnum]
        assert old is not None
        if old.lat == lat and old.lon == lon and old.skills == skills:
            if old.available != available:
                self.set_available(volunteer_id, available)
            return
        self._records[vnum] = rec
        self._kill(vnum)
        if available:
            self._slot_of[vnum] = self._new_slot(volunteer_id, rec)
        if self._n - self._mark > 4 * self._limit:
            # Queries normally trigger rebuilds; a long run of moves with no query must
            # not grow the slot arrays without bound.
            self._rebuild()

    def remove(self, volunteer_id: str) -> None:
        vnum = self._ids.pop(volunteer_id, None)
        if vnum is None:
            return
        self._kill(vnum)
        self._records[vnum] = None
        self._free_vnums.append(vnum)

    def set_available(self, volunteer_id: str, available: bool) -> None:
        """Raises KeyError for an unknown volunteer (upsert it first)."""
        vnum = self._ids[volunteer_id]
        rec = self._records[vnum]
        assert rec is not None
        available = bool(available)
        if rec.available == available:
            return
        rec = rec._replace(available=available)
        self._records[vnum] = rec
        slot = self._slot_of[vnum]
        if available:
            if slot >= 0:  # the dormant row still exists: revive it in place
                self._live[slot] = True
                if slot < self._mark:
                    self._dead_in_trees -= 1
            else:  # its row was compacted away while unavailable
                self._slot_of[vnum] = self._new_slot(volunteer_id, rec)
        else:
            # Keep the row (dormant) so that becoming available again is cheap.
            self._live[slot] = False
            if slot < self._mark:
                self._dead_in_trees += 1

    def nearest(
        self,
        lat: float,
        lon: float,
        radius_m: float,
        k: int,
        required_skills: frozenset[str] | set[str] = frozenset(),
        exclude: set[str] | frozenset[str] = frozenset(),
    ) -> list[tuple[str, float]]:
        """Up to k available volunteers having all required skills, not excluded, within
        radius_m (great-circle, inclusive), as (id, metres) sorted by (distance, id)."""
        lat, lon = _check_coords(lat, lon)
        radius_m = float(radius_m)
        k = int(k)
        if k <= 0 or not radius_m >= 0.0 or not self._ids:
            return []
        if self._n - self._mark > self._limit or self._dead_in_trees > self._limit:
            self._rebuild()

        if required_skills:
            plan = self._plan(required_skills)
            if plan is _NO_MATCH:
                return []
        else:
            plan = _Plan(self._all, None, None, -1)

        latr = math.radians(lat)
        lonr = math.radians(lon)
        clat = math.cos(latr)
        q = np.array((clat * math.cos(lonr), clat * math.sin(lonr), math.sin(latr)))
        bound = chord_for_metres(radius_m) * (1.0 + _REL_EPS) + _ABS_EPS

        # Gather raw candidate slots, then filter them all in one pass: on small arrays
        # numpy's per-call overhead, not the element count, is what costs.
        raw: list[IntArray] = []
        part = plan.part
        if part is not None:
            if part.dens is not None and (
                part.dens.expected(latr, lonr, clat, radius_m) <= self._ball_max_expected
            ):
                raw.append(self._ball(part, q, bound))
            else:
                raw.append(self._search_tree(part, q, bound, k, plan.tree_req, exclude))
        req = plan.tree_req  # tree hits already have the tree's own skill
        if self._n > self._mark:
            raw.append(self._delta_slots(lat, lon, radius_m, q, bound, plan.delta_bit))
            req = plan.delta_req
        if not raw:
            return []
        slots = raw[0] if len(raw) == 1 else np.concatenate(raw)
        if slots.size == 0:
            return []
        # Squared chord: monotone in great-circle distance, so it ranks and cuts candidates.
        diff = self._xyz[slots] - q
        c2 = np.einsum("ij,ij->i", diff, diff)
        ok = self._accept(slots, req)
        ok &= c2 <= bound * bound
        keep = np.flatnonzero(ok)
        slots = slots[keep]
        c2 = c2[keep]
        if exclude and slots.size:
            keep = np.fromiter((v not in exclude for v in self._vid[slots]), dtype=bool, count=slots.size)
            slots = slots[keep]
            c2 = c2[keep]
        if c2.size > k:
            # Keep the k nearest and everything within float noise of the k-th, so ties
            # (equal haversine distance) are all there for the id tie-break.
            kth = math.sqrt(float(np.partition(c2, k - 1)[k - 1]))
            lim = kth * (1.0 + _REL_EPS) + _ABS_EPS
            keep = np.flatnonzero(c2 <= lim * lim)
            slots = slots[keep]
        pairs = sorted(
            (haversine_m(lat, lon, a, b), vid)
            for (a, b), vid in zip(self._ll[slots].tolist(), self._vid[slots].tolist())
        )
        # Sorted by distance: anything past the radius (chord slack) is at the end.
        return [(vid, d) for d, vid in pairs[:k] if d <= radius_m]

    # ------------------------------------------------------------------ queries

    def _req_for(self, words: tuple[int, ...], drop_bit: int = -1) -> _Req | None:
        if drop_bit >= 0:
            w, b = divmod(drop_bit, 64)
            words = tuple(x & ~(1 << b) if i == w else x for i, x in enumerate(words))
        req = tuple((w, np.uint64(x)) for w, x in enumerate(words) if x)
        return req or None

    def _plan(self, required: frozenset[str] | set[str]) -> _Plan:
        key = required if isinstance(required, frozenset) else frozenset(required)
        plan = self._plans.get(key)
        if plan is not None:
            return plan
        if any(s not in self._skill_bit for s in key):
            plan = _NO_MATCH  # nobody has ever had that skill (cache dropped on new skills)
        else:
            words = self._skill_info(key)[0]
            parts = [self._parts.get(s) for s in key]
            missing = [s for s, p in zip(key, parts) if p is None]
            if missing:
                # Some required skill has no tree: every holder is in the delta.
                plan = _Plan(None, None, self._req_for(words), self._skill_bit[missing[0]])
            else:
                # Search the rarest skill's tree; check the others on the mask.
                part = min(parts, key=lambda p: p.n)  # type: ignore[union-attr]
                assert part is not None
                plan = _Plan(
                    part, self._req_for(words, part.skill_bit), self._req_for(words), part.skill_bit
                )
        self._plans[key] = plan
        return plan

    def _accept(self, slots: IntArray, req: _Req | None, exclude: Collection[str] = ()) -> BoolArray:
        ok = self._live[slots]
        if req is not None:
            for w, need in req:
                ok &= (self._mask[w][slots] & need) == need
        if exclude:
            vids = self._vid[slots]
            ok &= np.fromiter((v not in exclude for v in vids), dtype=bool, count=len(vids))
        return ok

    def _ball(self, part: _Partition, q: FloatArray, bound: float) -> IntArray:
        """All slots of one tree within `bound`, unfiltered and unsorted."""
        idx = np.array(part.tree.query_ball_point(q, bound), dtype=np.int64)
        return idx if part.slots is None or idx.size == 0 else part.slots[idx]

    def _search_tree(
        self,
        part: _Partition,
        q: FloatArray,
        bound: float,
        k: int,
        req: _Req | None,
        exclude: Collection[str],
    ) -> IntArray:
        """Acceptable slots of one tree within `bound`: all that could be among the k
        nearest, including ties with the k-th (possibly some more)."""
        tree = part.tree
        n_tree = part.n
        kk = min(n_tree, k + _FIRST_EXTRA)
        while True:
            if kk > _BALL_SWITCH:
                return self._ball(part, q, bound)
            d, i = tree.query(q, k=kk, distance_upper_bound=bound)
            if kk == 1:  # scipy returns scalars for k == 1
                d = np.array([d])
                i = np.array([i], dtype=np.int64)
            n_found = kk
            if d[-1] == _INF:  # misses are inf and sort last
                n_found = int(np.searchsorted(d, _INF))
                d = d[:n_found]
                i = i[:n_found]
            slots = i if part.slots is None else part.slots[i]
            ok = self._accept(slots, req, exclude)
            if n_found < kk or kk >= n_tree:
                return slots[ok]  # everything within the bound was seen
            d_ok = d[ok]
            if d_ok.size >= k and d[-1] > d_ok[k - 1] * (1.0 + _REL_EPS) + _ABS_EPS:
                return slots[ok]  # the farthest seen is strictly beyond the k-th
            # Too many rejects (or ties): grow, guessing from the acceptance rate so far.
            rate = max(d_ok.size, 1) / n_found
            kk = min(n_tree, max(kk * 4, int(2 * k / rate)))

    def _delta_slots(
        self, lat: float, lon: float, radius_m: float, q: FloatArray, bound: float, bit: int
    ) -> IntArray:
        """Delta slots that may be within `bound` (otherwise unfiltered); with bit >= 0,
        only slots holding that skill (when the grid is used)."""
        if self._n - self._mark > self._delta_scan_max:
            cells = self._delta_cells if bit < 0 else self._delta_by_bit[bit]
            slots = self._grid_candidates(lat, lon, radius_m, cells)
            if slots is not None:
                return slots
        lo = self._mark
        diff = self._xyz[lo : self._n] - q
        return np.flatnonzero(np.einsum("ij,ij->i", diff, diff) <= bound * bound) + lo

    def _grid_candidates(
        self, lat: float, lon: float, radius_m: float, cells: dict[int, list[int]]
    ) -> IntArray | None:
        """Delta slots in the grid cells covering the search cap's lat/lon bounding box, or
        None when that box is awkward (pole, antimeridian, huge) and a scan is simpler."""
        ang = radius_m / EARTH_RADIUS_M * (1.0 + _REL_EPS) + 1e-12
        dlat = math.degrees(ang)
        if lat - dlat <= -90.0 or lat + dlat >= 90.0 or ang >= math.pi / 2:
            return None
        s = math.sin(ang) / math.cos(math.radians(lat))
        if s >= 1.0:
            return None
        # Widest longitude offset of a spherical cap that does not contain a pole.
        dlon = math.degrees(math.asin(s)) * (1.0 + _REL_EPS) + 1e-12
        if lon - dlon <= -180.0 or lon + dlon >= 180.0:
            return None
        r0 = math.floor((lat - dlat) / _CELL_DEG)
        r1 = math.floor((lat + dlat) / _CELL_DEG)
        c0 = math.floor((lon - dlon) / _CELL_DEG)
        c1 = math.floor((lon + dlon) / _CELL_DEG)
        if (r1 - r0 + 1) * (c1 - c0 + 1) > _MAX_GRID_CELLS:
            return None
        out: list[int] = []
        for r in range(r0, r1 + 1):
            base = r * _LON_CELLS
            for c in range(c0, c1 + 1):
                lst = cells.get(base + c)
                if lst:
                    out.extend(lst)
        return np.array(out, dtype=np.int64)

    # ------------------------------------------------------------------ updates

    def _alloc_vnum(self) -> int:
        if self._free_vnums:
            return self._free_vnums.pop()
        vnum = len(self._records)
        self._records.append(None)
        self._slot_of.append(-1)
        return vnum

    def _skill_info(self, skills: frozenset[str]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(64-bit mask words, bit numbers) of a skill set; new skills get new bits."""
        info = self._words_cache.get(skills)
        if info is not None:
            return info
        value = 0
        bits = []
        for s in skills:
            bit = self._skill_bit.get(s)
            if bit is None:
                bit = self._skill_bit[s] = len(self._skill_bit)
                self._delta_by_bit.append({})
                self._plans.clear()  # a plan may have said "nobody has this skill"
                if bit // 64 >= len(self._mask):
                    self._mask.append(np.zeros(self._live.size, dtype=np.uint64))
            value |= 1 << bit
            bits.append(bit)
        n_words = (value.bit_length() + 63) // 64
        info = (tuple((value >> (64 * w)) & 0xFFFFFFFFFFFFFFFF for w in range(n_words)), tuple(bits))
        if len(self._words_cache) > 4096:  # skill sets repeat a lot in practice; bound it
            self._words_cache.clear()
        self._words_cache[skills] = info
        return info

    def _new_slot(self, volunteer_id: str, rec: VolunteerRecord) -> int:
        words, bits = self._skill_info(rec.skills)
        slot = self._n
        if slot >= self._live.size:
            self._grow_slots(max(1024, 2 * self._live.size))
        latr = math.radians(rec.lat)
        lonr = math.radians(rec.lon)
        clat = math.cos(latr)
        xf = self._xyz_flat
        b = 3 * slot
        xf[b] = clat * math.cos(lonr)
        xf[b + 1] = clat * math.sin(lonr)
        xf[b + 2] = math.sin(latr)
        lf = self._ll_flat
        lf[2 * slot] = rec.lat
        lf[2 * slot + 1] = rec.lon
        for w, mw in enumerate(self._mask):
            mw[slot] = words[w] if w < len(words) else 0
        self._live[slot] = True
        self._vid[slot] = volunteer_id
        self._n = slot + 1
        key = _cell_key(rec.lat, rec.lon)
        lst = self._delta_cells.get(key)
        if lst is None:
            self._delta_cells[key] = [slot]
        else:
            lst.append(slot)
        for bit in bits:
            cells = self._delta_by_bit[bit]
            lst = cells.get(key)
            if lst is None:
                cells[key] = [slot]
            else:
                lst.append(slot)
        return slot

    def _kill(self, vnum: int) -> None:
        slot = self._slot_of[vnum]
        if slot < 0:
            return
        self._slot_of[vnum] = -1
        if self._live[slot]:
            self._live[slot] = False
            if slot < self._mark:
                self._dead_in_trees += 1

    def _grow_slots(self, cap: int) -> None:
        n = self._n

        def grow(a: np.ndarray) -> np.ndarray:
            b = np.zeros((cap, *a.shape[1:]), dtype=a.dtype)
            b[:n] = a[:n]
            return b

        self._xyz = grow(self._xyz)
        self._xyz_flat = self._xyz.reshape(-1)
        self._ll = grow(self._ll)
        self._ll_flat = self._ll.reshape(-1)
        self._mask = [grow(mw) for mw in self._mask]
        self._live = grow(self._live)
        self._vid = grow(self._vid)

    # ------------------------------------------------------------------ maintenance

    def _rebuild(self) -> None:
        """Compact live slots to the front and rebuild every static tree over them."""
        n = self._n
        live_idx = np.flatnonzero(self._live[:n])
        m = int(live_idx.size)
        # Store rows in grid-cell order: neighbours end up near each other in memory, so
        # gathering a query's candidates touches fewer cache lines than time order would.
        pts = self._xyz[live_idx]
        geo = np.column_stack(
            (np.arcsin(np.clip(pts[:, 2], -1.0, 1.0)), np.arctan2(pts[:, 1], pts[:, 0]))
        )
        cell = math.radians(_CELL_DEG)
        rows = np.floor(geo[:, 0] / cell).astype(np.int64)
        key = rows * _LON_CELLS + np.floor(geo[:, 1] / cell).astype(np.int64)
        order = np.argsort(key, kind="stable")
        live_idx = live_idx[order]
        geo = geo[order]
        remap = np.full(n + 1, -1, dtype=np.int64)  # the extra last entry maps -1 to -1
        remap[live_idx] = np.arange(m, dtype=np.int64)
        # Dormant rows are dropped (-1): such volunteers get a new row when available.
        self._slot_of = remap[np.array(self._slot_of, dtype=np.int64)].tolist()

        self._limit = max(self._rebuild_min, int(self._rebuild_fraction * m))
        cap = max(1024, m + self._limit + 1)

        def compact(a: np.ndarray) -> np.ndarray:
            b = np.zeros((cap, *a.shape[1:]), dtype=a.dtype)
            b[:m] = a[live_idx]
            return b

        self._xyz = compact(self._xyz)
        self._xyz_flat = self._xyz.reshape(-1)
        self._ll = compact(self._ll)
        self._ll_flat = self._ll.reshape(-1)
        self._mask = [compact(mw) for mw in self._mask]
        self._vid = compact(self._vid)
        self._live = np.zeros(cap, dtype=bool)
        self._live[:m] = True
        self._n = self._mark = m
        self._dead_in_trees = 0
        self._delta_cells = {}
        self._delta_by_bit = [{} for _ in self._delta_by_bit]

        self._all = None
        self._parts = {}
        self._plans = {}
        if m:
            pts = self._xyz[:m]
            self._all = _Partition(self._tree(pts), m, None, -1, _Density.of(geo))
            for skill, bit in self._skill_bit.items():
                w, b = divmod(bit, 64)
                sel = np.flatnonzero(self._mask[w][:m] & np.uint64(1 << b))
                if sel.size:
                    self._parts[skill] = _Partition(
                        self._tree(pts[sel]), int(sel.size), sel, bit, _Density.of(geo[sel])
                    )

    def _tree(self, pts: FloatArray) -> cKDTree:
        # Unbalanced trees build ~35 % faster here and query as fast on this kind of data.
        return cKDTree(pts, leafsize=self._leafsize, balanced_tree=False)
