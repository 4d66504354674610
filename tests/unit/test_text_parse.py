from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.core.text import ParsedMessage, parse_help_message
from siaga.core.text.normalize import correct_typo, stem, tokenize
from siaga.core.text.places import extract_place_candidates, place_candidate_groups
from siaga.schemas.common import NeedCategory as N
from siaga.schemas.common import Urgency as U
from siaga.schemas.common import Vulnerable as V


def needs(text: str) -> tuple[N, ...]:
    return parse_help_message(text).needs


# --- tokenisation ---------------------------------------------------------------------------

def test_shorthand_reduplication_and_stemming() -> None:
    toks = tokenize("Tlg bth obat2an utk anak2 yg skt, org tdk bs mkn")
    norms = [t.norm for t in toks if t.kind == "word"]
    assert norms == ["tolong", "butuh", "obat", "untuk", "anak", "yang", "sakit", "orang",
                     "tidak", "bisa", "makan"]
    assert stem("membutuhkan") == "butuh"
    assert stem("pengungsian") == "ungsi"
    assert stem("obat-obatan") == "obat"


def test_typo_correction_only_for_unknown_words() -> None:
    assert correct_typo("makanna") == "makanan"
    assert correct_typo("slimut") == "selimut"
    assert correct_typo("genzet") == "genset"
    assert correct_typo("evakusi") == "evakuasi"
    assert correct_typo("berat") is None      # a real word, not a typo of "beras"
    assert correct_typo("lapor") is None      # not "lapar"
    assert correct_typo("tanda") is None      # not "tenda"
    assert correct_typo("xyzzyq") is None


# --- needs ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("butuh air bersih", (N.water,)),
        ("kami lapar, butuh nasi dan obat", (N.food, N.medical)),
        ("Butuh: selimut, popok, sabun, genset, tenda", (N.clothing, N.baby, N.sanitation, N.power, N.shelter)),
        ("evakuasi! terjebak di lantai 2", (N.rescue,)),
        ("banyu lan sego", (N.water, N.food)),           # Javanese
        ("we need food, water and a doctor", (N.food, N.water, N.medical)),
        ("butuh makanna dan slimut", (N.food, N.clothing)),  # typos
        ("tolong kami", (N.other,)),                      # a plea without a named need
        ("info saja, semua aman", ()),
    ],
)
def test_needs_in_order_of_mention(text: str, expected: tuple[N, ...]) -> None:
    assert needs(text) == expected


@pytest.mark.parametrize(
    ("text", "kept", "negated"),
    [
        ("tdk butuh makanan, butuh obat", (N.medical,), (N.food,)),
        ("tidak perlu air, yang kurang selimut", (N.clothing,), (N.water,)),
        ("gak usah kirim nasi lagi. popok habis", (N.baby,), (N.food,)),
        ("no need for food, we need blankets", (N.clothing,), (N.food,)),
        ("don't need water but need medicine", (N.medical,), (N.water,)),
        ("makanan dan air sudah cukup, butuh tenda", (N.shelter,), (N.food, N.water)),
        ("sudah ada makanan. kurang obat", (N.medical,), (N.food,)),
        ("kami butuh air bersih, bukan makanan", (N.water,), (N.food,)),
        ("obat tidak perlu, butuh sabun", (N.sanitation,), (N.medical,)),
        ("food is enough, need tarps", (N.shelter,), (N.food,)),
    ],
)
def test_negated_and_satisfied_needs_are_removed(text: str, kept: tuple, negated: tuple) -> None:
    parsed = parse_help_message(text)
    assert parsed.needs == kept
    assert parsed.negated_needs == negated


@pytest.mark.parametrize(
    "text",
    ["tidak ada makanan", "belum makan 2 hari", "not enough food", "no food", "makanan tidak cukup",
     "kekurangan makanan", "stok beras habis"],
)
def test_lack_is_a_need_not_a_negation(text: str) -> None:
    assert needs(text) == (N.food,)


@pytest.mark.parametrize(
    "text",
    ["air sudah setinggi dada", "banjir, air naik terus", "air sungai meluap", "air 1 meter di dalam rumah",
     "water is rising", "air belum surut"],
)
def test_flood_water_is_not_a_water_need(text: str) -> None:
    assert N.water not in needs(text)


def test_supply_water_is_a_need_even_after_adverbs() -> None:
    assert needs("air sudah habis") == (N.water,)
    assert needs("air belum ada") == (N.water,)


def test_shelter_words_naming_a_place_are_not_needs() -> None:
    assert needs("kami di posko, butuh selimut") == (N.clothing,)
    assert needs("pengungsi di tenda butuh air") == (N.water,)
    assert N.shelter not in needs("Butuh obat. Posko Tridadi")
    assert needs("butuh tenda dan tempat pengungsian") == (N.shelter,)


def test_injury_denied_is_not_medical() -> None:
    parsed = parse_help_message("tidak ada yang luka, butuh terpal")
    assert parsed.needs == (N.shelter,)
    assert V.injured not in parsed.vulnerable
    assert parse_help_message("no injuries, only need water").needs == (N.water,)


def test_things_swept_away_are_not_a_rescue() -> None:
    parsed = parse_help_message("3 rumah hanyut, keluarga selamat, butuh pakaian")
    assert parsed.needs == (N.clothing,)
    assert parsed.urgency is not U.critical
    assert N.rescue in needs("2 orang hanyut terbawa arus")


# --- counts --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "people", "households", "estimated"),
    [
        ("5 KK butuh air", 20, 5, True),
        ("30 jiwa mengungsi", 30, None, False),
        ("12 org terjebak", 12, None, False),
        ("20 orang", 20, None, False),
        ("50 people need water", 50, None, False),
        ("5 KK (18 jiwa)", 18, 5, False),
        ("sekitar 1.000 jiwa", 1000, None, False),
        ("kami berlima", 5, None, False),
        ("dua puluh lima orang", 25, None, False),
        ("twelve families", 48, 12, True),
        ("2 lansia dan 3 balita", 5, None, False),
        ("RT 03 RW 05, jam 07.30", None, None, False),
        ("Warga 3 RT (90 KK)", 360, 90, True),
        ("pengungsi 50", 50, None, False),
        ("kk saya sakit", None, None, False),
    ],
)
def test_people_counts(text: str, people: int | None, households: int | None, estimated: bool) -> None:
    parsed = parse_help_message(text)
    assert (parsed.people, parsed.households, parsed.people_estimated) == (people, households, estimated)


# --- vulnerable, urgency, language ---------------------------------------------------------

def test_vulnerable_groups_in_order() -> None:
    parsed = parse_help_message("ada bayi, balita, lansia, ibu hamil, difabel dan 2 org luka")
    assert parsed.vulnerable == (V.infant, V.toddler, V.elderly, V.pregnant, V.disabled, V.injured)
    assert parse_help_message("manula dan bumil").vulnerable == (V.elderly, V.pregnant)
    assert parse_help_message("mbah jompo, kursi roda").vulnerable == (V.elderly, V.disabled)


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("butuh air", U.normal),
        ("butuh air segera", U.high),
        ("darurat! banjir", U.high),
        ("luka parah", U.high),
        ("tolong cepat", U.high),
        ("urgent, need food", U.high),
        ("SOS", U.critical),
        ("pasien kritis", U.critical),
        ("ada yang tenggelam", U.critical),
        ("terjebak di atap, tolong segera", U.critical),     # rescue + two high cues
        ("tidak mendesak, kalau sempat kirim buku", U.low),
        ("tidak parah, butuh obat", U.normal),
        ("butuh toilet darurat", U.normal),                  # makeshift toilet
        ("tidak ada korban jiwa", U.normal),
    ],
)
def test_urgency_rule(text: str, urgency: U) -> None:
    assert parse_help_message(text).urgency is urgency


def test_language_guess() -> None:
    assert parse_help_message("We need water for 20 people please").language == "en"
    assert parse_help_message("tlg bth air utk 20 org").language == "id"
    assert parse_help_message("banyu ra ono").language == "id"
    assert parse_help_message("").language == "id"


# --- places --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "candidates"),
    [
        ("banjir di ds Sumberharjo kec. Prambanan, butuh air", ("ds Sumberharjo kec Prambanan",)),
        ("di Dusun Krajan, Desa Wukirsari, Cangkringan", ("Dusun Krajan, Desa Wukirsari, Cangkringan",)),
        ("RT 03 RW 05 Condongcatur butuh makan", ("RT 03 RW 05 Condongcatur",)),
        ("Jl. Kaliurang km 12, Ngaglik", ("Ngaglik",)),
        ("kami di sini, di rumah", ()),
        ("in Sinduadi, Mlati we need food", ("Sinduadi, Mlati",)),
    ],
)
def test_place_candidates_after_markers(text: str, candidates: tuple[str, ...]) -> None:
    assert place_candidate_groups(tokenize(text)).marked == candidates


def test_bare_and_landmark_candidates() -> None:
    groups = place_candidate_groups(tokenize("45 jiwa di Masjid Jami, Bejiharjo Karangmojo"))
    assert "Bejiharjo Karangmojo" in groups.marked + groups.bare
    assert "Jami" in groups.landmarks
    lower = place_candidate_groups(tokenize("banjir sumberharjo prambanan butuh makanan"))
    assert lower.bare == ("sumberharjo prambanan",)
    assert extract_place_candidates(tokenize("Tolong kirim air")) == ()


def test_parsed_message_is_frozen() -> None:
    parsed = parse_help_message("butuh air")
    assert isinstance(parsed, ParsedMessage)
    with pytest.raises(AttributeError):
        parsed.urgency = U.high  # type: ignore[misc]


def test_parsing_is_fast() -> None:
    text = ("Tlg bth air bersih dan mkn utk 5 KK di ds Sumberharjo kec Prambanan, ada bayi dan lansia,"
            " tdk butuh selimut. segera!")
    parse_help_message(text)
    start = time.perf_counter()
    for i in range(50):
        parse_help_message(text + f" {i}")
    assert (time.perf_counter() - start) / 50 < 0.02


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parse_never_crashes(text: str) -> None:
    parsed = parse_help_message(text)
    assert len(set(parsed.needs)) == len(parsed.needs)
    assert parsed.people is None or parsed.people > 0


# Water that is the flood, and rescue words that report rather than ask (issue 13, places_dev).
@pytest.mark.parametrize("text, needs", [
    ("pintu air Manggarai siaga 1. Bukit Duri tenggelam, tlg evakuasi", {N.rescue}),   # floodgate
    ("tarogongkidul garut, air Cimanuk masuk rumah, butuh perahu karet", {N.rescue}),  # a river's water
    ("doyo lama, air danau naik, rumah terendam. butuh perahu & mkn", {N.rescue, N.food}),
    ("banjir, air sampe pinggang. tlg bth perahu karet", {N.rescue}),
    ("Pasien dievakuasi ke halaman, butuh obat, tenda", {N.medical, N.shelter}),      # done already
    ("banyak warga di lantai 2 blm dievakuasi!!", {N.rescue}),                          # not yet: asks
    ("20 kk kehilangan rumah, butuh tenda & pakaian", {N.shelter, N.clothing}),        # not a missing person
    ("sumur tertimbun pasir. Butuh air bersih", {N.water}),                             # the well, not people
])
def test_flood_water_and_reported_rescue_are_not_needs(text, needs):
    assert set(parse_help_message(text).needs) == needs


# --- rules added with tests/fixtures/extra_dev.jsonl ------------------------------------------

def test_isolation_beside_other_needs_describes_the_disaster() -> None:
    from siaga.schemas.common import NeedCategory as N
    assert parse_help_message("dusun kami terisolir 5 hari, butuh beras dan obat").needs == (N.food, N.medical)
    # alone, it is still read as a call to get people out
    assert N.rescue in parse_help_message("tolong, kami terisolir").needs


def test_burial_of_places_is_described_but_of_people_asked() -> None:
    from siaga.schemas.common import NeedCategory as N
    assert N.rescue not in parse_help_message("kampung tertimbun lumpur, warga butuh tenda").needs
    assert N.rescue in parse_help_message("3 orang tertimbun, butuh ambulans").needs


@pytest.mark.parametrize("text", [
    "tarogong, air cimanuk masuk rumah, tolong perahu",         # a river's water, lower case
    "air dr bendungan naik, butuh perahu",
    "banyu sak dodo, tulung",
])
def test_more_flood_water_is_not_a_water_need(text: str) -> None:
    from siaga.schemas.common import NeedCategory as N
    assert N.water not in parse_help_message(text).needs


def test_a_plea_in_deep_water_is_a_rescue() -> None:
    from siaga.schemas.common import NeedCategory as N
    assert parse_help_message("tolong, ada kakek di rumah, air sdh sedada").needs == (N.rescue,)
    assert parse_help_message("tulung dijemput, ono simbah").needs == (N.rescue,)


# --- rules added with tests/fixtures/places2_dev.jsonl ----------------------------------------

def test_pregnancy_is_a_vulnerability_not_a_medical_need() -> None:
    parsed = parse_help_message("2 hari blm dpt bantuan makanan, ada bayi & ibu hamil")
    assert parsed.needs == (N.food,)
    assert V.pregnant in parsed.vulnerable
    assert N.medical in parse_help_message("ada ibu hamil mau melahirkan, tolong bidan").needs


@pytest.mark.parametrize("text", [
    "lansia 4 org blm bisa keluar rmh",
    "nenek di rmh panggung ga bs keluar, air naik",
    "my parents cannot get out of the house",
])
def test_people_who_cannot_get_out_need_rescue(text: str) -> None:
    assert parse_help_message(text).needs == (N.rescue,)


def test_cleaning_tools_are_sanitation() -> None:
    assert set(parse_help_message("lumpur masuk rumah, butuh sapu, sikat & air bersih").needs) == {
        N.sanitation, N.water}


def test_hit_by_rubble_is_an_injury_not_a_rescue() -> None:
    assert parse_help_message("3 anak luka kena reruntuhan, mohon ambulans").needs == (N.medical,)
    assert N.rescue in parse_help_message("2 org tertimbun reruntuhan masjid, tlg").needs


def test_a_bare_plea_while_houses_are_swept_away_is_a_rescue() -> None:
    assert parse_help_message("air naik lg, 3 rmh hanyut, tlg").needs == (N.rescue,)
    assert parse_help_message("tolong kami").needs == (N.other,)


@pytest.mark.parametrize("text", [
    "mau donasi utk korban gempa, rekening resmi posko yg mana ya?",
    "Mau kirim bantuan, ada nomor posko gempa?",
    "alamat posko banjir dimana?",
])
def test_a_post_referred_to_is_no_shelter_need(text: str) -> None:
    assert N.shelter not in parse_help_message(text).needs
    assert N.shelter in parse_help_message("kami butuh posko dan tenda").needs


@pytest.mark.parametrize("text", [
    "Air sdh surut, warga mulai bersih2 rumah. terimakasih bantuannya",
    "Posko buka di wantilan, terima bantuan mulai jam 9",
    "Terima kasih atas bantuan semua",
])
def test_help_thanked_for_or_received_is_no_plea(text: str) -> None:
    assert parse_help_message(text).needs == ()


def test_help_not_yet_received_is_still_a_plea() -> None:
    assert parse_help_message("kami belum terima bantuan sama sekali").needs == (N.other,)


# --- round three: need words in another sense (docs/messaging.md, "Round three") ----------------

@pytest.mark.parametrize("word,meant", [("demak", "demam"), ("wates", "water"), ("batur", "batuk"),
                                        ("segeri", "segera")])
def test_a_kabupaten_or_kecamatan_name_is_never_typo_corrected_into_a_keyword(word: str, meant: str) -> None:
    assert correct_typo(meant[:-1] + ("x" if meant[-1] != "x" else "y")) in {meant, None}   # the corrector works
    assert [t.norm for t in tokenize(f"banjir {word} parah") if t.kind == "word"][1] == word
    assert N.medical not in needs("pengungsi Gajah, Demak butuh beras")
    assert needs("Banjir Wates, tolong kirim beras") == (N.food,)


@pytest.mark.parametrize("text,expected", [
    ("banjir di air hitam, tolong kirim nasi", (N.food,)),          # a place named Air ...
    ("kami terjebak di air, tolong perahu", (N.rescue,)),            # the flood itself
    ("mohon relawan utk masak di dapur umum", (N.other,)),           # the kitchen as a place
    ("butuh beras dan minyak utk dapur umum", (N.food,)),            # ... but a kitchen supplied asks
])
def test_air_and_dapur_after_a_locative_are_places(text: str, expected: tuple[N, ...]) -> None:
    assert needs(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("ada lansia sakit di tenda pengungsian Cikalong, tolong obat", (N.medical,)),
    ("butuh selimut dan tikar, pengungsian desa Sukamaju", (N.clothing, N.shelter)),
    ("need milk for the babies, evacuation center in Garut", (N.baby,)),
    ("butuh selimut dan tempat pengungsian di balai desa", (N.clothing, N.shelter)),   # asked for
])
def test_a_shelter_named_as_where_the_sender_is_is_no_shelter_need(text: str, expected: tuple[N, ...]) -> None:
    assert needs(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("perahu kami hancur diterjang ombak, butuh beras", (N.food,)),
    ("celana anak2 hanyut semua, perlu baju ganti", (N.clothing,)),
    ("rumah warga di Sukasari hanyut, butuh tenda", (N.shelter,)),
    ("2 warga hanyut terseret arus, tolong", (N.rescue,)),           # people: still a rescue
    ("perahu karet bocor, tolong kirim perahu lain", (N.rescue,)),   # the second boat is asked for
])
def test_lost_boats_and_goods_are_no_rescue_need(text: str, expected: tuple[N, ...]) -> None:
    assert needs(text) == expected


def test_a_broken_thing_is_no_broken_bone() -> None:
    assert N.medical not in needs("pohon besar patah menimpa rumah, tolong evakuasi")
    assert N.medical in needs("kaki nenek patah, tolong")


def test_cooking_gas_is_power_but_volcanic_gas_is_not() -> None:
    assert needs("beras menipis, gas juga habis") == (N.food, N.power)
    assert N.power not in needs("ada gas beracun di kawah, warga diungsikan, butuh masker")


def test_a_need_word_inside_a_capitalised_name_is_no_need() -> None:
    assert needs("banjir besar, Sungai Kain meluap. warga butuh makanan") == (N.food,)
    assert needs("tolong kirim Air, warga kehausan") == (N.water,)      # no name next to it
    assert N.water in needs("Tolong Kirim Air Bersih Ke Desa Kami")    # title case: still a need


def test_regional_words_for_a_big_flood_and_a_blanket() -> None:
    assert N.water not in needs("banyu ganal masuk rumah, minta tulung perahu")
    assert N.water not in needs("aia gadang, tolong kirim nasi")
    assert needs("peryogi simut sareng tenda") == (N.clothing, N.shelter)


def test_an_evacuation_done_is_no_rescue_need() -> None:
    assert needs("Residents evacuated from the coast need blankets") == (N.clothing,)
