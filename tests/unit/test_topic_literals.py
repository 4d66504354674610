"""No topic or table name is a string literal outside the registry (schemas/topics.py): code
names topics through `Topic` and `Table`, so renaming or finding a topic is one grep. This is
that grep."""
from __future__ import annotations

import re
from pathlib import Path

from siaga.schemas.topics import TABLES, TOPICS

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bench", "core", "geo", "infra", "schemas", "services", "siaga", "streams")
REGISTRY = ROOT / "schemas" / "topics.py"
# The same words, not meaning a topic: (file, text of the line).
NOT_TOPICS = {
    ("core/text/intent.py", '"donations", "menyumbangkan", "berdonasi"'),   # a word people write
    ("services/payments/routes.py", '"donations": [r.response for r in results]'),   # a JSON field
}


def _literal_pattern() -> re.Pattern[str]:
    names = sorted({t.name for t in TOPICS} | set(TABLES), key=len, reverse=True)
    return re.compile(r"""["'](""" + "|".join(map(re.escape, names)) + r""")["']""")


def test_no_topic_name_is_a_string_literal_outside_the_registry():
    pattern = _literal_pattern()
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == REGISTRY:
                continue
            rel = path.relative_to(ROOT).as_posix()
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line) and not any(rel == f and text in line for f, text in NOT_TOPICS):
                    found.append(f"{rel}:{n}: {line.strip()}")
    assert not found, "topic names as literals (use schemas.topics.Topic / Table):\n" + "\n".join(found)


def test_the_grep_sees_a_literal():
    assert _literal_pattern().search("""enqueue(conn, 'aid-requests', key)""")
    assert _literal_pattern().search('app.Table("dispatch-desks")')
    assert not _literal_pattern().search("enqueue(conn, Topic.AID_REQUESTS, key)")
