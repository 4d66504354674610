"""Round twenty-one, tuned on places31_dev (measured once as a holdout first; tests/fixtures/README.md):
needs and intents, each with a message written for the test, failing on the code before it (the
control says so)."""
from __future__ import annotations

import pytest

from siaga.core.conversation import understand
from siaga.core.text import parse_help_message
from siaga.schemas.common import NeedCategory as N


@pytest.mark.parametrize("text, needs", [
    # people to be moved to safety: a rescue
    ("rob masuk rumah, lansia sama anak2 perlu diungsikan", {N.rescue}),
    # a health post is medical, not a shelter
    ("asap tebal, butuh masker & posko kesehatan", {N.medical}),
    # control (nothing before either): already moved
    ("warga sudah diungsikan semua ke balai desa", set()),
])
def test_needs(text, needs):
    assert set(parse_help_message(text).needs) == needs


@pytest.mark.parametrize("text, intent", [
    ("Longsor lagi ya di sana? butuh apa aja?", "question"),       # asks what is needed
    ("makasih relawan yg sdh bantu kami kemarin", "information"),  # thanks for help given
])
def test_intents(text, intent):
    assert understand(text).intent.intent == intent
