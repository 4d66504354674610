"""Volunteer SMS replies ("YA K7Q2", "OTW K7Q2", "SIBUK") and carrier keywords (STOP, HELP ...).

Carrier keywords are handled by Twilio/the carrier (opt-out, opt-in, help); they are never app
commands, so parse_command returns None for them and classify_keyword names them.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from siaga.core.text import lexicon

CommandAction = Literal["accept", "decline", "on_the_way", "done", "unavailable", "available", "sos"]
KeywordKind = Literal["opt_out", "opt_in", "help"]

# Offer codes always hold a digit (core.codes), so words like BUTUH or SEMUA are never codes.
_CODE = re.compile(r"^(?=[A-Z]*[0-9])[A-Z0-9]{4,6}$")
_WORDS = re.compile(r"[A-Z0-9]+")


@dataclass(frozen=True, slots=True)
class Command:
    action: CommandAction
    code: str | None = None   # offer code (4-6 uppercase alphanumerics); None for status words
    count: int | None = None  # "YA K7Q2 5": a group leader's count of who comes (leader included)

    @property
    def needs_code(self) -> bool:
        """An offer verb sent without its code ("YA"): ask which offer is meant."""
        return self.code is None and self.action in {"accept", "decline", "on_the_way", "done"}


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text or "").upper()
    return _WORDS.findall(text)


def classify_keyword(text: str) -> KeywordKind | None:
    """"opt_out" / "opt_in" / "help" for a single-word carrier keyword message, else None."""
    words = _words(text)
    if len(words) != 1:
        return None
    return lexicon.CARRIER_KEYWORDS.get(words[0])  # type: ignore[return-value]


def parse_command(text: str) -> Command | None:
    """Parse a volunteer reply; None if it is not a command (or is a carrier keyword).

    Accepted: "<verb> <code>" (case-insensitive, any punctuation/spacing, trailing words
    ignored: "ok, k7q2 siap berangkat"; a number right after an accepted code is how many of a
    group come: "YA K7Q2 5"), a bare offer verb ("YA": code None, see
    Command.needs_code), or a single status word (LIBUR/SIBUK/OFF, SIAP/AKTIF).
    Codes must be 4-6 letters/digits; an all-letter code must not be an ordinary word,
    so "TIDAK BISA" is not "decline BISA".
    """
    words = _words(text)
    if not words or classify_keyword(text) is not None:
        return None
    verb = words[0]
    if len(words) == 1:
        if verb in lexicon.STATUS_WORDS:
            return Command(lexicon.STATUS_WORDS[verb])  # type: ignore[arg-type]
        if verb in lexicon.COMMAND_VERBS:
            return Command(lexicon.COMMAND_VERBS[verb])  # type: ignore[arg-type]
        return None
    if verb not in lexicon.COMMAND_VERBS:
        return None
    code = words[1]
    if not _CODE.match(code):
        return None
    if code.isalpha() and (code in lexicon.NOT_OFFER_CODES or len(words) > 2):
        # all-letter "codes" inside longer text are usually words: "tidak bisa datang"
        return None
    action = lexicon.COMMAND_VERBS[verb]
    count = None
    if action == "accept" and len(words) > 2 and words[2].isdigit() and 1 <= int(words[2]) <= 51:
        count = int(words[2])
    return Command(action, code, count)  # type: ignore[arg-type]
