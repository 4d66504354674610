"""Word lists for reading help messages (Bahasa Indonesia, SMS shorthand, English; regional languages in lexicons/).

Data only: the logic lives in the other modules of this package. Everything here is lowercase.
A keyword phrase is matched token by token against either the normalised token or its
PySastrawi stem, so ``makan`` also matches ``makanan`` and ``kelaparan`` is listed as ``lapar``.
"""
from __future__ import annotations

from siaga.core.text import regional, tables
from siaga.schemas.common import NeedCategory, Urgency, Vulnerable

# --- SMS shorthand, common misspellings and regional words -> standard Indonesian -------------
# (a regional word may not redefine an SMS shorthand entry: tests/unit/test_regional_lexicon.py)
# Values with a space expand into several tokens.
SMS_SHORTHAND: dict[str, str] = {
    # help / need verbs
    "tlg": "tolong", "tlng": "tolong", "tolongin": "tolong",
    "bth": "butuh", "btuh": "butuh", "btoh": "butuh", "butuhkan": "butuh", "butuhnya": "butuh",
    "prl": "perlu", "prlu": "perlu", "perlukan": "perlu", "mhn": "mohon", "mohn": "mohon",
    "bntu": "bantu", "bantuin": "bantu", "bntuan": "bantuan", "bantuannya": "bantuan",
    "kirimin": "kirim", "krm": "kirim",
    # negation (Betawi kagak; the regional words are in core/text/lexicons/)
    "gk": "tidak", "ga": "tidak", "gak": "tidak", "g": "tidak", "tdk": "tidak", "tak": "tidak",
    "td": "tidak", "nggak": "tidak", "ngga": "tidak", "nggk": "tidak", "ngak": "tidak",
    "enggak": "tidak", "engga": "tidak", "nda": "tidak", "gag": "tidak",
    "kagak": "tidak", "tidk": "tidak",
    "tida": "tidak", "gausah": "tidak usah", "gaperlu": "tidak perlu", "gabutuh": "tidak butuh",
    "gakusah": "tidak usah", "ndausah": "tidak usah", "ngapapa": "tidak apa",
    "blm": "belum", "blum": "belum", "belom": "belum",
    # time / state
    "sdh": "sudah", "udh": "sudah", "udah": "sudah", "udeh": "sudah", "dah": "sudah", "sdah": "sudah", "sudh": "sudah",
    "msh": "masih", "msih": "masih", "masi": "masih",
    "skrg": "sekarang", "skrng": "sekarang", "skr": "sekarang", "skarang": "sekarang",
    "lg": "lagi", "lgi": "lagi", "sgr": "segera", "sgra": "segera", "segra": "segera",
    "cpt": "cepat", "cepet": "cepat", "cpet": "cepat",
    "bgt": "sekali", "banget": "sekali", "bngt": "sekali", "sngt": "sangat", "sgt": "sangat",
    "drt": "darurat", "darurt": "darurat",
    # function words
    "yg": "yang", "yng": "yang", "dgn": "dengan", "dg": "dengan", "dng": "dengan", "dgan": "dengan",
    "krn": "karena", "krna": "karena", "karna": "karena", "jg": "juga", "jga": "juga",
    "utk": "untuk", "untk": "untuk", "tp": "tapi", "tpi": "tapi", "ttp": "tetapi",
    "dr": "dari", "dri": "dari", "dkt": "dekat", "dket": "dekat", "deket": "dekat", "lalin": "lalu lintas", "sm": "sama", "ama": "sama",
    "trs": "terus", "bs": "bisa", "bsa": "bisa", "ad": "ada", "onten": "ada",
    "bnyk": "banyak", "byk": "banyak", "bnyak": "banyak",
    "bbrp": "beberapa", "dll": "dan lain lain", "dsb": "dan lain lain", "kmi": "kami",
    "kmai": "kami", "sy": "saya", "sya": "saya", "aq": "saya", "aku": "saya", "gw": "saya",
    "gue": "saya", "sdr": "saudara", "kluarga": "keluarga", "klrg": "keluarga", "klg": "keluarga",
    "kel": "kelurahan", "kec": "kecamatan", "kab": "kabupaten", "ds": "desa", "dsn": "dusun",
    "prov": "provinsi", "kp": "kampung", "kmp": "kampung", "jl": "jalan", "jln": "jalan",
    "lingk": "lingkungan",   # a kelurahan's hamlet ("Lingk. Kampung Jawa")
    # people
    "org": "orang", "orng": "orang", "orag": "orang", "oranng": "orang",
    "jwa": "jiwa", "jiw": "jiwa", "ank": "anak",
    "lnsia": "lansia", "lansa": "lansia", "lns": "lansia", "manula": "lansia", "jompo": "lansia",
    "bumil": "ibu hamil", "bmil": "ibu hamil",
    "difabel": "disabilitas", "difable": "disabilitas", "disabel": "disabilitas",
    # needs
    "mkn": "makan", "mkan": "makan", "mam": "makan", "mknan": "makanan",
    "bama": "bahan makanan", "bamak": "bahan makanan",   # as BNPB/BPBD reports write it
    "makana": "makanan", "mkanan": "makanan", "mnm": "minum", "mnum": "minum", "brsh": "bersih",
    "brsih": "bersih", "obt": "obat", "obat2an": "obat", "skt": "sakit", "sakt": "sakit",
    "ambulan": "ambulans", "ambulanc": "ambulans", "p3k": "obat", "pampers": "popok",
    "selimt": "selimut", "bju": "baju", "trpl": "terpal", "trpal": "terpal", "evak": "evakuasi", "evakuasikan": "evakuasi",
    "bnjir": "banjir", "bnjr": "banjir", "lngsor": "longsor",
    # other words
    "lesu": "lapar", "ber2": "berdua", "ber3": "bertiga", "ber4": "berempat", "ber5": "berlima",
    "pls": "please", "plz": "please", "bln": "bulan", "ush": "usah", "perum": "perumahan",
    "jgn": "jangan", "jngn": "jangan", "hbs": "habis",
    "abis": "habis", "dtg": "datang", "sampe": "sampai", "smpe": "sampai", "nyampe": "sampai",
    "naek": "naik",      # "aek naek", "air naek": the water rises
    "cemana": "bagaimana", "camana": "bagaimana",   # Medan Malay "how" (not "celana", trousers)
    "msk": "masuk", "msuk": "masuk", "hr": "hari", "th": "tahun", "thn": "tahun", "lt": "lantai",
}
# Javanese, Sundanese, Acehnese and Minangkabau words join from data files with their sources.
SHORTHAND: dict[str, str] = {**regional.words(), **SMS_SHORTHAND}

# Words that end a negation scope or split clauses (punctuation also does).
CLAUSE_BREAKERS: frozenset[str] = frozenset({
    "tapi", "tetapi", "namun", "melainkan", "sedangkan", "hanya", "cuma", "kecuali",
    "but", "however", "only", "except", "whereas",
})

# Verbs that introduce needs ("butuh air"); after "tidak" they negate what follows.
NEED_VERBS: frozenset[str] = frozenset({
    "butuh", "perlu", "usah", "minta", "mohon", "kirim", "kurang", "harus", "ingin", "mau",
    "need", "needs", "needed", "require", "requires", "want", "send", "lack", "lacking",
})
# Pleas in regional languages (Javanese "tulung", "nyuwun", "peryogi"): asks, and never a
# place backing its neighbours (Kec. Tulung, Klaten; core/text/gazetteer.py _cohesion_partners).
REGIONAL_PLEAS: frozenset[str] = frozenset({"tulung", "nyuwun", "peryogi"})
# Request verbs: an un-negated one ends a negation scope ("tdk butuh nasi, butuh air").
REQUEST_VERBS: frozenset[str] = frozenset({
    "butuh", "perlu", "minta", "mohon", "kurang", "need", "needs", "require", "requires",
    "lack", "lacking", "tolong",
})
# "tidak <verb>" negates the needs after it: "tdk butuh makanan", "gak usah kirim nasi".
NEGATABLE_VERBS: frozenset[str] = frozenset({
    "butuh", "perlu", "usah", "minta", "mohon", "kirim", "kurang", "mau", "harus", "ingin",
})
NEGATORS: frozenset[str] = frozenset({"tidak", "bukan", "tanpa", "jangan"})
# English negated-need openers (token sequences).
EN_NEGATION_PHRASES: tuple[tuple[str, ...], ...] = (
    ("no", "need"), ("not", "need"), ("dont", "need"), ("don", "t", "need"), ("do", "not", "need"),
    ("doesnt", "need"), ("doesn", "t", "need"), ("does", "not", "need"), ("no", "more"),
    ("not", "needed"), ("no", "longer", "need"), ("already", "have"), ("have", "enough"),
    ("enough",),
)
# Need is already met, written before the need: "sudah ada makanan", "masih cukup air".
SATISFIED_BEFORE: tuple[tuple[str, ...], ...] = (
    ("sudah", "ada"), ("sudah", "cukup"), ("sudah", "dapat"), ("sudah", "terima"),
    ("sudah", "menerima"), ("masih", "ada"), ("masih", "cukup"), ("cukup",),
    ("sudah", "punya"), ("masih", "punya"),
)
# Written after the need: "makanan sudah cukup", "air aman", "obat tidak perlu", "food is enough".
SATISFIED_AFTER: tuple[tuple[str, ...], ...] = (
    ("sudah", "ada"), ("sudah", "cukup"), ("sudah", "aman"), ("sudah", "terpenuhi"),
    ("sudah", "tercukupi"), ("sudah", "datang"), ("sudah", "diterima"), ("sudah", "terima"), ("sudah", "dapat"), ("sudah", "tersedia"),
    ("masih", "ada"), ("masih", "cukup"), ("masih", "aman"), ("cukup",), ("aman",),
    ("tersedia",), ("terpenuhi",), ("tercukupi",), ("tidak", "perlu"), ("tidak", "usah"),
    ("tidak", "butuh"), ("tidak", "dibutuhkan"), ("sudah", "tidak", "perlu"),
    ("is", "enough"), ("are", "enough"), ("enough",), ("not", "needed"), ("is", "not", "needed"),
    ("are", "not", "needed"), ("is", "fine"), ("are", "fine"), ("ok",), ("is", "ok"),
    ("sufficient",), ("is", "sufficient"), ("are", "sufficient"),
)
# Conjunctions that chain a list of needs ("makanan dan air sudah cukup").
LIST_JOINERS: frozenset[str] = frozenset({"dan", "serta", "sama", "atau", "and", "or", "n", "&", "/", ","})

# --- need categories ----------------------------------------------------------------------
NEED_KEYWORDS: dict[NeedCategory, tuple[str, ...]] = {
    NeedCategory.water: (
        "air bersih", "air minum", "air", "galon", "minum", "minuman", "haus", "aqua",
        "air mineral", "jerigen", "water", "drinking water", "clean water", "thirsty", "drink",
        "bottled water",
        "tangki", "tandon",   # a water tanker or tank: "tolong kirim tangki" in a drought
        "water tank", "water truck",
    ),
    NeedCategory.food: (
        "makanan", "makan", "nasi", "beras", "sembako", "lapar", "mie", "mi instan", "indomie", "logistik",
        "roti", "lauk", "logistik makanan", "dapur umum", "nasi bungkus", "biskuit",
        "pangan", "bahan pangan",   # "mohon bantuan pangan", "rawan pangan"
        # Acehnese "bu ngon ie" (rice and water; "ngon" reads as "dengan"): "bu" alone is "ibu"
        "bu dengan",
        "food", "rice", "hungry", "meal", "meals", "eat", "noodles", "bread", "starving",
    ),
    # "ibu hamil", "pregnant" name a vulnerable person (VULNERABLE_KEYWORDS), not a need: "ada
    # bayi & ibu hamil" asks for nothing medical; labour ("mau melahirkan", "kontraksi") and a
    # midwife ("bidan") do.
    NeedCategory.medical: (
        "obat", "medis", "dokter", "ambulans", "luka", "sakit", "demam", "diare", "mencret",
        "sesak", "sesak napas", "sesak nafas", "melahirkan", "lahiran", "persalinan",
        "bidan", "perawat", "puskesmas", "kesehatan", "pingsan", "berdarah", "pendarahan",
        "patah tulang", "patah", "infus", "insulin", "tenaga medis", "kontraksi", "cedera",
        "medicine", "medicines", "medical", "doctor", "doctors", "ambulance", "injured",
        "injury", "injuries", "wound", "wounded", "sick", "fever", "diarrhea", "diarrhoea",
        "bleeding", "labor", "labour", "nurse", "unconscious", "first aid", "hurt",
        "broken leg", "broken arm", "asthma", "masker", "oksigen", "batuk", "cuci darah",
        "dialisis", "hemodialisa", "keracunan", "keracunan makanan", "muntah", "pasien",
        "vitamin", "paracetamol", "oralit", "diabetes", "darah tinggi", "hipertensi", "asma",
        "vaksin", "vaksinasi", "vaccine", "vaccines", "vaccination",
        "posko kesehatan",   # a health post: medical, not a shelter
        "mask", "masks", "oxygen", "cough", "vomiting", "poisoning", "food poisoning",
        "contractions", "dialysis",
    ),
    NeedCategory.rescue: (
        "evakuasi", "terjebak", "tertimbun", "hanyut", "perahu karet", "perahu", "sar",
        "basarnas", "tim sar", "terisolasi", "terisolir", "tenggelam", "tertimpa", "terkurung",
        "terseret", "terjepit", "jepit", "reruntuhan", "penyelamatan", "selamatkan", "jebak", "timbun", "dievakuasi",
        "diungsikan", "ungsikan", "mengungsikan",   # "lansia perlu diungsikan": moved to safety
        "rescue", "evacuate", "evacuated", "evacuation", "trapped", "stranded", "stuck", "buried",
        "swept away", "boat", "drowning", "collapsed", "rubble", "di atap", "ke atap",
        "atas atap", "atas genteng", "nduwur payon", "duwur payon", "hilang", "belum ditemukan", "belum ketemu",
        "on the roof", "on top of the house", "rooftop", "missing",
        # out at sea and not back: "kena ombak besar, nelayan blm pulang"
        "nelayan belum pulang", "nelayan belum kembali", "nelayan tidak pulang", "nelayan tidak kembali",
        "nelayan belum balik",
        # fetching people out: "tulung dijemput", "perlu dipindah ke posko", "mohon heli"
        "tolong jemput", "bantu jemput", "minta jemput", "mohon jemput", "perlu jemput",
        # ... or taking the sick to hospital: "mo minta tolong antar ke RS, torang nyanda ada oto"
        "tolong antar ke rs", "tolong antar ke rumah sakit", "tolong antar ke puskesmas",
        "tolong bawa ke rs", "tolong bawa ke rumah sakit", "tolong bawa ke puskesmas",
        # Manado and Papuan "pigi" (pergi) as "to": "tolong bawa pigi puskesmas"
        "bawa pergi puskesmas", "bawa pergi rs", "bawa pergi rumah sakit",
        "antar pergi puskesmas", "antar pergi rs", "antar pergi rumah sakit",
        "butuh jemput", "perlu dipindah", "harus dipindah", "perlu dibawa", "harus dibawa",
        "tandu", "stretcher", "heli", "helikopter", "helicopter", "boats",
        "needs to be taken", "need to be taken", "needs to be carried", "need to be carried",
        "needs to be moved", "need to be moved", "needs to be evacuated", "need to be evacuated",
        # search in rubble and mud needs machines: "tlg alat berat!!"
        "alat berat", "ekskavator", "excavator", "heavy equipment",
        # people who cannot leave the house by themselves: "lansia blm bs keluar rmh"
        "belum bisa keluar", "tidak bisa keluar", "belum dapat keluar", "tidak dapat keluar",
        "cannot get out", "cant get out", "unable to get out",
        # ... nor walk out of the water: "nenek tidak bisa jalan", "mbah ora iso mlaku"
        "tidak bisa jalan", "tidak bisa berjalan", "tidak dapat berjalan", "cannot walk", "cant walk",
        # Ambonese "seng" (not) and Sundanese "can" (not yet) only in these phrases: alone they are
        # zinc roofing and English "can" (lexicons/README.md)
        "seng bisa keluar", "seng bisa jalan", "seng bisa berjalan", "can ditemukan",
    ),
    NeedCategory.shelter: (
        "tenda", "terpal", "pengungsian", "posko", "tempat pengungsian", "tempat tinggal",
        "tempat berteduh", "huntara", "hunian sementara", "tempat tidur", "tikar", "kasur",
    "tempat menginap", "tempat nginap", "tempat bermalam",
        "tent", "tents", "tarp", "tarps", "tarpaulin", "shelter", "evacuation center",
        "evacuation centre", "sleeping mats", "sleeping mat", "mats", "mattresses",
    ),
    NeedCategory.clothing: (
        "selimut", "pakaian", "baju", "sarung", "jaket", "kain", "celana", "pakaian ganti",
        "baju ganti", "mukena", "blanket", "blankets", "clothes", "clothing", "sarong", "jacket",
    ),
    NeedCategory.baby: (
        "popok", "susu bayi", "susu formula", "makanan bayi", "baby food", "susu", "pembalut", "formula", "bubur bayi",
        "perlengkapan bayi", "diapers", "diaper", "nappies", "baby milk", "baby formula", "sanitary pads",
        "sanitary napkins", "pads", "milk",
    ),
    NeedCategory.sanitation: (
        "sabun", "mck", "toilet", "wc", "jamban", "kamar mandi", "sanitasi", "kebersihan",
        "sikat gigi", "pasta gigi", "odol", "hygiene kit", "disinfektan", "kaporit", "tisu", "karbol",
        "soap", "latrine", "latrines", "toilets", "sanitation", "hygiene",
        # cleaning up mud after a flood: "butuh sapu, sikat & air bersih"
        "sapu", "sikat", "alat kebersihan", "alat bersih", "broom", "brooms",
        # killing the mosquitoes of a dengue outbreak: "minta fogging"
        "fogging", "abate", "abatisasi",
    ),
    NeedCategory.power: (
        "listrik", "genset", "senter", "bbm", "bensin", "solar", "lampu", "lilin", "aki",
        "power bank", "powerbank", "baterai", "cas", "charger", "penerangan", "mati lampu",
        "electricity", "generator", "flashlight", "torch", "torches", "fuel", "petrol",
        "diesel", "power", "batteries", "candles",
        # cooking fuel
        "elpiji", "lpg", "tabung gas", "gas elpiji", "minyak tanah", "kerosene",
        "gas",   # "gas juga habis": the cooking gas (not after GAS_NOT_FUEL: "gas beracun")
    ),
    # goods of no category above: a water pump is no drinking water ("butuh pompa air")
    NeedCategory.other: (
        "pompa air", "pompa", "mesin pompa", "water pump", "karung pasir", "sandbag", "sandbags",
        "kelambu", "mosquito net", "mosquito nets",
        # fire near homes (peat and forest fires): "minta damkar & water bombing"
        "damkar", "pemadam kebakaran", "water bombing", "fire brigade",
        # to cut fallen trees off houses and roads: "pohon tumbang timpa 3 rumah, perlu chainsaw"
        "chainsaw", "gergaji mesin", "senso",
    ),
}

# Shelter words that name a *place* when preceded by a locative ("kami di posko"): then no need.
LOCATIVE_SENSITIVE: frozenset[str] = frozenset({"pengungsian", "posko", "shelter", "tenda", "center", "centre"})
# Shelter words of a compound place name, skipped when looking back for its locative:
# "di tenda pengungsian", "at the evacuation center".
SHELTER_COMPOUND: frozenset[str] = frozenset({"tenda", "posko", "pengungsian", "evacuation", "tempat", "barak"})
# A shelter word that opens a clause and is followed by one of these names where the sender is
# ("..., pengungsian kelurahan Kebon Pala", "..., evacuation center in Cianjur").
ADDRESS_FOLLOWERS: frozenset[str] = frozenset({
    "di", "in", "at", "desa", "kelurahan", "kecamatan", "kabupaten", "kota", "dusun", "kampung", "rt", "rw",
    "village", "district",
})
LOCATIVES: frozenset[str] = frozenset({
    "di", "ke", "dari", "at", "in", "to", "from", "sekitar", "dekat", "untuk", "buat", "bagi",
    "for", "tinggal", "mengungsi", "pos", "posko", "balai", "ungsi",
})
# These name a place unless asked for: "butuh tempat pengungsian" vs "Posko Tridadi".
REQUEST_ONLY: frozenset[str] = frozenset({"pengungsian", "posko", "shelter", "center", "centre"})
# Words skipped when looking for the word before a need ("at the shelter").
ARTICLES: frozenset[str] = frozenset({"the", "a", "an", "our", "this", "that", "sebuah"})
# Rescue words about things, not people: "rumah hanyut", "houses collapsed".
THINGS: frozenset[str] = frozenset({
    "rumah", "jembatan", "sawah", "ternak", "kandang", "mobil", "motor", "barang", "harta",
    "kebun", "tanaman", "perabot", "warung", "toko", "jalan", "atap", "houses", "house",
    "homes", "home", "bridge", "car", "cars", "roads", "road", "buildings", "building",
    "sumur", "sekolah", "masjid", "kios", "gudang", "well",
    # livestock and building boards: "sapi hanyut", "rumah papan hanyut"
    "sapi", "kambing", "kerbau", "ayam", "bebek", "babi", "kuda", "cattle", "papan", "seng",
    # parts of houses and trees: "tangga rumah panggung patah", "pohon tumbang"
    "tangga", "pohon", "tiang", "dinding", "tembok", "pintu", "jendela", "genteng", "plafon", "lantai",
    "panggung", "dahan", "kayu", "stairs", "tree", "trees", "wall", "roof",
    # water works: "air bersih putus krn pipa patah"
    "pipa", "selang", "pipe", "pipes",
})
# Rescue equipment that is itself lost when a damage word follows: "perahu nelayan hancur semua".
RESCUE_EQUIPMENT: frozenset[str] = frozenset({"perahu", "boat", "boats", "kapal", "speedboat"})
DAMAGE_WORDS: frozenset[str] = frozenset({
    "hancur", "rusak", "hanyut", "tenggelam", "karam", "terbakar", "remuk", "pecah", "bocor", "hilang",
    "destroyed", "damaged", "sank", "wrecked", "lost",
})
# "patah" of a thing is broken wood or stairs, not a broken bone: "tangga rumah panggung patah".
THING_CONDITIONS: frozenset[str] = frozenset({"patah", "broken"})
# "gas" that is no cooking fuel: volcanic gas, tear gas.
GAS_NOT_FUEL: frozenset[str] = frozenset({"beracun", "racun", "vulkanik", "belerang", "sulfur", "air", "mata",
                                          "toxic", "volcanic", "tear"})
THING_RESCUE_WORDS: frozenset[str] = frozenset({
    "hanyut", "tertimbun", "timbun", "tenggelam", "collapsed", "buried", "swept away", "terendam",
    "tertimpa", "timpa",
})
# Stems too short or too ambiguous to match by stem ("perairan" -> "air", "pengairan").
# "hilang" (a missing person) is not "kehilangan rumah" (lost their house).
NO_STEM_MATCH: frozenset[str] = frozenset({"air", "sar", "aki", "cas", "wc", "mck", "kain", "mie", "hilang", "gas"})
# Right after one of these, "air" is a place ("di Air Tawar", "ke Air Bangis": many Sumatran
# names begin with Air) or the flood itself ("terjebak di air"), never drinking water asked for;
# and "dapur umum" is the kitchen as a place ("masak di dapur umum"; "solar utk dapur umum" asks).
STRICT_LOCATIVES: frozenset[str] = frozenset({"di", "ke", "dari", "d", "in", "at"})
PLACE_AFTER_LOCATIVE: frozenset[str] = frozenset({"air", "dapur"})

# How the flood water is, a few words after "air di <place>": "air di Landolia sdh surut".
FLOOD_STATES: frozenset[str] = frozenset({
    "surut", "naik", "setinggi", "meluap", "menggenang", "tergenang", "merendam", "rising", "receded",
})
# Bare water words that describe the flood, not a need: "air naik", "air setinggi dada".
FLOOD_WATER_WORDS: frozenset[str] = frozenset({"air", "water"})
FLOOD_CONTEXT_AFTER: frozenset[str] = frozenset({
    "naik", "setinggi", "tinggi", "ketinggian", "masuk", "meluap", "luap", "deras", "sungai", "kali",
    "kiriman",   # "air kiriman dr hulu": the flood sent down from upstream
    "laut", "bah", "pasang", "surut", "mata", "terjun", "genang", "menggenang", "rendam",
    "merendam", "sampai", "hingga", "sepinggang", "sedada", "selutut", "seleher", "sepaha",
    "banjir", "cm", "meter", "m", "sedalam", "dalam", "kencang", "rising", "level", "levels",
    "up", "reached", "everywhere", "entering", "came", "waist", "chest", "knee", "rose",
    "coming", "keruh", "kotor", "comes",
    # receding water (also keeps "dropping" from being "corrected" to "drowning")
    "dropping", "receding", "falling", "receded", "turun",
    "sak",   # Javanese "banyu sak dodo": water chest-high
    "besar",   # "air besar" (Banjarese "banyu ganal", Minang "aia gadang"): a big flood
    "rob",     # "air rob sepaha": the tide's flood
    "melimpah",  # "air melimpah": overflowing
    "teka",    # Javanese "banyu teka saka nduwur": the water came from upstream
    "flooded", "floods",
})
# Rescue words that describe the place or the things ("2 desa terisolir", "kampung tertimbun
# lumpur", "rumah hanyut"): with other needs asked and nothing else calling for rescue, they
# describe the disaster rather than ask to get people out. Isolation does so even of people
# ("warga terisolir 3 hari, butuh beras"); burial and drowning only of places and things.
ISOLATION_WORDS: frozenset[str] = frozenset({"terisolir", "terisolasi"})
# Roofing and boards asked for to repair houses: shelter (core/text/needs.py _building_materials);
# "seng" alone is also Ambonese "not", so only when asked for or listed with these.
BUILDING_MATERIALS: frozenset[str] = frozenset({"seng", "paku", "papan", "triplek", "tripleks", "asbes"})
SHELTER_GOODS: frozenset[str] = frozenset({"terpal", "tenda", "tikar", "kasur"})
# What lies on a roof that is no person ("abu tebal di atap"): core/text/needs.py.
ON_THE_ROOF_THINGS: frozenset[str] = frozenset({"abu", "pasir", "debu", "lumpur", "pohon", "ash", "sand", "mud"})
# Machines asked for: a rescue when someone is under the earth, "other" when only a road is to be
# opened (core/text/needs.py _machines_for_the_road).
HEAVY_EQUIPMENT: frozenset[str] = frozenset({"alat berat", "ekskavator", "excavator", "heavy equipment"})
ROAD_WORDS: frozenset[str] = frozenset({"jalan", "jln", "jl", "akses", "jalur", "road", "roads"})
# Buildings counted ("2 honai tertimbun", "3 rmh hanyut"): a number before them counts no people.
BUILDING_UNITS: frozenset[str] = frozenset({"rumah", "honai", "unit", "bangunan", "gedung", "kios", "ruko",
                                            "houses", "homes", "buildings"})
CLEARING_WORDS: frozenset[str] = frozenset({"normalisasi", "keruk", "mengeruk", "dikeruk", "pengerukan"})
# Works machines mend, when nobody is under the earth: "tanggul jebol, perlu karung pasir & alat berat".
WORKS_TO_MEND: frozenset[str] = frozenset({"tanggul", "talud", "bendungan", "dam", "levee", "embankment"})
ROAD_BLOCKED: frozenset[str] = frozenset({
    "tertutup", "ketutup", "tutup", "menutup", "menutupi", "tertimbun", "putus", "terputus", "buka", "membuka",
    "dibuka", "blocked", "closed", "open", "cut",
})
RESCUE_CONDITIONS: frozenset[str] = ISOLATION_WORDS | frozenset({
    "tertimbun", "timbun", "tenggelam", "hanyut", "collapsed", "buried",
})
# Water deep enough that a plea without a named need is a plea to be got out.
DEEP_WATER: frozenset[str] = frozenset({
    "sepinggang", "sedada", "seleher", "sedodo", "dodo", "sagulu", "sapinggang", "sadado", "atap",
    "genteng", "waist", "chest", "neck", "roof",
    # the body part alone after a shorthand "sampai" ("air smp dada"); Betawi "atep" (atap)
    "dada", "pinggang", "leher", "atep", "dade",
})
# Flood verbs two words after "air": "air cimanuk masuk rumah", "air kali meluap".
FLOOD_VERBS: frozenset[str] = frozenset({
    "masuk", "naik", "meluap", "luap", "setinggi", "sepinggang", "sedada", "selutut", "merendam",
    "menggenang", "rising", "rose",
})
# The water of a river, lake or dam is the flood ("air danau naik"); "pintu air" is a floodgate.
# Words for a river before its name: Indonesian, Javanese, Acehnese, Lampung ("Way Sekampung"):
# the name after one is the river's (core/text/gazetteer.py), as in "Way Mengaku" (intent.py).
RIVER_WORDS: frozenset[str] = frozenset({"sungai", "kali", "krueng", "way", "bengawan", "river"})
WATER_BODIES: frozenset[str] = frozenset({
    "kali", "sungai", "danau", "waduk", "bendungan", "situ", "rawa", "laut", "kanal", "river",
    "bengawan",   # "air bengawan solo masuk rumah"
    "lake", "dam", "sea", "canal",
})
WATER_WORKS: frozenset[str] = frozenset({"pintu", "saluran", "tanggul", "floodgate", "mata"})
# "air sudah ..." / "water is ...": look one word further to tell flood from supply.
FLOOD_ADVERBS: frozenset[str] = frozenset({
    "belum", "sudah", "masih", "mulai", "makin", "semakin", "terus", "is", "has", "still",
    "keeps", "was", "already", "makin",
    "lah", "ka",   # Minangkabau "aia lah naiak", Acehnese "ie ka surot": already
    "so",          # Manado "aer so maso rumah": already
})
SUPPLY_STATES: frozenset[str] = frozenset({
    "ada", "datang", "dapat", "habis", "kurang", "tersedia", "cukup", "aman", "terpenuhi",
    "tidak", "needed", "enough", "ok", "scarce", "finished", "gone", "out", "running", "short",
    "sufficient", "fine", "not", "bersih",
})
# Said of a supply that is lacking: "nasi habis", "obat kurang" (a need, whatever came before).
LACKING: frozenset[str] = frozenset({"habis", "kurang", "menipis", "langka", "kosong"})
FLOOD_CONTEXT_BEFORE: frozenset[str] = frozenset({
    "banjir", "genangan", "ketinggian", "kemasukan", "terendam", "rendam", "flood", "rising",
    "the", "sungai", "luapan",
    "terseret", "hanyut",   # swept away by the water (Sundanese "kabawa cai")
    "masuk",                # "rumah masuk air": water came into the houses
    "terjebak", "terkepung", "dikepung", "terperangkap",   # "keluarga terjebak air": cut off by the flood
    "besar",                # Toba Batak "nunga bolon aek": the water is already big
    "tergenang", "tegenang", "digenangi", "kebanjiran",   # "rumah tergenang air": standing in the flood
    "sea",                  # "sea water flooded 10 houses": the tide
})

# Single-word keywords whose bare mention is a *condition*: "tidak ada yang luka" is no need.
CONDITION_WORDS: frozenset[str] = frozenset({
    "luka", "sakit", "demam", "diare", "sesak", "pingsan", "cedera", "korban", "patah",
    "injured", "injury", "injuries", "hurt", "sick", "wounded", "terluka",
})
CONDITION_NEGATORS: frozenset[str] = frozenset({"tidak", "belum", "no", "nobody", "none", "not", "without"})
CONDITION_FILLERS: frozenset[str] = frozenset({
    "ada", "yang", "korban", "orang", "warga", "one", "is", "are", "was", "were", "people",
    "anyone", "serious", "jiwa", "terluka",
})

# Words that say "we need help" without naming what: category "other" when nothing else matched.
GENERIC_HELP: frozenset[str] = frozenset({
    "bantu", "bantuan", "tolong", "butuh", "perlu", "help", "need", "needs", "sos", "darurat",
    "emergency", "mohon", "assistance", "aid", "minta",
})
# Asked, but not for aid: "mohon doanya", "minta maaf", "tolong infokan nomor BPBD".
NON_AID_OBJECTS: frozenset[str] = frozenset({
    "doa", "doanya", "maaf", "izin", "ijin", "info", "informasi", "infonya", "infokan", "kabari",
    "kabarin", "perhatian", "perhatiannya", "kesabaran", "arahan", "petunjuk", "kerjasama",
    "konfirmasi", "kontak", "nomor", "alamat", "prayers", "prayer", "pray", "share", "sebarkan",
    "doakan", "diinfokan", "dikabari",
    "koordinasi", "berkoordinasi", "coordination",   # "bisa angkut ke Agats, perlu koordinasi dgn dinkes"
    "tanya", "bertanya", "nanya",   # "mohon tanya", Javanese "nyuwun pirsa": a question follows
    # an escort for aid already on its way: "bantuan sdh berangkat, mohon dikawal"
    "dikawal", "pengawalan", "kawal", "escort",
    # aid sent elsewhere: "bantuan tdk perlu lagi, mohon dialihkan ke Tinombo"
    "dialihkan", "alihkan", "dialokasikan",
})
# Two-word asks for information: "tolong kasih tau alamat posko", "mohon beri tahu".
NON_AID_PAIRS: frozenset[tuple[str, str]] = frozenset({
    ("kasih", "tau"), ("kasih", "tahu"), ("kasi", "tau"), ("kasi", "tahu"), ("beri", "tahu"), ("beri", "tau"),
    ("let", "me"), ("let", "us"),
})

# --- vulnerable groups ----------------------------------------------------------------------
VULNERABLE_KEYWORDS: dict[Vulnerable, tuple[str, ...]] = {
    Vulnerable.infant: ("bayi", "baby", "babies", "infant", "infants", "newborn", "orok"),
    Vulnerable.toddler: ("balita", "batita", "toddler", "toddlers", "anak kecil", "small children",
                         "young children"),
    Vulnerable.elderly: ("lansia", "manula", "jompo", "nenek", "kakek", "orang tua renta",
                         "orang tua jompo", "sepuh", "elderly", "old man", "old woman",
                         "old people", "grandmother", "grandfather", "grandma", "grandpa",
                         "seniors", "senior citizen", "aged"),
    Vulnerable.pregnant: ("ibu hamil", "hamil", "mengandung", "melahirkan", "lahiran",
                          "pregnant", "expecting mother"),
    Vulnerable.disabled: ("disabilitas", "cacat", "kursi roda", "lumpuh", "tunanetra",
                          "tuna netra", "tuna rungu", "tunarungu", "stroke", "buta",
                          "disabled", "disability", "wheelchair", "paralyzed", "blind", "deaf"),
    Vulnerable.injured: ("luka", "terluka", "luka luka", "cedera", "berdarah", "patah tulang",
                         "patah", "injured", "injury", "injuries", "wounded", "wound",
                         "bleeding", "hurt", "broken leg", "broken arm"),
}

# --- urgency ------------------------------------------------------------------------------
# Rule (see urgency.py): the highest level among matched cues wins; "rescue need + high cue"
# is critical; a "low" cue only applies when no high/critical cue is present.
URGENCY_CUES: dict[Urgency, tuple[str, ...]] = {
    Urgency.critical: (
        "contractions", "sampai atap", "setinggi atap", "up to the roof", "belum ditemukan",
        "kritis", "sos", "sekarat", "nyawa", "tenggelam", "tertimbun", "hanyut", "pingsan",
        "tidak sadar", "tak sadarkan diri", "sesak napas", "sesak nafas", "pendarahan",
        "mau melahirkan", "akan melahirkan", "kontraksi", "henti napas", "tidak bernapas",
        "critical", "dying", "drowning", "unconscious", "not breathing", "life threatening",
        "buried", "mayday", "in labor", "in labour", "heavy bleeding",
    ),
    Urgency.high: (
        "segera", "darurat", "parah", "gawat", "mendesak", "tolong cepat", "cepat",
        "secepatnya", "urgent", "emergency", "hurry", "quickly", "immediately", "now",
        "terjebak", "trapped", "stranded", "stuck", "serious", "severe", "sangat butuh",
        "butuh sekali", "tidak ada makanan sama sekali", "kelaparan", "tolong tolong",
        "oksigen", "oxygen", "cuci darah", "dialysis", "berdarah", "bleeding", "sepinggang",
        "sedada", "seleher", "setinggi dada", "setinggi leher", "setinggi pinggang",
        "sak dodo", "sak gulu", "chest deep", "waist deep", "neck deep", "meninggal",
        "korban jiwa", "tewas", "dead", "died", "killed",
    ),
    Urgency.low: (
        "tidak mendesak", "tidak darurat", "tidak urgent", "kalau sempat", "jika sempat",
        "kapan saja", "not urgent", "no rush", "when possible", "whenever",
    ),
}

# "darurat" after these nouns is an adjective ("toilet darurat" = makeshift toilet), not urgency.
MAKESHIFT_NOUNS: frozenset[str] = frozenset({
    "toilet", "wc", "mck", "tenda", "jembatan", "posko", "dapur", "rumah", "hunian", "tangga",
    "pintu", "sekolah", "tanggap", "status", "nomor", "telepon", "jalur",
    "talud", "tanggul",   # "talud darurat ... selesai dibangun": a makeshift sea wall
})

# --- people counts ------------------------------------------------------------------------
PERSON_UNITS: frozenset[str] = frozenset({
    "orang", "jiwa", "warga", "penduduk", "pengungsi", "korban", "individu", "people",
    "persons", "person", "ppl", "pax", "residents", "victims", "survivors", "souls",
    "nelayan", "pendaki", "wisatawan", "penumpang", "santri", "siswa", "pekerja", "petani",
    "fishermen", "climbers", "tourists", "passengers", "students", "workers",
})
HOUSEHOLD_UNITS: frozenset[str] = frozenset({
    "kk", "keluarga", "families", "family", "households", "household", "kepala keluarga",
})
# Subgroups: counted when no total is given ("2 lansia dan 3 anak" -> 5 people).
SUBGROUP_UNITS: frozenset[str] = frozenset({
    "anak", "balita", "bayi", "lansia", "dewasa", "orang dewasa", "orang tua", "ibu hamil",
    "perempuan", "wanita", "pria", "laki", "ibu", "bapak", "nenek", "kakek", "adults",
    "adult", "children", "child", "kids", "babies", "baby", "infants", "elderly", "women",
    "men", "toddlers", "pregnant", "hamil",
})
# Average Indonesian household size is about 4 (BPS); "5 KK" -> 20 people, flagged estimated.
PEOPLE_PER_HOUSEHOLD = 4

NUMBER_WORDS_ID: dict[str, int] = {
    "satu": 1, "se": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
    "delapan": 8, "sembilan": 9, "sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000,
}
NUMBER_MULTIPLIERS_ID: dict[str, int] = {"belas": 10, "puluh": 10, "ratus": 100, "ribu": 1000}
NUMBER_WORDS_EN: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12,
}
# "berlima" = the five of us.
BER_NUMBERS: dict[str, int] = {
    "berdua": 2, "bertiga": 3, "berempat": 4, "berlima": 5, "berenam": 6, "bertujuh": 7,
    "berdelapan": 8, "bersembilan": 9, "bersepuluh": 10,
}
# Numbers after these are not people counts.
NON_COUNT_PREFIXES: frozenset[str] = frozenset({
    "rt", "rw", "no", "nomor", "jam", "pukul", "km", "tanggal", "tgl", "blok", "gang", "gg",
})

# --- language guess -----------------------------------------------------------------------
ENGLISH_MARKERS: frozenset[str] = frozenset({
    "the", "we", "our", "us", "is", "are", "need", "needs", "please", "help", "food", "water",
    "people", "family", "families", "there", "here", "have", "has", "no", "not", "with", "and",
    "for", "of", "to", "in", "at", "trapped", "medicine", "children", "my", "i", "am", "urgent",
    "flood", "village", "house", "from", "some", "it", "they", "them", "send", "baby", "old",
    "strong",   # "Strong winds destroyed roofs": a known word, so no typo of "sarong"
})
INDONESIAN_MARKERS: frozenset[str] = frozenset({
    "di", "dan", "yang", "tidak", "butuh", "kami", "ada", "tolong", "orang", "ke", "dari",
    "sudah", "belum", "untuk", "ini", "itu", "saya", "desa", "perlu", "banjir", "bantuan",
    "makanan", "air", "sakit", "obat", "warga", "jiwa", "segera", "kec", "kecamatan", "dusun",
    "rumah", "anak", "lansia", "bayi", "mohon", "dengan", "karena", "juga", "sekali", "banyak",
    "masih", "lagi", "sini", "kk", "kabupaten", "kelurahan",
})

# --- place extraction ---------------------------------------------------------------------
# Well-known short or colloquial place names -> the gazetteer keys (core/text/gazetteer.py: lowercase
# letters and digits) of the areas meant. Known words: never "corrected" or read as shorthand.
PLACE_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "jogja": ("yogyakarta", "daerahistimewayogyakarta"),
    "yogya": ("yogyakarta", "daerahistimewayogyakarta"),
    "jogjakarta": ("yogyakarta", "daerahistimewayogyakarta"),
    "diy": ("daerahistimewayogyakarta",),
    "solo": ("surakarta",),
    "jakarta": ("daerahkhususibukotajakarta",),
    "dki": ("daerahkhususibukotajakarta",), "dkijakarta": ("daerahkhususibukotajakarta",),
    "jakpus": ("jakartapusat",), "jakut": ("jakartautara",), "jakbar": ("jakartabarat",),
    "jaksel": ("jakartaselatan",), "jaktim": ("jakartatimur",),
    "jateng": ("jawatengah",), "jatim": ("jawatimur",), "jabar": ("jawabarat",),
    "sumut": ("sumaterautara",), "sumbar": ("sumaterabarat",), "sumsel": ("sumateraselatan",),
    "sulsel": ("sulawesiselatan",), "sulteng": ("sulawesitengah",), "sulut": ("sulawesiutara",),
    "sultra": ("sulawesitenggara",), "sulbar": ("sulawesibarat",), "kalbar": ("kalimantanbarat",),
    "kalteng": ("kalimantantengah",), "kalsel": ("kalimantanselatan",),
    "kaltim": ("kalimantantimur",), "kaltara": ("kalimantanutara",),
    "ntb": ("nusatenggarabarat",), "ntt": ("nusatenggaratimur",),
    "babel": ("kepulauanbangkabelitung",), "kepri": ("kepulauanriau",), "malut": ("malukuutara",),
    # (not "klb" for Lombok Barat: "KLB campak" is an outbreak, Kejadian Luar Biasa; locals write "Lobar")
    "klu": ("lombokutara",), "klt": ("lomboktengah",), "klotim": ("lomboktimur",),
    # kabupaten as locals write them (regional press and BPBD reports)
    "lobar": ("lombokbarat",), "loteng": ("lomboktengah",), "lotim": ("lomboktimur",),
    "hst": ("hulusungaitengah",), "hsu": ("hulusungaiutara",), "hss": ("hulusungaiselatan",),
    "kukar": ("kutaikartanegara",), "kubar": ("kutaibarat",), "kutim": ("kutaitimur",),
    "kobar": ("kotawaringinbarat",), "kotim": ("kotawaringintimur",),
    "sbb": ("serambagianbarat",), "sbt": ("serambagiantimur",), "malteng": ("malukutengah",),
    "bolmong": ("bolaangmongondow",), "minut": ("minahasautara",), "minsel": ("minahasaselatan",),
    "tapsel": ("tapanuliselatan",), "taput": ("tapanuliutara",),
    "tapteng": ("tapanulitengah",), "madina": ("mandailingnatal",),
    "inhil": ("indragirihilir",), "inhu": ("indragirihulu",), "oki": ("ogankomeringilir",),
    "oku": ("ogankomeringulu",), "muba": ("musibanyuasin",), "kkr": ("kuburaya",),
    "pangkep": ("pangkajenedankepulauan",),
    # ... and the longer list of lexicons/place_abbreviations.tsv ("pessel", "konut", "halteng")
    **{k: v for k, v in tables.place_abbreviations().items()},
}
# City abbreviations of SMS writers, also inside longer names ("smg utara": Semarang Utara).
CITY_ABBREVIATIONS: dict[str, str] = {
    "smg": "semarang", "sby": "surabaya", "bdg": "bandung", "jkt": "jakarta", "mks": "makassar",
    "plg": "palembang", "mdn": "medan", "bjm": "banjarmasin", "pdg": "padang", "jogja": "yogyakarta",
    "yogya": "yogyakarta", "jogjakarta": "yogyakarta", "bna": "bandaaceh", "mtr": "mataram",
    "dps": "denpasar",   # as on Bali's SMS and plates-era shorthand ("Dps Timur", "Dps Barat")
    "ptk": "pontianak",  # as West Kalimantan writes it ("Ptk Timur", "Ptk Kota")
    "bjb": "banjarbaru",  # as South Kalimantan writes it ("bjb utara")
    # as their residents write them ("rangkui, pkp"; "neglasari tgr"): none a word or another place
    # ("smd" is Samarinda and Sumedang: left out)
    "pkp": "pangkalpinang", "tgr": "tangerang", "pku": "pekanbaru", "mdo": "manado",
    "kdi": "kendari", "jpr": "jayapura",
}
# Abbreviated first words of names, read only inside a name of several words ("tj pura":
# Tanjung Pura, "sei rampah", "kp melayu"): alone each is too short to say which place. The usual
# short forms of maps and signs (Tj. Priok, Tg. Pinang, Sei Rampah, Kp. Melayu).
NAME_HEAD_ABBREVIATIONS: dict[str, str] = {
    "tj": "tanjung", "tg": "tanjung", "tjg": "tanjung", "sei": "sungai", "sg": "sungai",
    "kp": "kampung", "kpg": "kampung", "gn": "gunung", "gng": "gunung",
    "kep": "kepulauan",  # "kep seribu utara", "kep. sula": the islands' kabupaten and kecamatan
    "ps": "pasar", "psr": "pasar",   # "Ps Kliwon", "psr minggu": the market towns' kecamatan
    "lbk": "lubuk",      # "lbk linggau", "lbk alung": Sumatra's river-pool names
    "km": "kilometer",   # "desa km 3 amurang": Desa Kilometer 3, a village named for its road post
    "pulo": "pulau",     # Betawi, Acehnese: "pulo panggang" is Kel. Pulau Panggang (the name also
                         # stays as typed: "Pulo Gadung")
    # directions as SMS shortens them, inside a name ("kisaran brt": Kota Kisaran Barat)
    "brt": "barat", "tmr": "timur", "utr": "utara", "sltn": "selatan", "sel": "selatan",
    "tgh": "tengah", "teng": "tengah",
}

# Administrative markers: the words after them name a place.
PLACE_MARKERS: dict[str, str] = {
    "desa": "desa", "kelurahan": "desa", "dusun": "dusun", "dukuh": "dusun",
    "padukuhan": "dusun", "pedukuhan": "dusun", "kampung": "dusun", "kecamatan": "kecamatan",
    "lingkungan": "dusun",   # the hamlet of a kelurahan (Sulawesi, Maluku, Bali's towns)
    "gampong": "desa",   # Aceh's desa ("gampong raya trienggadeng": Desa Raya)
    "kabupaten": "kabupaten", "kota": "kota", "provinsi": "provinsi", "rt": "rt", "rw": "rw",
    "distrik": "kecamatan",   # Papua's kecamatan: "Sawar distrik Sarmi"
    "village": "desa", "district": "kecamatan", "subdistrict": "kecamatan",
    "regency": "kabupaten", "city": "kota", "province": "provinsi", "jalan": "street",
    "gang": "street", "gg": "street", "tol": "street",   # "kolong tol Kalimalang": a toll road
    "perumahan": "estate", "komplek": "estate",
    "kompleks": "estate", "perumnas": "estate",
}
# English word order puts these markers after the name: "Peusangan sub-district, Bireuen regency",
# "Palu city" (core/text/places.py reads the name before them, gazetteer.py gives it their level).
ENGLISH_POST_MARKERS: frozenset[str] = frozenset({"regency", "city", "district", "subdistrict", "village", "province"})

# Landmarks named with a need word, where the need word asks for nothing: traffic lights, petrol
# stations ("banjir di lampu merah puri", "depan pom bensin").
LANDMARK_PHRASES: frozenset[tuple[str, str]] = frozenset({
    ("lampu", "merah"), ("lampu", "lalu"), ("pom", "bensin"), ("pom", "solar"),
})
# Phrases of help messages and flood reports that are also the whole name of a place somewhere:
# like a need phrase, no place unless its parent is named.
PHRASES_NOT_PLACES: frozenset[str] = frozenset({
    "karang taruna",   # a youth group that helps (Kel. Karang Taruna, Tanah Laut)
    "sumber daya",     # "resources": Dinas Sumber Daya Air (Desa Sumber Daya, Nagan Raya)
    "arus deras",      # a strong current (Desa Arus Deras, Kubu Raya)
    "pintu air",       # a water gate
    "mata air",        # a spring
    "air terjun",      # a waterfall
})
# Where the desa is officially a "kampung" (Kemendagri codes: the Papua provinces; Aceh Tengah,
# Bener Meriah; Berau, Kutai Barat, Mahakam Ulu; Siak): "kampung X" there names the desa itself.
KAMPUNG_IS_DESA: tuple[str, ...] = ("91.", "92.", "93.", "94.", "95.", "96.", "11.04.", "11.17.", "64.03.", "64.07.",
                                    "64.11.", "14.08.")
# Local government words name the level of the place after them: "Pemkab Kapuas Hulu" is the
# kabupaten, not Kec. Kapuas Hulu in Kab. Kapuas; "Pemkot Tidore" the city. Read by the
# gazetteer only, as a marker's hint (never a candidate of their own).
GOVERNMENT_MARKERS: dict[str, str] = {
    "pemkab": "kabupaten", "bupati": "kabupaten", "pemkot": "kota", "walikota": "kota", "bpbd": "kabupaten",
}
# Prepositions that usually introduce a place ("banjir di Sumberharjo").
PLACE_PREPOSITIONS: frozenset[str] = frozenset({"di", "in", "at", "near", "dekat", "sekitar", "daerah", "wilayah", "area", "kawasan", "lokasi", "alamat"})
# The writer, and helpers' roles: "sy dokter", "kami relawan" (an offer, core/text/intent.py;
# where the writer is, not where help is wanted, core/text/locate.py).
FIRST_PERSON: frozenset[str] = frozenset({"saya", "kami", "kita", "i", "we", "kula", "abdi", "dewe", "my", "our", "im"})
VOLUNTEER_ROLES: frozenset[str] = frozenset({
    "relawan", "volunteer", "volunteers", "dokter", "perawat", "bidan", "nurse", "doctor",
    "paramedis", "medis", "sopir", "driver", "komunitas", "organisasi", "tim",
})
# Geographic nouns that begin many place names ("Sungai Tabuk", "Kuala Simpang", "Lubuk Basung"):
# elsewhere a landmark noun ("sungai" = river), whose own name is then skipped.
NAME_HEADS: frozenset[str] = frozenset({
    "sungai", "kuala", "muara", "lubuk", "tanjung", "teluk", "pulau", "ujung", "batu", "air", "padang",
    "rawa", "bukit", "lembah", "danau", "gunung", "pasar", "tanah", "kampung", "pematang", "bandar",
    "pondok",   # "Pondok Bambu", "Pondok Kopi" (Jakarta), "Pondok Tinggi" (Kerinci)
    "kali",   # Javanese and Papuan "river": "Kali Bobo" (Nabire), "Kali Deres"
})
# Words that say where something goes ("kirim ke gurabati", "perahu utk kalahien"; Sundanese
# "ka", Sasak "leq"): the name after one is a candidate even in lower case (core/text/places.py).
TOWARD_WORDS: frozenset[str] = frozenset({"ke", "menuju", "kearah", "untuk", "ka", "leq"})
# Words that can follow "di" but are not place names ("di sini", "di rumah", "di atas").
NON_PLACE_WORDS: frozenset[str] = frozenset({
    "jebol",   # "bendungan di Danowudu jebol": burst (Desa Jebol, Jepara, needs its marker)
    "sini", "sana", "situ", "atas", "bawah", "dalam", "luar", "rumah", "atap", "lantai",
    "tempat", "masjid", "mushola", "musala", "sekolah", "balai", "gereja", "pinggir", "tepi",
    "depan", "belakang", "samping", "seberang", "sebelah", "sekitar", "dekat", "daerah",
    "wilayah", "area", "kawasan", "lokasi", "alamat", "kami", "saya", "kita", "mana", "ini",
    "itu", "sungai", "kali", "jembatan", "pasar", "lapangan", "gunung", "bukit", "pantai",
    "pengungsian", "posko", "tenda", "tengah", "antara", "pojok", "ujung", "the", "a", "an",
    "our", "my", "here", "there", "home", "house", "roof", "school", "mosque", "this", "that",
    "sawah", "kebun", "hutan", "lereng", "kaki", "pesisir", "puncak", "utara", "selatan",
    "timur", "barat", "kompleks", "belum", "sudah", "yang", "lagi", "saat", "waktu", "jam",
    "pukul", "hari", "malam", "pagi", "siang", "sore", "km", "meter", "lebih", "kurang",
    "sebuah", "satu", "balai", "gedung", "aula", "kantor", "rs", "rumah sakit", "puskesmas",
    "jalan", "gang", "gg", "lingkungan", "wilayahnya", "pos", "gor", "stadion", "sd", "smp",
    "sma", "smk", "mts", "tk", "rsud", "pondok", "pesantren", "ponpes", "perairan", "pendopo",
    "induk", "dapur", "umum", "floor", "village", "camp",
    # days of the week are village names too (Desa Jum'at, Bengkulu Tengah): "sampai hari Jumat"
    "senin", "selasa", "rabu", "kamis", "jumat", "jum'at", "sabtu", "minggu", "ahad",
})
# Nouns of landmarks whose own name follows ("masjid Al Huda", "kali Gendol"): that name is
# not an administrative area, so it is skipped.
POI_NOUNS: frozenset[str] = frozenset({
    "masjid", "mushola", "musala", "langgar", "gereja", "sekolah", "sd", "smp", "sma", "smk",
    "mts", "tk", "balai", "gedung", "gor", "stadion", "lapangan", "pasar", "kali", "sungai",
    "jembatan", "gunung", "bukit", "pantai", "pos", "posko", "rs", "rsud", "puskesmas",
    "kantor", "aula", "pondok", "pesantren", "ponpes", "pendopo", "perairan", "hotel", "mall",
    "terminal", "stasiun", "bandara", "pelabuhan", "waduk", "bendungan", "danau", "hutan",
    "tanggul", "jalur", "makam", "candi", "rumah", "toko", "warung", "pabrik",
    "univ", "universitas", "kampus", "institut",
})
# Landmarks often named after a place elsewhere (Univ Borobudur is in Jakarta, Pelabuhan Tanjung
# Emas in Semarang), unlike a village's own mosque, market or field: before the name, and the
# English nouns after it ("Tawang station").
NAMED_AFTER_ELSEWHERE: frozenset[str] = frozenset({
    "univ", "universitas", "institut", "pelabuhan", "stasiun", "terminal", "bandara",
    # housing estates take any pleasant name ("Perumahan Bojong Indah" is in Cengkareng, Jakarta;
    # Desa Bojong Indah is in Bogor)
    "perumahan", "perum", "komplek", "kompleks", "komp", "cluster", "kavling", "kav",
})
NAMED_AFTER_ELSEWHERE_AFTER: frozenset[str] = frozenset({
    "station", "port", "harbour", "harbor", "airport", "terminal", "university",
})
# Housing estates are named after a place and a pleasant word ("Pulo Harapan Indah", "Taman
# Setu Indah", "Bumi Asri Permai"): the place the name borrows may lie anywhere. Not "regency" or
# "city", which are also English for kabupaten and kota.
ESTATE_SUFFIXES: frozenset[str] = frozenset({"indah", "permai", "asri", "residence", "estate", "garden", "hills"})
# Disaster words: never part of a place name.
DISASTER_WORDS: frozenset[str] = frozenset({
    "banjir", "longsor", "gempa", "tsunami", "erupsi", "letusan", "kebakaran", "angin",
    "puting", "beliung", "topan", "badai", "rob", "banjir bandang", "bandang", "abu",
    "lahar", "awan", "panas", "flood", "flooding", "landslide", "earthquake", "fire", "storm",
    "eruption", "kebanjiran", "tanah", "gempa bumi", "bencana", "disaster", "korban",
})
# Words that report the disaster itself ("Banjir mulai memasuki perumahan Graha Indah", "jalan
# tergenang"): a message with one and no need is a report for the coordinators, not a message
# to answer with the instructions (core/text/intent.py).
HAZARD_REPORT_WORDS: frozenset[str] = frozenset({
    "banjir", "kebanjiran", "bajir", "genangan", "tergenang", "terendam", "kerendem", "longsor",
    "gempa", "tsunami", "erupsi", "letusan", "kebakaran", "bandang", "lahar", "rob", "beliung",
    "flood", "flooded", "flooding", "landslide", "earthquake", "eruption", "submerged",
})
# Frequent words of help messages that never start or continue a place name.
FUNCTION_WORDS: frozenset[str] = frozenset({
    "dan", "yang", "di", "ke", "dari", "untuk", "dengan", "karena", "ada", "tidak", "sudah",
    "belum", "masih", "juga", "sekali", "sangat", "kami", "saya", "kita", "mereka", "ini",
    "itu", "sini", "sana", "akan", "bisa", "harus", "lagi", "sekarang", "tolong", "mohon",
    "butuh", "perlu", "minta", "kirim", "bantu", "bantuan", "segera", "cepat", "darurat",
    "terima", "kasih", "pak", "bu", "bapak", "ibu", "mas", "mbak", "kak", "dik", "warga",
    "rumah", "keluarga", "orang", "jiwa", "kk", "total", "sekitar", "kurang", "lebih", "hari",
    "malam", "pagi", "siang", "sore", "jam", "sejak", "kemarin", "tadi", "semua", "para",
    "sama", "atau", "serta", "tapi", "namun", "pun", "lah", "kah", "nya", "dong", "ya", "yg",
    "sudah", "mau", "akan", "sedang", "lagi", "terus", "masuk", "naik", "tinggi", "setinggi",
    "we", "are", "is", "the", "a", "an", "and", "of", "to", "in", "at", "for", "with", "our",
    "need", "needs", "please", "help", "urgent", "people", "here", "there", "have", "has",
    "no", "not", "near", "some", "many", "send", "now", "village", "sub", "my", "i", "am",
    "they", "it", "be", "been", "by", "on", "water", "food", "still", "trapped", "stuck",
    "dusun", "desa", "kelurahan", "kecamatan", "kabupaten", "kota", "provinsi", "rt", "rw",
    "nomor", "no", "blok", "gang", "jalan", "km", "meter", "cm", "sepinggang", "sedada",
    "selutut", "semalam", "tersebut", "ini", "hingga", "sampai", "atas", "bawah", "dekat",
    "sebelah", "utara", "selatan", "timur", "barat", "tengah", "lokasi", "alamat", "daerah",
    "wilayah", "kampung", "kp", "bersih", "minum", "baru", "dalam", "kondisi", "keadaan",
    "info", "informasi", "lapor", "laporan", "pengungsi", "mengungsi", "ungsi", "evakuasi",
    "assalamualaikum", "wr", "wb", "salam", "selamat", "halo", "hallo", "hai", "hi", "hello",
    "permisi", "maaf", "yth", "please", "thanks", "thank", "sekedar", "kabar", "mengabarkan",
    "ka", "menyang",   # "to" in Minang and Sundanese ("ka lubuk alung"), in Javanese
    "paling",   # "ke desa paling kering di kodi utara": the driest village, no Desa Kering
})

# --- volunteer commands and carrier keywords ------------------------------------------------
COMMAND_VERBS: dict[str, str] = {
    "YA": "accept", "TERIMA": "accept", "OK": "accept", "OKE": "accept",
    "TOLAK": "decline", "TIDAK": "decline",
    "OTW": "on_the_way", "JALAN": "on_the_way", "BERANGKAT": "on_the_way",
    "SELESAI": "done", "DONE": "done",
}
STATUS_WORDS: dict[str, str] = {
    "LIBUR": "unavailable", "SIBUK": "unavailable", "OFF": "unavailable",
    "SIAP": "available", "AKTIF": "available",
    "SOS": "sos",   # a volunteer in trouble on a task: an urgent alert to coordinators
}
# Twilio / carrier reserved words (single-word messages): handled by the carrier, never by us.
CARRIER_KEYWORDS: dict[str, str] = {
    "STOP": "opt_out", "STOPALL": "opt_out", "UNSUBSCRIBE": "opt_out", "CANCEL": "opt_out",
    "END": "opt_out", "QUIT": "opt_out", "REVOKE": "opt_out", "OPTOUT": "opt_out",
    "START": "opt_in", "YES": "opt_in", "UNSTOP": "opt_in",
    "HELP": "help", "INFO": "help",
}
# All-letter offer codes are only accepted when they are not ordinary words.
NOT_OFFER_CODES: frozenset[str] = frozenset({
    "SAYA", "SIAP", "BISA", "SUDAH", "JALAN", "TERIMA", "KASIH", "MAAF", "NANTI", "BESOK",
    "HARI", "DULU", "LAGI", "SEKARANG", "KAMI", "AKAN", "OTW", "SIBUK", "LIBUR", "TIDAK",
    "BOLEH", "BAIK", "OKE", "SIPP", "MANTAP", "BENAR", "BETUL", "PAKE", "PAKAI", "MOTOR",
    "MOBIL", "PERGI", "DATANG", "SAMPAI", "TOLAK", "AKTIF", "DONE", "SELESAI", "THANKS",
    "THANK", "SURE", "OKAY", "GOOD", "INI", "ITU", "AJA", "SAJA", "DONG", "PAK", "BUAT",
    "KERJA", "SAKIT", "ACARA", "TIDUR", "PULANG", "KOTA", "LUAR",
})

# --- volunteer sign-up by SMS ("DAFTAR Budi medis motor Sleman") -------------------------------
SIGNUP_KEYWORDS: frozenset[str] = frozenset({"DAFTAR", "REGISTER", "REG"})
SIGNUP_FILLERS: frozenset[str] = frozenset({"RELAWAN", "VOLUNTEER", "SEBAGAI", "AS", "JADI", "NAMA", "NAME"})
# "daftar relawan gimana caranya?" asks how; it is not a sign-up (the reply links the page).
SIGNUP_QUESTION_WORDS: frozenset[str] = frozenset({
    "GIMANA", "BAGAIMANA", "CARA", "CARANYA", "DIMANA", "KEMANA", "MANA", "BISA", "BOLEH", "DONG",
    "MAU", "INGIN", "PENGEN", "INFO", "APA", "APAKAH", "KAK", "MIN", "YA", "SIAPA", "HOW", "WHERE",
    "WHAT", "CAN", "WANT", "PLEASE",
})
# Words that name a skill (uppercase, as the SMS commands are read).
SKILL_WORDS: dict[str, str] = {
    **dict.fromkeys(("MEDIS", "DOKTER", "PERAWAT", "BIDAN", "NAKES", "P3K", "PARAMEDIS", "MEDICAL",
                     "DOCTOR", "NURSE", "MEDIC", "PARAMEDIC"), "medical"),
    **dict.fromkeys(("SAR", "EVAKUASI", "RESCUE", "PENYELAMAT", "TAGANA", "EVACUATION"), "rescue"),
    **dict.fromkeys(("PERAHU", "KAPAL", "SAMPAN", "BOAT"), "boat"),
    **dict.fromkeys(("SOPIR", "SUPIR", "DRIVER", "OJOL", "OJEK", "KURIR"), "driver"),
    **dict.fromkeys(("LOGISTIK", "LOGISTICS", "ANGKUT", "DISTRIBUSI", "GUDANG"), "logistics"),
    **dict.fromkeys(("MASAK", "DAPUR", "KOKI", "COOK", "COOKING"), "cooking"),
    **dict.fromkeys(("TENDA", "TERPAL", "SHELTER"), "shelter"),
    **dict.fromkeys(("SANITASI", "KEBERSIHAN", "SANITATION"), "sanitation"),
    **dict.fromkeys(("LISTRIK", "GENSET", "TEKNISI", "POWER", "ELECTRICIAN"), "power"),
    **dict.fromkeys(("KONSELING", "PSIKOLOG", "KONSELOR", "COUNSELING", "COUNSELOR"), "counseling"),
    **dict.fromkeys(("UMUM", "GENERAL", "TENAGA"), "general"),
}
VEHICLE_WORDS: dict[str, str] = {
    **dict.fromkeys(("MOTOR", "MOTORBIKE", "OJOL", "OJEK"), "motorbike"),
    **dict.fromkeys(("MOBIL", "CAR"), "car"),
    **dict.fromkeys(("PICKUP", "PIKAP", "TRUK", "TRUCK", "BAK"), "pickup"),
    **dict.fromkeys(("PERAHU", "KAPAL", "SAMPAN", "BOAT"), "boat"),
}

# What befalls a place: a capitalised word that opens a message before one of these is its
# subject, a place name even if it is also an ordinary word ("Kubu kena gempa", "Belimbing
# terendam", "Panti kebanjiran"): core/text/places.py tries it as a bare name.
DISASTER_PREDICATES: frozenset[str] = frozenset({
    "terendam", "kebanjiran", "tergenang", "kena", "dilanda", "diterjang", "dihantam", "hancur",
    "ambruk", "roboh", "amblas", "tenggelam", "terisolir", "terisolasi", "lumpuh", "porak",
    "longsor", "flooded", "hit", "destroyed",
})

# Regional nouns for a village, a hall, a yard ... that are also the names of places far away:
# alone in a message they are the reporter's surroundings, not an address (core/text/locate.py).
COMMON_PLACE_NOUNS: frozenset[str] = frozenset({
    "lembur", "meunasah", "gampong", "kampung", "kampong", "banjar", "nagari", "jorong", "dusun",
    "bangsal", "tangga", "kebon", "kebun", "sawah", "lapangan", "pasar", "pantai", "sungai", "kali",
    "pinggir", "ujung", "tengah", "belakang", "depan", "samping", "bawah", "atas",
})
