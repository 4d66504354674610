"""The envelope every event carries, and the registry of event types by `type`."""
from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from siaga.schemas.common import Contract, UtcDatetime, utcnow


class Event(Contract):
    """Base of every event. Subclasses set TYPE and VERSION; `type`/`version` are filled from them."""

    TYPE: ClassVar[str] = "event"
    VERSION: ClassVar[int] = 1

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str = ""
    version: int = 0
    occurred_at: UtcDatetime = Field(default_factory=utcnow)
    source: str = Field(default="siaga", max_length=80)

    def model_post_init(self, __context) -> None:  # noqa: D401 - pydantic hook
        if not self.type:
            self.type = self.TYPE
        if not self.version:
            self.version = self.VERSION
        if self.type != self.TYPE:
            raise ValueError(f"event type {self.type!r} does not match {self.TYPE!r}")

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()


EVENT_TYPES: dict[str, type[Event]] = {}


def register(cls: type[Event]) -> type[Event]:
    EVENT_TYPES[cls.TYPE] = cls
    return cls
