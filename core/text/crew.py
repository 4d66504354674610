"""How many helpers a message asks for: "perlu 5 orang", "butuh 3 relawan", "need 4 volunteers",
"dibutuhkan tenaga 10 orang", "kirim 4 relawan". Only a number of persons right after a word of
asking says so: "butuh makanan untuk 50 orang" is about who is hungry, "5 relawan sudah datang"
about who came."""
from __future__ import annotations

from collections.abc import Sequence

from siaga.core.text.counts import number_at
from siaga.core.text.normalize import Token

ASK = frozenset({"perlu", "butuh", "butuhkan", "dibutuhkan", "membutuhkan", "diperlukan", "memerlukan",
                 "minta", "mohon", "kirim", "kirimkan", "kirimin", "datangkan", "need", "needs", "needed",
                 "require", "requires", "want", "send"})
FILLER = frozenset({"bantuan", "tenaga", "sekitar", "kira", "minimal", "paling", "sedikit", "at", "least",
                    "about", "around", "lagi", "more", "extra", "tambahan"})
PERSONS = frozenset({"orang", "relawan", "tenaga", "personel", "petugas", "volunteer", "volunteers",
                     "people", "persons", "helpers", "hands", "men"})
MAX_CREW = 50


def helpers_wanted(tokens: Sequence[Token]) -> int | None:
    """The largest number of helpers asked for, or None when the message does not say."""
    found: list[int] = []
    for i in range(len(tokens)):
        parsed = number_at(tokens, i)
        if parsed is None:
            continue
        value, j = parsed
        unit = tokens[j].norm if j < len(tokens) and tokens[j].kind == "word" else ""
        if unit not in PERSONS:
            continue
        k = i - 1
        while k >= 0 and tokens[k].kind == "word" and tokens[k].norm in FILLER:
            k -= 1
        if k >= 0 and tokens[k].kind == "word" and tokens[k].norm in ASK:
            found.append(value)   # ("5 relawan sudah datang" says who came, not who is needed)
    return min(max(found), MAX_CREW) if found else None
