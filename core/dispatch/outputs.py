"""What the pure core asks the wiring to send."""
from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel


class Forget:
    """Returned as a key's new state: delete it (a tombstone in the compacted changelog)."""

    def __repr__(self) -> str:
        return "FORGET"


FORGET = Forget()


@dataclass(frozen=True)
class Out:
    topic: str
    key: str
    value: BaseModel
    partition: int | None = None   # explicit partition (geographic routing); else by key

    def payload(self) -> bytes:
        return self.value.model_dump_json().encode()
