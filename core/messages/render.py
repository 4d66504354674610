"""Render outgoing texts from core.messages.templates.

Parameters come from people (place names, volunteer names), so they are made GSM-7 safe
before formatting: one stray curly quote or emoji would turn the whole SMS into UCS-2 and
cut a segment from 160 to 70 characters.
"""
from __future__ import annotations

import string
import unicodedata
from collections.abc import Sequence
from typing import Literal

from siaga.core.send_policy import GSM7_BASIC, GSM7_EXTENDED
from siaga.core.messages.templates import NEED_LABELS, SKILL_LABELS, TEMPLATES

Lang = Literal["id", "en"]
LANGS: tuple[Lang, ...] = ("id", "en")
DEFAULT_LANG: Lang = "id"
MAX_CANDIDATES = 3

# Common non-GSM characters and their closest GSM-7 form.
_REPLACEMENTS: dict[str, str] = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u2026": "...", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\t": " ",
    "\u00b0": " deg", "\u2022": "-", "\u00b7": "-",
}


class TemplateError(KeyError):
    """Unknown template id or language."""


def to_gsm7(text: str) -> str:
    """Replace characters outside GSM-7 (basic table) with close equivalents.

    Extension-table characters ([ ] { } ...) are kept out as well: they are legal but cost
    two septets and read oddly on old handsets. Accents that GSM-7 lacks are dropped
    (NFKD), anything else becomes '?'.
    """
    out: list[str] = []
    for ch in text:
        if ch in GSM7_BASIC:
            out.append(ch)
        elif ch in _REPLACEMENTS:
            out.append(_REPLACEMENTS[ch])
        elif ch in GSM7_EXTENDED:
            out.append({"[": "(", "]": ")", "{": "(", "}": ")", "~": "-", "|": "/",
                        "\\": "/", "^": "", "\f": " ", "\u20ac": "EUR"}[ch])
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch)
                           if c in GSM7_BASIC and not unicodedata.combining(c))
            out.append(base if base else "?")
    return "".join(out)


def template_ids() -> list[str]:
    """Public template ids (variants such as need_location_pick are chosen by render)."""
    return [t for t in TEMPLATES[DEFAULT_LANG] if not t.endswith("_pick")]


def placeholders(template_id: str, lang: Lang = DEFAULT_LANG) -> set[str]:
    """Names a template expects (for tests and for callers that build params)."""
    text = _lookup(template_id, lang)
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _lookup(template_id: str, lang: str) -> str:
    try:
        return TEMPLATES[lang][template_id]
    except KeyError:
        raise TemplateError(f"no template {template_id!r} in language {lang!r}") from None


def _format_number(value: float, lang: str) -> str:
    # One decimal for distances; Indonesian writes a decimal comma (2,5 km).
    text = f"{value:.1f}".removesuffix(".0")
    return text.replace(".", ",") if lang == "id" else text


def _format_param(name: str, value: object, lang: str) -> str:
    if name == "need" and isinstance(value, str):
        value = NEED_LABELS.get(lang, {}).get(value, value)
    if name == "skills" and isinstance(value, Sequence) and not isinstance(value, str):
        return ", ".join(to_gsm7(SKILL_LABELS.get(lang, {}).get(str(v), str(v))) for v in value)
    if name == "candidates" and isinstance(value, Sequence) and not isinstance(value, str):
        items = [to_gsm7(str(v)) for v in value][:MAX_CANDIDATES]
        return ", ".join(f"{i} {item}" for i, item in enumerate(items, start=1))
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return _format_number(value, lang)
    return to_gsm7(str(value))


def render(template_id: str, lang: str = DEFAULT_LANG, **params: object) -> str:
    """Text of `template_id` in `lang` ("id" or "en"; anything else falls back to "id").

    need_location switches to its numbered-options variant when `candidates` (up to three
    place names) is a non-empty list. `need` may be a NeedCategory value ("water"): it is
    shown with its localised label. Missing parameters raise KeyError.
    """
    if lang not in TEMPLATES:
        lang = DEFAULT_LANG
    if template_id == "need_location" and params.get("candidates"):
        template_id = "need_location_pick"
    text = _lookup(template_id, lang)
    values = {k: _format_param(k, v, lang) for k, v in params.items()}
    return text.format(**values)


def render_bilingual(template_id: str, **params: object) -> str:
    """Indonesian then English, for a first contact whose language is unknown.

    This is usually two SMS segments; the English part drops the repeated "Siaga: " prefix.
    """
    first = render(template_id, "id", **params)
    second = render(template_id, "en", **params).removeprefix("Siaga: ")
    return f"{first}\n{second}"
