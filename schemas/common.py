"""Shared value types of every event contract: categories, skills, locations, contacts.

Consumers ignore unknown fields (forward compatible); producers validate before sending.
"""
from __future__ import annotations

from datetime import datetime, timezone
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class NeedCategory(StrEnum):
    water = "water"
    food = "food"
    medical = "medical"
    rescue = "rescue"          # rescue / evacuation / SAR
    shelter = "shelter"
    clothing = "clothing"      # clothing, blankets, sarongs
    baby = "baby"              # nappies, baby milk, sanitary pads
    sanitation = "sanitation"
    power = "power"            # electricity, generator, fuel, torches
    other = "other"


class Vulnerable(StrEnum):
    infant = "infant"          # bayi
    toddler = "toddler"        # balita
    elderly = "elderly"        # lansia
    pregnant = "pregnant"      # ibu hamil
    disabled = "disabled"      # disabilitas
    injured = "injured"        # luka


class Urgency(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    critical = "critical"


class Skill(StrEnum):
    medical = "medical"        # doctor, nurse, paramedic, first aid
    rescue = "rescue"          # SAR, evacuation
    boat = "boat"
    driver = "driver"          # can carry goods or people
    logistics = "logistics"    # distribution of water, food, goods
    cooking = "cooking"        # dapur umum
    shelter = "shelter"        # tents, tarps
    sanitation = "sanitation"
    power = "power"            # generator, electrician
    counseling = "counseling"
    general = "general"


# What a slot of a need can ask of its volunteer: a skill, or "vehicle" (any vehicle to carry
# goods or people; core/dispatch/skills.py capabilities).
Capability = Literal["medical", "rescue", "boat", "driver", "logistics", "cooking", "shelter", "sanitation",
                     "power", "counseling", "general", "vehicle"]


class Vehicle(StrEnum):
    none = "none"
    motorbike = "motorbike"
    car = "car"
    pickup = "pickup"
    truck = "truck"
    boat = "boat"
    ambulance = "ambulance"


class Channel(StrEnum):
    web = "web"
    sms = "sms"
    whatsapp = "whatsapp"
    api = "api"
    coordinator = "coordinator"


LocationSource = Literal[
    "gps", "browser", "whatsapp", "text_coords", "plus_code", "gazetteer", "manual", "demo"
]
Language = Literal["id", "en"]


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp must carry a timezone (UTC recommended)")
    return value.astimezone(timezone.utc)


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Contract(BaseModel):
    """Base of every contract model: unknown fields are ignored so older consumers keep working."""

    model_config = ConfigDict(extra="ignore", frozen=False, use_enum_values=False)


class Location(Contract):
    lat: float = Field(ge=-90, le=90, description="WGS84 latitude, decimal degrees")
    lon: float = Field(ge=-180, le=180, description="WGS84 longitude, decimal degrees")
    source: LocationSource = "gps"
    accuracy_m: float | None = Field(default=None, ge=0, le=1_000_000)
    place_name: str | None = Field(default=None, max_length=200)
    admin_code: str | None = Field(default=None, max_length=20, description="Kemendagri code")
    confidence: Literal["high", "low"] | None = Field(
        default=None, description="Places read from text: low when resolved from a bare name (no "
        "parent named) away from every declared incident area; coordinators should check it")


class Contact(Contract):
    """A person's reachable address. `phone` is E.164 (normalised by the edge that received it)."""

    phone: str | None = Field(default=None, pattern=r"^\+[1-9]\d{6,14}$")
    name: str | None = Field(default=None, max_length=120)
    preferred_channel: Literal["sms", "whatsapp", "none"] = "sms"
    language: Language = "id"
