"""Writes core/text/lexicons/typo_guard.tsv: one-word names of kabupaten, kota and kecamatan
that the parser's typo corrector (core/text/normalize.py correct_typo, devowelled) would
otherwise rewrite into a keyword: "Demak" into "demam" (fever), "Wates" into "water", "Batur"
into "batuk", "Segeri" into "segera". Such a name is a place a sender writes in full, far more
often than a typo of the keyword, and reading it as a need or urgency word invents one.

A development tool, not run by Siaga: `python -m data.lexicon.build_typo_guard` after the
gazetteer (data/gazetteer/) or the keyword lists change. The table is committed; the parser
reads it as known words (normalize._known_words), so no gazetteer is loaded to tokenize.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "core" / "text" / "lexicons" / "typo_guard.tsv"
GAZETTEER = ROOT / "data" / "gazetteer"
_KAB = re.compile(r"^(kabupaten|kota)\s+")


def names() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for level in ("kabupaten", "kecamatan"):
        with open(GAZETTEER / f"{level}.csv", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                name = _KAB.sub("", row["name"].lower())
                if name.isalpha():
                    seen.setdefault(name, level)
    return sorted(seen.items())


def main() -> int:
    # imported here: the guard table must not be in force while it is computed
    from siaga.core.text import tables
    tables.typo_guard.cache_clear()
    from siaga.core.text.normalize import _known_words, correct_typo, devowelled
    rows = []
    for name, level in names():
        fixed = devowelled(name) or correct_typo(name)
        if fixed is not None:
            rows.append((name, fixed, level))
    lines = ["# One-word kabupaten/kota and kecamatan names that the typo corrector would rewrite into",
             "# a keyword; never rewritten. Generated from data/gazetteer/ by data/lexicon/build_typo_guard.py",
             "# (see its docstring). Do not edit by hand.",
             "# name\twould have become\tlevel"]
    lines += [f"{n}\t{f}\t{lvl}" for n, f, lvl in rows]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(rows)} names -> {OUT}")
    _known_words.cache_clear()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
