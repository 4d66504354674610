"""What the locator answers for a text, as (status, Kemendagri code): the shape the place-rule
tests (tests/unit/test_places_round*.py) compare against."""
from __future__ import annotations

from siaga.core.text.locate import locate


def where(text: str) -> tuple[str, str | None]:
    r = locate(text)
    return r.status, r.admin_code
