"""core.messages: templates as data, rendering, GSM-7 and one-segment budget."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siaga.core.messages import (
    COMMAND_WORDS,
    LANGS,
    NEED_LABELS,
    TEMPLATES,
    TemplateError,
    placeholders,
    render,
    render_bilingual,
    template_ids,
    to_gsm7,
)
from siaga.core.send_policy import GSM7_BASIC, segments

REQUIRED = {
    "request_received", "need_location", "request_matched", "volunteer_on_the_way",
    "request_done", "request_escalated", "offer", "offer_withdrawn", "offer_expired",
    "offer_confirmed", "checkin_ok", "help", "opted_out_ack", "opted_in_ack",
    "unknown_command",
}
# Carrier / Twilio keywords: never app commands (START is only quoted to undo a STOP).
RESERVED = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT",
            "START", "YES", "UNSTOP", "HELP", "INFO"}

TYPICAL = {
    "code": "K7Q2",
    "volunteer": "Budi",
    "eta_min": 25,
    "need": "water",
    "place": "Sukamaju, Ciawi",
    "distance_km": 2.4,
    "people": 20,
    "contact": "+6281234567890",
    "link": "",   # no task link configured; with one: tests/unit/test_task_links.py
}
# Long but real: 99th-percentile desa + kecamatan lengths in the gazetteer are ~20 + ~21.
LONG = {
    "code": "K7Q2",
    "volunteer": "Muhammad Rizky",
    "eta_min": 120,
    "need": "clothing",                     # longest need label in both languages
    "place": "Sukamaju Kidul Timur, Cibeunying Kidul",
    "distance_km": 12.35,
    "people": 150,
    "contact": "+6281234567890",
    "link": "",
}
CANDIDATES_TYPICAL = ["Sukamaju, Ciawi", "Sukamaju, Cikembar", "Sukamaju, Cibeber"]
CANDIDATES_LONG = ["Sukamaju Kidul Timur, Cibeunying Kidul"] * 3
# Documented exceptions: these can need two segments with long parameters.
MAY_NEED_TWO_SEGMENTS = {"need_location"}   # three long candidate names do not fit in 160


def params_for(template_id: str, base: dict[str, object],
               candidates: list[str] | None = None) -> dict[str, object]:
    names = placeholders(template_id, "id")
    params = {k: v for k, v in base.items() if k in names}
    if template_id == "need_location" and candidates:
        params["candidates"] = candidates
    return params


# ---------------------------------------------------------------------------- data


def test_all_required_templates_exist_in_both_languages() -> None:
    assert LANGS == ("id", "en")
    assert REQUIRED <= set(template_ids())
    for lang in LANGS:
        assert set(TEMPLATES[lang]) == set(TEMPLATES["id"]), lang


@pytest.mark.parametrize("template_id", sorted(TEMPLATES["id"]))
def test_languages_use_the_same_placeholders(template_id: str) -> None:
    assert placeholders(template_id, "id") == placeholders(template_id, "en")


@pytest.mark.parametrize("lang", LANGS)
def test_template_text_is_plain_gsm7(lang: str) -> None:
    for template_id, text in TEMPLATES[lang].items():
        bad = {ch for ch in text if ch not in GSM7_BASIC}
        # Braces are str.format placeholders, not characters of the message.
        assert bad <= {"{", "}"}, (template_id, bad)


def test_need_labels_are_gsm7_and_cover_both_languages() -> None:
    assert set(NEED_LABELS["id"]) == set(NEED_LABELS["en"])
    for labels in NEED_LABELS.values():
        for label in labels.values():
            assert all(ch in GSM7_BASIC for ch in label), label


def test_need_labels_cover_schema_categories() -> None:
    schemas = pytest.importorskip("siaga.schemas.common")
    assert {c.value for c in schemas.NeedCategory} == set(NEED_LABELS["id"])


def test_command_words_are_not_carrier_keywords() -> None:
    for purpose, word in COMMAND_WORDS.items():
        if purpose == "opt_in":
            assert word == "START"   # the word Twilio itself uses to undo STOP
        else:
            assert word not in RESERVED, word


@pytest.mark.parametrize("lang", LANGS)
def test_no_reserved_word_is_offered_as_a_reply_except_start(lang: str) -> None:
    for template_id, text in TEMPLATES[lang].items():
        for word in re.findall(r"\b[A-Z]{2,}\b", text):
            if word in RESERVED:
                assert word == "START" and template_id == "opted_out_ack", (template_id, word)


# ---------------------------------------------------------------------------- budget


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("template_id", sorted(REQUIRED))
def test_typical_params_fit_one_gsm_segment(template_id: str, lang: str) -> None:
    text = render(template_id, lang, **params_for(template_id, TYPICAL, CANDIDATES_TYPICAL))
    assert "{" not in text and "}" not in text
    assert segments(text) == ("GSM-7", 1), (len(text), text)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("template_id", sorted(REQUIRED))
def test_long_params_fit_one_segment_except_documented(template_id: str, lang: str) -> None:
    text = render(template_id, lang, **params_for(template_id, LONG, CANDIDATES_LONG))
    encoding, count = segments(text)
    assert encoding == "GSM-7"
    if template_id in MAY_NEED_TWO_SEGMENTS:
        assert count <= 2, (len(text), text)
    else:
        assert count == 1, (len(text), text)


def test_documented_exception_is_real() -> None:
    # If need_location starts fitting with long candidates, drop it from the exceptions.
    text = render("need_location", "id", code="K7Q2", candidates=CANDIDATES_LONG)
    assert segments(text)[1] == 2


def _gazetteer_places() -> list[str]:
    path = Path(__file__).resolve().parents[2] / "data" / "gazetteer" / "desa.csv"
    if not path.exists():
        pytest.skip("gazetteer not present")
    with path.open(newline="", encoding="utf-8") as f:
        return [f"{row['name']}, {row['kecamatan']}" for row in csv.DictReader(f)]


def test_offer_fits_for_95_percent_of_real_place_names() -> None:
    places = _gazetteer_places()
    # Names are plain GSM-7, so only the length decides: render one name per length.
    assert set("".join(places)) <= GSM7_BASIC
    by_length: dict[int, tuple[str, int]] = {}
    for place in places:
        first, count = by_length.get(len(place), (place, 0))
        by_length[len(place)] = (first, count + 1)
    fitting = sum(count for place, count in by_length.values()
                  if segments(render("offer", "id", **{**LONG, "place": place}))
                  == ("GSM-7", 1))
    assert fitting / len(places) >= 0.95


# ---------------------------------------------------------------------------- rendering


def test_offer_tells_how_to_reply_with_the_code() -> None:
    for lang in LANGS:
        text = render("offer", lang, **TYPICAL)
        assert "YA K7Q2" in text and "TOLAK K7Q2" in text
        assert "Sukamaju, Ciawi" in text and "20" in text


def test_need_is_localised_and_decimal_comma_in_indonesian() -> None:
    id_text = render("offer", "id", **TYPICAL)
    en_text = render("offer", "en", **TYPICAL)
    assert "air bersih" in id_text and "2,4 km" in id_text
    assert "Clean water" in en_text and "2.4 km" in en_text
    # A free-text need (not a category) is shown as given.
    assert "perahu karet" in render("offer", "id", **{**TYPICAL, "need": "perahu karet"})


def test_whole_kilometres_have_no_decimal() -> None:
    assert "(3 km)" in render("offer", "id", **{**TYPICAL, "distance_km": 3.0})


def test_need_location_numbered_candidates() -> None:
    text = render("need_location", "id", code="K7Q2", candidates=CANDIDATES_TYPICAL + ["X"])
    assert "1 Sukamaju, Ciawi, 2 Sukamaju, Cikembar, 3 Sukamaju, Cibeber" in text
    assert "4 X" not in text   # at most three options
    plain = render("need_location", "id", code="K7Q2", candidates=[])
    assert plain == render("need_location", "id", code="K7Q2")
    assert "WhatsApp" in plain and "kecamatan" in plain


def test_render_bilingual_is_indonesian_then_english() -> None:
    text = render_bilingual("request_received", code="K7Q2")
    id_text = render("request_received", "id", code="K7Q2")
    en_text = render("request_received", "en", code="K7Q2")
    first, second = text.split("\n")
    assert first == id_text
    assert second == en_text.removeprefix("Siaga: ")
    assert segments(text) == ("GSM-7", 2)


@pytest.mark.parametrize("template_id", sorted(REQUIRED))
def test_bilingual_stays_within_two_segments(template_id: str) -> None:
    text = render_bilingual(template_id, **params_for(template_id, TYPICAL, CANDIDATES_TYPICAL))
    encoding, count = segments(text)
    assert encoding == "GSM-7" and count <= 2, (len(text), text)


def test_missing_param_and_unknown_template() -> None:
    with pytest.raises(KeyError):
        render("offer", "id", code="K7Q2")
    with pytest.raises(TemplateError):
        render("no_such_template", "id")


def test_unknown_language_falls_back_to_indonesian() -> None:
    assert render("help", "fr") == render("help", "id")


def test_user_supplied_text_is_made_gsm7() -> None:
    text = render("offer", "en", **{**TYPICAL,
                                    "place": "Desa \u2018Sukamaju\u2019 \u2014 Kec. Ciawi \U0001F30A"})
    assert segments(text)[0] == "GSM-7"
    assert "Desa 'Sukamaju' - Kec. Ciawi ?" in text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\u201cBanjir\u201d", '"Banjir"'),
        ("Pos\u2026", "Pos..."),
        ("B\u0101li", "Bali"),          # a-macron is not GSM-7: accent dropped
        ("Caf\u00e9", "Caf\u00e9"),     # e-acute is GSM-7: kept
        ("[RT 05]", "(RT 05)"),         # extension chars would cost two septets
        ("\u5927", "?"),
    ],
)
def test_to_gsm7(raw: str, clean: str) -> None:
    assert to_gsm7(raw) == clean


@given(st.text(max_size=200))
def test_to_gsm7_output_is_always_basic_gsm7(text: str) -> None:
    assert all(ch in GSM7_BASIC for ch in to_gsm7(text))
