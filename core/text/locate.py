"""Where a help request is: shared location, coordinates or a plus code in the text, or a place name.

Order (the first that works wins, most precise first):
1. WhatsApp shared location (Twilio Latitude/Longitude)          -> source "whatsapp", ~20 m
2. coordinates typed in the text ("-7.78, 110.36", "lat -7.7 lon 110.4",
   "7°46'S 110°22'E", "7.78 LS 110.36 BT")                        -> "text_coords"
3. a plus code ("6P4GQCX2+XX", or short "QCX2+XX Sleman" recovered near the named area
   or ``reference``)                                              -> "plus_code"
4. a village / kecamatan / kabupaten name (core.text.gazetteer)          -> "gazetteer"
   tried with the place text after markers first ("di ds X kec Y"), then adding bare
   name-like words, then landmark names ("GOR Klaten"); the first resolved answer wins.
Coordinates outside a box around Indonesia are ignored (a typo or a time like "07.30, 08.15");
a latitude above 6.5° N cannot be in Indonesia, so a missing minus sign is assumed.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from collections.abc import Sequence
from typing import Literal

from openlocationcode import openlocationcode as olc

from siaga.core.text import lexicon, tables
from siaga.core.text.normalize import Token, is_dictionary_word, tokenize
from siaga.core.text.places import PlaceCandidates, capitalises_names, name_word, place_candidate_groups
from siaga.core.text.whose_place import (agency_seats, carried_to, carrier_words, compared_places, denied_places,
                                         first_name_word, help_origins, origin_words, referred_to,
                                         retracted_places, sender_places, water_origins, without_origins)
from siaga.core.text.gazetteer import (PlaceMatch, PlaceResolution, holds_a_place_named, is_district_name, is_kabupaten_name,
                                       is_whole_name, lookup_code, named_in,
                                       resolve_place)
from siaga.geo.incidents import IncidentArea, declared, holding_most, nearest_reach
from siaga.schemas.common import Location, LocationSource

LocateStatus = Literal["resolved", "ambiguous", "missing"]

WHATSAPP_ACCURACY_M = 20.0
_M_PER_DEG = 111_320.0
# Generous box around Indonesia (land spans lat -11..6, lon 95..141).
_LAT_RANGE = (-12.5, 7.5)
_LON_RANGE = (92.0, 142.5)
_NORTH_LIMIT = 6.5

_NUM = r"[-+−]?\d{1,3}(?:[.,]\d+)?"
_LAT_HEMI = r"(?:LS|LU|S|N)"
_LON_HEMI = r"(?:BT|BB|E|W)"

_LABELLED_LAT = re.compile(rf"\b(?:lat(?:itude)?|lintang)\s*[:=]?\s*({_NUM})\s*°?\s*({_LAT_HEMI})?\b", re.I)
_LABELLED_LON = re.compile(rf"\b(?:lon(?:g(?:itude)?)?|lng|bujur)\s*[:=]?\s*({_NUM})\s*°?\s*({_LON_HEMI})?\b", re.I)
_DMS = re.compile(
    r"(\d{1,3}(?:[.,]\d+)?)\s*[°º]\s*(?:(\d{1,2}(?:[.,]\d+)?)\s*['′’]\s*)?(?:(\d{1,2}(?:[.,]\d+)?)\s*(?:\"|″|''|”)\s*)?"
    r"(LS|LU|BT|BB|S|N|E|W)\b",
    re.I,
)
_DECIMAL_PAIR = re.compile(
    r"(?<![\w.,])([-+−]?\d{1,3}[.,]\d{2,})\s*°?\s*(LS|LU|S|N)?\s*(?:[,;/]\s*|\s+)"
    r"([-+−]?\d{1,3}[.,]\d{2,})\s*°?\s*(BT|BB|E|W)?(?![\d])",
    re.I,
)
_OLC_CHARS = "23456789CFGHJMPQRVWX"
_FULL_CODE = re.compile(rf"(?<![{_OLC_CHARS}])([{_OLC_CHARS}]{{4}})\s?([{_OLC_CHARS}]{{4}}\+[{_OLC_CHARS}]{{0,3}})", re.I)
_SHORT_CODE = re.compile(rf"(?<![{_OLC_CHARS}\w])([{_OLC_CHARS}]{{4,6}}\+[{_OLC_CHARS}]{{2,3}})(?![\w])", re.I)


@dataclass(frozen=True, slots=True)
class LocateResult:
    status: LocateStatus
    lat: float | None = None
    lon: float | None = None
    source: LocationSource | None = None
    accuracy_m: float | None = None
    place_name: str | None = None
    admin_code: str | None = None
    candidates: tuple[PlaceMatch, ...] = field(default_factory=tuple)  # for "which one?" replies
    note: str | None = None
    # resolved from a bare name (no parent named) away from every declared incident area:
    # coordinators should check it before trusting it
    low_confidence: bool = False

    @property
    def placed_clearly(self) -> bool:
        """Resolved to a point that is not in doubt: what learned incident areas are made of
        (geo/active_areas.py); a place chosen with a learned area's help is low confidence."""
        return self.status == "resolved" and self.lat is not None and self.lon is not None \
            and not self.low_confidence

    def to_location(self) -> Location | None:
        """The shared Location value, or None unless resolved."""
        if self.status != "resolved" or self.lat is None or self.lon is None or self.source is None:
            return None
        confidence = ("low" if self.low_confidence else "high") if self.source == "gazetteer" else None
        return Location(lat=self.lat, lon=self.lon, source=self.source, accuracy_m=self.accuracy_m,
                        place_name=self.place_name, admin_code=self.admin_code, confidence=confidence)


def locate(
    text: str,
    shared_lat: float | str | None = None,
    shared_lon: float | str | None = None,
    reference: tuple[float, float] | None = None,
    incidents: tuple[IncidentArea, ...] = (),
) -> LocateResult:
    """Resolve the location of a help message (see the module docstring for the order).
    ``incidents``: the deployment's incident areas (geo/incidents.py)."""
    text = text or ""
    shared = _shared_point(shared_lat, shared_lon)
    if shared is not None:
        return LocateResult("resolved", shared[0], shared[1], "whatsapp", WHATSAPP_ACCURACY_M)

    coords = find_coordinates(text)
    if coords is not None:
        lat, lon, accuracy = coords
        return LocateResult("resolved", lat, lon, "text_coords", accuracy)

    plus = _locate_plus_code(text, reference)
    if plus is not None:
        return plus

    return _locate_place_name(text, reference, incidents)


# --- 1. shared location -------------------------------------------------------------------

def _shared_point(lat: float | str | None, lon: float | str | None) -> tuple[float, float] | None:
    try:
        if lat is None or lon is None or lat == "" or lon == "":
            return None
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(la) and math.isfinite(lo) and -90 <= la <= 90 and -180 <= lo <= 180):
        return None
    return la, lo


# --- 2. coordinates in text ---------------------------------------------------------------

def find_coordinates(text: str) -> tuple[float, float, float] | None:
    """(lat, lon, accuracy_m) of coordinates written in ``text``, or None."""
    for finder in (_labelled, _dms, _decimal_pair):
        found = finder(text)
        if found is not None:
            return found
    return None


def _number(raw: str) -> float:
    return float(raw.replace("−", "-").replace(",", "."))


def _decimals(raw: str) -> int:
    parts = re.split(r"[.,]", raw, maxsplit=1)
    return len(parts[1]) if len(parts) == 2 else 0


def _accuracy_for_decimals(decimals: int) -> float:
    # half of the last digit's step on the ground: 2 decimals ~ 560 m, 4 ~ 6 m
    return round(max(10.0, 0.5 * _M_PER_DEG * 10.0 ** (-decimals)), 1)


def _apply_hemisphere(value: float, hemi: str | None) -> float:
    if not hemi:
        return value
    hemi = hemi.upper()
    if hemi in {"S", "LS", "W", "BB"}:
        return -abs(value)
    return abs(value)


def _plausible(lat: float, lon: float, hemi_given: bool) -> tuple[float, float] | None:
    if not hemi_given and lat > _NORTH_LIMIT and _LAT_RANGE[0] <= -lat:
        lat = -lat   # "7.78, 110.36": nothing in Indonesia lies that far north
    if _LAT_RANGE[0] <= lat <= _LAT_RANGE[1] and _LON_RANGE[0] <= lon <= _LON_RANGE[1]:
        return lat, lon
    return None


def _labelled(text: str) -> tuple[float, float, float] | None:
    mlat, mlon = _LABELLED_LAT.search(text), _LABELLED_LON.search(text)
    if not (mlat and mlon):
        return None
    lat = _apply_hemisphere(_number(mlat.group(1)), mlat.group(2))
    lon = _apply_hemisphere(_number(mlon.group(1)), mlon.group(2))
    point = _plausible(lat, lon, bool(mlat.group(2)) or mlat.group(1).lstrip().startswith(("-", "−")))
    if point is None:
        return None
    decimals = min(_decimals(mlat.group(1)), _decimals(mlon.group(1)))
    return point[0], point[1], _accuracy_for_decimals(decimals)


def _dms(text: str) -> tuple[float, float, float] | None:
    lat = lon = None
    acc = 10.0
    for m in _DMS.finditer(text):
        deg, minutes, seconds, hemi = m.groups()
        value = _number(deg) + (_number(minutes) / 60 if minutes else 0) + (_number(seconds) / 3600 if seconds else 0)
        value = _apply_hemisphere(value, hemi)
        step = 1 / 3600 if seconds else (1 / 60 if minutes else 1.0)
        acc = round(max(acc, 0.5 * _M_PER_DEG * step), 1)
        if hemi.upper() in {"S", "N", "LS", "LU"} and lat is None:
            lat = value
        elif hemi.upper() in {"E", "W", "BT", "BB"} and lon is None:
            lon = value
    if lat is None or lon is None:
        return None
    point = _plausible(lat, lon, True)
    return (point[0], point[1], acc) if point else None


def _decimal_pair(text: str) -> tuple[float, float, float] | None:
    for m in _DECIMAL_PAIR.finditer(text):
        a_raw, a_hemi, b_raw, b_hemi = m.groups()
        a = _apply_hemisphere(_number(a_raw), a_hemi)
        b = _apply_hemisphere(_number(b_raw), b_hemi)
        a_signed = bool(a_hemi) or a_raw.startswith(("-", "−"))
        point = _plausible(a, b, a_signed)
        if point is None and not a_hemi and not b_hemi:
            # lon, lat order (GeoJSON, BMKG <coordinates>)
            point = _plausible(b, a, b_raw.startswith(("-", "−")))
        if point is not None:
            decimals = min(_decimals(a_raw), _decimals(b_raw))
            return point[0], point[1], _accuracy_for_decimals(decimals)
    return None


# --- 3. plus codes --------------------------------------------------------------------------

def _code_accuracy(code: str) -> float:
    area = olc.decode(code)
    height = (area.latitudeHi - area.latitudeLo) * _M_PER_DEG
    width = (area.longitudeHi - area.longitudeLo) * _M_PER_DEG * math.cos(math.radians(area.latitudeCenter))
    return round(max(3.0, 0.5 * math.hypot(height, width)), 1)


def _locate_plus_code(text: str, reference: tuple[float, float] | None) -> LocateResult | None:
    for m in _FULL_CODE.finditer(text):
        code = (m.group(1) + m.group(2)).upper()
        if olc.isValid(code) and olc.isFull(code):
            area = olc.decode(code)
            return LocateResult("resolved", round(area.latitudeCenter, 7), round(area.longitudeCenter, 7),
                                "plus_code", _code_accuracy(code))
    for m in _SHORT_CODE.finditer(text):
        code = m.group(1).upper()
        if not (olc.isValid(code) and olc.isShort(code)):
            continue
        rest = (text[:m.start()] + " " + text[m.end():]).strip()
        ref_point = reference
        place = _locate_place_name(rest, reference) if rest else None
        if place is not None and place.status == "resolved":
            ref_point = (place.lat, place.lon)  # type: ignore[assignment]
        if ref_point is None:
            options = place.candidates if place else ()
            return LocateResult(
                "ambiguous" if options else "missing", candidates=options,
                note=f"short plus code {code} needs a town or area name to be recovered",
            )
        full = olc.recoverNearest(code, ref_point[0], ref_point[1])
        area = olc.decode(full)
        return LocateResult("resolved", round(area.latitudeCenter, 7), round(area.longitudeCenter, 7),
                            "plus_code", _code_accuracy(full))
    return None


# --- 4. place names ---------------------------------------------------------------------------

_IN_NAMES = frozenset({"kota", "kampung"})   # markers that also end names ("Garut Kota")


def _whole_names(tokens: Sequence[Token]) -> tuple[str, ...]:
    """Runs of two or three words that are together the whole name of a place ("kuta raja",
    "bidara cina", "palu timur"): found in lower case too, though each word alone is an
    ordinary one, since a whole name of several words is rarely written by chance."""
    out: list[str] = []
    n = len(tokens)
    # where names are capitalised, ordinary words in lower case are no name ("Jl. Pagarsih arus
    # deras": a strong current, not Desa Arus Deras in Kubu Raya)
    capitalised = capitalises_names(tokens)
    for i in range(n):
        if _street_at(tokens, i):
            continue
        three = tokens[i:i + 3]
        if _headed_three(three) and is_whole_name([t.raw for t in three]):
            out.append(" ".join(t.raw for t in three))
            continue
        for j in range(i + 2, min(n, i + 3) + 1):
            span = tokens[i:j]
            if _headed_name(span) or (capitalised and _headed_capitals(span)):
                if is_whole_name([t.raw for t in span]):
                    out.append(" ".join(t.raw for t in span))
                continue
            # later words may be words that are no name alone ("Raja Seberang", "Depati Tujuh")
            if not all(_run_word(t, k) for k, t in enumerate(span)):   # "we're ok" is not Kec. Reok
                break
            if capitalised and all(t.raw.islower() and is_dictionary_word(t.norm) for t in span):
                continue
            if is_whole_name([t.raw for t in span]) \
                    and " ".join(t.norm for t in span) not in lexicon.PHRASES_NOT_PLACES:
                out.append(" ".join(t.raw for t in span))
    return tuple(dict.fromkeys(out))


def _run_word(t: Token, k: int) -> bool:
    """Whether the k-th word of a run may be part of a whole name read in lower case: a name
    word, a head's short form first ("tj selor hilir"), or later a word that is no name alone."""
    if t.kind != "word":
        return False
    if k == 0 and t.norm in lexicon.NAME_HEAD_ABBREVIATIONS:
        return True
    return len(t.raw) >= 3 and (name_word(t, k > 0) or (k > 0 and (
        t.norm in _IN_NAMES or t.norm in lexicon.NON_PLACE_WORDS or t.norm in lexicon.NUMBER_WORDS_ID)))


def _street_at(tokens: Sequence[Token], i: int) -> bool:
    """The words from i on are part of a street's name ("Jl. Pulo harapan indah"): a street
    named after a place is not in it. Looks back over up to four words of the same name."""
    k, words = i - 1, 0
    while k >= 0 and words <= 4:
        tok = tokens[k]
        if tok.kind == "punct" and tok.norm != ".":
            return False
        if tok.kind == "word":
            if lexicon.PLACE_MARKERS.get(tok.norm) == "street":
                return True
            if tok.norm in lexicon.PLACE_PREPOSITIONS or tok.norm in lexicon.FUNCTION_WORDS \
                    or tok.norm in lexicon.PLACE_MARKERS:
                return False
            words += 1
        k -= 1
    return False


_PEOPLE_OF = frozenset({"warga", "korban", "pengungsi"})


def _cued_regions(tokens: Sequence[Token]) -> tuple[str, ...]:
    """"banjir landak", "gempa agam", "longsor batang": the word right after a disaster noun
    names where it struck; "kirim bantuan ke tual", "dikirim ka pati": the word after "ke" names
    where help goes. An ordinary word there ("landak": porcupine) is read as a place only
    when it is a kabupaten's or city's name (a village's name there is too often an adjective).
    Two capitalised words there that are together a place's whole name are one too ("posko
    banjir Pesisir Selatan", "ka Danau Panggang"), though each alone is an ordinary word."""
    words = [t for t in tokens if t.kind == "word"]
    out: list[str] = []
    for i, (prev, tok) in enumerate(zip(words, words[1:])):
        if prev.norm in _PEOPLE_OF and len(tok.norm) >= 4 and tok.norm not in lexicon.NON_PLACE_WORDS \
                and is_kabupaten_name(tok.norm):
            out.append(tok.raw)   # "utk warga belu yg kekeringan": the people of Kabupaten Belu
            continue
        if prev.norm not in lexicon.DISASTER_WORDS and prev.norm not in lexicon.TOWARD_WORDS:
            continue
        pair = words[i + 1:i + 3]
        if len(pair) == 2 and all(t.raw[:1].isupper() for t in pair) and is_whole_name([t.raw for t in pair]):
            out.append(" ".join(t.raw for t in pair))
        elif len(tok.norm) >= 4 and tok.norm not in lexicon.DISASTER_WORDS and tok.norm not in lexicon.NON_PLACE_WORDS \
                and tok.norm not in lexicon.COMMON_PLACE_NOUNS and tok.norm not in lexicon.NAME_HEADS \
                and is_dictionary_word(tok.norm) and is_kabupaten_name(tok.norm):   # "longsor batu": rock
            out.append(tok.raw)
        elif len(tok.norm) >= 5 and not is_dictionary_word(tok.norm) and is_dictionary_word(tok.stem) \
                and is_district_name(tok.norm):
            # no word itself, though the stemmer finds one in it ("rob derawan": dawan, "banjir
            # haruku": haru), so no bare candidate; after a disaster noun a district's name is one
            out.append(tok.raw)
    return tuple(out)



def _longest_names(groups: PlaceCandidates, whole: tuple[str, ...]) -> PlaceCandidates:
    """A marked candidate that is only part of a whole name written in the message takes the
    whole name: "Amasing Kota Utara" is not Kec. Kota Utara (Gorontalo), "desa Raja Seberang" not
    one of the villages named Raja. The whole name either ends with the candidate's words or
    begins with its last ones."""
    if not whole or not groups.marked:
        return groups
    names = [w.split() for w in whole]
    out: list[str] = []
    for cand in groups.marked:
        words = cand.replace(",", " ,").split()
        low = [w.lower() for w in words]
        grown = cand
        for name in names:
            lname = [w.lower() for w in name]
            if len(lname) > len(low) and lname[-len(low):] == low:
                grown = " ".join(name)
                break
            overlap = next((k for k in range(min(len(low), len(lname) - 1), 0, -1) if low[-k:] == lname[:k]), 0)
            if overlap:
                grown = " ".join(words + name[overlap:]).replace(" ,", ",")
                break
        out.append(grown)
    return replace(groups, marked=tuple(dict.fromkeys(out)))


def _headed_name(span: Sequence[Token]) -> bool:
    """A head noun followed by words that are no ordinary words ("Sungai Lulut", "sungai pua",
    "Lembah Anai"): the run may be a place's whole name, though the head alone is a landmark noun."""
    head, rest = span[0], span[1:]
    return (head.kind == "word" and head.norm in lexicon.NAME_HEADS
            and all(t.kind == "word" and len(t.raw) >= 3 and not is_dictionary_word(t.norm)
                    and t.norm not in tables.ordinary_words() and name_word(t, True) for t in rest))


def _headed_capitals(span: Sequence[Token]) -> bool:
    """A head noun and a name both capitalised, by a writer who capitalises names ("Bukit Duri
    rt 06", "Pondok Bambu"): the whole name of a place, though the second word is an ordinary one."""
    return (len(span) == 2 and all(t.kind == "word" for t in span) and span[0].norm in lexicon.NAME_HEADS
            and all(len(t.raw) >= 3 and t.raw[0].isupper() and t.raw[1:].islower() for t in span))


def _headed_three(span: Sequence[Token]) -> bool:
    """Three capitalised words after a head noun's place ("Pasar Muara Labuh"): a whole name of
    three words is not written by chance, even of ordinary words."""
    return (len(span) == 3 and span[0].kind == "word" and span[0].norm in lexicon.NAME_HEADS
            and all(t.kind == "word" and t.raw[:1].isupper() for t in span))


def _ordinary_word(name: str, tokens: Sequence[Token]) -> bool:
    """A one-word name that is also an ordinary word, written without "desa"/"kel."/"kec."
    before it (with one, the writer says it is a place: "Balai Desa Trimurti")."""
    words = name.lower().split()
    if len(words) != 1 or not (is_dictionary_word(words[0]) or words[0] in lexicon.COMMON_PLACE_NOUNS
                               or words[0] in tables.ordinary_words()):
        return False
    seen = [t for t in tokens if t.kind == "word"]
    for i, t in enumerate(seen):
        # (not "rt"/"rw": "Warga rw02 buat saluran" makes a drain; an RT is numbered, not named)
        if t.norm == words[0] and i > 0 and lexicon.PLACE_MARKERS.get(seen[i - 1].norm) not in {None, "rt", "rw"} \
                and seen[i - 1].norm not in _IN_NAMES:
            return False
    return True


_LANDMARK = "the name of a landmark, which may be named after a place elsewhere; which place?"


def _landmark_name(name: str, tokens: Sequence[Token]) -> bool:
    """The village's name is written only as a landmark's ("Univ Borobudur", "Pelabuhan Tanjung
    Emas", "Tawang station"): universities, ports and stations are often named after a place
    elsewhere, so with nothing else backing it the village is asked about, not sent to."""
    words = name.lower().split()
    seen = [t.norm for t in tokens if t.kind == "word"]
    spots = [i for i in range(len(seen) - len(words) + 1) if seen[i:i + len(words)] == words]
    return bool(spots) and all(
        # "Komplek Pondok Cikunir Indah": the noun may stand a word before the name
        (i > 0 and seen[i - 1] in lexicon.NAMED_AFTER_ELSEWHERE)
        or (i > 1 and seen[i - 2] in lexicon.NAMED_AFTER_ELSEWHERE and seen[i - 1] not in _NOT_IN_NAMES)
        or (i + len(words) < len(seen) and (seen[i + len(words)] in lexicon.NAMED_AFTER_ELSEWHERE_AFTER
                                            or seen[i + len(words)] in lexicon.ESTATE_SUFFIXES))
        for i in spots)


# words between an estate's noun and a place that say it is in or near the place ("perumahan
# di sawangan", "perumahan dekat cakung"), not part of the estate's name
_NOT_IN_NAMES = lexicon.PLACE_PREPOSITIONS | lexicon.FUNCTION_WORDS


def _written_destination(best: PlaceMatch, tokens: Sequence[Token]) -> bool:
    """The name, capitalised, is where help is carried ("bisa kirim kapal logistik ke Weda"):
    a place, though also an ordinary word."""
    name = best.name.lower()
    return name in carried_to(tokens)[0] and any(t.kind == "word" and t.norm == name and t.raw[:1].isupper()
                                                 for t in tokens)


def _short_for_it(candidates: Sequence[str], best: PlaceMatch) -> bool:
    """Every candidate an ordinary word that stands for the place only as a short form: "di
    loteng rumah" (the attic) is not Lombok Tengah ("Loteng") unless something else says so."""
    words = [w for c in candidates for w in _naming_parts(c.lower())]
    name = best.name.lower().split()
    return all(len(w.split()) == 1 and is_dictionary_word(w) and w not in name for w in words)


def _naming_parts(candidate: str) -> list[str]:
    """The comma-separated parts of a candidate that name some place ("loteng, hp": "hp" names
    none), or the candidate whole when none does."""
    parts = [p for p in (x.strip() for x in candidate.split(",")) if p]
    named = [p for p in parts if is_whole_name(p.split())]
    return named or [candidate]


def low_confidence(best: PlaceMatch, text: str, incidents: tuple[IncidentArea, ...]) -> bool:
    """A village or kecamatan resolved from its bare name (no parent named in the text) away
    from every declared incident area: coordinators should check it."""
    return (best.level != "kabupaten" and not named_in(best, text)
            and nearest_reach(declared(incidents), best.lat, best.lon, best.code) > 1.0)


def _locate_place_name(text: str, reference: tuple[float, float] | None,
                       incidents: tuple[IncidentArea, ...] = ()) -> LocateResult:
    tokens = tokenize(text)
    # "kel kampung baru soe, eh salah kota baru maksudnya": the name meant in place of the slip
    retracted = retracted_places(tokens)
    if retracted:
        for start, end, meant in reversed(retracted):
            text = text[:start] + meant + text[end:]
        tokens = tokenize(text)
    # "(bukan kota Kupang NTT)": the place it is not, nor that place's parents; "seperti banjir
    # Garut 2016": the place of another disaster
    denied = sorted(denied_places(tokens, is_whole_name, holds_a_place_named) + compared_places(tokens))
    if denied:
        for start, end in reversed(denied):
            text = text[:start] + " " * (end - start) + text[end:]
        tokens = tokenize(text)
    origins = water_origins(tokens)
    if origins:   # where the flood water comes from is neither the place nor its parent
        text = re.sub(r"(?<!\w)(?:" + "|".join(map(re.escape, origins)) + r")(?!\w)", " ", text,
                      flags=re.IGNORECASE)
        tokens = tokenize(text)
    # where a helper writes from, and where patients are referred to: not where help is wanted
    senders = sender_places(tokens) | referred_to(tokens)
    agencies = agency_seats(tokens) - senders
    found = _from_candidates(text, tokens, reference, incidents, senders | agencies)
    if agencies and found.status == "missing":
        # the agency's seat is the only place named ("bpbd tanbu buka posko donasi dmn?")
        found = _from_candidates(text, tokens, reference, incidents, senders)
    else:
        senders |= agencies
    # the whole-message pass must not bring back where a helper writes from, nor put where someone
    # comes from in place of another answer ("donasi banjir sarolangun ... kami mau bantu dr kota
    # jambi"; though "dr Ipuh ke Mukomuko" may go down to Kec. Ipuh in Mukomuko)
    helpers_town = senders if found.status != "missing" else set()
    origins = origin_words(tokens) if found.status != "missing" else set()
    carrier = carrier_words(tokens) if found.status == "resolved" else set()
    from_codes = _named_from(tokens, origins)
    whole = None
    if found.status == "resolved" and found.admin_code in from_codes:
        # "mau kirim beras dari Enarotali" with "banjir deiyai" in lower case: the only candidate
        # was where the goods come from; a place the whole message names with its parent wins
        whole = resolve_place(text, near=reference, incidents=incidents, typos=False)
        # (not a namesake of where it comes from: "update dr desa Indramayu, Sumsel" names no
        # Kabupaten Indramayu)
        origin_names = {_without_kab_prefix(c.name).lower() for c in whole.candidates if c.code in from_codes}
        best = next((c for c in whole.candidates if c.code != found.admin_code and c.code not in from_codes
                     and _without_kab_prefix(c.name).lower() not in origin_names
                     and (c.level == "kabupaten" or named_in(c, _without_name(text, c.name)))), None)
        if whole.status != "not_found" and best is not None:
            return _near_the_incidents(_resolved(best, whole.candidates, low_confidence(best, text, incidents)),
                                       incidents)
    return _not_helpers(_near_the_incidents(_both_named(_refined(text, tokens, found, reference, incidents, helpers_town,
                                                                 origins, carrier, from_codes, whole), tokens, text),
                                            incidents), help_origins(tokens))


def _not_helpers(result: LocateResult, origins: set[str]) -> LocateResult:
    """The answer is only where help comes from ("trm ksh relawan dr Putussibau" once the village
    thanked was not found): that names no place in need."""
    if result.status != "resolved" or not result.admin_code or not origins:
        return result
    best = lookup_code(result.admin_code)
    if best is None or first_name_word(_without_kab_prefix(best.name)) not in origins:
        return result
    return LocateResult("missing", note="only where help comes from is named")


def _both_named(found: LocateResult, tokens: Sequence[Token], text: str) -> LocateResult:
    """Two places of one level written as a pair under the parent named ("terasa di Tehoru dan
    Saparua, Maluku Tengah", "desa A & B kec C"): the message is about both, so the answer is the
    parent they share, not whichever of them scored a little higher."""
    best = next((c for c in found.candidates if c.code == found.admin_code), None) \
        if found.status == "resolved" else None
    if best is None or best.level == "kabupaten" or not named_in(best, text, below_province=True):
        return found
    words = [t.norm for t in tokens if t.kind == "word" or t.norm == "&"]
    spots = {w: i for i, w in enumerate(words)}
    at = spots.get(best.name.lower().split()[-1]) if best.name else None
    if at is None:
        return found
    for other in found.candidates:
        if other.level != best.level or other.code == best.code or other.parents[-2:] != best.parents[-2:]:
            continue        # (siblings in one kabupaten)
        # (spots hold each name's last word: the pair is "<first> dan <second>", the second
        # name's words right after the conjunction)
        o = spots.get(other.name.lower().split()[-1])
        second = len(best.name.split()) if o is not None and o < at else len(other.name.split())
        if o is None or abs(o - at) != second + 1 or words[min(o, at) + 1] not in _PAIRED_BY:
            continue
        shared = _shared_parent(best.code, other.code)
        parent = lookup_code(shared) if shared else None
        if parent is not None:
            return _resolved(parent, found.candidates, False)
    return found


_PAIRED_BY = frozenset({"dan", "and", "&", "serta"})


def _shared_parent(a: str, b: str) -> str:
    """The code of the smallest area holding both (of the same level): 81.01.11 and 81.01.12 -> 81.01."""
    shared = []
    for x, y in zip(a.split(".")[:-1], b.split(".")[:-1]):
        if x != y:
            break
        shared.append(x)
    return ".".join(shared) if len(shared) >= 2 else ""


def _named_from(tokens: Sequence[Token], origins: set[str]) -> frozenset[str]:
    """The places named after "dari"/"from" (a candidate starting with an origin word, resolved
    alone): where someone or something comes from ("dr Pangkalan Bun": Kec. Arut Selatan)."""
    if not origins:
        return frozenset()
    named = [c for c in place_candidate_groups(tokens).all() if first_name_word(c) in origins]
    return frozenset(r.best.code for r in (resolve_place(c, typos=False) for c in named) if r.best is not None)


_FAR = "a place of this name, far from every incident area; which place?"
_OTHER_PROVINCE = "a place of this name, but not in the province named; which place?"


def _near_the_incidents(result: LocateResult, incidents: tuple[IncidentArea, ...]) -> LocateResult:
    """Where a deployment declares its incident areas, a place resolved from a bare name (no
    parent named) far from all of them is asked about, not sent to: a namesake inside an area
    would have won (gazetteer), so the message names a place the disaster did not reach, or a
    street or kampung that shares a village's name far away. Without declared areas there is
    nothing to compare with, and such a place stays resolved, marked low confidence; unless a
    learned area holds most of the recent requests (geo/active_areas.py): the disaster is there,
    as if declared."""
    if result.status != "resolved" or not result.low_confidence or result.lat is None or result.lon is None:
        return result
    most = holding_most(incidents)
    if declared(incidents) or (most and nearest_reach(most, result.lat, result.lon, result.admin_code) > 1.0):
        return LocateResult("ambiguous", candidates=result.candidates, note=_FAR)
    return result


_ORDINARY = "an ordinary word that is also a place name; which place?"
# The whole-message pass overrules a resolved place outside it only with at least one more
# name backing it (a parent or a neighbour: about one name's weight more).
_CLEARLY_MORE = 1.0


def _from_candidates(text: str, tokens: Sequence[Token], reference: tuple[float, float] | None,
                     incidents: tuple[IncidentArea, ...], senders: set[str]) -> LocateResult:
    """The place named by the extracted candidates, most trusted stage first."""
    whole_names = _whole_names(tokens)
    groups = _longest_names(place_candidate_groups(tokens), whole_names)
    # a whole name already inside a candidate (grown to it just above: "kel kelapa" -> "kel kelapa
    # lima") would be counted twice, as its own parent (Kec. Kelapa Lima, Kupang, for "... merauke")
    whole = tuple(w for w in (*whole_names, *_cued_regions(tokens))
                  if not any(_inside(w, c) for c in groups.all()))
    groups = without_origins(replace(groups, bare=groups.bare + whole), tokens, senders)
    groups = _without_volcanoes(groups)
    stages = groups.stages()
    if not stages:
        return LocateResult("missing", note="no place name found")
    fallback: LocateResult | None = None
    for k, candidates in enumerate(stages):
        # One query with every candidate: parents named in another phrase still disambiguate.
        resolution = resolve_place(" , ".join(candidates), near=reference, incidents=incidents)
        if resolution.status == "resolved" and resolution.best is not None:
            resolution = _deeper(resolution, stages[k + 1:], reference, incidents)
            best = resolution.best
            assert best is not None
            low = low_confidence(best, text, incidents)
            if not resolution.evidence and ((low and _ordinary_word(best.name, tokens)
                                             and not _written_destination(best, tokens))
                                            or _short_for_it(candidates, best)):
                # "lembur" (Sundanese: village), "meunasah" (a prayer hall), "tangga": a word
                # that is also a village somewhere far away. Ask rather than send help there.
                return LocateResult("ambiguous", candidates=resolution.candidates, note=_ORDINARY)
            if not resolution.evidence and low and _landmark_name(best.name, tokens):
                return LocateResult("ambiguous", candidates=resolution.candidates, note=_LANDMARK)
            if not resolution.evidence and not (groups.marked or groups.bare) \
                    and _feature_word(_without_kab_prefix(best.name), tokens):
                # only a natural feature's name, an ordinary word, and a city's ("bukit batu asap
                # tebal": a stone hill, not Kota Batu): nothing says it is the place
                return LocateResult("ambiguous", candidates=resolution.candidates, note=_ORDINARY)
            return _resolved(best, resolution.candidates, low)
        if resolution.status == "ambiguous" and fallback is None:
            common = _common_kecamatan(resolution.candidates)
            if common is not None:
                return _resolved(common, resolution.candidates, low_confidence(common, text, incidents))
            fallback = LocateResult("ambiguous", candidates=resolution.candidates,
                                    note="several places share this name")
    # Less trusted candidates (bare words, landmark names) may only add noise: keep the
    # ambiguity found with the most trusted ones.
    return fallback or LocateResult("missing", note="place name not in the gazetteer")


_FEATURES = lexicon.WATER_BODIES | frozenset({"bukit", "gunung", "lembah", "pantai", "hutan"})


def _feature_word(name: str, tokens: Sequence[Token]) -> bool:
    """An ordinary word written only right after a hill's, river's or forest's noun ("bukit
    batu": a stone hill): it describes the feature. Not a posko's or a market's ("posko tual":
    a post is named after its town)."""
    if not _ordinary_word(name, tokens):
        return False
    seen = [t.norm for t in tokens if t.kind == "word"]
    spots = [i for i, w in enumerate(seen) if w == name.lower()]
    return bool(spots) and all(i > 0 and seen[i - 1] in _FEATURES for i in spots)


def _without_kab_prefix(name: str) -> str:
    """"Kota Batu" -> "Batu"; other names as they are."""
    lowered = name.lower()
    return next((name[len(p):] for p in ("kota ", "kabupaten ") if lowered.startswith(p)), name)


def _deeper(resolution: PlaceResolution, later: Sequence[tuple[str, ...]], reference: tuple[float, float] | None,
            incidents: tuple[IncidentArea, ...]) -> PlaceResolution:
    """A kabupaten named with its marker, and a place in it named bare ("dikerahkan ke Tebo Ilir
    ... posko kab tebo"): the place, found with the less trusted candidates, when they resolve
    to one inside that kabupaten."""
    best = resolution.best
    if best is None or best.level != "kabupaten" or not later:
        return resolution
    deeper = resolve_place(" , ".join(later[0]), near=reference, incidents=incidents)
    if deeper.status == "resolved" and deeper.best is not None and deeper.best.code.startswith(best.code + "."):
        return deeper
    return resolution


def _without_volcanoes(groups: PlaceCandidates) -> PlaceCandidates:
    """"pengungsi Merapi", "posko Merapi": a volcano's bare name is the mountain, not the village
    of that name (lexicons/volcanoes.tsv); "Desa Merapi" keeps its marker and stays a place."""
    volcanoes = tables.volcanoes()

    def keep(cs: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(c for c in cs if c.lower() not in volcanoes)

    return PlaceCandidates(keep(groups.marked), keep(groups.bare), keep(groups.landmarks))


def _common_kecamatan(candidates: tuple[PlaceMatch, ...]) -> PlaceMatch | None:
    """"warga Bube dan Ulanta ngungsi": two villages named, tied, both in Kec. Suwawa. The
    tie is between neighbours, not namesakes: the kecamatan they share is the answer."""
    if not candidates:
        return None
    tied = [c for c in candidates if candidates[0].score - c.score < _TIE]
    if len(tied) < 2 or len(tied) == len(candidates) == _LISTED or any(c.level != "desa" for c in tied):
        return None
    if len({c.name.lower() for c in tied}) != len(tied) or len({c.code.rsplit(".", 1)[0] for c in tied}) != 1:
        return None
    return lookup_code(tied[0].code.rsplit(".", 1)[0])


_TIE = 0.1        # gazetteer._AMBIGUITY_MARGIN
_LISTED = 5       # gazetteer._MAX_CANDIDATES: a full list of tied places may hide more


def _refined(text: str, tokens: Sequence[Token], found: LocateResult, reference: tuple[float, float] | None,
             incidents: tuple[IncidentArea, ...], senders: frozenset[str] | set[str] = frozenset(),
             origins: frozenset[str] | set[str] = frozenset(),
             carrier: frozenset[str] | set[str] = frozenset(), from_codes: frozenset[str] = frozenset(),
             whole: PlaceResolution | None = None) -> LocateResult:
    """Every n-gram of the whole message against the gazetteer, trusted only with a parent named
    too: "trienggadeng pidie jaya", "waai, salahutu", "Passo Baguala, Kota Ambon". It may go
    deeper than what the candidates found (a kecamatan under the kabupaten they resolved),
    settle their ambiguity (one of their candidates or a namesake of them), overrule an ordinary
    word read as a place when a place with its parent is named, or find what they missed; never
    replace a resolved place by one outside it."""
    if whole is None:   # (already resolved when only an origin was found)
        whole = resolve_place(text, near=reference, incidents=incidents, typos=False)
    best = whole.best
    if best is not None and (any(best.code == c.code for c in _places_named(senders))
                             or (senders and set(_without_kab_prefix(best.name).lower().split()) <= senders)):
        return found           # a helper's own town may be a parent, never the answer ("muara beliti")
    if best is not None and found.admin_code and not best.code.startswith(found.admin_code + ".") \
            and (any(best.code == c.code for c in _places_named(origins)) or best.code in from_codes):
        return found           # where someone comes from replaces no answer ("dr Pangkalan Bun")
    if best is not None and found.admin_code and not best.code.startswith(found.admin_code + ".") \
            and (set(best.name.lower().split()) <= carrier or _named_by(best, tokens, carrier)):
        return found           # where the boat or truck is, when it would be sent to the place found
    if whole.status == "resolved" and best is not None and _unmistakable(best, found, text):
        return _resolved(best, whole.candidates, low_confidence(best, text, incidents))
    if whole.status == "resolved" and best is not None and not (whole.evidence or named_in(best, text)) \
            and found.status == "missing":
        # the top n-gram has no parent named ("SAR jo" read as Kec. Sarjo): when the candidates
        # found nothing, the best-scoring place whose parent is named may still be meant
        # ("Talu pasbar, ... kirim tim SAR jo alat barek")
        best = next((c for c in whole.candidates[1:] if c.level != "kabupaten"
                     and named_in(c, _without_name(text, c.name))), None)
        return found if best is None else _resolved(best, whole.candidates, low_confidence(best, text, incidents))
    if whole.status == "ambiguous" and len(whole.candidates) > 1 \
            and (found.status == "missing" or (found.status == "resolved" and found.admin_code is not None
                                               and _level(found.admin_code) == "kabupaten")) \
            and all(c.level != "kabupaten" and named_in(c, _without_name(text, c.name), below_province=True)
                    for c in whole.candidates[:2]):
        # namesakes under the parent named, which the candidates missed in lower case ("beraban
        # tabanan": two villages of Tabanan) or read as a kabupaten ("depok garut": not Kota
        # Depok; "tebing tinggi kerinci"): ask which, rather than know nothing or too little
        return LocateResult("ambiguous", candidates=whole.candidates, note="several places share this name")
    if whole.status == "ambiguous" and found.status == "resolved" and found.admin_code is not None \
            and _level(found.admin_code) != "desa":
        # the namesakes the whole message names, of which only one lies inside the place found
        # ("kampung Tanah Merah distrik Warmari": the typo found Kec. Warmare; one Tanah Merah
        # is in it): that one, a level deeper
        top = whole.candidates[0].score
        inside = [c for c in whole.candidates if c.code.startswith(found.admin_code + ".")]
        if len(inside) == 1 and inside[0].score >= top:
            return _resolved(inside[0], whole.candidates, low_confidence(inside[0], text, incidents))
    if whole.status != "resolved" or best is None or not (whole.evidence or named_in(best, text)):
        return found
    if best.level != "kabupaten" and named_in(best, text) and not named_in(best, text, below_province=True) \
            and _ordinary_word(best.name, tokens):
        # only the province named, and the name an ordinary word: "BPBD Jatim: ... warga di
        # bantaran" (the riverbank) is not Kec. Bantaran, one of Jawa Timur's 666 kecamatan
        return found
    if found.status != "missing" and best.level == "desa" and named_in(best, text) \
            and not named_in(best, text, below_province=True):
        # a province is no parent that singles out a village among its thousands: "ureueng Aceh
        # ... jok" (an Acehnese person; "jok": give) is not Desa Jok, Aceh Utara. But a namesake
        # found outside the province named is no answer either ("kebumen lampung" is no
        # Kabupaten Kebumen, Central Java): ask
        if found.status == "resolved" and found.candidates and found.admin_code \
                and found.admin_code[:2] != best.code[:2] \
                and _without_kab_prefix(found.candidates[0].name).lower() == best.name.lower():
            return LocateResult("ambiguous", candidates=whole.candidates, note=_OTHER_PROVINCE)
        return found
    if found.status == "resolved":
        stronger = found.candidates and best.score >= found.candidates[0].score + _CLEARLY_MORE
        # a bare name resolved by the level prior alone ("Helumo": the kecamatan) gives way to
        # its namesake under a parent named elsewhere in the message ("Bonebol ... Helumo")
        stronger = stronger or (found.low_confidence and whole.evidence
                                and any(best.code == c.code for c in found.candidates)
                                and best.name.lower() == found.candidates[0].name.lower())
        # a place whose parent is named beats a bare name that nothing in the message backs
        # ("Raja, Ngabang: ... Terima kasih relawan Pontianak": the city is where the thanks go)
        # (a parent named, not only a neighbour: "lewat kali di Nurabelen" is no Desa Lewat next door)
        stronger = stronger or bool(whole.evidence and named_in(best, text) and found.candidates
                                    and best.level != "kabupaten" and best.score > found.candidates[0].score
                                    and not named_in(found.candidates[0], text))
        if not stronger and (found.admin_code is None or not best.code.startswith(found.admin_code + ".")):
            return found
    elif found.status == "ambiguous" and found.note != _ORDINARY:
        # one of the candidates, or a namesake of them that the short list left out ("Ploso":
        # dozens of villages; "banjir pacitan kota ... di Ploso" names the parent of one)
        # or, when nothing in the message backs any of them, a place whose parent is named
        # ("pasir putih komodo mabar": Desa Pasir Putih under Kec. Komodo, not Kel. Mabar in Medan)
        if not any(best.code == c.code or best.code.startswith(c.code + ".")
                   or best.name.lower() == c.name.lower() for c in found.candidates) \
                and not (whole.evidence and best.level != "kabupaten"
                         and named_in(best, _without_name(text, best.name), below_province=True)
                         and not any(named_in(c, _without_name(text, c.name)) for c in found.candidates)):
            return found
    return _resolved(best, whole.candidates, low_confidence(best, text, incidents))


def _level(code: str) -> str:
    """The level of an area by its Kemendagri code's depth: "33.08" a kabupaten, "33.08.19" a kecamatan."""
    return ("provinsi", "kabupaten", "kecamatan", "desa")[min(code.count("."), 3)]


def _unmistakable(best: PlaceMatch, found: LocateResult, text: str) -> bool:
    """A name of two or more words, not all of them ordinary words, that only one place bears
    ("Botuh Bosi ktp: rumah panggung kemasukan air"), written whole in a message whose candidates
    found nothing, only a common name or an ordinary word ("Lintang" inside "Botuh Lintang"): it
    outweighs them by a whole word, and is no accident of ordinary words ("air bersih")."""
    if found.status == "resolved":
        return False
    words = best.name.lower().split()
    if len(words) < 2 or all(is_dictionary_word(w) for w in words):
        return False
    if re.search(r"\b" + r"\s+".join(map(re.escape, words)) + r"\b", text.lower()) is None:
        return False
    return not found.candidates or best.score >= found.candidates[0].score + _CLEARLY_MORE


def _inside(name: str, candidate: str) -> bool:
    """Whether the words of ``name`` appear, in order, within ``candidate``."""
    return re.search(r"(?<!\w)" + re.escape(name.lower()) + r"(?!\w)", candidate.lower()) is not None


def _places_named(words: frozenset[str] | set[str]) -> tuple[PlaceMatch, ...]:
    """The places each word may name ("yogya": Kota Yogyakarta)."""
    return tuple(c for w in sorted(words) for c in resolve_place(w, typos=False).candidates)


def _named_by(best: PlaceMatch, tokens: Sequence[Token], words: frozenset[str] | set[str]) -> bool:
    """The words, in the message's order, name the place, also by a short form ("Kuala Tungkal":
    Kec. Tungkal Ilir)."""
    phrase = " ".join(t.raw for t in tokens if t.kind == "word" and t.raw.lower() in words)
    return bool(phrase) and any(best.code == c.code for c in resolve_place(phrase, typos=False).candidates)


def _without_name(text: str, name: str) -> str:
    """The text without the place's own name: Desa Pitu in Kec. Pitu is not backed by "Pitu"."""
    return re.sub(re.escape(name), " ", text, flags=re.IGNORECASE)


def _resolved(best: PlaceMatch, candidates: tuple[PlaceMatch, ...], low: bool) -> LocateResult:
    return LocateResult("resolved", best.lat, best.lon, "gazetteer", best.accuracy_m,
                        place_name=best.label[:200], admin_code=best.code, candidates=candidates,
                        low_confidence=low)
