"""Parents as people mistype them: how often a dev message that names a parent of its place, and
is placed right, goes more than 50 km off once one word of that parent is one letter off.

    python -m bench.typo_parents [--seed N] [-v]

For each such record of the places*_dev files, each word (5 letters or more) of its kecamatan's
and kabupaten's names found in the text is mistyped twice, at random: two letters swapped, a
consonant doubled, a letter dropped, a vowel changed, or the old spelling (dj, tj, oe). A variant
that is still placed within reach or not placed at all is fine (asking is allowed); one placed more
than WRONG_KM away counts. Dev files only: the variants are for finding kinds of mistakes, and the
holdouts stay unseen. -v lists the wrong variants (id, word, typo, km, the place given).
"""
from __future__ import annotations

import argparse
import random
import re
import sys

from bench.eval_text import DEV_FILES, WRONG_KM, _place, load
from siaga.core.conversation import understand
from siaga.core.text.gazetteer import lookup_code

_VOWELS = "aeiou"
_OLD_SPELLING = (("j", "dj"), ("c", "tj"), ("u", "oe"), ("y", "j"))


def mistyped(word: str, rng: random.Random) -> str | None:
    """One typo somewhere inside the word (never its first or last letter), or None."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "double", "drop", "vowel", "old"))
    if kind == "swap" and word[i].isalpha() and word[i + 1].isalpha():
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "double" and word[i].lower() not in _VOWELS:
        return word[:i] + word[i] + word[i:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "vowel" and word[i].lower() in _VOWELS:
        return word[:i] + rng.choice([v for v in _VOWELS if v != word[i].lower()]) + word[i + 1:]
    if kind == "old":
        for a, b in _OLD_SPELLING:
            if a in word.lower():
                return re.sub(a, b, word, count=1, flags=re.IGNORECASE)
    return None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.typo_parents", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-v", action="store_true", help="list the variants placed far off")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    variants, wrong = 0, []
    for name in (f for f in DEV_FILES if f.startswith("places")):
        for rec in load(name):
            want = rec.get("place") or {}
            if "code" not in want or "parent_named" not in rec.get("tags", ()):
                continue
            target = lookup_code(want["code"])
            if target is None or not _place(want, understand(rec["text"])).reach:
                continue
            text = rec["text"]
            for parent in target.parents[:2]:
                for word in re.sub(r"^(Kabupaten|Kota)\s+", "", parent).split():
                    found = re.search(r"\b" + re.escape(word) + r"\b", text, re.IGNORECASE)
                    if not found or len(word) < 5:
                        continue
                    for _ in range(2):
                        typo = mistyped(found.group(0), rng)
                        if not typo or typo.lower() == word.lower():
                            continue
                        variant = text[:found.start()] + typo + text[found.end():]
                        variants += 1
                        u = understand(variant)
                        km = _place(want, u).km
                        if km is not None and km > WRONG_KM:
                            wrong.append(f"{rec['id']} {word}->{typo} {km:.0f} km ({u.located.place_name})")
    print(f"variants {variants}, placed more than {WRONG_KM:.0f} km off: {len(wrong)}"
          + (f" ({len(wrong) / variants:.1%})" if variants else ""))
    if args.v:
        print("\n".join(wrong))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
