"""What an Idempotency-Key is bound to (services.outbox.body_hash)."""
from __future__ import annotations

from pydantic import BaseModel

from siaga.services.outbox import body_hash


class Before(BaseModel):
    needs: list[str]
    people: int | None = None


class After(Before):   # the same schema after an upgrade added a field with a default
    confidence: str | None = None


def test_a_retry_across_a_schema_upgrade_keeps_its_hash():
    sent = {"needs": ["water"], "people": 4}
    assert body_hash(Before(**sent)) == body_hash(After(**sent))


def test_a_different_body_or_path_changes_the_hash():
    sent = {"needs": ["water"], "people": 4}
    assert body_hash(Before(**sent)) != body_hash(Before(needs=["water"], people=5))
    assert body_hash(Before(**sent)) != body_hash(Before(needs=["water"]))   # people left out
    assert body_hash(Before(**sent), request_id="a") != body_hash(Before(**sent), request_id="b")
    assert body_hash(Before(**sent)) == body_hash(dict(sent))   # a plain dict counts as sent
