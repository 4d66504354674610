"""Pure decisions about sending SMS/WhatsApp messages through Twilio.

No I/O here: the notifier's sender (services/notifier/twilio_sender.py) applies these rules,
and tests exercise them without a network.

- classify(status, code): what to do after a failed REST call.
- backoff_delay(attempt, ...): full-jitter exponential backoff with a cap.
- segments(body): GSM-7 vs UCS-2 encoding and how many SMS segments a body costs.
- next_status(old, new): delivery statuses only move forward (callbacks arrive out of order).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from siaga.core.phone import mask_address  # noqa: F401  (it lived here; kept for importers of the old place)

# --------------------------------------------------------------------------- classification


class Action(StrEnum):
    retry = "retry"                # transient: try the same request again after a backoff
    fallback_sms = "fallback_sms"  # WhatsApp cannot deliver: resend the text as SMS
    opted_out = "opted_out"        # recipient sent STOP: never retry, mark the contact
    permanent = "permanent"        # anything else: do not retry


# Twilio error codes (https://www.twilio.com/docs/api/errors).
TOO_MANY_REQUESTS = 20429
INVALID_TO = 21211             # 'To' is not a valid phone number
OPTED_OUT = 21610              # recipient replied STOP (unsubscribed)
NOT_MOBILE = 21614             # 'To' is not a mobile number (cannot receive SMS)
WA_OUTSIDE_WINDOW = 63016      # WhatsApp: outside the 24 h session, needs an approved template
WA_NOT_ON_WHATSAPP = 63003     # WhatsApp: channel could not find the destination

# Codes that mean "this number can never receive this message": the outcome is "invalid".
INVALID_RECIPIENT_CODES: frozenset[int] = frozenset({INVALID_TO, NOT_MOBILE})
FALLBACK_CODES: frozenset[int] = frozenset({WA_OUTSIDE_WINDOW, WA_NOT_ON_WHATSAPP})


def classify(status: int | None, code: int | None) -> Action:
    """Decide what to do after a REST call to create a message failed.

    `status` is the HTTP status (None: no response at all, e.g. connection refused or a
    timeout); `code` is Twilio's error code from the JSON body (None if absent).
    The error code is more specific than the HTTP status, so it is checked first.

    Retrying a 5xx or a timeout can duplicate a message if Twilio did accept it before
    failing; we accept that for disaster alerts (a duplicate beats a lost message).
    """
    if code == OPTED_OUT:
        return Action.opted_out
    if code in INVALID_RECIPIENT_CODES:
        return Action.permanent
    if code in FALLBACK_CODES:
        return Action.fallback_sms
    if code == TOO_MANY_REQUESTS or status == 429:
        return Action.retry
    if status is None or status >= 500:
        return Action.retry
    return Action.permanent


# --------------------------------------------------------------------------- backoff


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds for retrying one message. Defaults suit a live gateway; tests pass tiny ones."""

    max_attempts: int = 5          # attempts in total, first try included
    base_delay: float = 0.5        # seconds; the cap of attempt n's delay is base * 2**n
    max_delay: float = 8.0         # seconds; no single sleep is longer than this
    max_total: float = 30.0        # seconds; stop retrying once this much time has passed

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_total < 0:
            raise ValueError("delays must be >= 0")


def backoff_delay(
    attempt: int,
    base: float,
    cap: float,
    rng: random.Random | None = None,
) -> float:
    """Full-jitter backoff: uniform in [0, min(cap, base * 2**attempt)].

    `attempt` counts retries from 0. Full jitter spreads many notifier threads that hit the
    same 429 so they do not retry in lock step.
    """
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    # Float power with a clamped exponent: no huge ints, no overflow (2.0**1000 is finite).
    ceiling = min(cap, base * 2.0 ** min(attempt, 1000))
    r = rng if rng is not None else random
    return r.uniform(0.0, ceiling)


# --------------------------------------------------------------------------- segments

Encoding = Literal["GSM-7", "UCS-2"]

# GSM 03.38 default alphabet (escape 0x1B left out: it is not a character of its own).
GSM7_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each costs two septets (escape + char).
GSM7_EXTENDED: frozenset[str] = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_MULTI = 160, 153   # septets per segment (a UDH takes 7 septets when split)
UCS2_SINGLE, UCS2_MULTI = 70, 67     # UTF-16 code units per segment


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def _pack(units: list[int], single: int, multi: int) -> int:
    """Count segments; `units` is the size of each indivisible piece (1 or 2)."""
    total = sum(units)
    if total <= single:
        return 1
    # A piece (escape pair, surrogate pair) is never split across two segments.
    count, used = 1, 0
    for u in units:
        if used + u > multi:
            count, used = count + 1, 0
        used += u
    return count


def segments(body: str) -> tuple[Encoding, int]:
    """Encoding and number of SMS segments for `body` (an empty body still costs one)."""
    if is_gsm7(body):
        return "GSM-7", _pack([2 if ch in GSM7_EXTENDED else 1 for ch in body],
                              GSM7_SINGLE, GSM7_MULTI)
    # Characters outside the BMP (most emoji) are a surrogate pair: two UTF-16 units.
    return "UCS-2", _pack([2 if ord(ch) > 0xFFFF else 1 for ch in body],
                          UCS2_SINGLE, UCS2_MULTI)


def gsm7_length(text: str) -> int:
    """Septets `text` needs in GSM-7 (extension characters count twice)."""
    return sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)


# --------------------------------------------------------------------------- delivery status

# Decision: statuses only move forward along this rank. failed/undelivered/canceled are
# terminal over queued/sending/sent (a late "sent" callback must not revive a failed
# message), but a later delivered/read beats them: a delivery receipt is positive proof
# the handset got the message, while carrier failure reports are sometimes premature.
# Between two statuses of equal rank the first one seen is kept.
STATUS_RANK: dict[str, int] = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "failed": 4,
    "undelivered": 4,
    "canceled": 4,
    "delivered": 5,
    "read": 6,
}


def next_status(old: str | None, new: str | None) -> str | None:
    """The status to store after a callback reporting `new` when `old` is stored.

    Unknown statuses are ignored (the stored one is kept), so a new Twilio status value
    cannot corrupt what we know.
    """
    if new not in STATUS_RANK:
        return old
    if old not in STATUS_RANK:
        return new
    return new if STATUS_RANK[new] > STATUS_RANK[old] else old


def is_terminal(status: str | None) -> bool:
    """True once nothing but a delivery receipt can change the status."""
    return status is not None and STATUS_RANK.get(status, -1) >= STATUS_RANK["failed"]


def max_chars(encoding: Encoding, count: int = 1) -> int:
    """How many plain characters fit in `count` segments of `encoding`."""
    if count < 1:
        raise ValueError("count must be >= 1")
    if encoding == "GSM-7":
        return GSM7_SINGLE if count == 1 else GSM7_MULTI * count
    return UCS2_SINGLE if count == 1 else UCS2_MULTI * count


__all__ = [
    "Action", "RetryPolicy", "classify", "backoff_delay", "segments", "is_gsm7",
    "gsm7_length", "next_status", "is_terminal", "max_chars", "STATUS_RANK",
    "INVALID_RECIPIENT_CODES", "FALLBACK_CODES", "mask_address",
]
