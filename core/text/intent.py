"""What a new message is for: a request for help, an offer, information, a question or a status question.

classify_intent(text or tokens, parsed) -> IntentResult(intent, evidence). Pure, rule-based,
a few dozen microseconds per message (the tokens and ParsedMessage are computed once by the
caller). The evidence names the cues that decided, for coordinators and debugging.

Rules, in order:
1. An *ask* ("tolong", "butuh", "perlu", "mohon", "SOS", "darurat", "terjebak", "kekurangan",
   "belum dapat", "habis", "need", "help us" ...) that is not negated ("sudah tidak butuh"),
   not part of an offer ("siap bantu", "can help") and not a relative clause of an offer
   ("genset ... siap dipinjamkan ke posko yang butuh") keeps the message a request whatever
   else it says: "air sudah masuk rumah, tolong evakuasi lansia" is a request.
2. Without an ask: an offer (first person + punya/have, siap/bisa + angkut/antar/kirim/bantu,
   "saya relawan", "ada 50 dus ...", "mau menyumbang pakaian ..."), then a status question
   (kode, "permintaan saya", "kapan relawan datang"), then a question (kemana/di mana/
   bagaimana cara/apakah + donasi/daftar/relawan, or a trailing "?" without a concrete need),
   then information (pembagian, posko buka, sudah aman/surut/reda/dievakuasi/dapat bantuan,
   "tidak butuh lagi", a flood description such as "air setinggi lutut di jalan"; thanks,
   "info", "update" only when no concrete need is named).
3. Otherwise a message with needs is a request, as before this module existed. A message with
   neither needs nor cues is "information" with no evidence: the caller treats it as unknown.
A flood description counts as information only when it names no concrete need and no
vulnerable person ("air sepinggang, ada bayi" stays a request): a lost plea costs more than a
report forwarded to a volunteer.

Where the words come from: the labelled messages in tests/fixtures/intents_dev.jsonl (written
from public reports of the Jakarta, Semarang and Aceh floods, the Lombok and Cianjur
earthquakes, the Palu tsunami and West Java landslides), the offers and announcements quoted
in issue 13, the BNPB/BPBD wording of announcements ("pembagian", "posko dibuka", "sudah
surut") and common Javanese (matur nuwun, gadhah, saged, sampun, dereng) and Sundanese (hatur
nuhun, gaduh, tiasa, teu acan, peryogi) forms. Not tuned on intents_holdout.jsonl.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from siaga.core.text import lexicon
from siaga.core.text.message import ParsedMessage
from siaga.core.text.normalize import Token, tokenize
from siaga.schemas.common import NeedCategory

Intent = Literal["request", "offer", "information", "question", "status"]
INTENTS: tuple[Intent, ...] = ("request", "offer", "information", "question", "status")

# --- word lists (data) ----------------------------------------------------------------------
# Words are token norms (after core.text.normalize: lowercase, SMS shorthand expanded, so
# "tlg" arrives as "tolong", "sy" as "saya", "sdh" as "sudah", "blm" as "belum").

# Asking for something. A need verb right after "yang" may be a relative clause ("posko yang
# butuh"): see _asks.
ASK_WORDS = frozenset({
    "tolong", "butuh", "perlu", "minta", "mohon", "nyuwun", "peryogi", "kekurangan", "kehabisan",
    "habis", "menipis", "terjebak", "terjepit", "terkurung", "terisolir", "terisolasi", "sos",
    "darurat", "lapar", "kelaparan", "kedinginan", "need", "needs", "needed", "please", "help",
    "urgent", "emergency", "trapped", "stranded", "stuck", "starving", "hungry", "tulung",
    "butuhkan", "membutuhkan", "memerlukan", "diperlukan", "dibutuhkan", "kurang",
})
NEED_VERB_ASKS = frozenset({"butuh", "perlu", "need", "needs", "membutuhkan", "memerlukan", "minta"})
# Two-word asks: "belum dapat", "belum makan", "bantu kami", "help us".
ASK_PAIRS = frozenset({
    ("belum", "dapat"), ("belum", "dpt"), ("belum", "makan"), ("belum", "ada"), ("belum", "sampai"),
    ("belum", "datang"), ("belum", "menerima"), ("belum", "terima"), ("dereng", "ada"),
    ("dereng", "makan"), ("teu", "acan"), ("bantu", "kami"), ("bantu", "cari"), ("bantu", "saya"),
    ("help", "us"), ("help", "me"), ("tidak", "ada"), ("nobody", "came"), ("no", "food"),
    ("no", "water"), ("send", "food"), ("send", "water"), ("send", "help"),
})
NEGATORS = frozenset({"tidak", "bukan", "jangan", "tanpa", "no", "not", "dont", "never", "nggak"})
ASK_NEGATION_FILLERS = frozenset({"lagi", "terlalu", "usah", "begitu", "perlu", "sudah", "longer", "t"})

FIRST_PERSON = frozenset({"saya", "kami", "kita", "i", "we", "kula", "abdi", "dewe", "my", "our", "im"})
HAVE = frozenset({"punya", "memiliki", "gadhah", "gaduh", "have", "has", "got", "own", "nyimpen",
                  # goods in hand: "kami sudah mengumpulkan 200 selimut", "we collected 200 blankets"
                  "mengumpulkan", "kumpulkan", "terkumpul", "collected", "gathered", "prepared",
                  "menyiapkan", "siapkan"})
ABLE = frozenset({"bisa", "siap", "mau", "ingin", "saged", "tiasa", "can", "could", "ready", "willing",
                  "bersedia", "sanggup", "akan", "will", "able", "bade", "arep", "should", "shall"})
# Decisive on their own (no first person needed): "siap bantu evakuasi".
READY = frozenset({"siap", "ready", "willing", "bersedia", "sanggup"})
# What an offerer can do (norm or stem).
OFFER_ACTS = frozenset({
    "angkut", "antar", "kirim", "bantu", "bawa", "masak", "pinjam", "ambil", "evakuasi", "jadi",
    "nyetir", "setir", "sumbang", "nyumbang", "ngeterke", "nganteurkeun", "ngabantos", "deploy",
    "lend", "carry", "help", "donate", "bring", "drive", "deliver", "transport", "cook", "tampung",
    "menampung", "jemput", "sediakan", "sedia", "berangkat", "turun", "pinjamkan", "volunteer",
    "assist", "share", "berbagi", "dipinjamkan", "diambil", "diantar", "dikirim",
})
# Things an offer has: vehicles, equipment, quantities of goods.
RESOURCES = frozenset({
    "pickup", "pick", "truk", "truck", "trucks", "mobil", "car", "cars", "motor", "perahu",
    "boat", "boats", "genset", "generator", "generators", "jeep", "jip", "tenda", "tent", "tents",
    "dus", "karung", "paket", "unit", "liter", "ton", "kg", "box", "pcs", "kardus", "colt",
    "ambulans", "ambulance", "dapur", "gudang", "stok", "bak", "kapal", "speedboat", "rakit",
})
UNITS = frozenset({"dus", "karung", "paket", "unit", "liter", "ton", "kg", "box", "pcs", "kardus", "bungkus", "porsi"})
VOLUNTEER_ROLES = frozenset({
    "relawan", "volunteer", "volunteers", "dokter", "perawat", "bidan", "nurse", "doctor",
    "paramedis", "medis", "sopir", "driver", "komunitas", "organisasi", "tim",
})
DONATE = frozenset({"donasi", "sumbang", "nyumbang", "menyumbang", "sumbangan", "donate", "donation",
                    "donations", "menyumbangkan", "berdonasi"})

THANKS = ("terima kasih", "makasih", "trims", "thanks", "thank you", "thank", "matur nuwun",
          "hatur nuhun", "nuhun", "suwun", "tengkyu")
# Announcements and reports.
ANNOUNCE = frozenset({"pembagian", "dibagikan", "membagikan", "distribution", "distributing",
                      "distributed", "buka", "dibuka", "open", "opened", "dipindah", "dipindahkan",
                      "diminta", "waspada", "hati", "tertutup", "ditutup", "closed", "menyala", "nyala",
                      # an invitation ("silakan datang utk makan siang") offers, it does not ask
                      "silakan", "silahkan", "dipersilakan"})
REPORT_WORDS = frozenset({"info", "informasi", "update", "kabar", "laporan", "fyi", "lapor"})
# "sudah <state>": the situation is better, or the need is met.
DONE_STATES = frozenset({
    "aman", "surut", "reda", "dievakuasi", "selamat", "menyala", "nyala", "normal", "dilewati",
    "dibersihkan", "datang", "sampai", "dugi", "diterima", "terima", "dapat", "cukup", "terpenuhi",
    "tercukupi", "pulang", "kembali", "mengungsi", "tertangani", "ditangani", "bisa", "turun",
    "evakuasi", "teratasi", "kering", "kami", "menerima",
})
DONE_ADVERBS = frozenset({"sudah", "sampun", "wis", "already", "telah", "now"})
SAFE_WORDS = frozenset({"aman", "selamat", "safe", "receded", "subsided", "dropping", "surut", "reda",
                        "fine"})
GREETING_TAILS = frozenset({"pagi", "siang", "sore", "malam", "datang", "jalan", "tinggal", "ulang",
                            "idul", "hari", "tahun"})   # "selamat pagi" is a greeting, not "safe"
NO_NEED = (("tidak", "butuh"), ("tidak", "perlu"), ("tidak", "usah"), ("no", "longer"),
           ("dont", "need"), ("not", "need"), ("no", "need"), ("sudah", "cukup"), ("sampun", "cukup"))
# Flood description: water/flood word followed by a height or movement.
FLOOD_SUBJECTS = frozenset({"air", "banjir", "water", "flood", "rob", "genangan", "banyu"})
FLOOD_STATES = frozenset({
    "setinggi", "sedada", "sepinggang", "selutut", "sepaha", "seleher", "semata", "naik", "masuk",
    "meluap", "merendam", "menggenang", "rendam", "genang", "rising", "rose", "level", "reached",
    "knee", "waist", "chest", "tinggi", "ketinggian", "sedalam", "deras", "di", "mulai", "lagi",
})
FLOOD_SKIP = frozenset({"sudah", "masih", "mulai", "makin", "semakin", "terus", "is", "has", "sekitar", "kira"})
DEPTH_UNITS = frozenset({"cm", "m", "meter", "mtr", "centimeter", "senti"})

QUESTION_WORDS = frozenset({
    "kemana", "dimana", "mana", "bagaimana", "gimana", "gmn", "bgmn", "apakah", "kapan", "how",
    "where", "kamana", "kumaha", "pripun", "piye", "endi", "nandi", "what", "which", "when",
    "bisakah", "bolehkah",
})
QUESTION_TOPICS = frozenset({
    "donasi", "donate", "donation", "sumbang", "sumbangan", "nyumbang", "menyumbang", "rekening",
    "transfer", "daftar", "mendaftar", "relawan", "volunteer", "register", "sign", "posko",
    "pengungsian", "terima", "menerima", "accept", "cara", "caranya", "dilewati", "jalur",
})
STATUS_CUES = (("status",), ("kode", "saya"), ("permintaan", "saya"), ("laporan", "saya"),
               ("pesan", "saya"), ("my", "request"), ("any", "update"), ("sampai", "mana"),
               ("sudah", "berangkat"), ("kapan", "bantuan"), ("kapan", "relawan"), ("kapan", "tim"),
               ("kapan", "datang"), ("relawannya",), ("code",), ("kode",))


@dataclass(frozen=True, slots=True)
class IntentResult:
    intent: Intent
    evidence: tuple[str, ...] = ()   # the cues that decided, e.g. ("offer: punya pickup",)

    @property
    def is_request(self) -> bool:
        return self.intent == "request"


def classify_intent(tokens_or_text: Sequence[Token] | str, parsed: ParsedMessage) -> IntentResult:
    tokens = tokenize(tokens_or_text) if isinstance(tokens_or_text, str) else tokens_or_text
    seq = _sequence(tokens)
    words = [w for w in seq if w[0] not in {"#", "."}]
    concrete = [n for n in parsed.needs if n != NeedCategory.other]

    asks = _asks(seq)
    offer = _offer(seq, concrete)
    real_asks = [a for a, relative in asks if not relative or not offer]
    if real_asks and (parsed.needs or not offer):
        return IntentResult("request", tuple(f"ask: {a}" for a in real_asks[:3]))
    question = _question(seq, tokens, bool(concrete))
    if offer and not (question and _asks_how_to_give(seq, offer, concrete)):
        return IntentResult("offer", tuple(f"offer: {o}" for o in offer[:3]))
    status = _status(seq)
    if status and not concrete:
        return IntentResult("status", tuple(f"status: {s}" for s in status[:3]))
    if question:
        return IntentResult("question", tuple(f"question: {q}" for q in question[:3]))
    strong, weak = _information(seq, words, parsed)
    if strong or (weak and not concrete):
        return IntentResult("information", tuple(f"info: {i}" for i in (strong + weak)[:3]))
    if parsed.needs:
        return IntentResult("request", tuple(f"need: {n.value}" for n in parsed.needs[:3]))
    if status:
        return IntentResult("status", tuple(f"status: {s}" for s in status[:3]))
    return IntentResult("information", ())


# --- helpers --------------------------------------------------------------------------------

_Item = tuple[str, str]   # (norm, stem); "#" for a number, "." for a clause break


def _sequence(tokens: Sequence[Token]) -> list[_Item]:
    out: list[_Item] = []
    for t in tokens:
        if t.kind == "word":
            out.append((t.norm, t.stem))
        elif t.kind == "number":
            out.append(("#", "#"))
        elif t.norm in {".", "!", "?", ";", "\n", ","}:
            out.append((".", t.norm))
    return out


def _w(seq: list[_Item], i: int) -> str:
    return seq[i][0] if 0 <= i < len(seq) else ""


def _has(item: _Item, words: frozenset[str]) -> bool:
    return item[0] in words or item[1] in words


def _negated(seq: list[_Item], i: int) -> bool:
    """A negator up to two words before i within the clause ("tidak butuh", "tidak lagi perlu")."""
    k = i - 1
    steps = 0
    while k >= 0 and steps < 3 and seq[k][0] != ".":
        w = seq[k][0]
        if w in NEGATORS:
            return True
        if w not in ASK_NEGATION_FILLERS and not (w == "sudah" and steps == 0):
            return False
        k -= 1
        steps += 1
    return False


def _asks(seq: list[_Item]) -> list[tuple[str, bool]]:
    """Un-negated asks as (words, is_relative_clause)."""
    found: list[tuple[str, bool]] = []
    for i, (w, _stem) in enumerate(seq):
        prev = _w(seq, i - 1)
        nxt = _w(seq, i + 1)
        if (w, nxt) in ASK_PAIRS:
            if w == "tidak" and not _lack_of_need(seq, i):
                continue
            found.append((f"{w} {nxt}", _about_others(seq, i)))
            continue
        if w not in ASK_WORDS:
            continue
        if w == "kurang" and nxt in {"lebih", "dari", "jelas"}:
            continue            # "kurang lebih 20 orang": about
        if w in {"help", "bantu"} and (prev in ABLE or prev in {"to", "for", "the", "siap"}):
            continue            # "I can help", "thanks for the help"
        if w == "please" and nxt in {"stay", "be", "take"}:
            continue
        if w == "tolong" and prev in {"terima", "thanks"}:
            continue
        if _negated(seq, i):
            continue
        found.append((w, _about_others(seq, i)))
    return found


RELATIVE_SKIP = frozenset({"masih", "belum", "sudah", "sedang", "still", "yet", "already"})
WHO_WORDS = frozenset({"which", "who", "whom", "mana", "siapa", "endi", "saha"})


def _about_others(seq: list[_Item], i: int) -> bool:
    """The ask at i is said of others, not asked by the sender: a relative clause ("posko yang
    butuh", "warga yg masih terjebak", "posko mana yg blm ada") or a question about who needs
    ("which villages still need them?"). It keeps a message a request only without an offer."""
    k = i - 1
    while _w(seq, k) in RELATIVE_SKIP:
        k -= 1
    if _w(seq, k) == "yang" and _w(seq, k - 1) not in FIRST_PERSON:
        return True
    k = i - 1
    while k >= 0 and seq[k][0] != ".":
        if seq[k][0] in WHO_WORDS:
            return True
        k -= 1
    return False


@lru_cache(maxsize=1)
def _supply_words() -> frozenset[str]:
    words = {w for phrases in lexicon.NEED_KEYWORDS.values() for p in phrases for w in p.split()}
    return frozenset(words - set(lexicon.CONDITION_WORDS))


def _lack_of_need(seq: list[_Item], i: int) -> bool:
    """"tidak ada" is an ask only next to a concrete supply: "air bersih tidak ada"."""
    supplies = _supply_words()
    before = _w(seq, i - 1)
    after = _w(seq, i + 2)
    return before in supplies or after in supplies


def _offer(seq: list[_Item], concrete: list[NeedCategory]) -> list[str]:
    found: list[str] = []
    n = len(seq)
    first_person = any(w in FIRST_PERSON for w, _ in seq)
    has_resource = any(_has(it, RESOURCES) for it in seq)
    for i, (w, stem) in enumerate(seq):
        prev = _w(seq, i - 1)
        # "saya punya pickup", "I have a boat", "kula gadhah mobil"
        if w in HAVE and not _negated(seq, i):
            subject = any(_w(seq, k) in FIRST_PERSON for k in range(max(0, i - 5), i))
            if subject and _w(seq, i + 1) not in {"to", "been", "no"}:
                found.append(f"{prev} {w}")
        # "siap bantu", "bisa angkut", "can help", "siap dipinjamkan", "ready to deploy"
        if w in ABLE and prev not in {"yang", "siapa", "apa", "apakah", "tidak", "tolong", "mohon", "who"} \
                and not _negated(seq, i):
            for k in range(i + 1, min(n, i + 4)):
                if seq[k][0] == ".":
                    break
                if _has(seq[k], OFFER_ACTS):
                    if w in READY or first_person or has_resource:
                        found.append(f"{w} {seq[k][0]}")
                    break
        # "ada perahu karet 2 unit", "ada 50 dus mie", "ada truk kosong"
        if w == "ada" and i + 1 < n and not _negated(seq, i):
            nxt = seq[i + 1]
            if _has(nxt, RESOURCES) and nxt[0] not in {"dapur", "stok", "gudang"}:
                found.append(f"ada {nxt[0]}")
            elif nxt[0] == "#" and _w(seq, i + 2) in UNITS:
                found.append(f"ada {_w(seq, i + 2)}")
        # "saya relawan", "sy dokter", "we are a group of 10 volunteers", "komunitas kami"
        if w in VOLUNTEER_ROLES:
            near = [_w(seq, k) for k in range(max(0, i - 6), i)]
            if (prev in FIRST_PERSON or prev in {"jadi", "seorang", "adalah", "dari"}
                    or (w in {"volunteers", "volunteer"} and any(x in FIRST_PERSON for x in near))
                    or (w in {"komunitas", "tim", "organisasi"} and _w(seq, i + 1) in FIRST_PERSON)):
                if prev != "butuh" and not any(x in {"butuh", "perlu", "need", "minta", "kirim"} for x in near[-2:]):
                    found.append(f"{prev} {w}".strip())
        # "mau menyumbang pakaian 3 karung"
        if _has((w, stem), DONATE) and prev in ABLE and concrete:
            found.append(f"{prev} {w}")
    return list(dict.fromkeys(found))


def _asks_how_to_give(seq: list[_Item], offer: list[str], concrete: list[NeedCategory]) -> bool:
    """"kemana saya bisa kirim sumbangan?", "how do I sign up as a volunteer?": a question about
    giving, not an offer of something in hand (no "punya/have", no "ada 50 dus", no goods)."""
    if concrete or any(o.split()[-1] in HAVE or o.split()[0] in HAVE or o.startswith("ada ") for o in offer):
        return False
    return any(w in QUESTION_WORDS and not (w == "mana" and _w(seq, i + 1) in {"saja", "aja", "pun", "wae"})
               for i, (w, _) in enumerate(seq)) or any(
        (_w(seq, i), _w(seq, i + 1)) in {("ke", "mana"), ("di", "mana"), ("can", "i"), ("how", "do")}
        and _w(seq, i + 2) not in {"saja", "aja", "pun", "wae"} for i in range(len(seq)))


def _status(seq: list[_Item]) -> list[str]:
    found: list[str] = []
    for i in range(len(seq)):
        for cue in STATUS_CUES:
            if tuple(_w(seq, i + k) for k in range(len(cue))) == cue:
                found.append(" ".join(cue))
    return list(dict.fromkeys(found))


def _question(seq: list[_Item], tokens: Sequence[Token], concrete: bool) -> list[str]:
    marked = any(t.kind == "punct" and t.norm == "?" for t in tokens)
    qwords = [w for i, (w, _) in enumerate(seq) if w in QUESTION_WORDS
              and not (w == "mana" and _w(seq, i + 1) in {"saja", "aja", "pun", "wae"})]   # "di mana saja": anywhere
    pairs = [f"{_w(seq, i)} {_w(seq, i + 1)}" for i in range(len(seq))
             if (_w(seq, i), _w(seq, i + 1)) in {("ke", "mana"), ("di", "mana"), ("can", "i"), ("how", "do")}]
    topics = [w for w, stem in seq if w in QUESTION_TOPICS or stem in DONATE]
    if not (marked or qwords or pairs):
        return []
    if concrete and not topics:
        return []           # "ada air bersih?" may still be a plea: leave it to the needs
    if not (qwords or pairs or topics or not concrete):
        return []
    return list(dict.fromkeys([*(pairs or qwords), *topics[:1]] or ["?"])) or ["?"]


def _information(seq: list[_Item], words: list[_Item], parsed: ParsedMessage) -> tuple[list[str], list[str]]:
    strong: list[str] = []
    weak: list[str] = []
    text = " " + " ".join(w for w, _ in seq) + " "
    for i, (w, stem) in enumerate(seq):
        nxt = _w(seq, i + 1)
        if w in ANNOUNCE or stem in {"bagi"} and w not in {"bagi"}:
            strong.append(w)
        if w in DONE_ADVERBS and not _negated(seq, i):
            k = i + 1
            while _w(seq, k) in {"tidak"} | {"bisa", "mulai", "semua", "kami"} - {"tidak"} and k < i + 3:
                k += 1
            state = _w(seq, k)
            if state in DONE_STATES and state not in {"bisa", "kami"}:
                strong.append(f"{w} {state}")
            elif _w(seq, i + 1) in {"kami", "bisa"} and _w(seq, i + 2) in DONE_STATES:
                strong.append(f"{w} {_w(seq, i + 1)} {_w(seq, i + 2)}")
        if w in SAFE_WORDS and not (w == "selamat" and nxt in GREETING_TAILS):
            weak.append(w)
        if w in REPORT_WORDS:
            weak.append(w)
        if (w, nxt) in NO_NEED:
            strong.append(f"{w} {nxt}")
        if w in FLOOD_SUBJECTS and _describes_flood(seq, i) and not parsed.vulnerable:
            (strong if not [n for n in parsed.needs if n != NeedCategory.other] else weak).append(
                f"{w} {nxt}")
    for phrase in THANKS:
        if f" {phrase} " in text:
            weak.append(phrase)
            break
    if parsed.negated_needs and not parsed.needs:
        strong.append("needs met: " + ",".join(n.value for n in parsed.negated_needs))
    return list(dict.fromkeys(strong)), list(dict.fromkeys(weak))


def _describes_flood(seq: list[_Item], i: int) -> bool:
    k = i + 1
    while _w(seq, k) in FLOOD_SKIP:
        k += 1
    state = _w(seq, k)
    if state in FLOOD_STATES:
        return True
    if state == "#" and _w(seq, k + 1) in DEPTH_UNITS:
        return True
    if state in {"kali", "sungai", "laut", "river", "sea"}:
        return True      # "air kali pesanggrahan naik": the river's water, not drinking water
    return seq[i][0] in {"banjir", "flood", "rob"} and state in {"di", "setinggi", "masuk"}
