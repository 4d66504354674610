from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.core.text import Command, classify_keyword, parse_command


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("YA K7Q2", "accept"), ("ya k7q2", "accept"), ("  Terima,  K7Q2!! ", "accept"),
        ("OK K7Q2", "accept"), ("ok: k7q2 siap berangkat", "accept"),
        ("TOLAK K7Q2", "decline"), ("tidak k7q2", "decline"),
        ("OTW K7Q2", "on_the_way"), ("jalan K7Q2", "on_the_way"), ("Berangkat - K7Q2", "on_the_way"),
        ("SELESAI K7Q2", "done"), ("done k7q2.", "done"),
    ],
)
def test_offer_commands(text: str, action: str) -> None:
    assert parse_command(text) == Command(action, "K7Q2")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "action"),
    [("LIBUR", "unavailable"), ("sibuk.", "unavailable"), ("Off", "unavailable"),
     ("SIAP", "available"), ("aktif!", "available")],
)
def test_status_words(text: str, action: str) -> None:
    command = parse_command(text)
    assert command == Command(action)  # type: ignore[arg-type]
    assert not command.needs_code


def test_codes_of_four_to_six_alphanumerics() -> None:
    assert parse_command("YA AB12") == Command("accept", "AB12")
    assert parse_command("YA AB12CD") == Command("accept", "AB12CD")
    assert parse_command("YA AB12CDE") is None       # 7 characters
    assert parse_command("YA K7") is None            # 2 characters
    assert parse_command("ya ABCD") is None              # codes always hold a digit
    assert parse_command("tidak butuh") is None          # not "decline BUTUH"
    assert parse_command("selesai semua") is None
    assert parse_command("ya K7Q2 siap berangkat") == Command("accept", "K7Q2")


def test_bare_offer_verb_asks_for_the_code() -> None:
    command = parse_command("ya")
    assert command == Command("accept", None)
    assert command.needs_code


@pytest.mark.parametrize(
    "text",
    ["tidak bisa", "TIDAK BISA DATANG", "ya saya", "ok siap", "Tolong kirim air ke desa kami",
     "butuh makanan 5 KK", "", "   ", "K7Q2", "terima kasih banyak"],
)
def test_not_commands(text: str) -> None:
    assert parse_command(text) is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [("STOP", "opt_out"), ("stop", "opt_out"), ("StopAll", "opt_out"), ("UNSUBSCRIBE", "opt_out"),
     ("cancel", "opt_out"), ("END", "opt_out"), ("quit", "opt_out"), ("REVOKE", "opt_out"),
     ("optout", "opt_out"), ("START", "opt_in"), ("yes", "opt_in"), ("UNSTOP", "opt_in"),
     ("HELP", "help"), ("info", "help"), (" Stop. ", "opt_out")],
)
def test_carrier_keywords_are_never_commands(text: str, kind: str) -> None:
    assert classify_keyword(text) == kind
    assert parse_command(text) is None


def test_carrier_keyword_only_as_a_single_word() -> None:
    assert classify_keyword("stop kirim air") is None
    assert classify_keyword("help us please") is None
    assert classify_keyword("SIBUK") is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_parse_command_never_crashes(text: str) -> None:
    result = parse_command(text)
    assert result is None or isinstance(result, Command)
    if result is not None and result.code is not None:
        assert result.code.isupper() or result.code.isdigit() or result.code.isalnum()
        assert 4 <= len(result.code) <= 6


def test_sos_is_a_volunteer_command_without_a_code():
    from siaga.core.text.commands import parse_command

    assert parse_command("SOS").action == "sos" and parse_command("sos").code is None
