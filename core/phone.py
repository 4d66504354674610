"""Phone numbers: E.164 normalisation at the edge, and masking so numbers never reach logs.

Twilio sends WhatsApp senders as ``whatsapp:+62...``; SMS senders and numbers typed by people
come as ``0812-3456-7890``, ``62812...`` or ``+62 812 ...``. Everything inside Siaga is E.164.
"""
from __future__ import annotations

import re

import phonenumbers

_CHANNEL_PREFIX = re.compile(r"^\s*(?:whatsapp|sms|tel)\s*:\s*", re.IGNORECASE)

# A run of digits with the separators people type. Candidates are checked further in
# _looks_like_phone, because coordinates ("110.367") and dates also look like digit runs.
_DIGIT_RUN = re.compile(r"(?<![\w.,])(?:\+|00)?\(?\d[\d\s\-().]{6,22}\d(?![\w])")


def normalize_phone(raw: str, region: str = "ID") -> str:
    """Return ``raw`` as E.164 (``+6281234567890``). Raise ValueError if it is not a valid number.

    ``region`` is the default country for numbers written without a country code.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("phone number is empty")
    text = _CHANNEL_PREFIX.sub("", raw).strip()
    if not text:
        raise ValueError("phone number is empty")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        # Mask in the message too: exceptions end up in logs.
        raise ValueError(f"not a phone number: {_mask_digits(text)!r}") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"invalid phone number for its country: {_mask_digits(text)!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """Mask a phone number for logs: ``+6281234567890`` -> ``+62812****7890``.

    Keeps the country code and operator prefix (useful when debugging delivery) and the last
    four digits (enough to tell two numbers apart); always four stars, so the length leaks nothing.
    """
    text = _CHANNEL_PREFIX.sub("", e164 or "").strip()
    digits = re.sub(r"\D", "", text)
    plus = "+" if text.startswith("+") else ""
    if len(digits) >= 10:
        return f"{plus}{digits[:5]}****{digits[-4:]}"
    if len(digits) >= 6:
        return f"{plus}{digits[:2]}****{digits[-2:]}"
    return "****"


def mask_address(address: str | None) -> str:
    """A Twilio address (``whatsapp:+62...``) safe to log: its channel prefix, then the number as
    mask_phone masks it (one mask for every phone): "whatsapp:+6281234567890" ->
    "whatsapp:+62812****7890". Free text goes through mask_text (services/logmask.py)."""
    if not address:
        return "-"
    prefix, _, number = address.rpartition(":")
    return (f"{prefix}:" if prefix else "") + mask_phone(number)


_URL_PLUS = re.compile(r"%2[Bb](?=\d)")


def mask_text(text: str) -> str:
    """Replace every phone-number-looking digit run in free text with its masked form."""

    # A number inside a URL's query ("To=%2B62812...") is a number too.
    return _DIGIT_RUN.sub(lambda m: _mask_run(m.group(0)), _URL_PLUS.sub("+", text))


def _mask_run(candidate: str) -> str:
    """One run of digits and separators, each phone number in it masked. The run may start or end
    with an unrelated number ("5 0812 3456 7890", "0812345678 000") or hold two numbers
    ("000000000 0812..."): try each group start, then each group end, longest first, and go on
    after the number found."""
    starts = [0] + [m.end() for m in re.finditer(r"\s+", candidate)]
    ends = [len(candidate)] + [m.start() for m in reversed(list(re.finditer(r"\s+", candidate)))]
    for start in starts:
        for end in ends:
            if end <= start:
                continue
            rest = candidate[start:end]
            if _looks_like_phone(rest):
                trailing = rest[len(rest.rstrip(" -.")):]
                return candidate[:start] + _mask_digits(rest) + trailing + _mask_run(candidate[end:])
    return candidate


def _looks_like_phone(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    # 9..15 digits: Indonesian numbers have 9-13 digits with the trunk 0; dates have 8.
    if not 9 <= len(digits) <= 15:
        return False
    stripped = candidate.lstrip("(")
    # Phone numbers start with +, 00, the trunk 0 or the country code 62;
    # decimal coordinates ("110.367 -7.78") and other numbers do not.
    return stripped.startswith(("+", "0", "62"))


def _mask_digits(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    if text.lstrip().startswith("+"):
        return mask_phone("+" + digits)
    if digits.startswith("0") and len(digits) >= 9:
        # national format: keep the 0 and operator prefix, e.g. 0812****7890
        return f"{digits[:4]}****{digits[-4:]}"
    return mask_phone(digits)
