"""Volunteer sign-up by SMS: "DAFTAR <name> <skills> <place>" (issue 12), read without I/O.

    DAFTAR Budi Santoso medis motor Sleman
    daftar relawan: Siti, masak dapur, Bantul
    REGISTER Andi driver car Depok

Skill and vehicle words (core.text.lexicon) split the text: the words before the first of them
are the name, the words after the last are the place. With commas, the parts are name,
skills, place in that order. The phone needs no code: the message came from it."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from siaga.core.text import lexicon

_TOKEN = re.compile(r"[A-Za-z0-9'.\-]+")
MAX_NAME = 120


@dataclass(frozen=True, slots=True)
class SignUp:
    name: str                 # "" when the message gave none: ask again with the format
    skills: tuple[str, ...]   # schemas.common.Skill values; ("general",) when none was named
    vehicle: str              # schemas.common.Vehicle value
    place: str | None         # the home area as written, for the gazetteer


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _is_marker(token: str) -> bool:
    up = token.upper().strip(".")
    return up in lexicon.SKILL_WORDS or up in lexicon.VEHICLE_WORDS


def _clean(text: str) -> str:
    """Words of `text` with its commas kept ("Kec. Depok, Sleman"), stripped of separators."""
    parts = (" ".join(_tokens(p)) for p in re.split(r"[,;#\n]", text))
    return ", ".join(p for p in parts if p)


def parse_signup(text: str) -> SignUp | None:
    """A SignUp when the message starts with DAFTAR/REGISTER/REG, else None."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    head = _tokens(text[:40])
    if not head or head[0].upper() not in lexicon.SIGNUP_KEYWORDS:
        return None
    rest = text[text.upper().index(head[0].upper()) + len(head[0]):].lstrip(" :,-")
    words = _tokens(rest)
    while words and words[0].upper() in lexicon.SIGNUP_FILLERS:
        rest = rest[rest.upper().index(words[0].upper()) + len(words[0]):].lstrip(" :,-")
        words = words[1:]
    spans = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(rest)]
    marks = [(w, a, b) for w, a, b in spans if _is_marker(w)]
    if not marks and ("?" in rest or any(w.upper() in lexicon.SIGNUP_QUESTION_WORDS for w, _, _ in spans)):
        return None   # a question about signing up, answered with the page's link
    skills: list[str] = []
    vehicle = "none"
    for w, _, _ in marks:
        up = w.upper().strip(".")
        if up in lexicon.SKILL_WORDS and lexicon.SKILL_WORDS[up] not in skills:
            skills.append(lexicon.SKILL_WORDS[up])
        if up in lexicon.VEHICLE_WORDS and vehicle == "none":
            vehicle = lexicon.VEHICLE_WORDS[up]
    if marks:   # name before the first skill or vehicle word, place after the last
        name, place = _clean(rest[:marks[0][1]]), _clean(rest[marks[-1][2]:])
    else:       # "name, place" or just a name
        name, _, place = rest.partition(",") if "," in rest else (rest, "", "")
        name, place = _clean(name), _clean(place)
    return SignUp(name=name.replace(",", "")[:MAX_NAME], skills=tuple(skills) or ("general",), vehicle=vehicle,
                  place=place or None)
