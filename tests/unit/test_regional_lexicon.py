"""Regional-language word lists (core/text/lexicons/*.tsv) and SMS words typed without vowels."""
from __future__ import annotations

import pytest

from siaga.core.text import lexicon, parse_help_message, regional
from siaga.core.text.normalize import devowelled, tokenize
from siaga.schemas.common import NeedCategory as N, Vulnerable as V


def test_every_language_file_loads_and_words_are_unambiguous():
    by_language = {e.language for e in regional.entries()}
    assert by_language == set(regional.LANGUAGES)
    assert regional.conflicts() == []
    # A regional word never silently redefines an SMS shorthand word (one meaning per word).
    assert set(regional.words()) & set(lexicon.SMS_SHORTHAND) == set()
    # Identity entries would be dead weight; every word maps to something else.
    assert all(e.word != e.indonesian for e in regional.entries())


def test_a_malformed_line_names_the_file_and_line():
    with pytest.raises(ValueError, match=r"jv.tsv line 2"):
        regional._parse("jv", "# comment\nbanyu air\n")
    with pytest.raises(ValueError, match="line 1"):
        regional._parse("su", "cai\tair\tdrink\n")   # unknown kind


@pytest.mark.parametrize("kind", ["need", "count"])
def test_each_entry_feeds_the_part_of_the_parser_its_kind_names(kind):
    for e in regional.entries():
        if e.kind != kind:
            continue
        multiplier = e.indonesian in lexicon.NUMBER_MULTIPLIERS_ID   # "atus" needs "rong atus"
        text = f"tolong {'dua ' if multiplier else ''}{e.word} orang" if kind == "count" else f"butuh {e.word}"
        parsed = parse_help_message(text)
        if kind == "count":
            assert parsed.people is not None and parsed.people >= 1, e
        else:
            assert parsed.needs and parsed.needs != (N.other,), e


@pytest.mark.parametrize("text, needs, people, vulnerable", [
    # Javanese
    ("tulung, banyu lan sego entek, wong telu nang omah", {N.water, N.food}, 3, set()),
    ("kami rong atus jiwa ning pengungsian butuh kemul", {N.clothing}, 200, set()),
    # Sundanese
    ("tulung abdi peryogi cai sareng dahareun, aya budak jeung nini", {N.water, N.food}, None, {V.elderly}),
    ("caah gede, imah kakurung, aya nu reuneuh", {N.rescue}, None, {V.pregnant}),   # pregnancy: vulnerable, no need
    # Acehnese
    ("tulong, kamoe peureulee ie ngon breuh, ureueng lhee", {N.water, N.food}, 3, set()),
    # Minangkabau
    ("tolong ambo paralu aia jo ubek, urang tigo, ado gaek", {N.water, N.medical}, 3, {V.elderly}),
    # Sasak: "water is gone, many children are ill, there is a grandmother"
    ("tulung, aiq ndeq araq, kanak lueq sakit, araq papuk", {N.water, N.medical}, None, {V.elderly}),
    # Madurese: "the water came into the house, we need rice and a boat"
    ("aeng masok ka bengko, parlo nase ban parao", {N.food, N.rescue}, None, set()),
    # Buginese: "flooded; the children are ill, we need medicine and food"
    ("nalempe'i kampongku, ana'-ana' malasa, parellu pabbura sibawa inanre", {N.medical, N.food}, None, set()),
])
def test_messages_in_regional_languages(text, needs, people, vulnerable):
    parsed = parse_help_message(text)
    assert set(parsed.needs) == needs
    assert parsed.people == people
    assert set(parsed.vulnerable) == vulnerable


def test_regional_negation_and_exhausted_supplies():
    # The satisfied/negated clause ends where the next need is said to run out.
    assert set(parse_help_message("air sudah cukup, nasi habis").needs) == {N.food}
    assert parse_help_message("sudah ada makanan, air, obat").needs == ()
    assert set(parse_help_message("banyu ora butuh, sego entek").needs) == {N.food}
    assert set(parse_help_message("cai teu peryogi, beas seep").needs) == {N.food}


@pytest.mark.parametrize("typed, meant", [
    ("pngngsn", "pengungsian"), ("krbn", "korban"), ("trjbk", "terjebak"), ("hml", "hamil"),
    ("slmt", "selamat"),      # not "selimut": "selamat" is far more common (and a greeting)
    ("jmbtn", "jembatan"), ("kmrn", "kemarin"),
])
def test_words_without_vowels_read_as_the_clearly_meant_word(typed, meant):
    assert devowelled(typed) == meant


@pytest.mark.parametrize("typed", [
    "brs",     # beras, baris, beres: no clear winner, so no guess
    "smg",     # Semarang to a place reader, not "semoga"
    "klu",     # has a vowel: Kabupaten Lombok Utara
    "ntt",     # province abbreviation
    "dsn",     # SMS shorthand (dusun) decides, not the frequency table
    "tdk",     # likewise (tidak)
])
def test_no_guess_when_unclear_or_already_known(typed):
    assert devowelled(typed) is None


def test_acronyms_in_capitals_are_not_expanded():
    norms = [t.norm for t in tokenize("mati listrik PLN, lapor BPBD")]
    assert "pln" in norms and "bpbd" in norms


def test_dropped_vowels_in_a_whole_message():
    parsed = parse_help_message("bth obt dan mnm utk pngngsn di balai desa, ad lns 3")
    assert set(parsed.needs) == {N.medical, N.water}
    assert V.elderly in parsed.vulnerable


def test_sundanese_food_and_acehnese_receding_water() -> None:
    assert set(parse_help_message("punten, peryogi tuangeun sareng cai bersih").needs) == {N.food, N.water}
    assert parse_help_message("ie ka surot, kamoe mandum seulamat").needs == ()   # the flood, no need


# --- round three: shorthand with some or all vowels dropped (lexicons/skeleton_overrides.tsv) ---

@pytest.mark.parametrize("typed,meant", [
    ("slmut", "selimut"), ("evkasi", "evakuasi"), ("evaksi", "evakuasi"), ("pngungsian", "pengungsian"),
    ("tnda", "tenda"), ("sbun", "sabun"), ("mkann", "makanan"),
])
def test_words_with_some_vowels_dropped_read_as_the_one_keyword_that_fits(typed, meant):
    from siaga.core.text.normalize import partly_devowelled
    assert partly_devowelled(typed) == meant


@pytest.mark.parametrize("typed", ["sakti", "lapor", "bentuk", "kali", "rumah", "tenta"])
def test_no_partial_vowel_guess_for_real_words_or_other_letters(typed):
    from siaga.core.text.normalize import partly_devowelled
    assert partly_devowelled(typed) is None


@pytest.mark.parametrize("typed", ["lpr", "btk", "all", "ing"])
def test_skeletons_with_two_common_readings_or_no_vowels_to_drop_are_not_guessed(typed):
    assert devowelled(typed) is None


def test_lapor_in_shorthand_invents_no_hunger() -> None:
    assert parse_help_message("sy mau lpr, jalan desa ketutup longsor").needs == ()


def test_a_skeleton_read_as_a_need_only_among_needs() -> None:
    assert set(parse_help_message("40 kk ngungsi, kurang mkn & slmt").needs) == {N.food, N.clothing}
    assert set(parse_help_message("butuh brs 2 karung").needs) == {N.food}
    assert parse_help_message("alhamdulillah kami slmt semua").needs == ()
    assert parse_help_message("brs depan rumah roboh semua").needs == ()


def test_javanese_ing_is_a_preposition() -> None:
    assert [t.norm for t in tokenize("bantuan sampun dugi ing Gubug") if t.kind == "word"][3] == "di"


@pytest.mark.parametrize("text, needs", [
    # Sasak "aik" is water, and also a word of many Lombok village names (named after springs)
    ("tiang leq apit aik pringgabaya, beras ndek araq", {N.food}),       # Desa Apit Aik: no water asked
    ("aik ndeq araq leq desa kateng, tulung", {N.water}),                # "there is no water"
    ("aik belabur tame bale, beras ndek araq", {N.food}),                # flood water in the house
])
def test_sasak_water_is_a_need_only_when_it_is_no_place_name(text, needs):
    assert set(parse_help_message(text).needs) == needs


def test_sasak_no_longer_needed_is_no_request():
    from siaga.core.text.intent import classify_intent
    parsed = parse_help_message("kateng praya barat aik sdh surut. ndeq perlu kirim perahu agi")
    assert parsed.needs == ()
    assert classify_intent("kateng praya barat aik sdh surut. ndeq perlu kirim perahu agi", parsed).intent == "information"
