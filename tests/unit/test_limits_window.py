"""services/api/limits.py: the windows count per address and scope, and refuse with 429 and
a Retry-After that says when the window has room again."""
from __future__ import annotations

import uuid

import pytest
from fastapi import HTTPException

from siaga.services.api import limits


def test_the_window_refuses_the_hit_over_the_limit_with_retry_after():
    who = f"198.51.100.{uuid.uuid4().int % 250}-{uuid.uuid4().hex[:6]}"
    for _ in range(3):
        limits.check("unit", who, "3/minute")
    with pytest.raises(HTTPException) as exc:
        limits.check("unit", who, "3/minute")
    assert exc.value.status_code == 429
    assert 1 <= int(exc.value.headers["Retry-After"]) <= 60
    assert "at most 3 per 60 s" in exc.value.detail and "nothing was recorded" in exc.value.detail
    limits.check("unit", who + "-other", "3/minute")   # another address has its own window
    limits.check("other-scope", who, "3/minute")       # and another scope


def test_every_window_of_a_spec_counts():
    who = f"203.0.113.9-{uuid.uuid4().hex[:6]}"
    limits.check("unit", who, "10/minute;2/hour")
    limits.check("unit", who, "10/minute;2/hour")
    with pytest.raises(HTTPException) as exc:
        limits.check("unit", who, "10/minute;2/hour")
    assert "per 3600 s" in exc.value.detail and int(exc.value.headers["Retry-After"]) > 60
