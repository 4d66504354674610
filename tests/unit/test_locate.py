from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openlocationcode import openlocationcode as olc

from siaga.core.text.locate import find_coordinates, locate
from siaga.schemas.common import Location

YOGYA = (-7.7801, 110.3612)


def test_whatsapp_shared_location_wins() -> None:
    result = locate("banjir di ds Sumberharjo kec Prambanan -7.1, 110.1", shared_lat="-7.80", shared_lon="110.40")
    assert (result.status, result.source, result.lat, result.lon, result.accuracy_m) == \
        ("resolved", "whatsapp", -7.8, 110.4, 20.0)
    location = result.to_location()
    assert isinstance(location, Location) and location.source == "whatsapp"


@pytest.mark.parametrize(("lat", "lon"), [("", ""), ("abc", "110"), (None, 110.4), ("95", "110"), ("nan", "1")])
def test_bad_shared_location_is_ignored(lat: object, lon: object) -> None:
    result = locate("butuh air", shared_lat=lat, shared_lon=lon)  # type: ignore[arg-type]
    assert result.source != "whatsapp"


@pytest.mark.parametrize(
    ("text", "lat", "lon"),
    [
        ("lokasi -7.78, 110.36", -7.78, 110.36),
        ("-7.7821,110.3671", -7.7821, 110.3671),
        ("lat -7.7 lon 110.4", -7.7, 110.4),
        ("Latitude: -7.70 Longitude: 110.40", -7.7, 110.4),
        ("lintang 7.75 LS bujur 110.41 BT", -7.75, 110.41),
        ("posisi 7.7821 LS 110.3671 BT", -7.7821, 110.3671),
        ("7°46'S 110°22'E", -(7 + 46 / 60), 110 + 22 / 60),
        ("7°46'30\"S 110°22'10\"E", -(7 + 46 / 60 + 30 / 3600), 110 + 22 / 60 + 10 / 3600),
        ("https://maps.google.com/?q=-7.782,110.367", -7.782, 110.367),
        ("https://www.google.com/maps/@-7.782,110.367,17z", -7.782, 110.367),
        ("koordinat 110.367, -7.782", -7.782, 110.367),            # lon, lat order
        ("7.78, 110.36 tolong", -7.78, 110.36),                     # missing minus sign
        ("5.55, 95.32 Banda Aceh", 5.55, 95.32),                    # north of the equator
        ("-7,782 110,367", -7.782, 110.367),                        # decimal commas
    ],
)
def test_coordinates_in_text(text: str, lat: float, lon: float) -> None:
    result = locate(text)
    assert (result.status, result.source) == ("resolved", "text_coords")
    assert result.lat == pytest.approx(lat, abs=1e-6)
    assert result.lon == pytest.approx(lon, abs=1e-6)
    assert result.accuracy_m is not None and 10 <= result.accuracy_m <= 6000


@pytest.mark.parametrize(
    "text",
    ["jam 07.30, 08.15 air naik", "air 1.50 m", "48.85, 2.35 Paris", "RT 03/05", "tinggi 1.5 meter 2.30 jam"],
)
def test_non_coordinates(text: str) -> None:
    assert find_coordinates(text) is None


def test_coordinate_accuracy_follows_precision() -> None:
    coarse = find_coordinates("-7.78, 110.36")
    fine = find_coordinates("-7.78012, 110.36123")
    assert coarse is not None and fine is not None
    assert coarse[2] > 500 and fine[2] == 10


def test_full_plus_code() -> None:
    code = olc.encode(*YOGYA)
    for text in (f"lokasi {code}", f"lokasi {code[:4]} {code[4:]}", f"lokasi {code.lower()}"):
        result = locate(text)
        assert (result.status, result.source) == ("resolved", "plus_code")
        assert result.lat == pytest.approx(YOGYA[0], abs=2e-4)
        assert result.lon == pytest.approx(YOGYA[1], abs=2e-4)
        assert result.accuracy_m is not None and result.accuracy_m < 15


def test_short_plus_code_recovered_near_named_area() -> None:
    short = olc.shorten(olc.encode(*YOGYA), -7.72, 110.38)
    result = locate(f"{short} Sleman")
    assert (result.status, result.source) == ("resolved", "plus_code")
    assert result.lat == pytest.approx(YOGYA[0], abs=2e-4)
    by_reference = locate(short, reference=(-7.7, 110.4))
    assert by_reference.status == "resolved" and by_reference.lat == pytest.approx(YOGYA[0], abs=2e-4)
    missing = locate(short)
    assert missing.status == "missing" and missing.note and "plus code" in missing.note


def test_gazetteer_fallback() -> None:
    result = locate("Tlg bth air utk 5 KK di ds Sumberharjo kec Prambanan, segera")
    assert (result.status, result.source, result.admin_code) == ("resolved", "gazetteer", "34.04.09.2001")
    assert result.accuracy_m == 1500
    assert result.place_name == "Desa Sumberharjo, Kec. Prambanan, Kabupaten Sleman"
    location = result.to_location()
    assert location is not None and location.admin_code == "34.04.09.2001" and location.source == "gazetteer"


def test_ambiguous_place_returns_candidates_and_reference_resolves() -> None:
    result = locate("banjir di Sumberharjo, butuh makanan")
    assert result.status == "ambiguous" and result.lat is None and result.to_location() is None
    assert len(result.candidates) >= 2
    near = locate("banjir di Sumberharjo, butuh makanan", reference=(-7.80, 110.50))
    assert near.status == "resolved" and near.admin_code == "34.04.09.2001"


@pytest.mark.parametrize("text", ["tolong butuh air", "", "kami di rumah, air naik"])
def test_missing(text: str) -> None:
    result = locate(text)
    assert result.status == "missing" and result.to_location() is None


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=120))
def test_locate_never_crashes(text: str) -> None:
    result = locate(text)
    assert result.status in {"resolved", "ambiguous", "missing"}
    if result.status == "resolved":
        assert result.to_location() is not None


# Issue 13: names as people write them, and no confident answer from an ordinary word.
@pytest.mark.parametrize("text,code_prefix", [
    ("bidara cina banjir", "31.75"),                 # Kel. Bidara Cina, Jakarta Timur: two ordinary words
    ("banjir kuta raja", "11.71.06"),                # Kec. Kuta Raja, Banda Aceh
    ("gempa palu timur", "72.71"),                   # Kec. Palu Timur ("palu" is a hammer)
    ("banjir rawa buaya jakarta barat", "31.73"),    # Kel. Rawa Buaya, not only the city
    ("banjir smg utara", "33.74"),                   # SMS shorthand inside a name: Semarang Utara
    ("gempa KLU lombok", "52.08"),                   # Kabupaten Lombok Utara
    ("banjir di warungkondang butuh makanan", "32.03"),
    ("banjir bandang garut kota butuh makanan", "32.05.01"),   # Kec. Garut Kota, not the kabupaten
    ("banjir di medan kota", "12.71.01"),                      # "kota" last: part of the name
    ("posko di kota garut", "32.05"),                           # "kota" first: the town itself
])
def test_names_in_lower_case_run_together_or_abbreviated(text, code_prefix):
    r = locate(text)
    assert r.status == "resolved", (text, r)
    assert r.admin_code.startswith(code_prefix), (text, r.place_name)


@pytest.mark.parametrize("text", [
    "air di lembur naik",          # Sundanese "lembur" (village) is also Kec. Lembur, Alor (NTT)
    "tolong kami di tangga rumah",
    "we're ok, no injuries",       # "re ok" is not Kec. Reok
    "butuh air bersih 20 orang",
    "banjir setiap tahun, lurah diam",
    "air deras masuk rumah setiap jam, pak lurah minta bantuan",   # Desa Setiap is in Kalsel
    "gempa di pemenang",           # "pemenang" (winner) is also Kec. Pemenang: ask which
])
def test_ordinary_words_never_resolve_to_a_far_namesake(text):
    assert locate(text).status != "resolved", (text, locate(text).place_name)


def test_a_parent_makes_an_ordinary_word_a_place_again():
    r = locate("gempa di pemenang lombok utara")
    assert r.status == "resolved" and r.admin_code == "52.08.05"


def test_a_marker_makes_an_ordinary_word_a_place_again():
    r = locate("tolong ke balai desa Trimurti")   # "trimurti" is also a dictionary word
    assert r.status == "resolved" and r.admin_code.startswith("34.02")


# A lower place written bare, in lower case, found because its parent is named too (issue 13).
@pytest.mark.parametrize("text, code", [
    ("trienggadeng pidie jaya, butuh tenda", "11.18.08"),          # not just Kabupaten Pidie Jaya
    ("heram kota jayapura, longsor di perumahan", "91.71.05"),
])
def test_a_bare_lower_place_is_found_when_its_parent_is_named(text, code):
    r = locate(text)
    assert r.status == "resolved" and r.admin_code == code, (text, r.place_name)


def test_the_whole_message_pass_takes_no_near_spelling():
    # "butuh" is not Desa Butuhan, "alat berat" is not Desa Berta: the pass over every n-gram of
    # the message takes exact names only.
    assert locate("tidak butuh apa2, hanya info jalan ke Klaten putus").admin_code == "33.10"
    assert locate("Butuh alat berat & tim SAR. Dusun Tangkil, Banjarnegara").admin_code == "33.04"


def test_every_place_abbreviation_names_areas_of_the_gazetteer():
    from siaga.core.text import lexicon
    from siaga.core.text.gazetteer import gazetteer

    keys = gazetteer().by_key
    missing = {a: t for a, targets in lexicon.PLACE_ABBREVIATIONS.items() for t in targets if t not in keys}
    assert missing == {}


@pytest.mark.parametrize("text, code", [
    ("gunungsari lobar, tolong kirim terpal", "52.01"),     # Lombok Barat, as locals write it
    ("banjir di barabai hst", "63.07"),                     # Hulu Sungai Tengah
])
def test_kabupaten_abbreviations(text, code):
    r = locate(text)
    assert r.status == "resolved" and r.admin_code.startswith(code), (text, r.place_name)


def test_places_named_together_lie_together():
    # Kel. Manggarai and Kel. Bukit Duri are both in Tebet (Jakarta): not Kabupaten Manggarai, NTT.
    r = locate("pintu air Manggarai siaga 1. Bukit Duri tenggelam, tlg evakuasi warga lansia")
    assert r.status == "resolved" and r.admin_code.startswith("31.74.01"), r.place_name


def test_roman_numerals_in_names_are_written_as_digits():
    assert locate("Jaho 10 Koto kena galodo, butuh air bersih").admin_code == "13.04.01.2002"
    assert locate("banjir di kec 4 koto agam").admin_code.startswith("13.06")


def test_a_name_matched_only_through_old_spelling_needs_more_evidence():
    # "pua" typed matches "Poea" (old spelling oe = u), Kel. Poea 2,400 km away in Southeast
    # Sulawesi: without a parent or neighbour named, that is not an answer.
    r = locate("tolong! galodo di sungai pua, ado urang gaek nan luko")
    assert r.status != "resolved" or r.admin_code.startswith("13.06"), r.place_name


@pytest.mark.parametrize("text, code", [
    ("banjir bandang di Masamba lutra", "73.22.03"),          # Luwu Utara
    ("gempa halsel, warga Bacan ngungsi ke bukit", "82.04"),  # Halmahera Selatan
    ("Wanggudu konut terendam", "74.09.01"),                  # Konawe Utara, not Desa Konut (Murung Raya)
])
def test_kabupaten_abbreviations_of_the_regions_file(text, code):
    r = locate(text)
    assert r.status == "resolved" and r.admin_code.startswith(code), (text, r.place_name)


def test_a_parent_named_beats_the_level_prior_of_a_bare_namesake():
    # "Helumo" alone is likeliest the kecamatan (Bolaang Mongondow Selatan); with "Bonebol" named,
    # the village Helumo in Suwawa, Bone Bolango.
    assert locate("Bonebol, air masuk rumah di Helumo").admin_code == "75.03.03.2028"


@pytest.mark.parametrize("text, code", [
    ("kami dari Depok mau antar bantuan ke Lebakgedong", "36.02.25"),
    ("Kami dari Bandung, siap kirim selimut untuk korban di Baktiraja", "12.16.03"),
])
def test_where_help_goes_wins_over_where_the_writer_comes_from(text, code):
    r = locate(text)
    assert r.status == "resolved" and r.admin_code == code, r.place_name


def test_a_word_with_an_apostrophe_is_one_word():
    # "ba'da" (after) is one word: as two ("ba da") it outweighed Salido as "Desa Bada".
    assert locate("pengajian di masjid Salido ba'da isya, Pessel").admin_code == "13.01.05.2003"
    assert locate("warga To'barru Latimojong terisolir").admin_code == "73.17.12.2010"


@pytest.mark.parametrize("text, code", [
    ("banjir di sungai tabuk, tolong perahu", "63.03.04"),      # Kec. Sungai Tabuk, Banjar
    ("galodo di sungai pua, warga butuh perahu", "13.06"),     # Kec. Sungai Pua, Agam
])
def test_a_river_noun_may_begin_a_place_name(text, code):
    r = locate(text)
    assert r.status == "resolved" and r.admin_code.startswith(code), r.place_name


def test_a_named_parent_outweighs_the_everyday_words_of_a_name():
    assert locate("Batu Besar nongsa banjir").admin_code == "21.71.04.1002"
    assert locate("bidara cina jaktim, rumah terendam").admin_code.startswith("31.75")
    assert locate("Kec. Bayang pessel, desa Pasar Baru kebanjiran").admin_code == "13.01.06.2007"


def test_kelurahan_prefers_a_kelurahan_over_a_desa_of_the_same_name():
    # Kel. Rua (Kota Ternate) and Desa Rua (Sumba Barat): "Kelurahan" says which.
    assert locate("tim kami menuju Kelurahan Rua").admin_code == "82.71.01.1004"


def test_two_neighbouring_villages_named_together_give_their_kecamatan():
    # Bube and Ulanta are both villages of Kec. Suwawa (Bone Bolango): tied, they are neighbours.
    r = locate("warga Bube dan Ulanta ngungsi di masjid")
    assert r.status == "resolved" and r.admin_code == "75.03.03", r.place_name


# --- rules added with tests/fixtures/places2_dev.jsonl ----------------------------------------

@pytest.mark.parametrize(("text", "code"), [
    # "kampung" is the official word for a desa in Aceh Tengah, Bener Meriah, Papua: with its
    # kecamatan named, the desa after it is meant (alone it stays a hamlet, not in the data)
    ("Gempa Ketol, Aceh Tengah: kampung Bah rata, byk warga tertimbun. tlg kirim alat berat", "11.04.10.2001"),
    # an ordinary word read as a place ("aman") gives way to a village named with its kecamatan
    ("warga asmorobangun puncu sdh bali nang omah, kahanan aman. matur nuwun relawan", "35.06.08.2002"),
    # a parent named settles a name shared by more villages than the short list holds
    ("banjir pacitan kota, air sdh sepinggang di Ploso, tolong", "35.01.04.1002"),
    # a parent written as its short form ("pasbar"); "SAR jo" (Minang "and") is no Kec. Sarjo
    ("Talu pasbar, ado urang tahimpik, tolong kirim tim SAR jo alat barek", "13.12.04.2002"),
])
def test_places_settled_by_a_parent_named_elsewhere(text: str, code: str) -> None:
    result = locate(text)
    assert (result.status, result.admin_code) == ("resolved", code), result


def test_a_parent_named_by_its_short_form_is_named() -> None:
    from siaga.core.text.gazetteer import lookup_code, named_in
    talu = lookup_code("13.12.04.2002")
    assert talu is not None
    assert named_in(talu, "Talu pasbar, tolong") and not named_in(talu, "Talu, tolong")


def test_kampung_alone_still_names_no_far_village() -> None:
    assert locate("kampung Bah rata, tolong").admin_code != "11.04.10.2001"


def test_a_two_word_name_is_not_read_as_a_village_and_its_parent() -> None:
    # Kel. Teluk Lingga (Sangatta Utara), not Desa Teluk in Kabupaten Lingga, 1,400 km away
    result = locate("We are safe in Teluk Lingga, the water has gone down")
    assert result.admin_code == "64.08.04.1010", result


def test_kali_may_begin_a_place_name() -> None:
    result = locate("Kali Bobo, sa pu kampung tenggelam. kitorang butuh makan")
    assert (result.status, result.admin_code) == ("resolved", "94.01.01.1002"), result
    assert locate("air kali meluap, tolong").admin_code is None


@pytest.mark.parametrize(("text", "code"), [
    ("Kapal kami di Larantuka bisa bawa beras ke Sikka. siapa yg terima di pelabuhan?", "53.07"),
    ("Kami dari Bukittinggi punya 1 truk air bersih, bisa antar ke Kinali besok pagi", None),
])
def test_where_help_is_carried_to_beats_where_the_carrier_is(text: str, code: str | None) -> None:
    result = locate(text)
    if code is not None:
        assert result.admin_code == code, result
    assert result.admin_code is None or not result.admin_code.startswith(("53.06", "13.75")), result


def test_help_carried_to_no_named_place_keeps_the_carriers_place() -> None:
    result = locate("Sa punya speedboat di Manokwari, siap bantu antar logistik ke kampung2 pesisir")
    assert result.admin_code == "92.02", result


def test_a_carried_destination_unknown_to_the_candidates_is_never_a_far_namesake() -> None:
    # "Pitu" (Javanese "seven") is Desa Pitu in Kec. Pitu, Ngawi: its own name is no parent
    result = locate("Relawan Parepare siap kirim 2 mobil 4x4 utk bawa logistik ke Pitu Riase")
    assert result.admin_code is None or not result.admin_code.startswith("35.21"), result


def test_a_village_with_its_kecamatan_named_beats_a_bare_city_name() -> None:
    # Desa Raja in Kec. Ngabang (Landak), not Kota Pontianak, 84 km away, where the thanks go
    result = locate("Raja, Ngabang: air sudah surut, warga kembali ke rumah. Terima kasih relawan Pontianak")
    assert result.admin_code == "61.08.01.2003", result


@pytest.mark.parametrize("text", [
    "Kubu kena gempa, tolong kirim terpal",                  # Kec. Kubu in four kabupaten
    "Belimbing terendam, tolong kirim perahu dan beras",
    "Panti kebanjiran, anak2 panti asuhan kehilangan baju",
    "Kajai ancua, banyak rumah rubuah, kami paralu tenda",    # Minang: hancur, roboh
])
def test_a_shared_name_opening_a_message_before_what_befell_it_is_asked_about(text: str) -> None:
    result = locate(text)
    assert result.status == "ambiguous" and result.candidates, result


def test_an_ordinary_subject_is_still_no_place() -> None:
    assert locate("Rumah terendam, tolong").status == "missing"


def test_names_after_the_carrying_verb_are_kept() -> None:
    from siaga.core.text.whose_place import sender_places, without_origins
    from siaga.core.text.normalize import tokenize
    from siaga.core.text.places import place_candidate_groups
    tokens = tokenize("Relawan Parepare siap kirim logistik ke Sengkang, posko banjir Wajo")
    kept = without_origins(place_candidate_groups(tokens), tokens, sender_places(tokens)).all()
    assert "Wajo" in kept and not any(c.startswith("Relawan") or c.startswith("Parepare") for c in kept)


def test_a_volcano_named_alone_is_the_mountain_not_a_village() -> None:
    result = locate("Info: dapur umum di Stadion Maguwoharjo melayani pengungsi Merapi 3x sehari")
    assert result.admin_code == "34.04.07.2002", result        # Maguwoharjo (Sleman), the stadium
    assert locate("ada yg tau cara jadi relawan di posko Merapi?").status == "missing"
    assert locate("banjir di Desa Merapi, tolong").status != "missing"   # with a marker: a place


def test_every_volcano_name_is_no_kecamatan_or_kabupaten() -> None:
    from siaga.core.text import tables
    from siaga.core.text.gazetteer import gazetteer
    g = gazetteer()
    for name in tables.volcanoes():
        assert all(g.levels[i] == 3 for i in g.by_key.get(name, ())), name


def test_an_ordinary_word_after_a_disaster_noun_may_name_its_kabupaten() -> None:
    result = locate("posko banjir landak ada di mana ya? mau antar pakaian")
    assert result.admin_code == "61.08", result                    # Kabupaten Landak
    assert locate("longsor batu, jalan tertutup, tolong").admin_code is None      # rock, not Kota Batu
    assert locate("banjir puncak, tolong").admin_code is None                     # a summit
    assert locate("ada landak masuk rumah, tolong").admin_code is None           # a porcupine


def test_an_ordinary_word_opening_a_message_before_its_kecamatan_is_the_village() -> None:
    result = locate("Pantai, Rupit: dapur umum sdh jalan, tapi beras tinggal utk sehari")
    assert result.admin_code == "16.13.01.2009", result          # Desa Pantai, Kec. Rupit
    assert locate("Pantai, kami butuh tenda").status != "resolved"   # no parent: no village


@pytest.mark.parametrize("text", ["Songan B aman, hanya tembok pura retak", "warga desa Songan B aman semua"])
def test_a_village_split_in_two_keeps_its_letter(text: str) -> None:
    assert locate(text).admin_code == "51.06.04.2025"


@pytest.mark.parametrize(("text", "code"), [
    ("glghwero pnti jmbr, 40kk ngungsi d sklh, kurg mkn & slmt", "35.09.14.2004"),   # Glagahwero, Panti, Jember
    ("kedisan kntmani 5 rmh rbh, ngungsi d bale banjar, prlu trpl", "51.06.04.2018"),  # Kedisan, Kintamani
])
def test_names_typed_without_vowels_resolve_with_a_parent(text: str, code: str) -> None:
    assert locate(text).admin_code == code


def test_a_name_without_vowels_and_no_parent_is_no_place() -> None:
    assert locate("glghwero bnjr, tolong").status != "resolved"
    assert locate("bnjr di desa kami, tolong").admin_code is None   # shorthand "bnjr" is banjir, no Banjar
