"""Outgoing message texts (Bahasa Indonesia first, English second) and their rendering."""
from siaga.core.messages.render import (
    DEFAULT_LANG,
    LANGS,
    Lang,
    TemplateError,
    placeholders,
    render,
    render_bilingual,
    template_ids,
    to_gsm7,
)
from siaga.core.messages.templates import COMMAND_WORDS, NEED_LABELS, TEMPLATES

__all__ = [
    "COMMAND_WORDS", "DEFAULT_LANG", "LANGS", "Lang", "NEED_LABELS", "TEMPLATES",
    "TemplateError", "placeholders", "render", "render_bilingual", "template_ids", "to_gsm7",
]
