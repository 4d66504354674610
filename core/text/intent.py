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
   Since the second development file (tests/fixtures/extra_dev.jsonl) also: deliveries and
   arrivals ("sudah disalurkan/dikirim/tiba", "sudah ditemukan"), a team or goods on the way
   ("OTW", "sedang menuju", "dalam perjalanan ke lokasi"), a post that takes donations ("kami
   menerima bantuan berupa ..."), notices to residents ("warga dimohon/diimbau", "pendataan"),
   thanks for something received ("terima kasih atas bantuan beras"), and where-or-through-whom
   to give ("dimana bisa drop bantuan selimut?", "lewat siapa"), whatever goods they name. An
   ask on condition ("bisa bantu kalau dibutuhkan") or for no aid ("mohon doanya", "mohon info")
   keeps no message a request.
3. Otherwise a message with needs is a request, as before this module existed, unless the
   trained model (core/text/intent_model.py, lexicons/intent_model.json) is sure it is not
   (P > MODEL_VETO): then the model's most likely other kind, with evidence "model: <kind> <p>".
   The model never overrides an explicit ask, an offer, a question or a report the rules found. A message with
   neither needs nor cues is "information" with no evidence: the caller treats it as unknown.
A flood description counts as information only when it names no concrete need and no
vulnerable person ("air sepinggang, ada bayi" stays a request): a lost plea costs more than a
report forwarded to a volunteer.

Since round three (tests/fixtures/intents2_dev.jsonl, written before the round's changes):
an ask on condition ("hubungi kami bila perlu evakuasi") makes an offer; "ada yg bisa bantu
...?" and "can anyone help" ask; "status tanggap darurat" and "jembatan darurat" are no status
question or emergency; "tolong kasih tau ..." asks for information only; "apakah masih perlu
relawan?" is a would-be volunteer's question; a tracking code or "bantuan yg sy minta" refers
to an earlier request (a status question unless a concrete need is named); services back
("air PDAM sudah mengalir", "sudah terkendali"), schedules and thanks to helpers are
information; "happy to", "provide", "standby" offer. Regional forms of these cues are data
(kind `intent` in lexicons/*.tsv).

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

from siaga.core.text import intent_model, lexicon
from siaga.core.text.lexicon import FIRST_PERSON, VOLUNTEER_ROLES
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
ASK_WORDS = lexicon.REGIONAL_PLEAS | frozenset({
    "tolong", "butuh", "perlu", "minta", "mohon", "kekurangan", "kehabisan",
    "habis", "menipis", "terjebak", "terjepit", "terkurung", "terisolir", "terisolasi", "sos",
    "darurat", "lapar", "kelaparan", "kedinginan", "need", "needs", "needed", "please", "help",
    "urgent", "emergency", "trapped", "stranded", "stuck", "starving", "hungry",
    "butuhkan", "membutuhkan", "memerlukan", "diperlukan", "dibutuhkan", "kurang",
})
NEED_VERB_ASKS = frozenset({"butuh", "perlu", "need", "needs", "membutuhkan", "memerlukan", "minta"})
# Two-word asks: "belum dapat", "belum makan", "bantu kami", "help us".
# "belum ada laporan ...", "belum ada korban": nothing reported yet, not a lack of aid.
NO_NEWS_OF = frozenset({"laporan", "korban", "info", "informasi", "kabar", "berita", "kerusakan"})
ASK_PAIRS = frozenset({
    ("belum", "dapat"), ("belum", "dpt"), ("belum", "makan"), ("belum", "ada"), ("belum", "sampai"),
    ("belum", "datang"), ("belum", "tiba"), ("belum", "menerima"), ("belum", "terima"), ("dereng", "ada"),
    ("dereng", "makan"), ("teu", "acan"), ("bantu", "kami"), ("bantu", "cari"), ("bantu", "saya"),
    ("belum", "kebagian"), ("belum", "tersentuh"), ("belum", "dibagi"), ("tidak", "kebagian"),
    ("tidak", "punya"),   # "tidak punya makanan": with a supply next to it (_lack_of_need)
    ("tidak", "dapat"),   # "torang so nda dapa beras": no rice to be had (the same check)
    ("help", "us"), ("help", "me"), ("tidak", "ada"), ("nobody", "came"), ("no", "food"),
    ("no", "water"), ("send", "food"), ("send", "water"), ("send", "help"),
})
NEGATORS = frozenset({"tidak", "bukan", "jangan", "tanpa", "no", "not", "dont", "never", "nggak"})
NON_AID_OBJECTS = lexicon.NON_AID_OBJECTS   # "mohon doanya", "minta maaf", "mohon info titik drop"
# "jika dibutuhkan", "kalau perlu", "if needed": the writer offers, on condition of a need.
CONDITIONALS = frozenset({"kalau", "kalo", "klo", "kl", "jika", "jikalau", "bila", "apabila", "if",
                          "seandainya", "misal", "misalnya", "andai"})
CONDITIONAL_ASKS = frozenset({"dibutuhkan", "diperlukan", "butuh", "perlu", "need", "needed", "membutuhkan",
                              "memerlukan", "butuhkan"})
# P(not a request) above which the trained model turns a needs-only request into another kind.
MODEL_VETO = 0.8
ASK_NEGATION_FILLERS = frozenset({"lagi", "terlalu", "usah", "begitu", "perlu", "sudah", "longer", "t"})

HAVE = frozenset({"punya", "memiliki", "gadhah", "gaduh", "have", "has", "got", "own", "nyimpen",
                  # goods in hand: "kami sudah mengumpulkan 200 selimut", "we collected 200 blankets"
                  "mengumpulkan", "kumpulkan", "terkumpul", "collected", "gathered", "prepared",
                  "menyiapkan", "siapkan"})
# Asking the one addressed ("ngana bisa bantu beras?", "bapak bisa kirim terpal?"): an ask, no offer.
SECOND_PERSON = frozenset({"ngana", "ngoni", "kamu", "anda", "kalian", "bapak", "pak", "ibu", "bu", "kakak",
                           "kak", "mas", "mbak", "you", "ente", "kau", "ko", "kam", "sampeyan", "panjenengan"})
ABLE = frozenset({"bisa", "siap", "mau", "ingin", "saged", "tiasa", "can", "could", "ready", "willing",
                  "bersedia", "sanggup", "akan", "will", "able", "bade", "arep", "should", "shall",
                  # "happy to deliver clean water", "senang membantu"
                  "happy", "glad", "available", "senang"})
# Decisive on their own (no first person needed): "siap bantu evakuasi".
READY = frozenset({"siap", "ready", "willing", "bersedia", "sanggup", "standby"})
# What an offerer can do (norm or stem).
OFFER_ACTS = frozenset({
    "angkut", "antar", "kirim", "bantu", "bawa", "masak", "pinjam", "ambil", "evakuasi", "jadi",
    "nyetir", "setir", "sumbang", "nyumbang", "ngeterke", "nganteurkeun", "ngabantos", "deploy",
    "lend", "carry", "help", "donate", "bring", "send", "drive", "deliver", "transport", "cook", "tampung",
    "menampung", "jemput", "sediakan", "sedia", "berangkat", "turun", "pinjamkan", "volunteer",
    "assist", "share", "berbagi", "dipinjamkan", "diambil", "diantar", "dikirim", "reach",
    "provide", "supply", "offer", "menyediakan", "memberi", "memberikan", "berikan", "beri",
    "dipakai", "dipake", "digunakan",   # "2 perahu mesin nganggur, biso dipakai warga": the boats are offered
})
# Things an offer has: vehicles, equipment, quantities of goods.
RESOURCES = frozenset({
    "pickup", "pick", "truk", "truck", "trucks", "mobil", "car", "cars", "motor", "perahu",
    "boat", "boats", "genset", "generator", "generators", "jeep", "jip", "tenda", "tent", "tents",
    "dus", "karung", "paket", "unit", "liter", "ton", "kg", "box", "pcs", "kardus", "colt",
    "ambulans", "ambulance", "dapur", "gudang", "stok", "bak", "kapal", "speedboat", "rakit",
})
UNITS = frozenset({"dus", "karung", "paket", "unit", "liter", "ton", "kg", "box", "pcs", "kardus", "bungkus", "porsi"})
DONATE = frozenset({"donasi", "sumbang", "nyumbang", "menyumbang", "sumbangan", "donate", "donation",
                    "donations", "menyumbangkan", "berdonasi",
                    "patungan", "urunan", "iuran"})   # chipping in together

THANKS = ("terima kasih", "makasih", "trims", "thanks", "thank you", "thank", "matur nuwun",
          "hatur nuhun", "nuhun", "suwun", "tengkyu", "terimakasih", "trimakasih", "makasi", "thx",
          "tq", "tarima kasih", "tarimo kasih", "teurimong gaseh", "teurimong geunaseh")
THANKS_FILLERS = frozenset({"banyak", "sekali", "sebesar", "besarnya", "so", "very", "much", "sanget", "pisan"})
THANKS_FOR = frozenset({"atas", "untuk", "for", "buat", "kanggo", "dumateng", "kepada", "sudah", "telah",
                        "ka", "ke", "kpd", "to"})
# Thanked helpers: "terima kasih relawan", "makasih tim basarnas", "trims PLN": something was done.
THANKED_HELPERS = frozenset({"relawan", "donatur", "tim", "para", "semua", "sadaya", "sedaya", "pln", "bpbd",
                             "basarnas", "tni", "polri", "pemda", "pemkab", "dinsos", "volunteers", "everyone",
                             "all", "rescuers", "petugas", "bapak", "ibu",
                             "bapa", "pak", "mama"})   # "makasi banyak bapa2 TNI" (Papuan and Ambonese "bapa")
# Announcements and reports.
ANNOUNCE = frozenset({"pembagian", "dibagikan", "membagikan", "distribution", "distributing",
                      "distributed", "buka", "dibuka", "open", "opened", "dipindah", "dipindahkan",
                      "diminta", "waspada", "hati", "tertutup", "ditutup", "closed", "menyala", "nyala",
                      # an invitation ("silakan datang utk makan siang") offers, it does not ask
                      "silakan", "silahkan", "dipersilakan",
                      # notices to residents: "warga dimohon tetap di rumah", "pendataan rumah rusak"
                      "dimohon", "diimbau", "dihimbau", "imbauan", "himbauan", "pendataan", "didata",
                      "pindah", "pambagian", "gratis", "terbuka", "disediakan",
                      # a distribution announced, by whoever makes it: "distribusi beras dimulai
                      # besok", "BPBD salurkan air bersih ke ...", "disalurkan lewat posko",
                      # "dapur umum melayani pengungsi 3x sehari"
                      "distribusi", "penyaluran", "salurkan", "menyalurkan", "disalurkan",
                      "didistribusikan", "mendistribusikan", "melayani", "dilayani",
                      # a schedule or a service announced: "jadwal posko kesehatan: Senin-Jumat"
                      "jadwal", "schedule", "pelayanan", "layanan"})
# A place or service open to whoever needs it: "bagi yang butuh ..., masjid kami terbuka".
OPEN_TO_ALL = frozenset({"terbuka", "buka", "dibuka", "gratis", "silakan", "silahkan", "menampung", "tampung",
                         "disediakan", "menyediakan", "free", "open"})
# Volunteers or goods on their way: "tim kami OTW ke Rua", "sedang menuju Lebakgedong".
EN_ROUTE = frozenset({"otw", "menuju", "meluncur", "perjalanan", "heading", "enroute", "berangkat",
                      "bergerak", "tiba"})
EN_ROUTE_SUBJECTS = frozenset({"relawan", "tim", "team", "volunteers", "volunteer", "rombongan", "bantuan",
                               "logistik", "truk", "kapal", "speedboat", "helikopter", "basarnas", "sar",
                               "truck", "trucks", "supplies", "aid", "rescuers"})
# A post that takes donations: "kami menerima bantuan berupa pakaian", "posko membuka donasi".
ACCEPT_VERBS = frozenset({"menerima", "terima", "accepting", "accept", "buka", "membuka", "dibuka", "open",
                          "opening", "galang", "menggalang", "collecting"})
ACCEPTED_EXTRA = frozenset({"bantuan", "donatur", "relawan"})   # ... and DONATE
REPORT_WORDS = frozenset({"info", "informasi", "update", "kabar", "laporan", "fyi", "lapor"})
# "sudah <state>": the situation is better, or the need is met.
DONE_STATES = frozenset({
    "aman", "surut", "reda", "dievakuasi", "selamat", "menyala", "nyala", "normal", "dilewati",
    "dibersihkan", "datang", "sampai", "dugi", "diterima", "terima", "dapat", "cukup", "terpenuhi",
    "tercukupi", "pulang", "kembali", "mengungsi", "tertangani", "ditangani", "bisa", "turun",
    "evakuasi", "teratasi", "kering", "kami", "menerima",
    # delivered, arrived, found, buried: "bantuan sudah disalurkan", "tim sudah tiba"
    "disalurkan", "tersalurkan", "dikirim", "didistribusikan", "dibagikan", "diserahkan", "tiba",
    "dimakamkan", "ditemukan", "berangkat", "dilalui", "diperbaiki", "dibuka", "beroperasi",
    "mengevakuasi", "menyelamatkan", "menyalurkan", "membagikan", "mendistribusikan", "stabil",
    "salurkan", "kirim", "bagikan", "antar", "distribusikan", "serahkan", "evakuasi",
    # services back: "air PDAM sudah mengalir", "situasi sudah terkendali", "listrik sudah hidup"
    "mengalir", "lancar", "pulih", "berfungsi", "membaik", "kondusif", "terkendali", "hidup", "padam",
    "dikendalikan", "restored", "flowing",
})
DONE_ADVERBS = frozenset({"sudah", "sampun", "wis", "already", "telah", "now",
                          "lah", "ka"})   # Minangkabau "lah", Acehnese "ka": already
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
FLOOD_SKIP = frozenset({"sudah", "masih", "mulai", "makin", "semakin", "terus", "is", "has", "sekitar", "kira",
                        "lah", "ka"})
DEPTH_UNITS = frozenset({"cm", "m", "meter", "mtr", "centimeter", "senti"})

QUESTION_WORDS = frozenset({
    "kemana", "dimana", "mana", "bagaimana", "gimana", "gmn", "bgmn", "apakah", "kapan", "how",
    "where", "kamana", "kumaha", "pripun", "piye", "endi", "nandi", "what", "which", "when",
    "bisakah", "bolehkah",
})
# "kemana/di mana/lewat siapa + kirim/drop/titip": a question about giving, whatever goods it names.
WHERE_WORDS = frozenset({"kemana", "dimana", "kamana", "pundi", "endi", "nandi", "where", "whom"})
WHERE_PAIRS = frozenset({("ke", "mana"), ("di", "mana"), ("lewat", "mana"), ("lewat", "siapa"), ("ke", "siapa"),
                         ("kepada", "siapa"), ("sama", "siapa"), ("who", "should"), ("to", "whom")})
GIVE_VERBS = frozenset({
    "kirim", "dikirim", "mengirim", "antar", "diantar", "mengantar", "drop", "titip", "nitip", "dititipkan",
    "dititip", "salurkan", "disalurkan", "menyalurkan", "serahkan", "diserahkan", "menyerahkan", "send",
    "give", "bring", "hand", "donate", "donated", "donating", "transfer", "kintun", "dikintun", "ngirim",
})
QUESTION_TOPICS = frozenset({
    "donasi", "donate", "donation", "sumbang", "sumbangan", "nyumbang", "menyumbang", "rekening",
    "transfer", "daftar", "mendaftar", "relawan", "volunteer", "register", "sign", "posko",
    "pengungsian", "terima", "menerima", "accept", "cara", "caranya", "dilewati", "jalur",
})
# The sender's earlier request, referred to: "bantuan yg sy minta kemarin kok blm dtg?" asks
# about it (a status question), not for something new.
REQUEST_REFERENCES = (("yang", "saya", "minta"), ("yang", "kami", "minta"), ("permintaan", "saya"),
                      ("permintaan", "kami"), ("laporan", "saya"), ("laporan", "kami"), ("saya", "sudah", "lapor"),
                      ("kami", "sudah", "lapor"), ("sudah", "saya", "laporkan"), ("my", "request"),
                      ("our", "request"), ("we", "reported"), ("i", "reported"))
PLACE_TOPICS = frozenset({"posko", "pengungsian"})
_REFERENCES_BY_FIRST: dict[str, tuple[tuple[str, ...], ...]] = {
    first: tuple(c for c in REQUEST_REFERENCES if c[0] == first) for first in {c[0] for c in REQUEST_REFERENCES}}
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
    concrete: list[NeedCategory] = [n for n in parsed.needs if n != NeedCategory.other]

    referred = _refers_to_request(seq, tokens)
    # "Status 6PWN3C? kami msh tunggu selimut": still waiting for what that request asked
    if referred and (not concrete or any(w in _WAITING for w, _ in seq)):
        return IntentResult("status", tuple(f"status: {r}" for r in referred[:3]))
    asks = _asks(seq)
    offer = _offer(seq, concrete)
    # An ask said of others ("bagi yang butuh tempat mengungsi", "posko yg masih kekurangan
    # relawan") is the sender's only without an offer, an announcement or a question of who knows.
    said_of_others = bool(offer) or _knows(seq) or any(w in OPEN_TO_ALL for w, _ in seq)
    # "hubungi kami bila perlu evakuasi", "kalau ada yg butuh genset": an offer on condition
    conditional = [a for a, _ in asks if _conditional(seq, a)]
    if conditional and not offer:
        offer = [f"if needed: {conditional[0].split(':')[-1]}"]
        said_of_others = True
    real_asks = [a for a, relative in asks if (not relative or not said_of_others) and a not in conditional]
    if real_asks and _elsewhere(seq) and _information(seq, words, parsed)[0]:
        real_asks = []    # "sdh tercukupi, mohon bantuan dialihkan ke daerah lain": met, asked for elsewhere
    if real_asks and (parsed.needs or not offer):
        return IntentResult("request", tuple(f"ask: {a.split('@')[0]}" for a in real_asks[:3]))
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
        # The one place the trained model speaks (core/text/intent_model.py): a request made only
        # by the needs it names, with no ask, no offer, question or report the rules know, is
        # the weak case the rules get wrong on new phrasings. When the model is sure it is not a
        # request (P > MODEL_VETO), its most likely other kind wins. Chosen by cross-validation
        # against the rules as they were before each file (docs/messaging.md, "A trained intent
        # model"): the model never overrides an explicit ask.
        kind, p_not = intent_model.load().best_non_request(tokens)
        if p_not > MODEL_VETO:
            return IntentResult(kind, (f"model: {kind} {p_not:.2f}",))   # type: ignore[arg-type]
        return IntentResult("request", tuple(f"need: {n.value}" for n in parsed.needs[:3]))
    if status:
        return IntentResult("status", tuple(f"status: {s}" for s in status[:3]))
    hazard = [w for w, _ in words if w in lexicon.HAZARD_REPORT_WORDS]
    if hazard:   # no need, no ask: what the sender sees, for the coordinators' situation log
        return IntentResult("information", (f"report: {hazard[0]}",))
    return IntentResult("information", ())


# --- helpers --------------------------------------------------------------------------------

_Item = tuple[str, str]   # (norm, stem); "#" for a number, "." for a clause break


def _sequence(tokens: Sequence[Token]) -> list[_Item]:
    out: list[_Item] = []
    prev: Token | None = None
    for t in tokens:
        if t.kind == "word" and _named_after_head(prev, t):
            out.append(("@name", "@name"))    # "Way Mengaku" is a river, not "mengaku" (claiming to be)
        elif t.kind == "word":
            out.append((t.norm, t.stem))
        elif t.kind == "number":
            out.append(("#", "#"))
        elif t.norm in {".", "!", "?", ";", "\n", ","}:
            out.append((".", t.norm))
        prev = t
    return out


_HEADS = lexicon.NAME_HEADS | lexicon.RIVER_WORDS


def _named_after_head(prev: Token | None, t: Token) -> bool:
    """A capitalised word right after a capitalised name head ("Way Mengaku", "Bukit Harapan")."""
    return (prev is not None and prev.kind == "word" and prev.norm in _HEADS and prev.raw[:1].isupper()
            and t.raw[:1].isupper() and not t.raw.isupper() and not prev.raw.isupper())


def _w_stem(seq: list[_Item], i: int) -> str:
    return seq[i][1] if 0 <= i < len(seq) else ""


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


# A warning about fraud quotes the fraudster's ask: "waspada penipuan! ada yg minta transfer".
FRAUD_WORDS = frozenset({"penipu", "penipuan", "tipu", "modus", "oknum", "scam", "scammer", "hoax", "hoaks",
                         "palsu", "mengaku", "ngaku", "mengatasnamakan", "catut", "mencatut"})
FRAUD_ASKS = frozenset({"minta", "meminta", "mohon", "butuh"})
INFO_ASKS = frozenset({"info", "infokan", "informasi", "infonya", "kabari", "kabarin", "share"})


_HELPED = frozenset({"bantu", "help", "helped"})
_ALREADY = frozenset({"sudah", "telah", "udah", "already"})
_WAITING = frozenset({"tunggu", "menunggu", "nunggu", "waiting"})
# People buried, swept away or missing ("2 org tertimbun", "3 warga hanyut"): an ask, however the
# rest reads (not "rumah warga tertimbun": their houses)
_PEOPLE_LOST = frozenset({"tertimbun", "hanyut", "hilang", "buried", "missing"})
_PEOPLE = lexicon.PERSON_UNITS | {"anak", "balita", "lansia"}
_THEIR_THINGS = frozenset({"rumah", "kebun", "sawah", "ternak", "harta", "kendaraan", "motor", "mobil", "houses"})
_PASSIVE_NEEDED = frozenset({"needed", "dibutuhkan", "diperlukan"})
_ISOLATED_PLACES = frozenset({"desa", "kampung", "dusun", "daerah", "wilayah", "pulau", "lokasi", "villages",
                              "areas"})
_WANTING = frozenset({"ada", "butuh", "perlu", "minta", "mohon", "tolong", "need", "cari", "siapa"})


def _already_helped(seq: list[_Item], i: int) -> bool:
    """"yang sudah bantu", "relawan yg su bantu katong", Manado "ngana samua yg so bantu torang":
    help already given, thanked. ("so" is Manado and North Maluku "sudah" only after "yang": in
    English it is no such word.)"""
    if _w(seq, i) not in _HELPED:
        return False
    prev = _w(seq, i - 1)
    # "danke par relawan yang bantu katong": the helpers who helped (not "ada relawan yg bantu kami?")
    helpers_who = prev == "yang" and _w(seq, i - 2) in THANKED_HELPERS and _w(seq, i - 3) not in _WANTING
    return prev in _ALREADY or (prev == "so" and _w(seq, i - 2) == "yang") or helpers_who


def _asks(seq: list[_Item]) -> list[tuple[str, bool]]:
    """Un-negated asks as (words, is_relative_clause)."""
    found: list[tuple[str, bool]] = []
    # a warning: "ada yg minta sumbangan atas nama korban banjir ..., itu bukan dr pemda"
    fraud = any(w in FRAUD_WORDS or stem in FRAUD_WORDS for w, stem in seq) or _in_the_name_of(seq)
    for i, (w, _stem) in enumerate(seq):
        if fraud and w in FRAUD_ASKS:
            continue
        prev = _w(seq, i - 1)
        nxt = _w(seq, i + 1)
        if (w, nxt) in ASK_PAIRS:
            if w == "tidak" and not _lack_of_need(seq, i):
                continue
            if _already_helped(seq, i):
                continue        # "relawan yg su bantu katong": the help already given, thanked
            if nxt == "ada" and _w(seq, i + 2) in NO_NEWS_OF:
                continue        # "blm ada laporan korban jiwa": no casualties reported, nothing lacking
            found.append((f"{w} {nxt}", _about_others(seq, i)))
            continue
        if w in {"help", "bantu"} and prev in ABLE and (
                (_w(seq, i - 2) == "yang" and _w(seq, i - 3) in {"ada", "siapa"})
                or _w(seq, i - 2) in {"anyone", "someone", "anybody", "somebody"}):
            found.append((f"{_w(seq, i - 2)} {prev} {w}", False))   # "ada yg bisa bantu evakuasi?": anyone?
            continue
        # (a negator up to four words back, past "ada" too: "tidak ada orang hilang")
        if w in _PEOPLE_LOST and prev in _PEOPLE and _w(seq, i - 2) not in _THEIR_THINGS \
                and not any(_w(seq, k) in NEGATORS for k in range(max(0, i - 4), i)):
            found.append((f"{prev} {w}", _about_others(seq, i)))   # "2 org tertimbun": people to dig out
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
        if _already_helped(seq, i):
            continue            # "yang sudah bantu": the help already given
        if w in {"butuh", "perlu", "need", "needs"} and nxt in {"apa", "what"}:
            continue            # "butuh apa aja di sana?": asks what is needed, for someone else
        if w in {"mohon", "tolong", "please"} and nxt in {"jangan", "tidak", "dont", "do"} and (
                nxt != "do" or _w(seq, i + 2) == "not"):
            continue            # "mohon jgn kirim lg ke sini": please do not send more
        if w in {"mohon", "minta", "please", "nyuwun", "tolong"} and (
                nxt in NON_AID_OBJECTS or (nxt, _w(seq, i + 2)) in lexicon.NON_AID_PAIRS):
            continue            # "mohon doanya", "minta maaf", "mohon info titik drop", "tolong kasih tau"
        if w in CONDITIONAL_ASKS and nxt in NON_AID_OBJECTS:
            continue            # "siap ke kolaka, butuh info posko", "butuh doa": no aid asked for
        if w == "darurat" and prev in lexicon.MAKESHIFT_NOUNS:
            continue            # "status tanggap darurat", "jembatan darurat": makeshift, not an emergency
        if w in NEED_VERB_ASKS and nxt in VOLUNTEER_ROLES and _yes_no_question_before(seq, i):
            continue            # "apakah masih perlu relawan di posko X?": a would-be volunteer asks
        if w in _PASSIVE_NEEDED and any(_w(seq, k) in VOLUNTEER_ROLES for k in range(max(0, i - 3), i)) \
                and _yes_no_question_before(seq, i):
            continue            # "are volunteers still needed in Malunda?": the same, in the passive
        if _negated(seq, i):
            continue
        found.append((f"{w}@{i}" if w in CONDITIONAL_ASKS else w, _about_others(seq, i)))
    return found


def _in_the_name_of(seq: list[_Item]) -> bool:
    """Donations collected "atas nama" (in the name of) someone: what warnings of fraud say."""
    return any(seq[i][0] == "atas" and _w(seq, i + 1) == "nama" for i in range(len(seq))) \
        and any(_has(item, DONATE) for item in seq)


def _conditional(seq: list[_Item], ask: str) -> bool:
    """The ask (as _asks names it, "word@index") follows a conditional: "bila perlu", "kalau ada yg butuh"."""
    if "@" not in ask:
        return False
    i = int(ask.rsplit("@", 1)[1])
    if seq[i][0] not in CONDITIONAL_ASKS:
        return False
    k = i - 1
    while k >= 0 and k >= i - 4 and seq[k][0] != ".":
        if seq[k][0] in CONDITIONALS:
            return True
        k -= 1
    return False


def _yes_no_question_before(seq: list[_Item], i: int) -> bool:
    """"apakah", "do/does", "is/are" earlier in the clause: the ask is being asked about."""
    k = i - 1
    while k >= 0 and seq[k][0] != ".":
        if seq[k][0] in {"apakah", "apa", "do", "does", "is", "are", "masihkah", "perlukah"}:
            return True
        k -= 1
    return False


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
    if seq[i][0] in CONDITIONAL_ASKS and _w(seq, k) in CONDITIONALS:
        return True     # "bisa bantu di posko kalau dibutuhkan": an offer on condition
    if seq[i][0] in lexicon.ISOLATION_WORDS and _w(seq, i - 1) in _ISOLATED_PLACES and any(
            _w(seq, j) in lexicon.TOWARD_WORDS | {"to"} for j in range(max(0, i - 8), i - 1)):
        return True     # "siap antar logistik ke Banyu Mas & desa2 terisolir": where the help is taken
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
        # (not "kalau bisa kirim perahu": if it can be done, send a boat; a polite ask)
        if w in ABLE and prev not in {"yang", "siapa", "apa", "apakah", "tidak", "tolong", "mohon", "who"} \
                and prev not in CONDITIONALS and prev not in SECOND_PERSON and not _negated(seq, i):
            for k in range(i + 1, min(n, i + 4)):
                if seq[k][0] == ".":
                    break
                if _has(seq[k], OFFER_ACTS):
                    if w in READY or first_person or has_resource:
                        found.append(f"{w} {seq[k][0]}")
                    break
        # "Ready 2 unit truk", "siap 3 perahu", "tersedia 100 paket": goods or vehicles on offer
        if (w in READY or w == "tersedia") and not _negated(seq, i) and i + 1 < n and (
                seq[i + 1][0] == "#" or _has(seq[i + 1], RESOURCES)) and _w(seq, i - 1) not in {"tidak", "belum"}:
            found.append(f"{w} {_w(seq, i + 2) if seq[i + 1][0] == '#' else seq[i + 1][0]}")
        # "ada perahu karet 2 unit", "ada 50 dus mie", "ada truk kosong"
        if w == "ada" and i + 1 < n and not _negated(seq, i):
            nxt = seq[i + 1]
            if _has(nxt, RESOURCES) and nxt[0] not in {"dapur", "stok", "gudang"}:
                found.append(f"ada {nxt[0]}")
            elif nxt[0] == "#" and _w(seq, i + 2) in UNITS:
                found.append(f"ada {_w(seq, i + 2)}")
        # "kami dr medan bawa 2 truk sembako utk pengungsi": goods on their way with the sender
        if w in BRING and prev not in {"tolong", "mohon", "please", "bisa", "perlu"} \
                and any(_w(seq, k) in FIRST_PERSON for k in range(max(0, i - 4), i)) and not _negated(seq, i):
            goods = seq[i + 2] if i + 2 < n and seq[i + 1][0] == "#" else seq[i + 1] if i + 1 < n else None
            if goods is not None and _has(goods, RESOURCES):
                found.append(f"{w} {goods[0]}")
        # "saya relawan", "sy dokter", "we are a group of 10 volunteers", "komunitas kami"
        if w in VOLUNTEER_ROLES:
            near = [_w(seq, k) for k in range(max(0, i - 6), i)]
            if (prev in FIRST_PERSON or prev in {"jadi", "jd", "seorang", "adalah", "dari"}
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
    if any(o.split()[-1] in HAVE or o.split()[0] in HAVE or o.startswith("ada ") for o in offer):
        return False
    if concrete and not _where_to_give(seq):
        return False
    return any(w in QUESTION_WORDS and not (w == "mana" and _w(seq, i + 1) in {"saja", "aja", "pun", "wae"})
               for i, (w, _) in enumerate(seq)) or any(
        (_w(seq, i), _w(seq, i + 1)) in {("ke", "mana"), ("di", "mana"), ("can", "i"), ("how", "do")}
        and _w(seq, i + 2) not in {"saja", "aja", "pun", "wae"} for i in range(len(seq)))


def _knows(seq: list[_Item]) -> bool:
    """"ada yg tau ...?", "does anyone know ...": a question about who needs, not a plea."""
    return any(w in {"tau", "tahu", "know", "knows", "uninga", "ngerti"} for w, _ in seq)


def _where(seq: list[_Item]) -> bool:
    return any(w in WHERE_WORDS for w, _ in seq) or any(
        (_w(seq, i), _w(seq, i + 1)) in WHERE_PAIRS for i in range(len(seq)))


def _where_to_give(seq: list[_Item]) -> bool:
    """"dimana bisa drop bantuan", "lewat siapa kirim beras": where or through whom to give."""
    return _where(seq) and any(w in GIVE_VERBS or stem in GIVE_VERBS for w, stem in seq)


def _refers_to_request(seq: list[_Item], tokens: Sequence[Token]) -> list[str]:
    """A tracking code in the text, or the sender's earlier request referred to."""
    found = [" ".join(cue) for i, (w, _) in enumerate(seq) for cue in _REFERENCES_BY_FIRST.get(w, ())
             if tuple(_w(seq, i + k) for k in range(len(cue))) == cue]
    code = _tracking_code(tokens)
    return list(dict.fromkeys(found + ([f"code {code}"] if code else [])))


def _tracking_code(tokens: Sequence[Token]) -> str | None:
    """A code as Siaga gives them (core.codes: 6 capitals and digits, both kinds), typed as one
    word: "kode XK7P2M". The tokenizer splits it into letters and numbers; join them back."""
    run: list[Token] = []
    for tok in (*tokens, None):
        if tok is not None and tok.kind in {"word", "number"} and (not run or run[-1].end == tok.start):
            run.append(tok)
            continue
        raw = "".join(t.raw for t in run)
        if (len(raw) == _CODE_LENGTH and raw.isupper() and any(c.isdigit() for c in raw)
                and all(c in _CODE_ALPHABET for c in raw)):
            return raw
        run = [tok] if tok is not None and tok.kind in {"word", "number"} else []
    return None


_CODE_LENGTH = 6                                        # core.codes.tracking_code
_CODE_ALPHABET = frozenset("23456789ABCDEFGHJKMNPQRSTUVWXYZ")


# "status tanggap darurat", "status Semeru turun ke level III": an alert level, not a request's status.
ALERT_STATUS = frozenset({"tanggap", "darurat", "siaga", "awas", "waspada", "level", "gunung", "turun", "naik",
                          "bencana", "normal"})


def _status(seq: list[_Item]) -> list[str]:
    found: list[str] = []
    for i in range(len(seq)):
        if _w(seq, i) == "status" and (_w(seq, i + 1) in ALERT_STATUS or _w(seq, i + 2) in ALERT_STATUS):
            continue
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
    # "di pengungsian Sentani, dokter ada?": a post named as where the sender is is no topic
    topics = [w for i, (w, stem) in enumerate(seq) if (w in QUESTION_TOPICS or stem in DONATE)
              and not (w in PLACE_TOPICS and _w(seq, i - 1) in {"di", "at", "in"})]
    # "tolong infokan nomor posko", "mohon info jalur yang aman": a question put as a plea
    pairs += [f"{_w(seq, i)} {_w(seq, i + 1)}" for i in range(len(seq))
              if _w(seq, i) in {"tolong", "mohon", "minta", "please"} and _w(seq, i + 1) in INFO_ASKS]
    if _where(seq):
        topics += [w for w, stem in seq if w in GIVE_VERBS or stem in GIVE_VERBS]
        pairs += [f"{_w(seq, i)} {_w(seq, i + 1)}" for i in range(len(seq))
                  if (_w(seq, i), _w(seq, i + 1)) in WHERE_PAIRS - {("ke", "mana"), ("di", "mana")}]
    if not (marked or qwords or pairs):
        return []
    if concrete and not topics:
        return []           # "ada air bersih?" may still be a plea: leave it to the needs
    if not (qwords or pairs or topics or not concrete):
        return []
    return list(dict.fromkeys([*(pairs or qwords), *topics[:1]] or ["?"])) or ["?"]


# "dialihkan ke daerah lain", "prioritaskan desa lain": help asked for other places than the sender's
ELSEWHERE_NOUNS = frozenset({"daerah", "desa", "tempat", "wilayah", "posko", "kampung", "lokasi", "dusun",
                             "kecamatan"})


def _elsewhere(seq: list[_Item]) -> bool:
    return any(w in ELSEWHERE_NOUNS and _w(seq, i + 1) in {"lain", "lainnya"} for i, (w, _) in enumerate(seq))


def _information(seq: list[_Item], words: list[_Item], parsed: ParsedMessage) -> tuple[list[str], list[str]]:
    strong: list[str] = []
    weak: list[str] = []
    text = " " + " ".join(w for w, _ in seq) + " "
    for i, (w, stem) in enumerate(seq):
        nxt = _w(seq, i + 1)
        if w in FRAUD_WORDS or stem in FRAUD_WORDS:
            strong.append(f"warning: {w}")       # "awas modus penipuan", "hoaks"
        if w == "selesai" and _w(seq, i - 1) in FINISHED_WORK:
            strong.append(f"{_w(seq, i - 1)} selesai")    # "evakuasi selesai"
        if w in ANNOUNCE or stem in {"bagi"} and w not in {"bagi", "kebagian"}:
            strong.append(w)
        if w in ACCEPT_VERBS and nxt != "kasih" and not _negated(seq, i) and _w(seq, i - 1) != "belum" \
                and any(_w(seq, k) in ACCEPTED_EXTRA or _w(seq, k) in DONATE for k in range(i + 1, i + 3)):
            strong.append(f"{w} {nxt}")          # "kami menerima bantuan berupa ...", "buka donasi"
        if (w in EN_ROUTE or (w, nxt, _w(seq, i + 2)) == ("on", "the", "way")) and not _negated(seq, i) \
                and _w(seq, i - 1) not in {"belum", "kapan", "when"} and _travelling(seq):
            strong.append(f"on the way: {w}")
        if w in DONE_ADVERBS and not _negated(seq, i):
            k = i + 1
            while _w(seq, k) in {"tidak"} | {"bisa", "mulai", "semua", "kami"} - {"tidak"} and k < i + 3:
                k += 1
            state = _w(seq, k)
            if state == "sampai" and (_w(seq, k + 1) in lexicon.DEEP_WATER
                                      or _w(seq, i - 1) in lexicon.FLOOD_WATER_WORDS):
                continue                           # "aer udeh nyampe dade": how deep, nothing arrived
            if (state in DONE_STATES or _w_stem(seq, k) in DONE_STATES) and state not in {"bisa", "kami"}:
                strong.append(f"{w} {state}")
            elif _done_passive(seq, k) or _done_place(seq, k):
                strong.append(f"{w} {state}")      # "sudah dibawa ke puskesmas", "sudah di tempat aman"
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
            rest = [w for w in text.split(f" {phrase} ", 1)[1].split() if w not in THANKS_FILLERS]
            after = rest[0] if rest else ""
            # "terima kasih atas bantuan beras": thanks for goods received, not a need
            (strong if after in THANKS_FOR or after in THANKED_HELPERS else weak).append(phrase)
            break
    if parsed.negated_needs and not parsed.needs:
        strong.append("needs met: " + ",".join(n.value for n in parsed.negated_needs))
    return list(dict.fromkeys(strong)), list(dict.fromkeys(weak))


BRING = frozenset({"bawa", "membawa", "bring", "bringing", "carrying", "antar", "mengantar", "angkut"})


FINISHED_WORK = frozenset({"evakuasi", "pencarian", "penyaluran", "pembagian", "distribusi", "pendataan",
                           "pembersihan", "perbaikan"})
_NOT_PASSIVE = frozenset({"dimana", "disini", "disana", "disitu", "diri", "dia", "dinas", "dikit"})


def _done_passive(seq: list[_Item], k: int) -> bool:
    """"sudah dibawa", "sudah dirawat": something was done, by someone else (di- passive)."""
    w, stem = seq[k] if 0 <= k < len(seq) else ("", "")
    return w.startswith("di") and len(w) > 5 and stem != w and w not in _NOT_PASSIVE


def _done_place(seq: list[_Item], k: int) -> bool:
    """"sudah di tempat aman", "sudah di pengungsian yang aman"."""
    if _w(seq, k) != "di":
        return False
    return any(_w(seq, j) in SAFE_WORDS for j in range(k + 1, k + 4))


def _travelling(seq: list[_Item]) -> bool:
    """The one on the way brings help: a team or goods ("tim relawan", "truk logistik"), or the
    writer bringing something or heading for the disaster site ("kami ... bawa obat", "ke lokasi
    bencana"). Residents fleeing ("kami dalam perjalanan mengungsi") are not."""
    if any(w in EN_ROUTE_SUBJECTS for w, _ in seq):
        return True
    return any(w in FIRST_PERSON for w, _ in seq) and any(
        w in BRING or stem in BRING or w == "lokasi" for w, stem in seq)


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
