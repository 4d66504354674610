"""Shapes of what clients send to the intake API (strict: unknown fields are an error)."""
from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from siaga.schemas.common import Capability, NeedCategory, Skill, Urgency, Vehicle, Vulnerable
from siaga.schemas.events import MAX_TEXT, Goods, Money, Purpose


def nul_in(value, path: str = "") -> str | None:
    """Where a NUL character is in a value (nested dicts and lists too), or None. PostgreSQL text
    cannot hold it: refused at the edge, before it is acknowledged, or the store would fail later."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return f"{path}.{key!r}" if path else repr(key)
        found = nul_in(item, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value):
        where = nul_in(value)
        if where is not None:
            raise ValueError(f"must not contain NUL characters{f' ({where})' if where else ''}")
        return value


class PointIn(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, le=1_000_000)
    source: Literal["gps", "browser", "manual"] = "gps"


class AidRequestIn(Strict):
    client_id: str | None = Field(default=None, min_length=8, max_length=100,
                                  description="client-chosen id; resending it never creates a second request")
    needs: list[NeedCategory] = Field(min_length=1, max_length=10)
    people: int = Field(default=1, ge=1, le=100_000)
    volunteers_needed: int | None = Field(
        default=None, ge=1, le=50, description="how many volunteers the need takes (absent: from its category)")
    slot_skills: list[Annotated[list[Capability], Field(max_length=5)]] | None = Field(
        default=None, max_length=50,
        description="what each slot asks of its volunteer, first slots first (e.g. [[\"boat\"]]: one brings a boat)")
    vulnerable: list[Vulnerable] = Field(default_factory=list, max_length=10)
    urgency: Urgency = Urgency.normal
    text: str = Field(default="", max_length=MAX_TEXT)
    language: Literal["id", "en"] = "id"
    name: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=32)
    preferred_channel: Literal["sms", "whatsapp", "none"] = "sms"
    location: PointIn | None = None
    place: str | None = Field(default=None, max_length=200, description="village / kecamatan / kabupaten")

    @field_validator("needs", "vulnerable")
    @classmethod
    def _unique(cls, v: list) -> list:
        return list(dict.fromkeys(v))


class VolunteerIn(Strict):
    name: str = Field(min_length=1, max_length=120)
    phone: str = Field(min_length=5, max_length=32)
    skills: list[Skill] = Field(default_factory=lambda: [Skill.general], min_length=1, max_length=12)
    vehicle: Vehicle = Vehicle.none
    home_area: str | None = Field(default=None, max_length=200)
    organisation: str | None = Field(default=None, max_length=120)
    preferred_channel: Literal["sms", "whatsapp"] = "sms"
    language: Literal["id", "en"] = "id"


class CheckInIn(Strict):
    location: PointIn | None = None
    available: bool = True
    capacity: int = Field(default=1, ge=0, le=1000)
    skills: list[Skill] | None = Field(default=None, max_length=12)
    vehicle: Vehicle | None = None


class CheckInItem(CheckInIn):
    """One check-in of a batch (POST /api/v1/checkins): whose it is, and the same fields."""
    volunteer_id: uuid.UUID


class DonationIn(Strict):
    """A ledger entry from a person. Anyone may pledge; a signed-in treasurer records goods
    received, disbursements (with what they paid for) and corrections. Money received comes
    only from the payment gateway (POST /api/v1/campaigns/{slug}/donate starts a payment)."""

    client_id: str | None = Field(default=None, min_length=8, max_length=100)
    kind: Literal["pledged", "received", "disbursed"]
    money: Money | None = None
    goods: Goods | None = None
    campaign: str = Field(min_length=1, max_length=120)
    donor_name: str | None = Field(default=None, max_length=120)
    donor_public: bool = False
    donor_phone: str | None = Field(default=None, max_length=32, description="for the receipt code; never published")
    corrects: str | None = Field(default=None, max_length=40)
    purpose: Purpose | None = None
    note: str | None = Field(default=None, max_length=500, description="published with the entry")
    pickup: PointIn | None = Field(default=None, description="where donated goods can be collected: they are "
                                   "then carried to open needs of their category nearby by a volunteer with a vehicle")
    pickup_name: str | None = Field(default=None, max_length=120, description="e.g. 'Posko Balai Desa Wonokerto'")