from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.core.phone import mask_phone, mask_text, normalize_phone


@pytest.mark.parametrize(
    "raw",
    ["0812-3456-7890", "081234567890", "+6281234567890", "6281234567890", "+62 812 3456 7890",
     "whatsapp:+6281234567890", "WhatsApp: +62 812-3456-7890", " (0812) 3456 7890 "],
)
def test_normalize_indonesian_mobile(raw: str) -> None:
    assert normalize_phone(raw) == "+6281234567890"


def test_normalize_landline_and_foreign() -> None:
    assert normalize_phone("(0274) 512345") == "+62274512345"
    assert normalize_phone("+1 415 555 2671") == "+14155552671"
    assert normalize_phone("415 555 2671", region="US") == "+14155552671"


@pytest.mark.parametrize("raw", ["", "   ", "12345", "not a number", "whatsapp:", "+62 12"])
def test_normalize_rejects_invalid_with_clear_message(raw: str) -> None:
    with pytest.raises(ValueError) as exc:
        normalize_phone(raw)
    message = str(exc.value)
    assert "phone" in message
    assert "3456" not in message  # never echo the full number


def test_invalid_number_error_is_masked() -> None:
    with pytest.raises(ValueError) as exc:
        normalize_phone("+62 000 1234 5678 999")
    assert "1234" not in str(exc.value)


def test_mask_phone() -> None:
    assert mask_phone("+6281234567890") == "+62812****7890"
    assert mask_phone("whatsapp:+6281234567890") == "+62812****7890"
    assert mask_phone("+14155552671") == "+14155****2671"
    assert mask_phone("") == "****"


def test_mask_text_masks_numbers_but_not_coordinates_or_dates() -> None:
    text = "Hubungi 0812-3456-7890 atau +62 813 1111 2222. Lokasi -7.782, 110.367 tgl 08-12-2024, RT 03/05"
    masked = mask_text(text)
    assert "3456" not in masked and "1111" not in masked
    assert "0812****7890" in masked
    assert "+62813****2222" in masked
    assert "-7.782, 110.367" in masked
    assert "08-12-2024" in masked and "RT 03/05" in masked


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=80))
def test_mask_text_leaves_digit_free_text_alone(text: str) -> None:
    assert mask_text(text) == text


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"08[1-9][0-9]{7,9}", fullmatch=True), st.text(max_size=20), st.text(max_size=20))
def test_mask_text_never_leaks_a_mobile_number(number: str, before: str, after: str) -> None:
    masked = mask_text(f"{before} {number} {after}")
    assert not re.search(number, masked)


def test_two_numbers_in_one_run_are_both_masked():
    # found by the property test above: a nine-digit number, a space, then a phone number
    masked = mask_text("000000000 0810000000 ")
    assert "0810000000" not in masked and "0810****0000" in masked


def test_a_number_followed_by_other_digits_is_masked():
    # found by the property test above: the digit run (16 digits) was too long to be a phone,
    # and its last group too short, so nothing was masked
    assert "0810000000" not in mask_text(" 0810000000 000000")
    assert "0812345678" not in mask_text("hubungi 0812345678 000 111 ya")
