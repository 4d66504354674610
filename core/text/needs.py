"""Which needs a message asks for, with negated and already-met needs removed."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from siaga.core.text import lexicon
from siaga.core.text.gazetteer import is_whole_name
from siaga.core.text.matching import PhraseIndex, PhraseMatch, is_boundary
from siaga.core.text.normalize import Token, _known_words, is_dictionary_word
from siaga.schemas.common import NeedCategory

_NEGATING_PREVIOUS = lexicon.NEGATORS | {"no", "not", "dont", "t", "usah", "tidak"}
# "not enough food" / "tidak cukup air" are needs, not satisfied ones.
_DENYING_PREVIOUS = frozenset({"tidak", "not", "kurang", "belum", "no", "bukan"})
_SOFT_SCOPE_END = frozenset({".", ";", "!", "?", "\n", ":", "(", ")"})


@dataclass(frozen=True, slots=True)
class NeedResult:
    needs: tuple[NeedCategory, ...]          # ordered by first (non-negated) mention
    negated: tuple[NeedCategory, ...]        # mentioned, but only as "not needed" / "already have"


@lru_cache(maxsize=1)
def _index() -> PhraseIndex[NeedCategory]:
    return PhraseIndex(lexicon.NEED_KEYWORDS, no_stem=lexicon.NO_STEM_MATCH)


def detect_needs(tokens: Sequence[Token]) -> NeedResult:
    matches = [m for m in _index().find(tokens) if not _is_non_need_use(tokens, m)]
    negated_at = _negated_positions(tokens, matches)
    kept: dict[NeedCategory, int] = {}
    negated: dict[NeedCategory, int] = {}
    for m in matches:
        target = negated if m.start in negated_at else kept
        target.setdefault(m.key, m.start)
    _drop_described_rescue(tokens, matches, kept, negated_at)
    _drop_buried_road(tokens, matches, kept, negated_at)
    _machines_for_the_road(tokens, matches, kept, negated_at)
    _building_materials(tokens, kept, negated_at)
    needs = tuple(sorted(kept, key=kept.__getitem__))
    if not needs and not negated and _asks_for_help(tokens):
        # a plea for help without naming what: still a request; in deep water, to get out
        # ("tolong, nenek sendirian di rumah, air udh sepinggang")
        # ... or while houses are swept away or buried ("air naik lg, 3 rmh hanyut, tlg")
        deep = any(t.kind == "word" and (t.norm in lexicon.DEEP_WATER or t.norm in lexicon.RESCUE_CONDITIONS
                                         and t.norm not in lexicon.ISOLATION_WORDS) for t in tokens)
        needs = (NeedCategory.rescue if deep else NeedCategory.other,)
    return NeedResult(needs, tuple(c for c in sorted(negated, key=negated.__getitem__) if c not in kept))


def _drop_described_rescue(tokens: Sequence[Token], matches: list[PhraseMatch[NeedCategory]],
                           kept: dict[NeedCategory, int], negated_at: set[int]) -> None:
    """"Rante Balla terisolir 3 hari. butuh beras, mie": rescue read only from words that describe
    the disaster (lexicon.RESCUE_CONDITIONS) is dropped when other needs are asked."""
    if NeedCategory.rescue not in kept or len(kept) < 2:
        return
    for m in matches:
        if m.key != NeedCategory.rescue or m.start in negated_at:
            continue
        words = m.phrase
        if len(words) != 1 or words[0] not in lexicon.RESCUE_CONDITIONS:
            return          # "evakuasi", "perahu", "tim sar": rescue asked
        if words[0] not in lexicon.ISOLATION_WORDS and _about_people(tokens, m.start):
            return          # "2 org tertimbun": people under the rubble
    del kept[NeedCategory.rescue]


def _drop_buried_road(tokens: Sequence[Token], matches: list[PhraseMatch[NeedCategory]],
                      kept: dict[NeedCategory, int], negated_at: set[int]) -> None:
    """"jalan di desa musi lirung putus tertimbun longsor, kendaraan blm bisa lewat": the road
    is buried, and no one is named under it: a report of the road, no rescue asked."""
    if NeedCategory.rescue not in kept:
        return
    rescue = [m for m in matches if m.key == NeedCategory.rescue and m.start not in negated_at]
    if not rescue or any(len(m.phrase) != 1 or m.phrase[0] not in lexicon.RESCUE_CONDITIONS
                         or m.phrase[0] in lexicon.ISOLATION_WORDS or _about_people(tokens, m.start) for m in rescue):
        return
    if any(t.kind == "word" and (t.norm in lexicon.PERSON_UNITS or t.norm in _PEOPLE_WORDS) for t in tokens):
        return      # "jalan tertimbun, 3 warga di dalam mobil": people may be under it
    if all(_road_in_clause(tokens, m.start) for m in rescue):
        del kept[NeedCategory.rescue]


def _road_in_clause(tokens: Sequence[Token], index: int) -> bool:
    """A road word earlier in the clause of ``index`` ("jalan ... putus tertimbun")."""
    k = index - 1
    while k >= 0:
        t = tokens[k]
        if t.kind == "punct" and t.norm in _SOFT_SCOPE_END | {","}:
            return False
        if t.kind == "word" and t.norm in lexicon.ROAD_WORDS:
            return True
        k -= 1
    return False


def _machines_for_the_road(tokens: Sequence[Token], matches: list[PhraseMatch[NeedCategory]],
                           kept: dict[NeedCategory, int], negated_at: set[int]) -> None:
    """"longsor tutup jalan desa, butuh alat berat", "alat berat normalisasi kali", "tanggul
    jebol ... alat berat": machines to open a blocked road, clear a river or mend a levee are not a rescue (no one is under the earth), so the ask
    is "other"; with anyone buried, trapped or missing ("1 warga tertimbun, tlg alat berat") it
    stays a rescue."""
    if NeedCategory.rescue not in kept:
        return
    rescue = [m for m in matches if m.key == NeedCategory.rescue and m.start not in negated_at]
    machines = [m for m in rescue if " ".join(m.phrase) in lexicon.HEAVY_EQUIPMENT]
    if not machines or not (_road_blocked(tokens) or any(t.norm in lexicon.CLEARING_WORDS
                                                         or t.norm in lexicon.WORKS_TO_MEND for t in tokens)):
        return
    for m in rescue:
        if m in machines:
            continue
        k = _prev_word_index(tokens, m.start)
        if k is not None and tokens[k].norm in lexicon.ROAD_WORDS:
            continue        # "jalur evakuasi tertutup material": the evacuation route, a road
        words = m.phrase
        if len(words) != 1 or words[0] not in lexicon.RESCUE_CONDITIONS:
            return          # "warga terjebak", "tim sar": a rescue asked
        if words[0] not in lexicon.ISOLATION_WORDS and (_about_people(tokens, m.start)
                                                        or not _road_before(tokens, m.start)):
            return          # "2 org tertimbun", "Malalak Timur tertimbun": people or a village buried
    del kept[NeedCategory.rescue]
    kept.setdefault(NeedCategory.other, machines[0].start)


_BY = frozenset({"pakai", "pake", "pakek", "naik", "via", "lewat", "dengan", "dgn", "by"})
_GOODS_SENT = frozenset({"diantar", "dikirim", "diangkut", "disalurkan", "didistribusikan", "delivered", "sent"})


def _goods_carried_by(tokens: Sequence[Token], index: int) -> bool:
    """The boat is how goods are to be delivered: "<goods> diantar pake perahu"."""
    k = _prev_word_index(tokens, index)
    if k is None or tokens[k].norm not in _BY:
        return False
    before = [t.norm for t in tokens[max(0, k - 4):k] if t.kind == "word"]
    return any(w in _GOODS_SENT for w in before)


def _building_materials(tokens: Sequence[Token], kept: dict[NeedCategory, int], negated_at: set[int]) -> None:
    """"perlu seng, paku dan papan untuk perbaiki rumah", "terpal & seng": roofing and boards to
    make a house liveable again are shelter, when asked for (after a need verb) or listed with
    shelter goods; alone they are not ("seng ada makanan" is Ambonese "no food", "kena seng")."""
    if NeedCategory.shelter in kept:
        return
    words = [(i, t.norm) for i, t in enumerate(tokens) if t.kind == "word"]
    for k, (i, w) in enumerate(words):
        if w not in lexicon.BUILDING_MATERIALS or i in negated_at:
            continue
        near = [x for _, x in words[max(0, k - 2):k] + words[k + 1:k + 3] if x not in {"dan", "and", "utk"}]
        before = words[k - 1][1] if k > 0 else ""
        if before in lexicon.NEED_VERBS or before in {"bantuan", "kekurangan"} or any(
                x in lexicon.BUILDING_MATERIALS - {w} or x in lexicon.SHELTER_GOODS for x in near[:3]):
            kept.setdefault(NeedCategory.shelter, i)
            return


def _road_blocked(tokens: Sequence[Token]) -> bool:
    """A road word near a word saying it is blocked or to be opened ("jalan ketutup", "tutup
    jalan desa", "buka jalan", "jalan nasional ke Sumba Timur tertutup longsor", "road blocked"):
    two words before it, or five after it in its clause."""
    words = [t.norm for t in tokens if t.kind == "word"]
    if any(w in lexicon.ROAD_WORDS and any(x in lexicon.ROAD_BLOCKED for x in words[max(0, i - 2):i])
           for i, w in enumerate(words)):
        return True
    return any(t.kind == "word" and t.norm in lexicon.ROAD_WORDS
               and _word_ahead(tokens, i + 1, states=lexicon.ROAD_BLOCKED)
               for i, t in enumerate(tokens))


def _road_before(tokens: Sequence[Token], index: int) -> bool:
    """A road word within the three words before ``index`` ("jalan ke jorong tertimbun")."""
    words = [t.norm for t in tokens[:index] if t.kind == "word"][-3:]
    return any(w in lexicon.ROAD_WORDS for w in words)


def _about_people(tokens: Sequence[Token], index: int) -> bool:
    """A person word or a number within the three words before a rescue word."""
    seen = 0
    k = index - 1
    while k >= 0 and seen < 3:
        t = tokens[k]
        if t.kind == "punct" and t.norm in _SOFT_SCOPE_END:
            return False
        if t.kind == "number" and k + 1 < index and tokens[k + 1].kind == "word" \
                and tokens[k + 1].norm in lexicon.BUILDING_UNITS:
            return False     # "2 honai tertimbun", "3 rumah hanyut": buildings counted, not people
        if t.kind == "number" or (t.kind == "word" and (t.norm in lexicon.PERSON_UNITS or t.norm in _PEOPLE_WORDS)):
            return True
        if t.kind == "word":
            seen += 1
        k -= 1
    return False


_PEOPLE_WORDS = frozenset({"warga", "orang", "org", "jiwa", "anak", "lansia", "korban", "keluarga", "penduduk",
                           "people", "persons", "residents", "villagers", "nenek", "kakek", "ibu", "bapak",
                           "balita", "bayi", "family", "families", "urang", "simbah", "penghuni", "penghuninya"})


def _asks_for_help(tokens: Sequence[Token]) -> bool:
    negated = False   # inside "tidak butuh ..." / "no need ..."
    for i, t in enumerate(tokens):
        if t.kind == "punct" and t.norm in _SOFT_SCOPE_END | {","}:
            negated = False
        if t.kind != "word":
            continue
        if t.norm in _NEGATING_PREVIOUS:
            negated = True
            continue
        if t.norm in lexicon.GENERIC_HELP or t.stem in lexicon.GENERIC_HELP:
            nxt_i = _next_word_index(tokens, i + 1)
            nxt = tokens[nxt_i] if nxt_i is not None else None
            if nxt is not None and nxt.norm in lexicon.NON_AID_OBJECTS:
                continue        # "mohon doanya", "tolong infokan"
            if nxt is not None and nxt_i is not None:
                after = _next_word(tokens, nxt_i + 1)
                if after is not None and (nxt.norm, after.norm) in lexicon.NON_AID_PAIRS:
                    continue    # "tolong kasih tau alamat posko"
            prev = _prev_word(tokens, i)
            if t.norm == "darurat" and prev is not None and prev.norm in lexicon.MAKESHIFT_NOUNS:
                continue        # "status tanggap darurat", "jembatan darurat": makeshift, no plea
            if _thanked_or_received(tokens, i):
                continue        # "terimakasih bantuannya", "posko terima bantuan": no plea
            if not negated:
                return True
        elif t.norm not in lexicon.NEGATABLE_VERBS and t.stem not in lexicon.NEGATABLE_VERBS:
            negated = False
    return False


_THANKS_OR_RECEIVE = frozenset({"terimakasih", "makasih", "kasih", "thanks", "thank", "nuwun", "nuhun", "suwun",
                                "terima", "menerima", "diterima", "for"})


def _thanked_or_received(tokens: Sequence[Token], i: int) -> bool:
    """"bantuan" right after thanks or a verb of receiving ("terimakasih bantuannya", "terima
    kasih atas bantuan", "posko terima bantuan mulai jam 9") is what was given, not a plea."""
    k = _cue_before(tokens, i, _THANKS_OR_RECEIVE, _THANKS_FILLERS, 3)
    if k is None:
        return False
    before = _prev_word(tokens, k)
    if before is not None and before.norm in {"belum", "tidak", "not", "no", "never", "goh", "dereng"}:
        return False    # "belum terima bantuan": still waiting, a plea
    return tokens[i].norm in {"bantuan", "help", "aid", "assistance"}


_THANKS_FILLERS = frozenset({"atas", "untuk", "segala", "semua", "banyak", "the", "your", "all"})


def _cue_before(tokens: Sequence[Token], i: int, cues: frozenset[str] | set[str],
                fillers: frozenset[str] | set[str], reach: int) -> int | None:
    """The index of a cue word among the `reach` words before token i, with only fillers
    between ("tidak ada (yang) luka", "terima kasih atas bantuan"); None if there is none."""
    k = i - 1
    while k >= 0 and k >= i - reach:
        tok = tokens[k]
        if tok.kind != "word":
            return None
        if tok.norm in cues:
            return k
        if tok.norm not in fillers:
            return None
        k -= 1
    return None


# --- uses of a need word that are not a need -------------------------------------------------

def _is_non_need_use(tokens: Sequence[Token], m: PhraseMatch[NeedCategory]) -> bool:
    words = m.phrase
    if len(words) == 1 and words[0] in lexicon.FLOOD_WATER_WORDS and _describes_flood(tokens, m):
        return True
    if any(w in lexicon.LOCATIVE_SENSITIVE for w in words):
        prev = _prev_word(tokens, m.start, skip=lexicon.ARTICLES)
        if prev is not None and prev.norm in lexicon.LOCATIVES:
            return True  # "kami di posko", "tinggal di tenda", "to the shelter": a place
        prev = _prev_word(tokens, m.start, skip=lexicon.ARTICLES | lexicon.SHELTER_COMPOUND)
        if prev is not None and prev.norm in lexicon.LOCATIVES - lexicon.SHELTER_COMPOUND:
            return True  # "di tenda pengungsian Pemenang": the whole compound is the place
    if words[-1] in lexicon.REQUEST_ONLY and words[0] != "tempat" and _prev_word(tokens, m.start) is None:
        nxt = _next_word(tokens, m.end)
        if nxt is not None and nxt.norm in lexicon.ADDRESS_FOLLOWERS:
            return True  # "..., pengungsian kelurahan Kebon Pala", "..., evacuation center in Cianjur"
    if words[0] in lexicon.PLACE_AFTER_LOCATIVE and (len(words) == 1 or words[0] == "dapur"):
        prev = _prev_word(tokens, m.start)
        if prev is not None and prev.norm in lexicon.STRICT_LOCATIVES:
            return True  # "banjir di air tawar barat", "masak di dapur umum": places
    if m.key == NeedCategory.rescue and words[0] in lexicon.RESCUE_EQUIPMENT and _damaged_after(tokens, m.end):
        return True      # "perahu nelayan hancur semua": the boats are lost, none is asked for
    if m.key == NeedCategory.rescue and words[0] in lexicon.RESCUE_EQUIPMENT and _goods_carried_by(tokens, m.start):
        return True      # "sembako & obat diantar pake perahu": how the goods go, not a rescue
    if len(words) == 1 and words[0] in lexicon.THING_CONDITIONS and _thing_before(tokens, m.start):
        return True      # "tangga rumah panggung patah": the stairs broke, not a bone
    if words == ("gas",):
        nxt = _next_word(tokens, m.end)
        if nxt is not None and nxt.norm in lexicon.GAS_NOT_FUEL:
            return True  # "gas beracun", "gas air mata"
    if len(words) == 1 and _inside_name(tokens, m.start):
        return True      # "Lipat Kain tenggelam", "Air Tawar": a word of a capitalised name
    before = _prev_word(tokens, m.start)
    if before is not None and before.norm in {"harga", "price"}:
        return True      # "harga beras naik gila2an": a price reported, nothing asked
    if m.key == NeedCategory.rescue and words[-1] == "atap" \
            and any(t.kind == "word" and t.norm in lexicon.ON_THE_ROOF_THINGS for t in tokens[max(0, m.start - 6):m.start]):
        return True      # "abu Soputan so tebal skali di atap": ash on the roof, not people
    if len(words) == 1 and _regional_word_of_a_name(tokens, m.start):
        return True      # "leq apit aik pringgabaya": Desa Apit Aik, not Sasak "aik" (water)
    if len(words) == 1 and _named_after_marker(tokens, m.start):
        return True      # "desa air selumar kec sijuk": Desa Air Selumar, not water
    if words[-1] in lexicon.REQUEST_ONLY and not _requested_earlier(tokens, m.start):
        return True      # "Posko Tridadi" signs a message; "butuh tempat pengungsian" asks
    if words[-1] in lexicon.REQUEST_ONLY:
        prev = _prev_word(tokens, m.start, skip=frozenset({"resmi", "official"}))
        if prev is not None and prev.norm in _REFERRING:
            return True  # "nomor posko", "alamat posko banjir", "atas nama posko": an existing post
    if " ".join(words) in lexicon.THING_RESCUE_WORDS and is_about_things(tokens, m.start):
        return True      # "rumah hanyut": the house, not people
    if len(words) == 1 and words[0] in lexicon.CONDITION_WORDS and condition_is_denied(tokens, m.start):
        return True  # "tidak ada yang luka"
    if len(words) == 1 and words[0] in lexicon.FLOOD_WATER_WORDS:
        prev = _prev_word(tokens, m.start)
        if prev is not None and prev.norm in lexicon.WATER_WORKS:
            return True  # "pintu air Manggarai": the floodgate
    if len(words) == 1:
        prev, nxt = _prev_word(tokens, m.start), _next_word(tokens, m.end)
        if (prev is not None and (prev.norm, words[0]) in lexicon.LANDMARK_PHRASES) or (
                nxt is not None and (words[0], nxt.norm) in lexicon.LANDMARK_PHRASES):
            return True  # "lampu merah puri" (traffic lights), "pom bensin" (a petrol station)
    if words[0] in _RUBBLE and len(words) == 1:
        prev = _prev_word(tokens, m.start)
        if prev is not None and prev.norm in _CAUSE_WORDS:
            return True  # "luka kena reruntuhan": what hurt them, not people under the rubble
    if words in _DONE_RESCUE and not _requested_earlier(tokens, m.start):
        k = _prev_word_index(tokens, m.start)
        prev = tokens[k] if k is not None else None
        before = _prev_word(tokens, k) if k is not None and tokens[k].norm in {"bisa", "dapat", "can"} else None
        not_yet = {"belum", "not", "yet", "harus", "must", "tidak"}
        if (prev is None or prev.norm not in not_yet) and (before is None or before.norm not in not_yet):
            return True  # "pasien dievakuasi ke halaman": done; "blm dievakuasi", "gak bisa dievakuasi" ask
    return False


_DONE_RESCUE = {("dievakuasi",), ("evacuated",), ("diselamatkan",), ("rescued",), ("diungsikan",)}
_RUBBLE = frozenset({"reruntuhan", "rubble"})
# Words that refer to a post that exists: its number, address, account, name, location.
_REFERRING = frozenset({"nomor", "no", "alamat", "rekening", "kontak", "nama", "lokasi", "telepon", "telp", "hp",
                        "wa", "number", "address", "contact", "account", "location"})
_CAUSE_WORDS = frozenset({"kena", "terkena", "akibat", "karena", "by"})


_GLOTTAL_SUFFIXES = frozenset({"i", "e"})
# What a flood carries with its water ("air dan lumpur", "aer deng batu"); never a supply
_DEBRIS = frozenset({"lumpur", "batu", "pasir", "sampah"})
# The particle that makes "the water" when written apart: Sundanese "cai na", "air nya".
_THE_WATER = frozenset({"na", "nya"})


def _describes_flood(tokens: Sequence[Token], m: PhraseMatch[NeedCategory]) -> bool:
    """"air naik", "air setinggi dada", "banjir air", "water is rising": the flood, not a need."""
    k = _next_word_index(tokens, m.end)
    # (past the suffix a glottal stop splits off: Buginese "nalempe'i uwae", flooded by water)
    prev = _prev_word(tokens, m.start, skip=_GLOTTAL_SUFFIXES)
    if prev is not None and prev.norm in lexicon.FLOOD_CONTEXT_BEFORE:
        return True
    if k is not None and tokens[k].norm in _THE_WATER:
        k = _next_word_index(tokens, k + 1)      # Sundanese "cai na deras pisan": the water is swift
    if k is None:
        return False
    nxt = tokens[k]
    if nxt.norm in lexicon.FLOOD_CONTEXT_AFTER or nxt.stem in lexicon.FLOOD_CONTEXT_AFTER:
        return True
    after = _next_word(tokens, k + 1)
    if after is not None and (after.norm in lexicon.FLOOD_VERBS or after.stem in lexicon.FLOOD_VERBS) \
            and nxt.norm not in lexicon.SUPPLY_STATES:
        return True      # "air cimanuk masuk rumah", "air kali meluap"
    if nxt.norm in {"dari", "dr", "from"} and after is not None and (
            after.norm in lexicon.WATER_BODIES or _word_ahead(tokens, k + 1, reach=4, states=lexicon.FLOOD_VERBS)):
        return True      # "air dr bendungan bili-bili naik", "air dr pegunungan Kendeng masuk rumah"
    if after is not None and after.norm in lexicon.FLOOD_ADVERBS and not is_dictionary_word(nxt.norm):
        # a river's name in lower case, then how the water is: "banyu barito sudah naik"
        j = _next_word_index(tokens, k + 1)
        later = _next_word(tokens, j + 1) if j is not None else None
        if later is not None and (later.norm in lexicon.FLOOD_CONTEXT_AFTER
                                  or later.stem in lexicon.FLOOD_CONTEXT_AFTER):
            return True
    if nxt.norm in {"dan", "dengan", "campur", "bercampur", "and"} and after is not None \
            and after.norm in _DEBRIS:
        return True      # "aer deng lumpur masuk rumah", "aer deng batu": water and mud or stones come in
    if _not_going_down(tokens, k):
        return True      # "banyu kada surut-surut", "air dr kemarin belum surut": the flood
    if nxt.norm in lexicon.STRICT_LOCATIVES and _word_ahead(tokens, k + 1):
        return True      # "air di Landolia sdh surut", "air di dusun 3 naik lagi": the flood there
    if _word_ahead(tokens, k, reach=2, states=lexicon.DEEP_WATER):
        return True      # "banyu tekan dodo", "air sampai atap": as deep as the chest, the roof
    river = nxt.norm in lexicon.WATER_BODIES or nxt.norm in lexicon.RIVER_WORDS   # "banyu Way Sekampung"
    if nxt.raw[:1].isupper() or river:
        # "air Cimanuk masuk rumah", "air danau Sentani naik": a river's or lake's water
        after = _next_word(tokens, k + 1)
        if river or (after is not None and (
                after.norm in lexicon.FLOOD_CONTEXT_AFTER or after.stem in lexicon.FLOOD_CONTEXT_AFTER)):
            return True
    if nxt.norm in lexicon.FLOOD_ADVERBS:
        after = _next_word(tokens, k + 1)
        # "air sudah habis" / "water is needed" talk about supply; "air sudah sepinggang" not
        return after is None or after.norm not in lexicon.SUPPLY_STATES
    # a depth right after: "air 1 meter", "air 50cm"
    idx = m.end
    if idx + 1 < len(tokens) and tokens[idx].kind == "number":
        return tokens[idx + 1].norm in {"m", "meter", "cm", "mtr", "metre", "meters", "feet", "ft"}
    return False


def _word_ahead(tokens: Sequence[Token], k: int, reach: int = 5,
                states: frozenset[str] = lexicon.FLOOD_STATES) -> bool:
    """One of ``states`` within the next few words of the clause: how the flood is ("surut",
    "naik", "setinggi"), how deep, or that a road is blocked."""
    seen = 0
    while k < len(tokens) and seen < reach:
        t = tokens[k]
        if is_boundary(t):
            return False
        if t.kind == "word":
            if t.norm in states or t.stem in states:
                return True
            seen += 1
        k += 1
    return False


def _not_going_down(tokens: Sequence[Token], k: int) -> bool:
    """Within the next four words of the clause, "belum/tidak/blm surut": the water is the flood."""
    seen: list[Token] = []
    for tok in tokens[k:]:
        if tok.kind == "punct" and tok.norm in {".", ",", "!", "?"} or len(seen) >= 4:
            break
        if tok.kind == "word":
            if tok.norm in lexicon.SUPPLY_STATES and tok.norm not in lexicon.NEGATORS:
                return False     # "air tidak ada, belum ..." talks about the supply
            if tok.stem in {"surut", "turun"} and seen and seen[-1].norm in lexicon.NEGATORS | {"belum"}:
                return True
            seen.append(tok)
    return False


def is_about_things(tokens: Sequence[Token], index: int) -> bool:
    """"3 rumah hanyut", "houses collapsed", "baju anak2 hanyut", "rumah warga di Wanggudu hanyut":
    the word before (past where it happened) is a thing or goods, or a person's thing."""
    k = _prev_word_index(tokens, index, skip=lexicon.ARTICLES | {"kami", "our", "the"})
    k = _skip_named_place(tokens, k)
    if k is None:
        return False
    word = tokens[k].norm
    if _a_thing(word):
        return True
    if word in _PEOPLE_WORDS or word in lexicon.PERSON_UNITS:
        owner = _prev_word_index(tokens, k, skip=lexicon.ARTICLES)
        return owner is not None and _a_thing(tokens[owner].norm)
    return False


def _a_thing(word: str) -> bool:
    """A thing or goods, also with "-nya" ("keluarga yg rumahnya hanyut": their house)."""
    return any(w in lexicon.THINGS or w in _goods_words()
               for w in (word, word[:-3] if word.endswith("nya") else word))


def _prev_word_index(tokens: Sequence[Token], j: int, skip: frozenset[str] | set[str] = frozenset()) -> int | None:
    k = j - 1
    while k >= 0:
        if tokens[k].kind == "word" and tokens[k].norm not in skip:
            return k
        if is_boundary(tokens[k]):
            return None
        k -= 1
    return None


def _skip_named_place(tokens: Sequence[Token], k: int | None) -> int | None:
    """Step back over "di Wanggudu" / "in Palu" (a preposition and capitalised words) to the
    word before it; k itself if no such phrase ends at k."""
    j = k
    while j is not None and tokens[j].raw[:1].isupper() and tokens[j].norm not in lexicon.THINGS:
        j = _prev_word_index(tokens, j)
    if j is not None and j != k and tokens[j].norm in lexicon.PLACE_PREPOSITIONS | {"di", "ke", "dari"}:
        return _prev_word_index(tokens, j)
    return k


@lru_cache(maxsize=1)
def _goods_words() -> frozenset[str]:
    """One-word goods of the supply categories ("baju", "beras", "tenda"): what floods carry off."""
    goods = (NeedCategory.food, NeedCategory.water, NeedCategory.clothing, NeedCategory.baby,
             NeedCategory.shelter, NeedCategory.sanitation, NeedCategory.power)
    words = {p for c in goods for p in lexicon.NEED_KEYWORDS[c] if " " not in p}
    return frozenset(words - lexicon.CONDITION_WORDS - {"lapar", "haus", "hungry", "thirsty", "starving",
                                                         "makan", "minum", "eat", "drink", "power"})


def _damaged_after(tokens: Sequence[Token], end: int) -> bool:
    """A damage word within the two words after a thing ("perahu nelayan hancur")."""
    k = _next_word_index(tokens, end)
    for _ in range(2):
        if k is None:
            return False
        if tokens[k].norm in lexicon.DAMAGE_WORDS or tokens[k].stem in lexicon.DAMAGE_WORDS:
            return True
        k = _next_word_index(tokens, k + 1)
    return False


def _thing_before(tokens: Sequence[Token], index: int) -> bool:
    """A thing among the three words before, with no person between ("tangga rumah panggung patah";
    "kaki nenek patah" is a person's)."""
    k = _prev_word_index(tokens, index)
    for _ in range(3):
        if k is None:
            return False
        word = tokens[k].norm
        if word in _PEOPLE_WORDS or word in lexicon.PERSON_UNITS:
            return False
        if word in lexicon.THINGS:
            return True
        k = _prev_word_index(tokens, k)
    return False


def _inside_name(tokens: Sequence[Token], index: int) -> bool:
    """A capitalised need word next to a capitalised word the parser does not know, in a message
    that is not written in title case: one word of a name ("Lipat Kain", "Air Tawar")."""
    tok = tokens[index]
    if not tok.raw[:1].isupper() or tok.raw.isupper():
        return False
    words = [t for t in tokens if t.kind == "word"]
    if sum(t.raw[:1].isupper() for t in words) * 2 > len(words):
        return False      # "Tolong Kirim Air Bersih": title case says nothing
    known = _known_words()
    for k in (index - 1, index + 1):
        if 0 <= k < len(tokens):
            other = tokens[k]
            if not (other.kind == "word" and other.raw[:1].isupper() and not other.raw.isupper()
                    and other.raw != tok.raw and not other.corrected):
                continue
            if other.norm not in known or (k < index and (other.norm in lexicon.POI_NOUNS
                                                          or other.norm in lexicon.PLACE_MARKERS)):
                return True   # an unknown word, or a name's head before it: "Sungai Kain", "Desa Air"
    return False


def _regional_word_of_a_name(tokens: Sequence[Token], index: int) -> bool:
    """A regional word read as a need ("aik", Sasak for water) that, as typed, is one word of a
    place's whole name with its neighbour ("Apit Aik", "Aik Darek"): many Lombok villages are
    named after their springs, and a name is written in lower case as often as not."""
    tok = tokens[index]
    if tok.base == tok.norm or not tok.base:
        return False
    words = [i for i, t in enumerate(tokens) if t.kind == "word"]
    at = words.index(index) if index in words else -1
    pairs = [words[k:k + 2] for k in (at - 1, at) if at >= 0 and k >= 0 and k + 2 <= len(words)]
    return any(is_whole_name([tokens[i].raw for i in pair]) for pair in pairs)


def _named_after_marker(tokens: Sequence[Token], index: int) -> bool:
    """A need word right after "desa"/"kel."/"dusun"/"kec." that, with the word after it, is the
    whole name of a place ("desa air selumar", "kec Air Putih"), or a regional word that alone is
    one ("desa lara"): a name, in any case."""
    prev = _prev_word_index(tokens, index)
    if prev is None and index >= 2 and tokens[index - 1].norm == "." and tokens[index - 2].kind == "word":
        prev = index - 2     # "Kel. Air Putih": the marker's dot
    if prev is None or lexicon.PLACE_MARKERS.get(tokens[prev].norm) not in {"desa", "dusun", "kecamatan"}:
        return False
    tok = tokens[index]
    if tok.base and tok.base != tok.norm and is_whole_name([tok.raw]):
        return True      # "desa lara": Desa Lara (Mamuju), not Javanese "lara" (sick)
    nxt = _next_word_index(tokens, index + 1)
    return nxt is not None and is_whole_name([tok.raw, tokens[nxt].raw])


def _requested_earlier(tokens: Sequence[Token], index: int) -> bool:
    """A request verb earlier in the same sentence ("butuh tenda dan tempat pengungsian")."""
    k = index - 1
    while k >= 0:
        tok = tokens[k]
        if tok.kind == "punct" and tok.norm in {".", "!", "?", "\n"}:
            return False
        if tok.kind == "word" and (tok.norm in lexicon.REQUEST_VERBS or tok.stem in lexicon.REQUEST_VERBS
                                   or tok.norm in lexicon.NEED_VERBS):
            return True
        k -= 1
    return False


def condition_is_denied(tokens: Sequence[Token], index: int) -> bool:
    """True for "tidak ada (yang) luka", "belum ada yang sakit", "no one injured", "no injuries"."""
    return _cue_before(tokens, index, lexicon.CONDITION_NEGATORS, lexicon.CONDITION_FILLERS, 4) is not None


# --- negation scopes ------------------------------------------------------------------------

def _negated_positions(tokens: Sequence[Token], matches: list[PhraseMatch[NeedCategory]]) -> set[int]:
    """Token indexes of need mentions that are negated or already satisfied."""
    starts = {m.start for m in matches}
    negated: set[int] = set()
    n = len(tokens)

    # 1. Openers before the needs: "tidak butuh ...", "gak usah kirim ...", "no need for ...",
    #    "sudah ada ...". The scope runs to the end of the clause or the next positive request.
    i = 0
    while i < n:
        opener_end = _opener_end(tokens, i)
        if opener_end is None:
            i += 1
            continue
        satisfied_opener = _is_satisfied_opener(tokens, i)
        j = opener_end
        while j < n:
            tok = tokens[j]
            if tok.kind == "punct":
                if tok.norm in _SOFT_SCOPE_END:
                    break
                if tok.norm == "," and _next_word_index(tokens, j + 1) not in starts:
                    break  # a comma continues the scope only inside a list of needs
            elif tok.norm in lexicon.CLAUSE_BREAKERS:
                break
            elif j not in starts and _is_positive_request(tokens, j):
                break
            elif j in starts and _runs_out(tokens, j, matches):
                break   # "air sudah cukup, nasi habis": the scope ends at a need that is lacking
            elif j in starts:
                if not (satisfied_opener and tok.norm in lexicon.CONDITION_WORDS):
                    negated.add(j)
            j += 1
        i = max(j, i + 1)

    # 2. After the needs: "makanan dan air sudah cukup", "obat tidak perlu", "food is enough".
    for run in _need_runs(tokens, matches):
        last = run[-1]
        after = _satisfied_after_length(tokens, last.end)
        if after:
            before = _prev_word(tokens, run[0].start)
            requested = before is not None and _is_positive_request_token(tokens, run[0].start, before)
            for m in (run[-1:] if requested else run):
                negated.add(m.start)
    return negated


def _runs_out(tokens: Sequence[Token], j: int, matches: list[PhraseMatch[NeedCategory]]) -> bool:
    """The need mentioned at j is said to be lacking right after it ("nasi habis")."""
    end = max(m.end for m in matches if m.start == j)
    after = _next_word(tokens, end)
    return after is not None and after.norm in lexicon.LACKING


def _opener_end(tokens: Sequence[Token], i: int) -> int | None:
    """If a negating/satisfied opener starts at token i, the index right after it."""
    tok = tokens[i]
    if tok.kind != "word":
        return None
    if tok.norm == "bukan":
        return i + 1            # "butuh air, bukan makanan"
    if tok.norm in lexicon.NEGATORS:
        j = _next_word_index(tokens, i + 1)
        # allow one filler: "tidak terlalu butuh", "tidak lagi perlu"
        if j is not None and tokens[j].norm in {"terlalu", "lagi", "begitu", "pernah", "akan"}:
            j = _next_word_index(tokens, j + 1)
        if j is not None and (tokens[j].norm in lexicon.NEGATABLE_VERBS
                              or tokens[j].stem in lexicon.NEGATABLE_VERBS):
            return j + 1
        return None
    prev = _prev_word(tokens, i)
    if prev is not None and prev.norm in _DENYING_PREVIOUS:
        return None
    for phrase in (*lexicon.EN_NEGATION_PHRASES, *lexicon.SATISFIED_BEFORE):
        end = _phrase_end(tokens, i, phrase)
        if end is not None:
            after = _next_word(tokens, end)
            if phrase[-1] == "ada" and after is not None and after.norm == "yang":
                continue    # "masih ada yg terjebak": people who still need, not a supply in hand
            return end
    return None


def _is_satisfied_opener(tokens: Sequence[Token], i: int) -> bool:
    return any(_phrase_end(tokens, i, p) is not None for p in lexicon.SATISFIED_BEFORE)


def _satisfied_after_length(tokens: Sequence[Token], j: int) -> int:
    for phrase in sorted(lexicon.SATISFIED_AFTER, key=len, reverse=True):
        end = _phrase_end(tokens, j, phrase)
        if end is not None:
            # "makanan cukup banyak"/"air cukup tinggi" are not "enough"
            nxt = _next_word(tokens, end)
            if phrase == ("cukup",) and nxt is not None and nxt.norm in {"tinggi", "parah", "banyak", "deras", "jauh", "sulit", "susah"}:
                return 0
            return end - j
    return 0


def _need_runs(tokens: Sequence[Token], matches: list[PhraseMatch[NeedCategory]]) -> list[list[PhraseMatch[NeedCategory]]]:
    """Group need mentions chained by "dan", "," or "/" ("makanan, air dan selimut")."""
    ordered = sorted({m.start: m for m in matches}.values(), key=lambda m: m.start)
    runs: list[list[PhraseMatch[NeedCategory]]] = []
    for m in ordered:
        if runs and all(tokens[k].norm in lexicon.LIST_JOINERS
                        for k in range(runs[-1][-1].end, m.start)):
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs


def _is_positive_request(tokens: Sequence[Token], j: int) -> bool:
    """A request verb not itself negated ("butuh", "need"): it ends a negation scope."""
    tok = tokens[j]
    if tok.kind != "word":
        return False
    if tok.norm not in lexicon.REQUEST_VERBS and tok.stem not in lexicon.REQUEST_VERBS:
        return False
    prev = _prev_word(tokens, j)
    return prev is None or prev.norm not in _NEGATING_PREVIOUS


def _is_positive_request_token(tokens: Sequence[Token], start: int, before: Token) -> bool:
    k = start - 1
    while k >= 0 and tokens[k] is not before:
        k -= 1
    return k >= 0 and _is_positive_request(tokens, k)


def _phrase_end(tokens: Sequence[Token], i: int, phrase: tuple[str, ...]) -> int | None:
    j = i
    for word in phrase:
        if j >= len(tokens) or tokens[j].kind != "word" or tokens[j].norm != word:
            return None
        j += 1
    return j


def _next_word_index(tokens: Sequence[Token], j: int) -> int | None:
    while j < len(tokens):
        if tokens[j].kind == "word":
            return j
        if is_boundary(tokens[j]):
            return None
        j += 1
    return None


def _next_word(tokens: Sequence[Token], j: int) -> Token | None:
    k = _next_word_index(tokens, j)
    return tokens[k] if k is not None else None


def _prev_word(tokens: Sequence[Token], j: int, skip: frozenset[str] = frozenset()) -> Token | None:
    k = j - 1
    while k >= 0:
        if tokens[k].kind == "word" and tokens[k].norm not in skip:
            return tokens[k]
        if is_boundary(tokens[k]):
            return None
        k -= 1
    return None
