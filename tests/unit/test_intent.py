"""core.text.intent: what a new message is for (request, offer, information, question, status)."""
from __future__ import annotations

import time

import pytest

from siaga.core.text import parse_help_message
from siaga.core.text.intent import INTENTS, classify_intent
from siaga.core.text.normalize import tokenize


def intent_of(text: str):
    return classify_intent(tokenize(text), parse_help_message(text))


@pytest.mark.parametrize("text", [
    "saya punya pickup, bisa angkut logistik",
    "I have a pickup, can carry supplies",
    "Saya relawan dari Bandung, bisa bantu di posko mana saja",
    "ada perahu karet 2 unit, siap bantu evakuasi di Jakarta Timur",
    "Sy punya genset 5kva nganggur, siap dipinjamkan ke posko yg butuh",   # "yg butuh": relative
    "kula gadhah mobil bak, saged ngeterke bantuan",
    # an ask said of others: a relative clause, or a question about who needs
    "Sy punya perahu di Bontonompo, siap bantu evakuasi warga yg masih terjebak",
    "Kami relawan, bawa 2 dokter dan obat. Posko mana yg blm ada tenaga medis?",
    "Our NGO has 300 hygiene kits ready. Which villages still need them?",
    "Our church group collected 200 blankets, where should we bring them?",   # goods in hand
])
def test_offers(text: str) -> None:
    result = intent_of(text)
    assert result.intent == "offer", result
    assert result.evidence and all(e.startswith("offer: ") for e in result.evidence)


@pytest.mark.parametrize("text", [
    "pembagian sembako di balai desa jam 3",
    "semua warga sudah aman",
    "air sudah surut",
    "terima kasih relawan",
    "Posko buka di kantor kelurahan Cawang, ada dapur umum",
    "listrik sudah menyala lagi di Palu Barat",
    "Water level at Manggarai floodgate is dropping",
])
def test_information(text: str) -> None:
    assert intent_of(text).intent == "information", intent_of(text)


@pytest.mark.parametrize("text", [
    "mau donasi ke mana?",
    "bagaimana cara daftar relawan?",
    "Where can I donate for the Cianjur earthquake?",
    "apakah posko masih terima baju bekas?",
])
def test_questions(text: str) -> None:
    assert intent_of(text).intent == "question", intent_of(text)


@pytest.mark.parametrize("text", [
    "kapan bantuan datang? kode saya P4K2Q1",
    "status permintaan saya bagaimana? sudah kirim kemarin",
])
def test_status_questions(text: str) -> None:
    assert intent_of(text).intent == "status", intent_of(text)


@pytest.mark.parametrize("text", [
    "sudah tidak butuh, terima kasih",
    "sudah tidak butuh bantuan, keluarga kami sudah di rumah saudara",
    "Kami sudah dapat bantuan, terima kasih banyak",
    "bantuan makanan sudah datang, tidak perlu kirim lagi",
])
def test_no_longer_needed_is_information(text: str) -> None:
    result = intent_of(text)
    assert result.intent == "information", result
    assert not any(e.startswith("ask") for e in result.evidence)


def test_negated_need_with_another_need_stays_request() -> None:
    result = intent_of("Sdh tdk butuh air, skrg yg kurang makanan utk 70 org")
    assert result.intent == "request", result
    assert [n.value for n in parse_help_message("Sdh tdk butuh air, skrg yg kurang makanan utk 70 org").needs] == ["food"]


@pytest.mark.parametrize("text", [
    "air setinggi lutut di jalan",
    "air masuk rumah warga RW 02 Kampung Pulo sekitar 1 meter",
    "banjir di jalan raya Kaligawe sepaha, macet total",
])
def test_flood_water_is_a_description_not_a_water_need(text: str) -> None:
    assert "water" not in [n.value for n in parse_help_message(text).needs]
    result = intent_of(text)
    assert result.intent == "information", result


def test_water_as_supply_is_still_a_need() -> None:
    for text in ("butuh air bersih 20 orang", "air sudah habis, tolong kirim galon"):
        assert "water" in [n.value for n in parse_help_message(text).needs], text
        assert intent_of(text).intent == "request"


@pytest.mark.parametrize("text", [
    "air sudah masuk rumah, tolong evakuasi lansia",
    "air sudah surut tapi kami butuh air bersih, semua sumur kotor",
    "pembagian sembako kemarin tidak sampai ke RT kami, tolong kirim ke RT 09",
    "Banjir setinggi atap di Bidara Cina, tolong perahu karet",
])
def test_information_with_a_clear_ask_stays_request(text: str) -> None:
    result = intent_of(text)
    assert result.intent == "request", result
    assert any(e.startswith("ask: ") for e in result.evidence)


def test_flood_description_with_vulnerable_people_stays_request() -> None:
    # A lost plea costs more than a report forwarded to a volunteer.
    assert intent_of("air sepinggang, ada bayi demam di lantai 2").intent == "request"
    assert intent_of("air sudah sedada, 3 lansia di atap rumah").intent == "request"


def test_plain_need_list_without_ask_is_request() -> None:
    assert intent_of("air bersih 20 org desa Sumberharjo kec Prambanan").intent == "request"


def test_greeting_has_no_intent_evidence() -> None:
    result = intent_of("halo selamat pagi")
    assert result.intent in INTENTS and not result.evidence


def test_accepts_text_or_tokens() -> None:
    text = "saya punya pickup, bisa angkut logistik"
    assert classify_intent(text, parse_help_message(text)) == intent_of(text)


def test_fast() -> None:
    text = "Sy punya genset 5kva nganggur, siap dipinjamkan ke posko yg butuh, hubungi saya di Cugenang"
    tokens, parsed = tokenize(text), parse_help_message(text)
    classify_intent(tokens, parsed)
    n = 200
    t0 = time.perf_counter()
    for _ in range(n):
        classify_intent(tokens, parsed)
    assert (time.perf_counter() - t0) / n < 0.001


@pytest.mark.parametrize("text", [
    "Ada dapur umum di kantor desa, silakan datang utk makan siang",     # an invitation
    "air kali pesanggrahan naik lagi, di Cengkareng sudah selutut",     # the river's water
])
def test_invitations_and_river_water_are_information(text: str) -> None:
    assert intent_of(text).intent == "information", intent_of(text)


@pytest.mark.parametrize("text", [
    "warga yg masih terjebak di atap, tolong kirim perahu",      # the sender asks too: a request
    "posko mana yang butuh? kami di sini butuh air",
    "tolong, air kali sudah masuk rumah, ada lansia",
])
def test_a_relative_clause_does_not_hide_the_senders_own_ask(text: str) -> None:
    assert intent_of(text).intent == "request", intent_of(text)
