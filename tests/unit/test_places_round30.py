"""Round thirty, tuned on places57_dev (measured once as a holdout first; tests/fixtures/README.md):
each rule with a message written for the test, failing on the code before it."""
from __future__ import annotations

import pytest

from siaga.core.text import parse_help_message
from siaga.core.text.intent import classify_intent
from siaga.core.text.locate import locate


@pytest.mark.parametrize("text, code", [
    # two kecamatan written as a pair under the kabupaten named: the message is about both
    ("gempa terasa kuat di Tehoru dan Saparua, Maluku Tengah, warga mengungsi ke bukit", "81.01"),
    ("banjir rob di Pulau Panggang dan Pulau Harapan, Kepulauan Seribu Utara", "31.01.01"),
    # the destination written in capitals, though its words are ordinary ("Pasir Putih"), is
    # where the boat goes; where the boat is, is not the answer
    ("sy punya kapal di Labuan Bajo, bisa antar beras ke Pasir Putih kec Komodo", "53.15.05.2002"),
])
def test_places(text, code):
    found = locate(text)
    assert (found.status, found.admin_code) == ("resolved", code)


def _intent(text: str) -> str:
    return classify_intent(text, parse_help_message(text)).intent


@pytest.mark.parametrize("text, intent", [
    # people buried, swept away or missing ask for rescue, whatever else the message reports
    ("jalan ke desa tertutup longsor, 2 org tertimbun", "request"),
    # ... but not their houses, and not when nobody is missing
    ("rumah warga tertimbun longsor, jalan tertutup", "information"),
    ("alhamdulillah tidak ada orang hilang, jalan tertutup", "information"),
    # a request's code and "still waiting": a status query, not a new request
    ("Status 6PWN3C? kami msh tunggu selimut", "status"),
])
def test_intents(text, intent):
    assert _intent(text) == intent
