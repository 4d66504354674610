"""Whose place a name in a message is: where help is wanted, or where the writer or the help
comes from. "Kami relawan dari Depok sedang menuju Lebakgedong", "sy perawat di palangka raya, bs
ke posko dusun selatan", "Kapal kami di Larantuka bisa bawa beras ke Sikka": the place named after
"dari", after a helper's "di", or where a carrier is, is not where help is wanted when another
place is named as the destination. Pure functions over tokens (core/text/locate.py calls them)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
import re

from siaga.core.text import lexicon
from siaga.core.text.intent import HAVE, RESOURCES
from siaga.core.text.normalize import Token
from siaga.core.text.places import PlaceCandidates, name_word

_ORIGIN_CUES = frozenset({"dari", "from", "asal"})
_DESTINATION_CUES = frozenset({"ke", "ka", "menuju", "kearah", "to", "towards", "untuk", "utk", "buat", "bagi",
                               "otw"})   # "on the way" (to): "otw Depati Tujuh"; "ka": Minang, Sundanese
_DISASTER_CUES = frozenset(w for w in lexicon.DISASTER_WORDS if " " not in w)
# the people of a place are where the help is for: "Warga Hogio ..., bantuan dari Dekai sdh sampai"
_RESIDENT_CUES = frozenset({"warga", "penduduk", "masyarakat", "residents", "villagers"})
# skipped between a cue and the name: "dari gereja di Doloksanggul", "utk korban Baktiraja"
_CUE_SKIP = frozenset({"di", "kota", "kab", "kabupaten", "kec", "kecamatan", "desa", "ds", "kel", "kelurahan",
                       "korban", "warga", "pengungsi", "saudara", "in", "the", "daerah", "wilayah", "lokasi",
                       "pesisir", "kawasan"})   # "ke pesisir Cinangka": the coast of Kec. Cinangka


def _cued_words(tokens: Sequence[Token], cues: frozenset[str]) -> set[str]:
    """The first name-like word after each cue word, past a few fillers and landmark nouns."""
    out: set[str] = set()
    words = [t for t in tokens if t.kind == "word"]
    for i, t in enumerate(words):
        if t.norm not in cues:
            continue
        for nxt in words[i + 1:i + 4]:
            if nxt.norm in _CUE_SKIP or nxt.norm in lexicon.POI_NOUNS:
                continue
            out.add(nxt.raw.lower())
            break
    return out


def origin_words(tokens: Sequence[Token]) -> set[str]:
    """The first name-like word after each "dari"/"from": where someone or something comes from;
    not where people are fetched from or were displaced from (fetched_from)."""
    return _cued_words(tokens, _ORIGIN_CUES) - fetched_from(tokens)


# Fetching people from a place: "jemput pengungsi dr Musuk", "we need evacuation from
# Caturtunggal": the place after "dari" is where the help is needed, not where it comes from.
_FETCH_VERBS = frozenset({"jemput", "dijemput", "menjemput", "jemputan", "evakuasi", "dievakuasi",
                          "mengevakuasi", "evacuation", "evacuate", "evacuated", "rescue", "pickup",
                          # displaced "from" the place struck: "menampung pengungsi banjir dari Lakbok"
                          "pengungsi", "korban", "evacuees", "refugees", "victims"})
# News or a report "from" a place is about that place: "laporan kode H6QN3Z dari Mattiro Bone",
# "kabar dr muntok: rob sdh surut".
_REPORT_WORDS = frozenset({"laporan", "lapor", "melapor", "melaporkan", "kabar", "berita",
                           "report", "reports", "news"})
_FETCH_REACH = 4   # words from the verb to "dari"
_REPORT_REACH = 7  # ... from the report, past its code ("laporan kode H6QN3Z dari": h, qn, z)


def fetched_from(tokens: Sequence[Token]) -> set[str]:
    """The first name-like word after "dari"/"from" when it follows a verb of fetching people,
    the displaced, or a report."""
    words = [t for t in tokens if t.kind == "word"]
    out: set[str] = set()
    for i, t in enumerate(words):
        if t.norm in _ORIGIN_CUES and (
                any(w.norm in _FETCH_VERBS or w.stem in _FETCH_VERBS for w in words[max(0, i - _FETCH_REACH):i])
                or any(w.norm in _REPORT_WORDS for w in words[max(0, i - _REPORT_REACH):i])):
            out |= _cued_words(words[i:], _ORIGIN_CUES)
    return out


# Flood water sent from upstream: "banjir kiriman dari Bogor", "luapan dari Katulampa".
_WATER_SENT = frozenset({"kiriman", "luapan", "limpahan", "aliran"})


def water_origins(tokens: Sequence[Token]) -> set[str]:
    """Where the flood water comes from ("banjir lagi kiriman dr bogor"): upstream, neither the
    place nor its parent (Jakarta's floods are "sent from Bogor")."""
    words = [t for t in tokens if t.kind == "word"]
    out: set[str] = set()
    for i, t in enumerate(words):
        if t.norm in _ORIGIN_CUES and any(w.norm in _WATER_SENT for w in words[max(0, i - 2):i]):
            out |= _cued_words(words[i:], _ORIGIN_CUES)
    return out


# Who or what brings help: "relawan dr Putussibau", "bantuan dr Kendari blm sampai", "tim SAR dari
# Ternate". Not "butuh bantuan dari ..." (asked of someone).
_HELP_SOURCES = frozenset({"relawan", "volunteer", "volunteers", "bantuan", "logistik", "donasi", "donatur",
                           "sumbangan", "tim", "team", "aid", "sar", "basarnas"})
_HELP_REACH = 3   # words from the helper's noun to "dari"


def help_origins(tokens: Sequence[Token]) -> set[str]:
    """Where help comes from, in the clause of a helper's noun: the first two words of its name."""
    words = [None if t.kind == "punct" else t for t in tokens]
    out: set[str] = set()
    for i, t in enumerate(words):
        if t is None or t.norm not in _ORIGIN_CUES:
            continue
        before: list[str] = []
        for w in reversed(words[max(0, i - _HELP_REACH):i]):
            if w is None:
                break
            before.append(w.norm)
        if any(w in _HELP_SOURCES for w in before) and not any(w in lexicon.REQUEST_VERBS for w in before):
            out |= _destination_words(words, i + 1)
    return out - fetched_from(tokens)


def carrier_words(tokens: Sequence[Token]) -> set[str]:
    """The words written before a verb of carrying help to a place named, in its sentence: where
    the carrier is ("Kami punya perahu di Rimbo Bujang, siap dikerahkan ke Tebo Ulu")."""
    words = _with_sentence_breaks(tokens)
    out: set[str] = set()
    for i, found in _verb_destinations(words, _CARRY_VERBS, _CARRY_REACH):
        if not found:
            continue
        for w in reversed(words[:i]):
            if w is None:
                break
            if w.kind == "word":
                out.add(w.raw.lower())
    return out


# Carrying help somewhere: "bisa bawa beras ke Sikka", "siap kirim 2 mobil ... ke Pitu Riase".
_CARRY_VERBS = frozenset({"bawa", "membawa", "kirim", "mengirim", "dikirim", "antar", "mengantar", "diantar",
                          "angkut", "mengangkut", "diangkut", "salurkan", "menyalurkan", "disalurkan",
                          # sending people or boats where they are needed: "perahu ... bisa dikerahkan
                          # ke Tebo Ilir", "tim diterjunkan ke lokasi"
                          "kerahkan", "dikerahkan", "mengerahkan", "terjunkan", "diterjunkan",
                          "menerjunkan", "berangkatkan", "diberangkatkan", "memberangkatkan",
                          "bring", "send", "carry", "deliver", "take", "transport", "ship", "deploy",
                          "deployed"})
# "ka" is "ke" in Minang and Sundanese ("angkuik bantuan ... ka lubuk alung"); Javanese "menyang"
_CARRY_TO = frozenset({"ke", "ka", "menyang", "menuju", "kearah", "to", "towards"})
_CARRY_REACH = 8   # words from the verb to "ke"


def carried_to(tokens: Sequence[Token]) -> tuple[set[str], set[str]]:
    """The first name-like word after "ke"/"to" that follows a verb of carrying help in the same
    clause: where the help goes ("Kapal kami di Larantuka bisa bawa beras ke Sikka"); and the
    words written after that verb (names there are not where the carrier is)."""
    out: set[str] = set()
    after: set[str] = set()
    words = _with_sentence_breaks(tokens)
    for i, found in _verb_destinations(words, _CARRY_VERBS, _CARRY_REACH):
        if found:
            out |= found
            after |= _sentence_words(words, i + 1)
    return out, after


def _verb_destinations(words: Sequence[Token | None], verbs: frozenset[str],
                       reach: int) -> list[tuple[int, set[str]]]:
    """(position of the verb, the name after "ke"/"to") for each of the verbs followed by
    "ke"/"to" within reach words of its sentence."""
    out: list[tuple[int, set[str]]] = []
    for i, t in enumerate(words):
        if t is None or t.kind != "word" or not (t.norm in verbs or t.stem in verbs):
            continue
        for j in range(i + 1, min(len(words), i + 1 + reach)):
            w = words[j]
            if w is None:
                break
            if w.kind == "word" and w.norm in _CARRY_TO:
                out.append((i, _destination_words(words, j + 1)))
                break
    return out


# Sending a patient on: "butuh kapal utk rujuk ke benteng", "pasien harus dirujuk ke Makassar".
_REFER_VERBS = frozenset({"rujuk", "dirujuk", "merujuk", "rujukan", "refer", "referred"})
_REFER_REACH = 3   # words from the verb to "ke"


def referred_to(tokens: Sequence[Token]) -> set[str]:
    """Where patients are to be referred (the hospital's town, "kalaotoa selayar, ... kapal utk
    rujuk ke benteng"; "antar ke RS di Manado"): not where help is wanted, when another place is
    named."""
    words = _with_sentence_breaks(tokens)
    out: set[str] = set()
    for _, found in _verb_destinations(words, _REFER_VERBS, _REFER_REACH):
        out |= found
    for i, w in enumerate(words):   # a hospital named right after "ke", then its town
        if w is not None and w.norm in _CARRY_TO and i + 1 < len(words) and words[i + 1] is not None \
                and words[i + 1].norm in _HOSPITALS:     # type: ignore[union-attr]
            k = i + 2
            if words[i + 1].norm == "rumah":             # type: ignore[union-attr]
                # "rumah sakit"; a house alone is no hospital ("cai asup ka imah di desa ...":
                # the water came into the house, in the village named)
                nxt = words[k] if k < len(words) else None
                if nxt is None or nxt.norm != "sakit":
                    continue
                k += 1
            out |= _destination_words(words, k)
    return out


_HOSPITALS = frozenset({"rs", "rsud", "rsu", "rumah", "hospital", "puskesmas", "klinik", "clinic"})


def _sentence_words(words: Sequence[Token | None], k: int) -> set[str]:
    """The words from k to the end of the sentence ("ke Tanimbar? ada posko di Ambon?": Ambon is
    another question)."""
    out: set[str] = set()
    for x in words[k:]:
        if x is None:
            break
        if x.kind == "word":
            out.add(x.raw.lower())
    return out


# Whose office it is ("kantor camat", "rumah pak kades"): a title, not a place's name.
_OFFICE_HOLDERS = frozenset({"camat", "lurah", "kades", "bupati", "walikota", "gubernur", "kapolsek",
                             "danramil", "kadus", "keuchik", "geuchik"})


def _destination_words(words: Sequence[Token | None], k: int) -> set[str]:
    """The first two words of the name after "ke" (past fillers and landmark nouns): "Pitu
    Riase" may be read as the candidate "Riase". Nothing when the first is no name word
    ("ke kampung2 pesisir", "ke sana")."""
    while k < len(words):
        w = words[k]
        if w is None or not (w.norm in _CUE_SKIP or w.norm in lexicon.POI_NOUNS):
            break
        k += 1
    holder = words[k] if k < len(words) else None
    if holder is not None and holder.norm in _OFFICE_HOLDERS:
        return set()     # "antar ke kantor camat": the office of a kecamatan named elsewhere, if at all
    out: set[str] = set()
    pair = words[k:k + 2]
    # "ke Pasir Putih": ordinary words, both capitalised, are a name
    titled = len(pair) == 2 and all(t is not None and t.kind == "word" and t.raw[:1].isupper() for t in pair)
    for t in pair:
        # a word the regional table rewrote may still be a name, as typed ("Pitu" is not "tujuh")
        if t is None or t.kind != "word" or not (name_word(t, bool(out)) or (t.base and t.base != t.norm) or titled):
            break
        out.add(t.raw.lower())
    return out


# Who writes as a helper somewhere: "sy dokter umum di kudus", "kami mahasiswa NTB di mataram".
_SENDER_ROLES = lexicon.VOLUNTEER_ROLES | frozenset({"mahasiswa", "pengusaha", "kelompok", "yayasan", "ormas",
                                                     "rombongan", "students", "group", "team", "ngo", "lsm",
                                                     "pemilik", "owner",   # "kami pemilik klotok di Amuntai"
                                                     # the writer's own institution: "Pesantren kami
                                                     # di Tasikmalaya bisa menampung ..."
                                                     "pesantren", "ponpes", "klinik", "kampus",
                                                     "tukang"})   # "Sy tukang bangunan di Abepura"
_SENDER_REACH = 5   # words from the pronoun to "di"/"dari"


def sender_places(tokens: Sequence[Token]) -> set[str]:
    """Where the writer is, when the writer speaks as a helper ("sy perawat di palangka raya, bs
    ke posko dusun selatan"): the first name-like word after "di"/"dari" that follows a first-person
    word and a helper's role in the same clause. The place needing help is another one."""
    out: set[str] = set()
    words = _with_sentence_breaks(tokens)
    for i, t in enumerate(words):
        if t is None or t.kind != "word" or t.norm not in {"di", "dari", "in", "from"}:
            continue
        before: list[str] = []          # the clause's words before "di", nearest first
        for w in reversed(words[max(0, i - _SENDER_REACH):i]):
            if w is None:
                break
            before.append(w.norm)
        writer = next((k for k, w in enumerate(before) if w in lexicon.FIRST_PERSON), None)
        # the role between the writer and "di", or right before the writer ("LSM kami di Waingapu";
        # not "relawan, torang di Dulangon": the thanked are elsewhere); or the writer has what
        # helps, right after the place ("sy di muara beliti musi rawas punya perahu karet")
        if writer is not None and (any(w in _SENDER_ROLES for w in before[:writer + 2])
                                   or _has_after(words, i + 1)):
            out |= _destination_words(words, i + 1)
    return out


_HAVE_REACH = 6   # words from the place to "punya"
_NOT_HAVING = lexicon.NEGATORS | {"belum", "no", "not", "dont"}   # "belum punya perahu": a need


def _has_after(words: Sequence[Token | None], k: int) -> bool:
    """"punya perahu", "have a boat" (not denied) within a few words after k, in its sentence:
    what a helper offers (intent.RESOURCES; "my parents in Muara Jawa have asthma" has none)."""
    for j in range(k, min(len(words), k + _HAVE_REACH)):
        w = words[j]
        if w is None:
            return False
        if w.kind == "word" and w.norm in HAVE:
            prev = words[j - 1]
            things = [t for t in words[j + 1:j + 4] if t is not None and t.kind == "word"]
            return not (prev is not None and prev.norm in _NOT_HAVING) and any(t.norm in RESOURCES for t in things)
    return False


# Agencies named after their seat: "BPBD kota Sorong", "Basarnas Balikpapan", "bpbd tapin".
_AGENCIES = frozenset({"bpbd", "bnpb", "basarnas", "pmi", "tagana", "pemda", "pemkab", "pemkot", "polres",
                       "kodim", "polda", "damkar", "dinsos"})


def agency_seats(tokens: Sequence[Token]) -> set[str]:
    """The town an agency is named after ("terima kasih BPBD kota palu yg sdh bantu warga kel
    baru kec baolan"): where the agency sits, which may be a parent, never the answer when
    another place is named."""
    words = _with_sentence_breaks(tokens)
    out: set[str] = set()
    for i, t in enumerate(words):
        if t is not None and t.kind == "word" and t.norm in _AGENCIES:
            out |= _destination_words(words, i + 1)
    return out


def first_name_word(candidate: str) -> str:
    """A candidate's first word past its marker ("Kota Metro" is compared as "metro"), as the
    cued words (origins, senders, destinations) are taken."""
    words = [w.lower().strip(",") for w in candidate.split()]
    return next((w for w in words if w not in _CUE_SKIP), words[0] if words else "")


def without_origins(groups: PlaceCandidates, tokens: Sequence[Token], senders: set[str]) -> PlaceCandidates:
    """"Kami relawan dari Depok sedang menuju Lebakgedong": where the writer comes from is not
    where help is wanted. A candidate after "dari"/"from" is dropped when another candidate is
    named after "ke"/"menuju"/"untuk (korban)": the place the help or the people go to. When help
    is carried to a place named ("bisa bawa beras ke Sikka", "siap kirim mobil ke Pitu Riase"),
    that place is where help is wanted, and the other names (where the carrier is, "Kapal kami di
    Larantuka", "Relawan Parepare") are dropped too."""

    first = first_name_word
    everything = groups.all()
    if senders and any(first(c) not in senders for c in everything):
        def others(cs: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(c for c in cs if first(c) not in senders)

        groups = PlaceCandidates(others(groups.marked), others(groups.bare), others(groups.landmarks))
        everything = groups.all()
    origins = origin_words(tokens)
    carried, later = carried_to(tokens)
    if carried and any(first(c) in carried for c in everything):
        later -= origins - carried     # "kirim bantuan ke pinrang, jalan dari parepare aman?"

        def only(cs: tuple[str, ...]) -> tuple[str, ...]:
            # the destination, and names written after the verb ("ke Sengkang, posko ... Wajo")
            return tuple(c for c in cs if first(c) in carried or first(c) in later)

        return PlaceCandidates(only(groups.marked), only(groups.bare), only(groups.landmarks))
    if not origins:
        return groups
    # the help goes to the place named after "ke"/"untuk", or the disaster's ("donasi banjir
    # sarolangun ... kami mau bantu dr kota jambi")
    destinations = (_cued_words(tokens, _DESTINATION_CUES) | _cued_words(tokens, _DISASTER_CUES)
                    | _cued_words(tokens, _RESIDENT_CUES)) - origins
    if not any(first(c) in destinations for c in everything):
        return groups

    def keep(cs: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(c for c in cs if first(c) not in origins)

    return PlaceCandidates(keep(groups.marked), keep(groups.bare), keep(groups.landmarks))


def _with_sentence_breaks(tokens: Sequence[Token]) -> list[Token | None]:
    """Words and punctuation, with None where a sentence ends."""
    return [None if t.kind == "punct" and t.norm in {".", "!", "?", ";", "\n"} else t
            for t in tokens if t.kind == "word" or t.kind == "punct"]


_DENIALS = frozenset({"bukan", "bkn", "bukn", "not", "sanes", "dudu"})   # Sundanese, Javanese "not"
_DENIAL_MARKERS = frozenset(lexicon.PLACE_MARKERS) | frozenset(lexicon.GOVERNMENT_MARKERS)
_DENIAL_SKIP = frozenset({"the"}) | _DENIAL_MARKERS
_ENGLISH_LEVELS = frozenset({"regency", "district", "city", "village", "subdistrict"})
_DENIAL_REACH = 6   # words from the denial to where the place it denies ends


def denied_places(tokens: Sequence[Token], is_name: Callable[[list[str]], bool],
                  holds: Callable[[list[str], list[str]], bool] = lambda parent, name: False) -> list[tuple[int, int]]:
    """Character spans of the places a message says it is not about: "Kupang, Jabon, Sidoarjo
    (bukan kota Kupang NTT)", "desa kolaka sulteng (bkn kab kolaka sultra)", "not the Makassar
    district". From the denial to the end of its clause, when a place's whole name follows it;
    neither the place nor its parents count ("bukan hoax" denies no place)."""
    spans: list[tuple[int, int]] = []
    n = len(tokens)
    for i, t in enumerate(tokens):
        if t.kind != "word" or t.norm not in _DENIALS:
            continue
        k = i + 1
        while k < n and (tokens[k].kind == "word" and tokens[k].norm in _DENIAL_SKIP
                         # the full stop of an abbreviated marker ("Bukan Kab. Kendal Jateng")
                         or tokens[k].norm == "." and k > i + 1 and tokens[k - 1].norm in _DENIAL_MARKERS):
            k += 1
        names = [tokens[j].raw for j in range(k, min(n, k + 3)) if tokens[j].kind == "word"]
        # only a place told apart from its namesake ("bukan kota Kupang", "not the Makassar
        # district"): "foto itu bukan di Sebengkok" (a hoax's photo) still names the place
        marked = any(tokens[j].norm in _DENIAL_MARKERS for j in range(i + 1, k))
        english = tokens[i].norm == "not" and k < n and any(
            tokens[j].kind == "word" and tokens[j].norm in _ENGLISH_LEVELS for j in range(k + 1, min(n, k + 4)))
        whole = [m for m in range(1, len(names) + 1) if is_name(names[:m])]
        if not whole:
            continue
        end, words = k, 0
        while end < n and words < _DENIAL_REACH and not (tokens[end].kind == "punct" and tokens[end].norm in _CLAUSE_ENDS) \
                and not (end > k and tokens[end].norm in _DENIAL_STOPS
                         and not _namesakes_parent(tokens, end, names, whole, holds)):
            words += tokens[end].kind == "word"
            end += 1
        # "desa Ubung, Jonggat (bukan Ubung Denpasar)": the name said again, with the namesake's
        # parent after it, tells the two apart as a level word would
        if not (marked or english or _namesake_denied(tokens, i, k, end, whole)):
            continue
        spans.append((t.start, tokens[end - 1].end))
    return spans


def _namesakes_parent(tokens: Sequence[Token], j: int, names: list[str], whole: list[int],
                      holds: Callable[[list[str], list[str]], bool]) -> bool:
    """"bukan kec Suli di Luwu": the "di" at j says where the namesake denied is, when the words
    after it name a place holding one so called; then the denial goes on to them."""
    if tokens[j].norm != "di":
        return False
    after = [t.raw for t in tokens[j + 1:j + 4] if t.kind == "word"]
    return any(holds(after[:a], names[:m]) for m in whole for a in range(1, len(after) + 1))


def _namesake_denied(tokens: Sequence[Token], i: int, k: int, end: int, whole: list[int]) -> bool:
    """After the denial at i, the name from k (of `whole` words) was named outside the denial
    (before it, or in a correction right after it), and more words follow it in the denied clause
    (the namesake's parent)."""
    words = [j for j in range(k, end) if tokens[j].kind == "word"]
    # said before the denial, or in the correction after it ("bukan Tanjung Pinang Kepri, tapi
    # Tanjung Pinang kec Muara Samu"; not "bukan di Loa Kulu, itu foto lama"); compared with the
    # spaces left out ("... bukan Tanjungpinang Kepri")
    next_words = [t.norm for t in tokens[end:end + 4] if t.kind == "word"][:2]
    corrected = tokens[end:] if any(w in _CORRECTIONS for w in next_words) else ()
    elsewhere = [t.norm for t in (*tokens[:i], *corrected) if t.kind == "word"]
    said = {"".join(elsewhere[a:a + w]) for w in (1, 2, 3) for a in range(len(elsewhere) - w + 1)}
    return any(len(words) > m and "".join(tokens[j].norm for j in words[:m]) in said for m in whole)


_CLAUSE_ENDS = frozenset({",", ".", ")", "(", ";", "!", "?", ":", "\n"})
# the words that open a correction after a denial ("..., tapi X kec Y", "..., maksudnya X")
_CORRECTIONS = frozenset({"tapi", "tetapi", "melainkan", "but", "maksudnya", "maksud", "yang", "yg"})
# "bukan desa X tapi desa Y", "not X but Y": the place that is meant follows
_DENIAL_STOPS = frozenset({"tapi", "tetapi", "melainkan", "but", "di", "ke", "yang", "yg"})


# A writer correcting a name ("kel kampung baru soe, eh salah kota baru maksudnya", "kec seluma barat
# eh salah, maksudnya kec air priukan"): the name taken back is no place of the message.
_SLIPS = frozenset({"salah", "keliru", "typo"})
_MEANT = frozenset({"maksudnya", "maksud", "mksdnya", "mksd", "maksudku"})
_SENTENCE_ENDS = frozenset({".", "!", "?", ";", "\n"})
_OWNING = frozenset({"eh", "sorry", "sori", "maaf", "mohon"})
_WRITTEN = frozenset({"ketik", "tulis", "sebut", "nulis"})


def retracted_places(tokens: Sequence[Token]) -> list[tuple[int, int, str]]:
    """The names a writer takes back, as (start, end, the name meant): the last marked name before
    "(eh) salah", when "maksudnya" says in the same sentence what was meant. As many words are
    taken back as the name meant has, after the marker of its kind (or the last marker), so that
    the name meant takes their place: "kel kampung baru soe" becomes "kel kota baru soe"."""
    spans: list[tuple[int, int, str]] = []
    n = len(tokens)
    for i, t in enumerate(tokens):
        if t.kind != "word" or t.norm not in _SLIPS:
            continue
        # the slip owned ("eh salah", "maaf salah", "salah ketik"), and what was meant within a few
        # words: not "jangan salah kirim" or "bukan salah siapa-siapa"
        owned = (i > 0 and tokens[i - 1].norm in _OWNING) or (i + 1 < n and tokens[i + 1].norm in _WRITTEN)
        end = next((j for j in range(i + 1, n) if tokens[j].norm in _SENTENCE_ENDS), n)
        meant_at = next((j for j in range(i + 1, min(end, i + 7)) if tokens[j].norm in _MEANT), None)
        if not owned or meant_at is None:
            continue
        after = [x for x in tokens[meant_at + 1:end] if x.kind == "word"]
        before = [x for x in tokens[i + 1:meant_at] if x.kind == "word"]
        meant = after or before
        start = i - 1 if i > 0 and tokens[i - 1].norm in _OWNING else i
        marker = meant[0].norm if meant and meant[0].norm in _DENIAL_MARKERS else None
        marks = [j for j in range(start) if tokens[j].kind == "word" and tokens[j].norm in _DENIAL_MARKERS
                 and (marker is None or tokens[j].norm == marker)]
        if not marks and marker is not None:
            # no earlier name of the marker's kind: its first word is the name's ("kota baru")
            marker = None
            marks = [j for j in range(start) if tokens[j].kind == "word" and tokens[j].norm in _DENIAL_MARKERS]
        size = 0
        for k, x in enumerate(meant[1 if marker else 0:]):
            if k and x.norm in _DENIAL_MARKERS:
                break
            size += 1
        if not marks or not size:
            continue
        m = marks[-1]
        while m > 0 and marker is None and tokens[m - 1].norm in _DENIAL_MARKERS:
            m -= 1       # "kel kampung baru": the first marker; "kampung" is the name's
        words = [j for j in range(m + 1, start) if tokens[j].kind == "word"][:size]
        if words and not any(tokens[j].norm in _SENTENCE_ENDS for j in range(m, words[-1])):
            name = " ".join(x.raw for x in meant[1 if marker else 0:])   # with the parents it names
            spans.append((tokens[m].start, tokens[words[-1]].end, f"{tokens[m].raw} {name}"))
            # and the correction itself, which would name the place twice ("eh salah ... maksudnya")
            last = max(meant_at, next((j for j in range(end - 1, meant_at, -1) if tokens[j].kind == "word"),
                                      meant_at) if after else meant_at)
            spans.append((tokens[start].start, tokens[last].end, ""))
    return spans


# An earlier disaster the message compares this one with: "seperti banjir Garut 2016", "kayak
# banjir Aceh Tamiang 2025 kemarin", "lebih parah dari banjir Bahorok 2003". Its place is another.
_LIKE = frozenset({"seperti", "spt", "sprti", "kayak", "kyk", "kaya", "macam", "mcm", "mirip", "bagai",
                   "like", "than"})
_WORSE = frozenset({"parah", "besar", "tinggi", "dahsyat", "buruk", "worse", "bigger"})
_COMPARED_REACH = 5   # words from the disaster noun to the year


def compared_places(tokens: Sequence[Token]) -> list[tuple[int, int]]:
    """Character spans of the places of earlier disasters a message compares with: after a word
    of likeness ("seperti", "kayak", or "dari" after "parah"), a disaster noun, then words up to a
    year. Without the year nothing is taken ("seperti banjir di desa kami")."""
    spans: list[tuple[int, int]] = []
    words = [t for t in tokens if t.kind != "punct"]
    for i, t in enumerate(words[:-2]):
        if not (t.norm in _LIKE or (t.norm == "dari" and i > 0 and words[i - 1].norm in _WORSE)):
            continue
        # the disaster noun one or two words on ("seperti banjir", "kayak waktu banjir")
        j = next((k for k in range(i + 1, min(len(words), i + 3)) if words[k].norm in lexicon.DISASTER_WORDS), None)
        if j is None:
            continue
        for k in range(j + 1, min(len(words), j + 1 + _COMPARED_REACH)):
            if words[k].kind == "number" and re.fullmatch(r"(19|20)\d\d", words[k].norm):
                if k > j + 1:
                    spans.append((words[j + 1].start, words[k].end))
                break
    return spans
