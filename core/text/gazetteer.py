"""Offline gazetteer of Indonesian villages, kecamatan and kabupaten/kota (data/gazetteer/*.csv).

``resolve_place("ds Sumberharjo kec Prambanan")`` finds the named area and its centroid.
How a match is chosen:
- every 1..4-word span of the text is looked up by a compact key (lowercase, no prefixes
  like Kabupaten/Kota/Desa, no spaces or punctuation, old spelling dj/tj/oe -> j/c/u), so
  "Gunung Kidul" = "Gunungkidul"; spans with no exact hit get a fuzzy lookup (typos);
- each hit is scored: words it covers + words covered by its own parents named elsewhere
  in the text ("Sumberharjo Prambanan" -> the Sumberharjo whose kecamatan is Prambanan)
  + a small prior kabupaten > kecamatan > desa + agreement with a marker ("kec X")
  + closeness to ``near``; words after "dusun"/"kampung" never resolve to a village
  (hamlets are not in the data, a hit is a namesake) and an unsupported fuzzy hit is dropped;
- the best wins unless another place outside its own parent chain scores within 0.1, or
  10+ places score within 0.2 (a very common name such as Sidomulyo): then the answer is
  "ambiguous" with up to 5 candidates to ask the requester about.
Provinces are used only to confirm parents ("Sleman, DIY"): a province centroid is too coarse
to send anyone to.
"""
from __future__ import annotations

import csv
import math
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import OSA

from siaga.core.text import lexicon, tables
from siaga.core.text.normalize import Token, doubled_word, is_dictionary_word, is_doubled, tokenize
from siaga.geo.distance import haversine_m
from siaga.geo.incidents import IncidentArea, declared, nearest_reach

# Shipped as package data of siaga.data (a checkout and an installed wheel alike); the data is
# read from files, so it must be a real folder, which it is in both.
DATA_DIR = Path(str(resources.files("siaga.data").joinpath("gazetteer")))

Level = Literal["desa", "kecamatan", "kabupaten"]
Status = Literal["resolved", "ambiguous", "not_found"]

# Rough radius of an area around its centroid, for Location.accuracy_m.
ACCURACY_M: dict[str, float] = {"desa": 1500.0, "kecamatan": 5000.0, "kabupaten": 20000.0, "kota": 7000.0}

_PROV, _KAB, _KEC, _DESA = 0, 1, 2, 3
_LEVEL_NAMES: dict[int, Level] = {_KAB: "kabupaten", _KEC: "kecamatan", _DESA: "desa"}
# A bigger unit is the likelier meaning of a bare name ("Klaten": the kabupaten, not the
# village Klaten in Lampung); same-level namesakes stay ambiguous.
_LEVEL_PRIOR = {_KAB: 0.45, _KEC: 0.28, _DESA: 0.1}
_LEVEL_OF_HINT = {"desa": _DESA, "kelurahan": _DESA, "kecamatan": _KEC, "kabupaten": _KAB, "kota": _KAB}
_PARENT_HINTS = frozenset({"kecamatan", "kabupaten", "kota"})   # markers a parent is written with
_AMBIGUITY_MARGIN = 0.1
_RIGHT_AFTER = 0.15     # _support: the nearest parent written right after the name
_INCIDENT_BONUS = 0.5
_LEARNED_SHARE = 0.3   # of the bonus, for an area learned from the requests rather than declared
_CROWD_MARGIN = 0.2
_CROWD_SIZE = 10   # a name shared by this many places is too common for the level prior
_MAX_NGRAM = 4
_MAX_CANDIDATES = 5

_ALIASES = lexicon.PLACE_ABBREVIATIONS
_WORD_ALIASES = lexicon.CITY_ABBREVIATIONS
_HEAD_ALIASES = lexicon.NAME_HEAD_ABBREVIATIONS   # "tj pura": only inside a name of several words
_KAB_PREFIXES = ("kabupaten ", "kab. ", "kab ", "kota administrasi ", "kota adm. ", "kota ")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Words of the query that split it into separate name spans.
_BREAK_WORDS = frozenset({
    "di", "ke", "dari", "dan", "yang", "untuk", "dengan", "dekat", "sekitar", "in", "at", "near",
    "of", "the", "and", "rt", "rw", "no", "nomor", "km", "jalan", "gang", "gg", "blok",
})
# Never a place on their own (they may still be part of a longer name: "Kota Baru", "Air Hitam";
# "desa Kali" after its marker).
_SINGLE_STOP = (lexicon.RIVER_WORDS | lexicon.FUNCTION_WORDS | lexicon.DISASTER_WORDS | lexicon.NON_PLACE_WORDS
                | lexicon.PLACE_PREPOSITIONS | lexicon.GENERIC_HELP | frozenset(lexicon.PLACE_MARKERS)
                | frozenset({"kulon", "wetan", "lor", "kidul", "hilir", "hulu", "ilir", "raya",
                             "jaya", "indah", "makmur", "mulya", "mulyo", "sari", "rejo", "asri",
                             "baru", "lama", "satu", "dua", "tiga", "indonesia"}))
_DIRECTION_WORDS = frozenset({"utara", "selatan", "timur", "barat", "tengah", "tenggara", "barat daya"})
# Break words that open a village's own name right after "desa" (transmigration blocks and
# kilometre posts: Desa Blok 15, Aceh Singkil; Desa Kilometer 3)
_NUMBERED_HEADS = frozenset({"blok", "km"})
# A direction word of an Acehnese place's name as Acehnese writes it ("Trumon Teungoh" is Kec.
# Trumon Tengah; the gazetteer itself has "Pirak Timu" and "Aceh Timur"): a further key.
_ACEH_DIRECTIONS = {"tengah": "teungoh", "timur": "timu"}
_ADMIN_HINTS = frozenset({"desa", "kelurahan", "kecamatan", "kabupaten", "kota"})
# Towns written alone though the dictionary has the word (Sastrawi lists "masohi")
_KNOWN_TOWNS = frozenset({"masohi"})
_OPENING = "opening"   # hint of an ordinary word that opens a message before a comma
_MARKER_HINTS = {"desa": "desa", "dusun": "dusun", "kecamatan": "kecamatan", "kabupaten": "kabupaten",
                 "kota": "kota", "provinsi": "provinsi", "street": "street"}
# rt/rw are numbered, and housing estates ("Perumnas Condongcatur") are often named after the
# village they are in: neither tells the level of the name that follows.


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    name: str                   # as in the gazetteer: "Sumberharjo", "Kabupaten Sleman"
    level: Level                # desa (desa or kelurahan), kecamatan, kabupaten (kabupaten or kota)
    kind: str                   # desa, kelurahan, kecamatan, kabupaten, kota
    code: str                   # Kemendagri code, e.g. 34.04.09.2001
    parents: tuple[str, ...]    # nearest first: kecamatan, kabupaten/kota, provinsi
    lat: float
    lon: float
    accuracy_m: float
    score: float
    approximate: bool = False   # village without its own point: its kecamatan's point is used

    @property
    def label(self) -> str:
        """Human-readable name with parents, for asking "which one?": "Desa Sumberharjo, Kec. Prambanan, Kabupaten Sleman"."""
        head = {"desa": "Desa", "kelurahan": "Kel.", "kecamatan": "Kec."}.get(self.kind)
        first = f"{head} {self.name}" if head else self.name
        parents = list(self.parents[:-1]) if len(self.parents) > 1 else list(self.parents)
        if self.level == "desa" and parents:
            parents[0] = f"Kec. {parents[0]}"
        return ", ".join([first, *parents])


@dataclass(frozen=True, slots=True)
class PlaceResolution:
    status: Status
    best: PlaceMatch | None = None
    candidates: tuple[PlaceMatch, ...] = field(default_factory=tuple)  # best first, up to 5
    # the best place has more than its name for it: a parent named, or a neighbour named
    evidence: bool = False


# --- loading --------------------------------------------------------------------------------

_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8",
          "ix": "9", "x": "10", "xi": "11", "xii": "12", "xiii": "13", "xiv": "14", "xv": "15"}


def _arabic_numerals(name: str) -> str:
    """Roman numerals as whole words -> digits: "x koto" -> "10 koto", "sungai iv" -> "sungai 4"."""
    return " ".join(_ROMAN.get(w, w) for w in name.split(" "))


_OLD_SPELLINGS = ("oe", "dj", "tj")
_OLD_SPELLING_QUALITY = 0.9   # below exact: alone it needs a parent named, like a typo


def _old_spelling_only(name: str, typed: str) -> bool:
    """The name matched only through the old-spelling fold ("pua" typed, "Poea" in the
    gazetteer): a weaker match, since the short modern word is often something else."""
    lowered = name.lower()
    return any(o in lowered and o not in typed.lower() for o in _OLD_SPELLINGS)


# Word endings of Minang and their Indonesian spelling. The gazetteer writes some places of
# Sumatera Barat the Minang way (Kec. "Lubuak Aluang", "Gunuang Omeh") and others the Indonesian
# way (Desa "Sikabu Lubuk Alung"); people write either, so each name there gets the other
# spelling as a further key (_minang_keys).
_MINANG_FINALS = (("uang", "ung"), ("uah", "uh"), ("uak", "uk"), ("uik", "ut"), ("iak", "ik"),
                  ("iah", "ih"), ("ia", "ir"), ("ua", "ur"), ("ik", "it"))
_MINANG = "13."   # Kemendagri code of Sumatera Barat


def _minang_keys(lowered: str) -> set[str]:
    """The name spelt the Indonesian way and the Minang way ("lubuak aluang" -> "lubukalung";
    "lubuk alung" -> "lubuakaluang"); not when that makes one ordinary word ("Pasia" is no "pasir")."""
    words = lowered.split()

    def spelt(pairs: tuple[tuple[str, str], ...]) -> str:
        return " ".join(next((w[:-len(a)] + b for a, b in pairs if w.endswith(a) and len(w) > len(a)), w)
                        for w in words)
    out = set()
    for other in (spelt(_MINANG_FINALS), spelt(tuple((b, a) for a, b in _MINANG_FINALS))):
        if other != lowered and not (len(words) == 1 and is_dictionary_word(other)):
            out.add(_canonical(other))
    return out


def _tanah_key(lowered: str) -> str | None:
    """"Tanah Towa" is written "tana towa" (as in Tana Toraja), and "Tana Tidung" "tanah
    tidung": the key of the other spelling, or None."""
    words = lowered.split()
    if len(words) < 2 or not any(w in ("tanah", "tana") for w in words):
        return None
    return _canonical(" ".join({"tanah": "tana", "tana": "tanah"}.get(w, w) for w in words))


def _canonical(text: str) -> str:
    """Compact comparison key of any name or query span."""
    text = text.lower()
    if not text.isascii():   # rare in names: drop accents ("Sumberharjo" is plain ASCII)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = _NON_ALNUM.sub("", text)
    # Old Indonesian spelling (before 1972) still appears in names people type.
    return text.replace("dj", "j").replace("tj", "c").replace("oe", "u")


class _Gazetteer:
    def __init__(self, data_dir: Path):
        self.names: list[str] = []
        self.levels: list[int] = []
        self.kinds: list[str] = []
        self.codes: list[str] = []
        self.lats: list[float] = []
        self.lons: list[float] = []
        self.parents: list[int] = []
        self.kota_towns: dict[str, list[int]] = {}   # "masohi" -> Kec. Kota Masohi (see _load)
        self.approx: list[bool] = []
        self.by_code: dict[str, int] = {}
        self.by_key: dict[str, list[int]] = {}
        # (key, idx) of a city neighbourhood's name and the place that holds it ("kampungpulo",
        # Kel. Kampung Melayu): weighed as a district, like a kecamatan (resolve_place)
        self.neighbourhoods: set[tuple[str, int]] = set()
        self._load(data_dir)
        self._buckets = self._fuzzy_buckets()
        self._skeletons: dict[str, list[int]] | None = None
        # fuzzy_keys answers: the same words come back in every pass of one message and in many
        # messages ("sidodadi wonomulyo": 26 lookups a message, half its time)
        self._fuzzy: dict[str, tuple[tuple[str, int], ...]] = {}

    def _add(self, code: str, name: str, level: int, kind: str, lat: float, lon: float,
             parent_code: str | None, approximate: bool = False) -> int:
        idx = len(self.names)
        self.names.append(name)
        self.levels.append(level)
        self.kinds.append(kind)
        self.codes.append(code)
        self.lats.append(lat)
        self.lons.append(lon)
        self.parents.append(self.by_code[parent_code] if parent_code else -1)
        self.approx.append(approximate)
        self.by_code[code] = idx
        keys = self._keys(name, level, kind)
        if code.startswith("11."):
            keys |= {key[:-len(plain)] + aceh for key in keys for plain, aceh in _ACEH_DIRECTIONS.items()
                     if key.endswith(plain) and len(key) > len(plain)}
        elif code.startswith(_MINANG) and level != _KAB:
            keys |= _minang_keys(name.lower())
        lowered = name.lower()
        tanah = _tanah_key(next((lowered[len(p):] for p in _KAB_PREFIXES if lowered.startswith(p)), lowered))
        if tanah:
            keys.add(tanah)
        for key in keys:
            self.by_key.setdefault(key, []).append(idx)
        lowered = name.lower()
        if level == _KEC and lowered.startswith(("kota ", "pulau ")) and len(lowered.split()) == 2:
            # Kec. "Pulau Derawan" is written "derawan" too ("rob di tanjung batu derawan")
            rest = lowered.split()[1]
            if rest not in _SINGLE_STOP and rest not in _DIRECTION_WORDS and len(rest) >= 4 \
                    and not (is_dictionary_word(rest) and rest not in _KNOWN_TOWNS):
                # not an ordinary word ("jembatan besi tambore" is no Kec. Kota Besi, 791 km off)
                self.kota_towns.setdefault(_canonical(rest), []).append(idx)
        elif level == _KEC and lowered.startswith("kota ") and len(lowered.split()) > 2:
            # Kec. "Kota Kisaran Barat", "Kota Ternate Selatan": written without "Kota" too
            self.by_key.setdefault(_canonical(lowered[len("kota "):]), []).append(idx)
        return idx

    @staticmethod
    def _keys(name: str, level: int, kind: str) -> set[str]:
        lowered = name.lower()
        base = lowered
        if level == _KAB:
            for prefix in _KAB_PREFIXES:
                if lowered.startswith(prefix):
                    base = lowered[len(prefix):]
                    break
        keys = {_canonical(base)}
        if level == _KAB:
            prefixes = ("kota",) if kind == "kota" else ("kab", "kabupaten")
            keys.update(_canonical(p + base) for p in prefixes)
        if level == _DESA and "," in name:       # "Lambang Sari I, II, III"
            keys.add(_canonical(name.split(",")[0]))
        arabic = _arabic_numerals(base)
        if arabic != base:                        # "X Koto" is written "10 Koto"
            keys.add(_canonical(arabic))
        return {k for k in keys if k}

    def _load(self, data_dir: Path) -> None:
        with open(data_dir / "provinsi.csv", encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                self._add(row["code"], row["name"], _PROV, "provinsi", float(row["lat"]), float(row["lon"]), None)
        with open(data_dir / "kabupaten.csv", encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                kind = "kota" if row["name"].lower().startswith("kota") else "kabupaten"
                self._add(row["code"], row["name"], _KAB, kind, float(row["lat"]), float(row["lon"]), row["parent"])
        with open(data_dir / "kecamatan.csv", encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                self._add(row["code"], row["name"], _KEC, "kecamatan", float(row["lat"]), float(row["lon"]),
                          row["kabupaten_code"])
        # Kec. "Kota Masohi", "Kota Bangun", "Pulau Derawan": people write the town's or the
        # island's name alone ("di Masohi").
        # Not when the rest is a direction or a stop word (Kec. "Kota Utara", "Kota Baru"), nor
        # when a kabupaten, a city or another kecamatan has that name (Kec. "Kota Padang",
        # Rejang Lebong, is no namesake of the city of Padang; Kec. Maba beside Kec. Kota Maba),
        # nor when two such kecamatan share it (Kota Agung in Lahat and in Tanggamus)
        for key, idxs in self.kota_towns.items():
            if len(idxs) == 1 and not any(self.levels[i] in (_KAB, _KEC) for i in self.by_key.get(key, ())):
                self.by_key.setdefault(key, []).append(idxs[0])
        # "kota Sintang", "kota situbondo": the town of a kabupaten (no city of that name) is its
        # kecamatan of the same name, not the whole kabupaten
        for i in range(len(self.names)):
            if self.levels[i] == _KEC and self.kinds[self.parents[i]] == "kabupaten":
                town = _bare_key(self.names[i])
                if town == _bare_key(self.names[self.parents[i]]):
                    for key in ("kota" + town, town + "kota"):   # "kota Sintang", "Trenggalek kota"
                        if key not in self.by_key:
                            self.by_key[key] = [i]
        with open(data_dir / "desa.csv", encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            next(reader)
            self._add_villages(reader)
        no_coords = data_dir / "desa_no_coords.csv"
        if no_coords.exists():
            with open(no_coords, encoding="utf-8", newline="") as f:
                reader = csv.reader(f)
                next(reader)
                for code, name, kec_code, *_ in reader:
                    kec = self.by_code.get(kec_code)
                    if kec is not None:
                        self._add(code, name, _DESA, _village_kind(code), self.lats[kec], self.lons[kec],
                                  kec_code, approximate=True)
        for alias, targets in {**_ALIASES, **{a: (w,) for a, w in _WORD_ALIASES.items() if a not in _ALIASES}}.items():
            ids = [i for t in targets for i in self.by_key.get(t, ())]
            if ids:
                self.by_key.setdefault(alias, []).extend(i for i in ids if i not in self.by_key[alias])
        # a kabupaten split into directions keeps the old short form: "OKU Timur", "Bolmong Selatan"
        for alias, targets in _ALIASES.items():
            for target in targets:
                for direction in _DIRECTION_WORDS:
                    split = [i for i in self.by_key.get(target + _canonical(direction), ()) if self.levels[i] == _KAB]
                    if split and alias + _canonical(direction) not in self.by_key:
                        self.by_key[alias + _canonical(direction)] = split
        for name, code in tables.neighbourhoods().items():
            idx = self.by_code.get(code)
            key = _canonical(name)
            if idx is not None and key:
                if idx not in self.by_key.setdefault(key, []):
                    self.by_key[key].append(idx)
                self.neighbourhoods.add((key, idx))

    def _add_villages(self, rows: Iterable[list[str]]) -> None:
        """Bulk version of _add for the 83k villages (keeps loading well under a second)."""
        names, levels, kinds, codes = self.names, self.levels, self.kinds, self.codes
        lats, lons, parents, approx = self.lats, self.lons, self.parents, self.approx
        by_code, by_key = self.by_code, self.by_key
        sub = _NON_ALNUM.sub
        idx = len(names)
        for code, name, kec_code, _kec, _kab, _prov, lat, lon in rows:
            names.append(name)
            levels.append(_DESA)
            kinds.append("kelurahan" if code[-4] == "1" else "desa")
            codes.append(code)
            lats.append(float(lat))
            lons.append(float(lon))
            parents.append(by_code[kec_code])
            approx.append(False)
            by_code[code] = idx
            lowered = name.lower()
            if lowered.isascii() and "," not in name:
                key = sub("", lowered)
                if "dj" in key or "tj" in key or "oe" in key:
                    key = _canonical(key)
                by_key.setdefault(key, []).append(idx)
                head, _, last = lowered.rpartition(" ")
                if head and (last in _ROMAN or (last in _ACEH_DIRECTIONS and code.startswith("11."))):
                    # "Pulo Mesjid II" typed "pulomesjid 2"; "Meunasah Teungoh" for "... Tengah"
                    by_key.setdefault(_canonical(f"{head} {_ROMAN.get(last) or _ACEH_DIRECTIONS[last]}"), []).append(idx)
                if code.startswith(_MINANG):
                    for other in _minang_keys(lowered):
                        by_key.setdefault(other, []).append(idx)
                tanah = _tanah_key(lowered)
                if tanah:
                    by_key.setdefault(tanah, []).append(idx)
            else:
                for key in self._keys(name, _DESA, kinds[-1]):
                    by_key.setdefault(key, []).append(idx)
            idx += 1

    def _fuzzy_buckets(self) -> dict[tuple[str, int], list[str]]:
        buckets: dict[tuple[str, int], list[str]] = {}
        for key in self.by_key:
            if len(key) >= 5:
                buckets.setdefault((key[0], len(key)), []).append(key)
        return buckets

    def by_skeleton(self) -> dict[str, list[int]]:
        """Skeleton of every name key (built on first use) -> the places."""
        if self._skeletons is None:
            index: dict[str, list[int]] = {}
            for key, ids in self.by_key.items():
                if len(key) >= 3 and key.isalpha():
                    bucket = index.setdefault(_skeleton(key), [])
                    bucket.extend(i for i in ids if i not in bucket)
            self._skeletons = index
        return self._skeletons

    def fuzzy_keys(self, query: str) -> tuple[tuple[str, int], ...]:
        """Keys within a small edit distance of query (same first letter): ((key, distance), ...)."""
        known = self._fuzzy.get(query)
        if known is None:
            if len(self._fuzzy) >= _FUZZY_CACHE:
                self._fuzzy.clear()
            known = self._fuzzy[query] = tuple(self._fuzzy_keys(query))
        return known

    def _fuzzy_keys(self, query: str) -> list[tuple[str, int]]:
        max_d = 1 if len(query) < 8 else 2
        out: list[tuple[str, int]] = []
        for length in range(len(query) - max_d, len(query) + max_d + 1):
            choices = self._buckets.get((query[0], length))
            if not choices:
                continue
            for key, dist, _ in process.extract(query, choices, scorer=OSA.distance,
                                                score_cutoff=max_d, limit=None):
                out.append((key, int(dist)))
        return out

    def chain(self, idx: int) -> list[int]:
        """Parents of idx, nearest first."""
        out = []
        p = self.parents[idx]
        while p >= 0:
            out.append(p)
            p = self.parents[p]
        return out

    def match(self, idx: int, score: float) -> PlaceMatch:
        level = self.levels[idx]
        kind = self.kinds[idx]
        accuracy = ACCURACY_M["kota" if kind == "kota" else _LEVEL_NAMES[level]]
        if self.approx[idx]:
            accuracy = ACCURACY_M["kecamatan"]
        return PlaceMatch(
            name=self.names[idx], level=_LEVEL_NAMES[level], kind=kind, code=self.codes[idx],
            parents=tuple(self.names[p] for p in self.chain(idx)),
            lat=self.lats[idx], lon=self.lons[idx], accuracy_m=accuracy, score=round(score, 3),
            approximate=self.approx[idx],
        )


def _village_kind(code: str) -> str:
    # 4th code segment: 1xxx kelurahan, 2xxx desa, 3xxx desa adat
    return "kelurahan" if code.rsplit(".", 1)[-1].startswith("1") else "desa"


_lock = threading.Lock()
_instance: _Gazetteer | None = None


def gazetteer() -> _Gazetteer:
    """The loaded gazetteer (read once, on first use, ~1 s)."""
    global _instance
    if _instance is None:
        with _lock:
            if _instance is None:
                _instance = _Gazetteer(DATA_DIR)
    return _instance


def is_whole_name(words: Sequence[str]) -> bool:
    """Whether these words, together, are the whole name of some place ("kuta raja")."""
    g = gazetteer()
    key = _canonical("".join(words))
    alias = _canonical("".join(_WORD_ALIASES.get(w.lower(), _HEAD_ALIASES.get(w.lower(), w)) for w in words))
    return bool(key) and (key in g.by_key or alias in g.by_key)


def holds_a_place_named(parent: Sequence[str], name: Sequence[str]) -> bool:
    """Whether a place called `parent` (its words) holds a place called `name`: "Luwu" holds a
    Kec. Suli ("bukan kec Suli di Luwu")."""
    g = gazetteer()
    outer = set(g.by_key.get(_canonical("".join(parent)), ()))
    return bool(outer) and any(p in outer for idx in g.by_key.get(_canonical("".join(name)), ())
                               for p in g.chain(idx))


@lru_cache(maxsize=1)
def _short_forms() -> dict[str, frozenset[str]]:
    """Gazetteer key of a kabupaten, city or province -> its short forms ("pasamanbarat" -> pasbar)."""
    out: dict[str, set[str]] = {}
    for alias, targets in _ALIASES.items():
        for target in targets:
            out.setdefault(target, set()).add(alias)
    for alias, city in _WORD_ALIASES.items():   # "bjm", "smg", "ptk"
        out.setdefault(city, set()).add(alias)
    return {k: frozenset(v) for k, v in out.items()}


def is_kabupaten_name(word: str) -> bool:
    """Whether a word is the name of a kabupaten or kota ("landak", "agam", "batang")."""
    return _names_a_level(word, (_KAB,))


def is_district_name(word: str) -> bool:
    """Whether a word is the name of a kecamatan, kabupaten or kota ("derawan", "haruku")."""
    return _names_a_level(word, (_KAB, _KEC))


def _names_a_level(word: str, levels: tuple[int, ...]) -> bool:
    g = gazetteer()
    return any(g.levels[i] in levels for i in g.by_key.get(_canonical(word), ()))


_RUN_TOGETHER_MIN = 6   # named_in: letters a parent's name needs to be found inside a longer word


def named_in(match: PlaceMatch, text: str, below_province: bool = False) -> bool:
    """Whether one of the place's parents (kecamatan, kabupaten/kota, provinsi) is named in
    the text, in full or by a short form ("pasbar"): then a bare name is not alone.
    ``below_province``: only the kecamatan or kabupaten/kota count."""
    compact = _canonical(text)
    words: set[str] | None = None
    parents = match.parents[:-1] if below_province and len(match.parents) > 1 else match.parents
    for parent in parents:
        base = parent.lower()
        for prefix in _KAB_PREFIXES:
            if base.startswith(prefix):
                base = base[len(prefix):]
                break
        key = _canonical(base)
        if words is None:
            words = set(_NON_ALNUM.split(text.lower()))
        # a short name must be a word of its own ("bali" is not inside "balita"); a longer one
        # may be run together with its neighbours ("kisaranbarat")
        if len(key) >= _RUN_TOGETHER_MIN and key in compact or 3 <= len(key) < _RUN_TOGETHER_MIN and key in words:
            return True
        short = _short_forms().get(key)
        if short and (short & words or any(len(a) >= _RUN_TOGETHER_MIN and a in compact for a in short)):
            return True     # "pasbar"; "Kuala Tungkal" (kualatungkal) for Kec. Tungkal Ilir
        if _town_written_alone(base, words):
            return True
    return False


def _town_written_alone(name: str, words: set[str]) -> bool:
    """Kec. "Pulau Derawan" or "Kota Masohi" named by its last word alone, where the gazetteer
    keys it so (_Gazetteer._load): "tanjung batu derawan" names its kecamatan."""
    parts = name.split()
    if len(parts) != 2 or parts[0] not in ("kota", "pulau") or parts[1] not in words:
        return False
    g = gazetteer()
    return any(g.names[i].lower() == name and g.levels[i] == _KEC for i in g.by_key.get(_canonical(parts[1]), ()))


def point_of(code: str) -> tuple[float, float] | None:
    """The gazetteer point of any area by its code, a province's too (an incident area may be one)."""
    g = gazetteer()
    idx = g.by_code.get(code)
    return None if idx is None else (g.lats[idx], g.lons[idx])


def lookup_code(code: str) -> PlaceMatch | None:
    """The area with this Kemendagri code (desa, kecamatan or kabupaten), or None."""
    g = gazetteer()
    idx = g.by_code.get(code)
    if idx is None or g.levels[idx] == _PROV:
        return None
    return g.match(idx, 1.0)


# --- resolving --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Hit:
    idx: int
    start: int          # word positions in the query
    end: int
    quality: float      # 1.0 exact, lower for fuzzy
    hint: str | None    # marker before the span ("kecamatan" for "kec Prambanan")
    district: bool = False   # the name is a city neighbourhood's, held by this place
    marked: bool = False     # right after its marker ("kec. Sarolangun"), not later in the run

    @property
    def weight(self) -> float:
        return self.quality * (self.end - self.start)


def resolve_place(text: str, near: tuple[float, float] | None = None,
                  incidents: tuple[IncidentArea, ...] = (), typos: bool = True) -> PlaceResolution:
    """Find the village / kecamatan / kabupaten named in ``text`` (see the module docstring).
    ``incidents``: the declared incident areas; a namesake inside one is preferred.
    ``typos``: also near-spellings of names (off for a whole message: "alat berat" is no "Berta")."""
    g = gazetteer()
    text = _RUN_TOGETHER.sub(lambda m: _split_run_together(g, m.group(0)), text or "")
    words, hints, after_marker = _query_words(tokenize(text, correct_typos=False), text)
    hits = _find_hits(g, words, hints, after_marker, typos)
    if not hits:
        return PlaceResolution("not_found")
    by_idx: dict[int, list[_Hit]] = {}
    for hit in hits:
        by_idx.setdefault(hit.idx, []).append(hit)

    scores: dict[int, float] = {}
    backed: set[int] = set()
    told, learned = declared(incidents), tuple(a for a in incidents if a.learned)
    whole_spans = frozenset((h.start, h.end) for h in hits if h.quality == 1.0 and h.end - h.start > 1)
    kept = _inside_its_parents_name(g, _without_province_words(g, hits, by_idx, whole_spans, words))
    if len(kept) != len(hits):
        hits, by_idx = kept, {}
        for hit in hits:
            by_idx.setdefault(hit.idx, []).append(hit)
    partners = _cohesion_partners(g, hits, words)
    for hit in hits:
        level = g.levels[hit.idx]
        if level == _PROV or hit.hint in ("street", "river"):
            continue     # streets are not in the gazetteer
        support = _support(g, hit, by_idx, whole_spans, words)
        if hit.hint == _OPENING and support == 0:
            continue     # an ordinary word opening the message, with no parent named
        if hit.hint == "dusun" and level == _DESA and support == 0 \
                and not g.codes[hit.idx].startswith(lexicon.KAMPUNG_IS_DESA):
            # hamlets are not in the gazetteer: a village hit is a namesake, unless its own
            # kecamatan or kabupaten is named too ("Ketol, Aceh Tengah: kampung Bah": in Aceh
            # Tengah, Bener Meriah and Papua the desa itself is officially a "kampung")
            continue
        if hit.quality < 1.0 and support == 0 and hit.hint not in _ADMIN_HINTS:
            continue     # an unsupported fuzzy hit is too likely a random near-spelling
        if support == 0 and hit.hint not in _ADMIN_HINTS and _need_phrase(words[hit.start:hit.end]):
            continue     # "butuh air bersih" asks for clean water; Desa Air Bersih needs its parent
        together = _cohesion(g, hit, partners)
        if support > 0 or together > 0:
            backed.add(hit.idx)
        # a neighbourhood weighs as a district: "Kemang" is as likely Jakarta's as Kec. Kemang
        # (Bogor), and "Kalimalang" more likely the canal district than Desa Kalimalang (Ponorogo)
        prior = _LEVEL_PRIOR[_KEC] if hit.district else _LEVEL_PRIOR[level]
        score = hit.weight + support + together + prior + _hint_bonus(g, hit)
        if near is not None:
            km = haversine_m(near[0], near[1], g.lats[hit.idx], g.lons[hit.idx]) / 1000.0
            # steep near term (neighbouring namesakes) + broad term (same region)
            score += 0.3 * math.exp(-km / 5.0) + 0.3 * math.exp(-km / 50.0)
        if incidents:
            score += _incident_bonus(told, learned, g.lats[hit.idx], g.lons[hit.idx], g.codes[hit.idx])
        if score > scores.get(hit.idx, -math.inf):
            scores[hit.idx] = score
    if not scores:
        return PlaceResolution("not_found")

    ranked = sorted(scores, key=lambda i: (-scores[i], g.codes[i]))
    single = _only_one_of_its_name(g, ranked, scores, hits)
    if single is not None:
        ranked = [single, *(i for i in ranked if i != single)]
    best = ranked[0]
    on_chain = {best, *g.chain(best)}
    rivals = [i for i in ranked[1:] if i not in on_chain and best not in g.chain(i)]
    listed = [best, *rivals][:_MAX_CANDIDATES]
    candidates = tuple(g.match(i, scores[i]) for i in listed)
    if rivals and single is None and (scores[best] - scores[rivals[0]] < _AMBIGUITY_MARGIN
                                      or _city_kelurahan_rival(g, best, rivals, scores)):
        return PlaceResolution("ambiguous", None, candidates)
    if _outside_the_named_kabupaten(g, best, hits):
        return PlaceResolution("ambiguous", None, candidates)
    close = sum(1 for i in rivals if scores[best] - scores[i] < _CROWD_MARGIN)
    if close >= _CROWD_SIZE:
        # "Sidomulyo": one kecamatan and 96 villages share the name; the level prior alone
        # should not pick the kecamatan over that crowd
        return PlaceResolution("ambiguous", None, candidates)
    return PlaceResolution("resolved", candidates[0], candidates, evidence=best in backed)


def _outside_the_named_kabupaten(g: _Gazetteer, best: int, hits: list[_Hit]) -> bool:
    """A kabupaten named with its marker ("kab. garut", "kabupaten bogor") that does not
    hold the answer, nor does any namesake read from the same words: the message says where the
    place is, and the answer is elsewhere ("desa terusan sindang, kab. garut" is no Desa
    Terusan in Kec. Sindang, Indramayu). Asking is better than a confident wrong place."""
    own = {best, *g.chain(best)}
    placed = [(h.start, h.end) for h in hits if h.idx in own]
    # (not "kota": "jalan ke kota solok msh putus" names a road's end, not the place's city)
    return any(g.levels[h.idx] == _KAB and h.marked and h.hint == "kabupaten" and h.quality == 1.0
               and not any(s < h.end and h.start < e for s, e in placed) for h in hits)


# (at most 60 letters: a village and its kabupaten run together are shorter; each longer word
# would cost a split at every letter)
_FUZZY_CACHE = 1 << 15   # words whose typo lookups are kept (a few MB)
_RUN_TOGETHER = re.compile(r"(?<![A-Za-z])[A-Za-z]{8,60}(?![A-Za-z])")


def _split_run_together(g: _Gazetteer, word: str) -> str:
    """A village and its kecamatan or kabupaten typed as one word ("jrakahselo": Desa Jrakah,
    Kec. Selo), written apart so that the parent backs the village; other words as they are."""
    key = word.lower()
    if key in g.by_key or is_dictionary_word(key):
        return word
    for i in range(3, len(key) - 2):
        heads, tails = g.by_key.get(_canonical(key[:i])), g.by_key.get(_canonical(key[i:]))
        if heads and tails:
            parents = {t for t in tails if g.levels[t] in (_KEC, _KAB)}
            if parents and any(p in parents for h in heads for p in g.chain(h)):
                return f"{word[:i]} {word[i:]}"
    return word


def _inside_its_parents_name(g: _Gazetteer, hits: list[_Hit]) -> list[_Hit]:
    """Without the hits that are a word of their own parent's name as written ("Bone" inside
    "Bone Bolango": Kec. Bone is in Kabupaten Bone Bolango, and the message names the kabupaten)."""
    outer: dict[tuple[int, int], set[int]] = {}   # span -> the places named by it in full
    for h in hits:
        if h.quality == 1.0 and h.end - h.start > 1:
            outer.setdefault((h.start, h.end), set()).add(h.idx)
    if not outer:
        return hits

    def inside(h: _Hit) -> bool:
        # Namesakes make this many hits by many longer names: the spans first, and each hit's
        # parents walked once (two hundred hits around "karang anyar" cost 5 ms pair by pair).
        around = [idxs for (s, e), idxs in outer.items() if s <= h.start and h.end <= e and (s, e) != (h.start, h.end)]
        return bool(around) and any(p in idxs for p in g.chain(h.idx) for idxs in around)
    return [h for h in hits if not inside(h)]


def _incident_bonus(told: tuple[IncidentArea, ...], learned: tuple[IncidentArea, ...],
                    lat: float, lon: float, code: str) -> float:
    """Inside a declared area: the full bonus; outside it fades over one more radius. Less than
    a named parent (_support), more than the level prior between namesakes. A learned area
    (geo/active_areas.py) is weaker evidence: it breaks ties between namesakes, no more."""
    def fading(reach: float) -> float:
        return 1.0 if reach <= 1.0 else math.exp(-(reach - 1.0) * 2.0)
    return _INCIDENT_BONUS * max(fading(nearest_reach(told, lat, lon, code)),
                                 _LEARNED_SHARE * fading(nearest_reach(learned, lat, lon, code)))


def _city_kelurahan_rival(g: _Gazetteer, best: int, rivals: list[int], scores: dict[int, float]) -> bool:
    """A kecamatan ahead of a city's kelurahan of the same name by its level alone: a city
    kelurahan holds as many people as a rural kecamatan (Kel. Pondok Kelapa in Jakarta, Kec.
    Pondok Kelapa in Bengkulu Tengah), so the level decides nothing; ask."""
    if g.levels[best] != _KEC:
        return False
    gap = _LEVEL_PRIOR[_KEC] - _LEVEL_PRIOR[_DESA] + 1e-9
    return any(g.kinds[i] == "kelurahan" and any(g.kinds[p] == "kota" for p in g.chain(i))
               and g.names[i].lower() == g.names[best].lower() and scores[best] - scores[i] <= gap
               for i in rivals[:_MAX_CANDIDATES])


@lru_cache(maxsize=1)
def _need_phrases() -> frozenset[str]:
    return frozenset(p.lower() for phrases in lexicon.NEED_KEYWORDS.values() for p in phrases if " " in p) \
        | lexicon.PHRASES_NOT_PLACES


def _need_phrase(span: Sequence[str | None]) -> bool:
    """A span of two or more words that is also a need phrase ("air bersih", "tenda darurat") or
    another phrase that is no place by itself ("karang taruna", "arus deras": lexicon.PHRASES_NOT_PLACES)."""
    return len(span) > 1 and None not in span and " ".join(w for w in span if w) in _need_phrases()


def _only_one_of_its_name(g: _Gazetteer, ranked: list[int], scores: dict[int, float],
                          hits: list[_Hit]) -> int | None:
    """Two names tied, one of them a single place and the other shared by several ("di
    Waiputih ... di parit": one village, and a dozen villages named Parit): the single place
    is what the message points at; for the other, nothing says which. Only between names in
    separate words of the message ("Agung" inside "Gunung Agung" is no other name)."""
    top = scores[ranked[0]]
    tied = [i for i in ranked if top - scores[i] < _AMBIGUITY_MARGIN]
    by_name: dict[str, list[int]] = {}
    for i in tied:
        by_name.setdefault(g.names[i].lower(), []).append(i)
    single = [ids[0] for ids in by_name.values() if len(ids) == 1]
    if len(by_name) < 2 or len(single) != 1:
        return None
    spans = {(h.start, h.end) for h in hits if h.idx == single[0]}
    others = {(h.start, h.end) for h in hits if h.idx in tied and h.idx != single[0]}
    if any(a < d and c < b for a, b in spans for c, d in others):
        return None
    return single[0]


_Partners = dict[int, list[tuple[_Hit, frozenset[int]]]]


def _cohesion_partners(g: _Gazetteer, hits: list[_Hit], words: Sequence[str | None]) -> _Partners:
    """The hits that may back another by lying near it (_cohesion), with their parents, filed
    under each of those parents: worked out once per query, so that a long message with
    hundreds of hits ("karang anyar tanjung palas") costs a lookup per hit, not a pass."""
    out: _Partners = {}
    for other in hits:
        if other.quality < 1.0 or g.levels[other.idx] == _KAB:
            continue
        if other.hint in ("street", "river"):
            continue     # "jalan raya bekasi": a street's name, not Desa Raya backing Desa Naga
        if other.hint not in _ADMIN_HINTS and other.end - other.start == 1 \
                and is_dictionary_word(words[other.start] or ""):
            continue     # "sumur ketutup abu": a well, not Desa Sumur backing its neighbours
        if other.hint not in _ADMIN_HINTS and other.end - other.start == 1 and (
                words[other.start] in lexicon.REGIONAL_PLEAS or words[other.start] in lexicon.REQUEST_VERBS):
            continue     # "tulung" (Javanese: help), not Kec. Tulung (Klaten) backing Desa Kajang (Madiun)
        if other.hint not in _ADMIN_HINTS and _need_phrase(words[other.start:other.end]):
            continue     # "pintu air" (a floodgate), not Desa Pintu Air backing Kec. Selesai ("blm selesai")
        chain = frozenset(g.chain(other.idx))
        for parent in chain:
            out.setdefault(parent, []).append((other, chain))
    return out


def _cohesion(g: _Gazetteer, hit: _Hit, partners: _Partners) -> float:
    """Places written together lie together: another exact name of the message (a span apart)
    in the same kecamatan (+0.6) or kabupaten (+0.3) as this hit, neither being a parent of the
    other (that is _support): "Manggarai ... Bukit Duri" are both in Tebet, Jakarta."""
    if hit.quality < 1.0 or g.levels[hit.idx] == _KAB:
        return 0.0
    chain = g.chain(hit.idx)
    kec = chain[0] if g.levels[hit.idx] == _DESA else None
    kab = next((p for p in chain if g.levels[p] == _KAB), None)

    def any_beside(parent: int | None) -> bool:
        return parent is not None and any(
            other.idx != hit.idx and not (other.start < hit.end and hit.start < other.end)
            and other.idx not in chain and hit.idx not in other_chain
            for other, other_chain in partners.get(parent, ()))
    return 0.6 if any_beside(kec) else 0.3 if any_beside(kab) else 0.0


_APOSTROPHES = frozenset({"'", "\u2019", "`"})


# English word order: the marker after the name ("Ketapang regency", "Palu city") and the
# direction before it ("West Kalimantan" is Kalimantan Barat, "South Halmahera" Halmahera Selatan).
_ENGLISH_STREETS = {"road": "street", "street": "street", "river": "river", "rivers": "river"}
_ENGLISH_DIRECTIONS = {"west": "barat", "east": "timur", "north": "utara", "south": "selatan",
                       "central": "tengah", "southeast": "tenggara", "northern": "utara",
                       "southern": "selatan", "eastern": "timur", "western": "barat"}


def _english_order(tokens: list[Token]) -> list[Token]:
    """ "West Kalimantan" -> "Kalimantan barat": the direction after the next word, as the
    gazetteer writes it. Only before a word that is itself no direction or marker."""
    out: list[Token] = []
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < n else None
        if (tok.kind == "word" and tok.norm in _ENGLISH_DIRECTIONS and nxt is not None and nxt.kind == "word"
                and nxt.norm not in _ENGLISH_DIRECTIONS and nxt.norm not in lexicon.PLACE_MARKERS
                and nxt.norm not in _BREAK_WORDS):
            direction = _ENGLISH_DIRECTIONS[tok.norm]
            out.append(nxt)
            out.append(replace(tok, norm=direction, base=direction))
            i += 2
            continue
        out.append(tok)
        i += 1
    return out


def _query_words(tokens: Iterable[Token], text: str = "") -> tuple[list[str | None], list[str | None], list[bool]]:
    """Query words (None = break), the marker hint of each, and whether it directly follows a marker."""
    words: list[str | None] = []
    hints: list[str | None] = []
    after: list[bool] = []
    hint: str | None = None
    just_marked = False
    tokens = _english_order(list(tokens))

    def push(word: str | None, word_hint: str | None, follows: bool) -> None:
        words.append(word)
        hints.append(word_hint)
        after.append(follows)

    prev_end = -1
    for tok in tokens:
        # "ba'da", "To'barru": one word, not two (a two-word span would weigh double)
        glue = (tok.kind == "word" and prev_end >= 0 and tok.start == prev_end + 1
                and text[prev_end:tok.start] in _APOSTROPHES and bool(words) and words[-1] is not None)
        prev_end = tok.end if tok.kind == "word" else -1
        if tok.kind == "punct":
            if tok.norm in {"-", "'"} or (tok.norm == "." and words and words[-1] in _HEAD_ALIASES):
                continue                 # "Tj. Priok": the head's dot does not end the name
            push(None, None, False)
            if tok.norm != ".":          # "kec." keeps its hint and marks the name after it; a comma ends it
                hint = None
                just_marked = False
            continue
        if tok.kind == "number":
            # "10 Koto" (Kec. X Koto), "4 Koto": small numbers may belong to a name (_arabic_numerals)
            small = tok.norm.isdigit() and 1 <= int(tok.norm) <= 15
            # ... and any after the head of a numbered village ("Desa Blok 18", "desa km 21")
            small = small or (tok.norm.isdigit() and bool(words) and words[-1] in _NUMBERED_HEADS)
            push(tok.norm if small else None, hint if small else None, False)
            continue
        marker = lexicon.PLACE_MARKERS.get(tok.norm) or lexicon.GOVERNMENT_MARKERS.get(tok.norm)
        if marker is not None and is_doubled(tok):
            push(None, None, False)        # "desa2 hulu": villages upstream, no marker of a name
            hint = None
            just_marked = False
            continue
        if marker is not None and tok.norm in lexicon.ENGLISH_POST_MARKERS and words and words[-1] is not None \
                and hints[-1] is None:
            # "Ketapang regency": the marker names the level of the words before it
            if words[-1] == "sub" and len(words) > 1 and words[-2] is not None:
                # "Peusangan sub-district": "sub" is part of the marker, not of the name
                words.pop()
                hints.pop()
                after.pop()
            k = len(words) - 1
            while k >= 0 and words[k] is not None and hints[k] is None:
                hints[k] = _MARKER_HINTS.get(marker)
                k -= 1
            after[k + 1] = True      # marked, as "kec. Peusangan" would be
            push(None, None, False)
            hint = None
            just_marked = False
            continue
        if tok.norm in _ENGLISH_STREETS and words and words[-1] is not None and hints[-1] is None:
            # "along Seradala road", "the Mata Allo river(s)": the one or two words before name it
            k = len(words) - 1
            while k >= 0 and words[k] is not None and hints[k] is None and k >= len(words) - 2:
                hints[k] = _ENGLISH_STREETS[tok.norm]
                k -= 1
            push(None, None, False)
            hint = None
            just_marked = False
            continue
        if marker == "dusun" and just_marked and hint in _ADMIN_HINTS:
            marker = None   # "Desa Dukuh Kubu": Desa Dukuh (in Kubu), the hamlet's word as a name
        if marker in {"rt", "rw"} and words and words[-1] is not None and hints[-1] is None:
            # "Ulujami rw 05": an RT/RW is part of a desa or kelurahan, so the name before it is
            # one (Kel. Ulujami, Jakarta), not the kecamatan of that name (Pemalang)
            k = len(words) - 1
            while k >= 0 and words[k] is not None and hints[k] is None:
                hints[k] = "desa"
                k -= 1
        if marker is not None:
            hint = _MARKER_HINTS.get(marker)
            if tok.norm == "kelurahan":
                hint = "kelurahan"       # an urban kelurahan, not a rural desa of the same name
            just_marked = True
            # "kota"/"kampung"/"dusun" are also the first word of names ("Kota Baru", "Kampung
            # Melayu", Kec. Dusun Utara in Barito Selatan)
            if tok.norm in {"kota", "kampung", "dusun", "gampong"}:
                push(tok.norm, "marker", False)
            else:
                push(None, None, False)
            continue
        if tok.norm in _BREAK_WORDS and not (just_marked and hint in ("desa", "kelurahan")
                                             and tok.norm in _NUMBERED_HEADS):
            push(None, None, False)
            # "jalan ke badau": the road to Badau, whose name is no street's
            hint = None if tok.norm in {"di", "in", "at", "dekat", "near", "sekitar", "ke", "dari"} else hint
            just_marked = False
            continue
        # the word as typed: shorthand expansion would turn a village "Toya" into "air"
        if glue:
            words[-1] = f"{words[-1]}{tok.base or tok.norm}"
            continue
        words.append(_reduplicated_name(tok) or tok.base or tok.norm)
        # "luapan way sedayu", "kali kamoning": the river's name, alone, is not where the message
        # is from (a village of that name is; "Sungai Tabuk" as a whole name still is one)
        river = hint is None and len(words) > 1 and words[-2] in lexicon.RIVER_WORDS and not is_doubled(tok)
        hints.append("river" if river else hint)
        after.append(just_marked)
        just_marked = False
    return words, hints, after


def _without_province_words(g: _Gazetteer, hits: list[_Hit], by_idx: dict[int, list[_Hit]],
                            whole_spans: frozenset[tuple[int, int]], words: Sequence[str | None]) -> list[_Hit]:
    """ "banjir di Jawa Tengah", "Papua Pegunungan", "banjir Papua": a province's whole name is
    the province, not Desa Jawa Tengah (Kubu Raya), Desa Jawa or Desa Papua, and its words back
    no neighbour; unless "desa" or a parent named says the village is meant. (A one-word name
    only where no kabupaten, city or kecamatan bears it.)"""
    towns = {(h.start, h.end) for h in hits if g.levels[h.idx] in (_KAB, _KEC)}
    spans = [(h.start, h.end) for h in hits if g.levels[h.idx] == _PROV and h.quality == 1.0
             and (h.end - h.start > 1 or (h.start, h.end) not in towns)]
    if not spans:
        return hits
    return [h for h in hits if g.levels[h.idx] == _PROV or h.hint in _ADMIN_HINTS
            or not any(a <= h.start and h.end <= b for a, b in spans)
            or _support(g, h, by_idx, whole_spans, words) > 0]


def _reduplicated_name(tok: Token) -> str | None:
    """ "Batu-Batu", "Bulu-Bulu": the parser reads a doubled word as its plural ("batu"); a
    village of that name is kept whole."""
    word = doubled_word(tok)
    key = _canonical(word * 2) if word else ""
    return key if key and (key in gazetteer().by_key or key in _doubled_heads()) else None


@lru_cache(maxsize=1)
def _doubled_heads() -> frozenset[str]:
    """Names that begin with a doubled word ("Olak-Olak Kubu", "Batu Batu Ampar"): that word
    written doubled is the start of a name, not a plural."""
    out: set[str] = set()
    for name in gazetteer().names:
        words = re.split(r"[\s-]+", name.lower(), maxsplit=2)
        if len(words) > 1 and words[0] == words[1] and words[0]:
            out.add(_canonical(words[0] * 2))
    return frozenset(out)


def _ends_in_kota(words: list[str | None], hints: list[str | None], start: int, end: int) -> bool:
    """ "Garut Kota", "Medan Kota", "Poso Kota": "kota" as the last word of a kecamatan's name."""
    return (end - start > 1 and words[end - 1] == "kota" and hints[start] != "marker"
            and "marker" not in hints[start + 1:end - 1])


def _find_hits(g: _Gazetteer, words: list[str | None], hints: list[str | None],
               after_marker: list[bool], typos: bool = True) -> list[_Hit]:
    hits: list[_Hit] = []
    exact_covered: set[int] = set()
    spans: list[tuple[int, int, str]] = []
    n = len(words)
    for start in range(n):
        if words[start] is None:
            continue
        for end in range(start + 1, min(n, start + _MAX_NGRAM) + 1):
            if words[end - 1] is None:
                break
            span_words = words[start:end]
            if hints[start] == "marker" and end - start == 1:
                continue                       # a lone "kota"/"kampung" is no place
            if "marker" in hints[start + 1:end] and not _ends_in_kota(words, hints, start, end) \
                    and _canonical("".join(w for w in span_words if w)) not in g.by_key:
                break                          # a marker inside a span starts another name,
                                               # unless the whole span is one ("Amasing Kota Utara")
            opening = False
            if end - start == 1 and (span_words[0] in _SINGLE_STOP and not after_marker[start]):
                if not (start == 0 and n > 1 and words[1] is None):
                    continue
                # "Pantai, Rupit: ...": a message opening with a name and a comma, as a header;
                # an ordinary word there counts only with its parent named (resolve_place)
                opening = True
            key = _canonical("".join(w for w in span_words if w))
            if not key:
                continue
            spans.append((start, end, key))
            # a span starting with "kota"/"kampung" is a name of its own ("Kampung Melayu")
            hint = _OPENING if opening else hints[start] if hints[start] != "marker" else None
            keys = {key}
            if end - start > 1:   # "smg utara" -> "semarangutara", "tj pura" -> "tanjungpura"
                keys.add(_canonical("".join(_WORD_ALIASES.get(w, _HEAD_ALIASES.get(w, w)) if w else ""
                                            for w in span_words)))
            plain = "".join(w for w in span_words if w)
            for k in keys:
                for idx in g.by_key.get(k, ()):
                    hits.append(_Hit(idx, start, end, _OLD_SPELLING_QUALITY if _old_spelling_only(
                        g.names[idx], plain) else 1.0, hint, (k, idx) in g.neighbourhoods, after_marker[start]))
                    exact_covered.update(range(start, end))
    # Typos: only spans none of whose words already matched exactly.
    for start, end, key in spans if typos else ():
        if len(key) < 5 or exact_covered.intersection(range(start, end)) or key in g.by_key:
            continue
        if end - start == 1 and words[start] in _SINGLE_STOP:
            continue
        hint = hints[start] if hints[start] != "marker" else None
        for fkey, dist in g.fuzzy_keys(key):
            quality = 1.0 - 0.15 * dist
            for idx in g.by_key[fkey]:
                hits.append(_Hit(idx, start, end, quality, hint))
    # A parent's long name one letter off, though the typo (or a word of it) is itself some other
    # place's name: "desa Bila sabbangparu" names Kec. Sabangparu (Wajo), not Desa Sabbang Paru
    # (Pinrang); "kec Kao Barrat" Kec. Kao Barat, not Kec. Kao. Only as a parent of a place read
    # elsewhere in the message, so it never stands alone, or as a whole run after its marker.
    if hits:   # (also in the whole-message pass, which reads no other typo)
        parents = {p for h in hits for p in g.chain(h.idx)}
        read = {h.idx for h in hits}
        for start, end, key in spans:
            if len(key) < _TYPO_PARENT_MIN or (key not in g.by_key
                                               and not exact_covered.intersection(range(start, end))):
                continue
            if hints[start] == "dusun":
                continue     # a hamlet's name is no parent: "dusun Sumber Rejo" is not Kec. Sumberejo
            for fkey, dist in g.fuzzy_keys(key):
                if dist == 1 and fkey != key:
                    hint = hints[start] if hints[start] != "marker" else None
                    # (or the whole run after its own marker: "kec Kao Barrat" is one name)
                    for idx in g.by_key[fkey]:
                        if g.levels[idx] in (_KEC, _KAB) and idx not in read and (
                                idx in parents or (end - start > 1 and after_marker[start]
                                                   and _LEVEL_OF_HINT.get(hint or "") == g.levels[idx])):
                            hits.append(_Hit(idx, start, end, 1.0 - 0.15 * dist, hint))
                            read.add(idx)
    # Names typed without (most of) their vowels: "glghwero pnti jmbr", "lppa snjai utr". Only
    # spans of such words with no exact hit; like a typo, a hit needs a parent named to count.
    for start, end, key in spans:
        span = [w for w in words[start:end] if w]
        if exact_covered.intersection(range(start, end)) or not all(_devowelled_word(w) for w in span):
            continue
        hint = hints[start] if hints[start] != "marker" else None
        if len(_skeleton(key)) < 4 and hint in _ADMIN_HINTS:
            hint = None   # three consonants after "kelurahan" are as likely initials ("kdw": Kelapa Dua Wetan)
        for idx in g.by_skeleton().get(_skeleton(key), ()):
            hits.append(_Hit(idx, start, end, _SKELETON_QUALITY, hint))
    return hits


_VOWELS = frozenset("aeiou")
_SKELETON_QUALITY = 0.8
_TYPO_PARENT_MIN = 8   # letters of a word read as a parent's name one letter off


def _skeleton(key: str) -> str:
    """First letter, then the consonants: "glagahwero" -> "glghwr" (as lexicons/skeletons.tsv)."""
    return key[:1] + "".join(c for c in key[1:] if c not in _VOWELS)


def _devowelled_word(word: str) -> bool:
    """A word typed with most vowels dropped ("pnti", "snjai", "kntmani", "utr"), that is no
    Indonesian word and no hand-written shorthand ("bnjr" is banjir, not Desa Banjar)."""
    if len(word) < 3 or not word.isalpha() or word in lexicon.SHORTHAND or is_dictionary_word(word):
        return False
    vowels = sum(c in _VOWELS for c in word[1:])
    return vowels * 3 < len(word) and len(_skeleton(word)) >= 3


def _support(g: _Gazetteer, hit: _Hit, by_idx: dict[int, list[_Hit]],
             whole_spans: frozenset[tuple[int, int]], words: Sequence[str | None]) -> float:
    """Weight of the hit's parents named elsewhere in the text (non-overlapping spans).
    A parent right next to the hit does not count when the two spans together are exactly the
    whole name of another place ("Teluk Lingga" is a kelurahan in Kutai Timur, not Desa Teluk
    in Kabupaten Lingga)."""
    used = [(hit.start, hit.end)]
    total = 0.0
    chain = g.chain(hit.idx)
    own = _bare_key(g.names[hit.idx])
    # (in Papua and a few kabupaten the desa itself is a "kampung": "kampung Kurik distrik Kurik")
    marked = hit.hint in _ADMIN_HINTS or (hit.hint == "dusun" and g.levels[hit.idx] == _DESA
                                          and g.codes[hit.idx].startswith(lexicon.KAMPUNG_IS_DESA))
    for parent in chain:
        same_name = _bare_key(g.names[parent]) == own
        best: _Hit | None = None
        for cand in by_idx.get(parent, ()):
            if any(cand.start < e and s < cand.end for s, e in used):
                continue
            if same_name and not (cand.hint in _ADMIN_HINTS and marked):
                continue     # "di Pasangkayu ... BPBD Pasangkayu", "Bayung Lencir ... Kec. Bayung
                             # Lencir": the name again backs no place of it below; "ds larangan kec
                             # larangan", both marked, does
            if (cand.start == hit.end or cand.end == hit.start) and \
                    (min(cand.start, hit.start), max(cand.end, hit.end)) in whole_spans:
                continue
            if best is None or cand.weight > best.weight:
                best = cand
        if best is not None:
            used.append((best.start, best.end))
            # "kec. sarolangun" names the kecamatan: read as the kabupaten of the same name it
            # backs a village of another kecamatan only half as much
            total += best.weight * (0.5 if best.marked and best.hint in _PARENT_HINTS
                                    and _LEVEL_OF_HINT[best.hint] != g.levels[parent] else 1.0)
            if parent == chain[0] and best.start >= hit.end and all(w is None for w in words[hit.end:best.start]):
                # its own kecamatan (or kabupaten) written right after the name, or after a comma
                # or marker ("pancado taliabu selatan", "keutapang kec lhoksukon"): the place the
                # message is about, more than another of it named further on ("ke maluli")
                total += _RIGHT_AFTER
    return total


@lru_cache(maxsize=1 << 16)
def _bare_key(name: str) -> str:
    """A name's key without "Kabupaten"/"Kota": Kabupaten Pasangkayu and Kec. Pasangkayu share it."""
    lowered = name.lower()
    return _canonical(next((lowered[len(p):] for p in _KAB_PREFIXES if lowered.startswith(p)), lowered))


def _hint_bonus(g: _Gazetteer, hit: _Hit) -> float:
    hint = hit.hint
    if hint is None:
        return 0.0
    level, kind = g.levels[hit.idx], g.kinds[hit.idx]
    if hint == "dusun":
        if level == _DESA and g.codes[hit.idx].startswith(lexicon.KAMPUNG_IS_DESA):
            return 0.0   # "kampung Liki distrik Sarmi": in Papua the desa itself is a kampung
        return -0.6      # "Kampung Tambak Lorok Semarang": a town after a hamlet, but weakly
    wanted = _LEVEL_OF_HINT.get(hint, _PROV if hint == "provinsi" else None)
    if wanted is None:
        return 0.0
    if wanted != level:
        return -0.5
    if hint == "kelurahan" and kind == "kelurahan":
        return 0.7       # "Kelurahan Rua": Kel. Rua (Ternate) rather than Desa Rua (Sumba Barat)
    if level == _KAB and (hint == "kota") != (kind == "kota"):
        return -0.3      # "kota Bogor" vs "kab Bogor"
    return 0.5
