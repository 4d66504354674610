"""How many people a message is about: "30 jiwa", "12 org", "5 KK", "berlima", "fifty people".

Rules (short messages restate numbers more often than they split them):
- people = the largest explicit total (orang/jiwa/warga/people ...);
- else households x PEOPLE_PER_HOUSEHOLD (4, the rounded BPS average household size),
  with ``estimated=True``;
- else the sum of subgroup counts ("2 lansia dan 3 balita" -> 5).
- households = the largest KK/keluarga/family count.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from siaga.core.text import lexicon
from siaga.core.text.normalize import Token

_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")   # Indonesian "1.000" = one thousand
_SUBGROUP_AFTER_ORANG = frozenset({"dewasa", "tua", "lansia", "anak", "balita", "bayi", "ibu", "sakit"})
_TOTAL_LEADS = frozenset({"jumlah", "total", "sebanyak", "sejumlah"})
# "warga 3 RT", "korban 2 hari": the number counts something else.
_NOT_PEOPLE_AFTER = frozenset(lexicon.PLACE_MARKERS) | lexicon.HOUSEHOLD_UNITS | frozenset({
    "hari", "jam", "minggu", "bulan", "tahun", "km", "meter", "m", "cm", "rumah", "unit", "buah",
    "titik", "lokasi", "days", "hours", "weeks", "houses", "x", "kali", "ekor", "dus", "kg",
    "liter", "lembar", "lbr", "paket", "karung", "tangki",
})


@dataclass(frozen=True, slots=True)
class PeopleCount:
    people: int | None
    households: int | None
    estimated: bool  # people derived from households


def count_people(tokens: Sequence[Token]) -> PeopleCount:
    totals: list[int] = []
    households: list[int] = []
    subgroups: list[int] = []
    n = len(tokens)
    i = 0
    while i < n:
        tok = tokens[i]
        if tok.kind == "word" and tok.norm in lexicon.BER_NUMBERS:       # "berlima"
            totals.append(lexicon.BER_NUMBERS[tok.norm])
            i += 1
            continue
        if tok.kind == "word" and tok.norm == "seorang":                 # "seorang warga"
            totals.append(1)
            i += 1
            continue
        if tok.kind == "word" and tok.norm == "ber" and i + 1 < n and tokens[i + 1].kind == "number":
            value = _int(tokens[i + 1].norm)                                # "ber5"
            if value:
                totals.append(value)
            i += 2
            continue
        parsed = number_at(tokens, i)
        if parsed is None:
            i += 1
            continue
        value, j = parsed
        if _prev_norm(tokens, i) in lexicon.NON_COUNT_PREFIXES:
            i = j
            continue
        if j < n and tokens[j].kind == "word" and tokens[j].norm == "an":  # "50an orang"
            j += 1
        kind, j2 = _unit_at(tokens, j)
        if kind is None and _prev_norm(tokens, i) in (lexicon.PERSON_UNITS | _TOTAL_LEADS) \
                and _next_norm(tokens, j) not in _NOT_PEOPLE_AFTER:
            kind, j2 = "total", j                                           # "pengungsi 50"
        if kind == "total":
            totals.append(value)
        elif kind == "household":
            households.append(value)
        elif kind == "subgroup":
            subgroups.append(value)
        i = max(j2, i + 1)

    hh = max(households) if households else None
    if totals:
        return PeopleCount(max(totals), hh, False)
    if hh is not None:
        return PeopleCount(hh * lexicon.PEOPLE_PER_HOUSEHOLD, hh, True)
    if subgroups:
        return PeopleCount(sum(subgroups), None, False)
    return PeopleCount(None, None, False)


def _unit_at(tokens: Sequence[Token], j: int) -> tuple[str | None, int]:
    if j >= len(tokens) or tokens[j].kind != "word":
        return None, j
    word = tokens[j].norm
    nxt = tokens[j + 1].norm if j + 1 < len(tokens) and tokens[j + 1].kind == "word" else ""
    if f"{word} {nxt}" in lexicon.HOUSEHOLD_UNITS:
        return "household", j + 2
    if word == "orang" and nxt in _SUBGROUP_AFTER_ORANG:
        return "subgroup", j + 2
    if f"{word} {nxt}" in lexicon.SUBGROUP_UNITS:
        return "subgroup", j + 2
    if word in lexicon.PERSON_UNITS:
        return "total", j + 1
    if word in lexicon.HOUSEHOLD_UNITS:
        return "household", j + 1
    if word in lexicon.SUBGROUP_UNITS:
        return "subgroup", j + 1
    return None, j


def number_at(tokens: Sequence[Token], i: int) -> tuple[int, int] | None:
    """A number at token i (digits or words) and the index after it."""
    tok = tokens[i]
    if tok.kind == "number":
        value = _int(tok.norm)
        return (value, i + 1) if value else None
    if tok.kind != "word":
        return None
    return _number_words(tokens, i)


def _int(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if _THOUSANDS.match(text):
        return int(text.replace(".", ""))
    return None  # decimals ("1,5") and times ("07.30") are not head counts


def _number_words(tokens: Sequence[Token], i: int) -> tuple[int, int] | None:
    """"dua puluh lima" -> 25, "seratus" -> 100, "twenty five" -> 25, "a dozen" -> 12."""
    words: list[str] = []
    j = i
    while j < len(tokens) and tokens[j].kind == "word":
        words.append(tokens[j].norm)
        j += 1
        if len(words) >= 6:
            break
    if not words:
        return None
    if words[0] in lexicon.NUMBER_WORDS_ID and words[0] != "se" or words[0] in lexicon.NUMBER_MULTIPLIERS_ID:
        return _indonesian_number(words, i)
    if words[0] in lexicon.NUMBER_WORDS_EN or (words[0] == "a" and len(words) > 1 and words[1] in {"dozen", "hundred"}):
        return _english_number(words, i)
    return None


def _indonesian_number(words: list[str], i: int) -> tuple[int, int] | None:
    total, current, used = 0, 0, 0
    for word in words:
        if word in lexicon.NUMBER_WORDS_ID and word != "se":
            value = lexicon.NUMBER_WORDS_ID[word]
            if value >= 100:
                total += current + value if current == 0 else current * value
                current = 0
            else:
                current += value
        elif word in lexicon.NUMBER_MULTIPLIERS_ID and current:
            mult = lexicon.NUMBER_MULTIPLIERS_ID[word]
            if word == "belas":
                current += 10
            elif mult >= 100:
                total += current * mult
                current = 0
            else:
                current *= mult
        else:
            break
        used += 1
    value = total + current
    return (value, i + used) if used and value else None


def _english_number(words: list[str], i: int) -> tuple[int, int] | None:
    total, used = 0, 0
    for k, word in enumerate(words):
        if word == "a" and k == 0:
            total, used = 1, 1
            continue
        if word in {"hundred"}:
            total = max(total, 1) * 100
        elif word == "dozen":
            total = max(total, 1) * 12
        elif word in lexicon.NUMBER_WORDS_EN:
            total += lexicon.NUMBER_WORDS_EN[word]
        elif word == "and" and used:
            pass
        else:
            break
        used = k + 1
    if total and words[0] == "a" and used == 1:
        return None
    return (total, i + used) if used and total else None


def _next_norm(tokens: Sequence[Token], j: int) -> str:
    return tokens[j].norm if j < len(tokens) and tokens[j].kind == "word" else ""


def _prev_norm(tokens: Sequence[Token], i: int) -> str:
    k = i - 1
    while k >= 0 and tokens[k].kind == "punct" and tokens[k].norm in {".", ":"}:
        k -= 1
    return tokens[k].norm if k >= 0 and tokens[k].kind == "word" else ""
