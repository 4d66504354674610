"""Outgoing SMS/WhatsApp texts as data: one dict per language, Bahasa Indonesia first.

Rules for every text (checked by tests/unit/test_messages.py):
- GSM-7 characters only (no curly quotes, emoji, em dashes, no [ ] { } ~ ^ | \\ which cost
  two septets), so one SMS segment holds 160 characters.
- One segment (160) with realistic parameters; the tests record which ones can need two
  when place names are long.
- Reply words are the same in both languages (YA, TOLAK, SELESAI, STATUS, BANTUAN): a
  volunteer reading English still answers with the same word the parser knows.
  Carrier/Twilio keywords (STOP, HELP, YES, ...) are never used as app commands; START is
  quoted only because it is the word that undoes a STOP at Twilio.
Placeholders use str.format names; both languages use the same set.
{link} (offer, offer_confirmed) is "" when no task link is configured, otherwise a space and
the URL (core/dispatch/desk.py): it ends the text, so no punctuation sticks to the URL.
"""
from __future__ import annotations

# Reply words the texts tell people to send; the inbound parser must accept them.
COMMAND_WORDS: dict[str, str] = {
    "accept": "YA",
    "decline": "TOLAK",
    "done": "SELESAI",
    "status": "STATUS",
    "help": "BANTUAN",
    "opt_in": "START",
}

TEMPLATES: dict[str, dict[str, str]] = {
    "id": {
        "request_received": (
            "Siaga: Permintaan bantuan Anda diterima. Kode {code}. Cek status: balas "
            "STATUS {code}. Nyawa terancam? Telepon 112."
        ),
        "need_location": (
            "Siaga: Lokasi Anda belum jelas. Balas nama desa/kelurahan dan kecamatan, "
            "atau kirim Lokasi lewat WhatsApp. Kode {code}"
        ),
        # Variant chosen by render() when candidates are given (numbered options).
        "need_location_pick": (
            "Siaga: Desa mana? Balas angka: {candidates}. Bukan? Balas nama desa dan "
            "kecamatan. Kode {code}"
        ),
        "request_matched": (
            "Siaga: Relawan {volunteer} akan membantu permintaan {code} dan segera "
            "menghubungi Anda. Cek status: balas STATUS {code}"
        ),
        "volunteer_on_the_way": (
            "Siaga: Relawan {volunteer} sedang menuju lokasi Anda, perkiraan tiba "
            "{eta_min} menit. Kode {code}"
        ),
        "request_done": (
            "Siaga: Permintaan {code} selesai. Terima kasih. Masih butuh bantuan? Kirim "
            "pesan baru berisi kebutuhan dan lokasi Anda."
        ),
        "request_escalated": (
            "Siaga: Permintaan {code} belum mendapat relawan. Koordinator posko sudah "
            "diberi tahu dan akan menindaklanjuti. Nyawa terancam? Telepon 112."
        ),
        "offer": (
            "Siaga: Dibutuhkan {need} di {place} ({distance_km} km), {people} orang. "
            "Balas YA {code} atau TOLAK {code}{link}"
        ),
        "offer_crew": (
            "Siaga: Dibutuhkan {crew} relawan untuk {need} di {place} ({distance_km} km), "
            "{people} orang. Balas YA {code} atau TOLAK {code}{link}"
        ),
        "offer_group": (
            "Siaga: Dibutuhkan {crew} relawan untuk {need} di {place} ({distance_km} km). "
            "Grup {group} ikut? Balas YA {code} <jumlah yang datang> atau TOLAK {code}{link}"
        ),
        "group_confirmed": (
            "Siaga: Ketua grup Anda ({leader}) menerima tugas {code}: {need} di {place}. Kontak: "
            "{contact}. Tidak bisa ikut? Balas TOLAK {code}. Selesai: SELESAI {code}{link}"
        ),
        "offer_withdrawn": (
            "Siaga: Tugas {code} dibatalkan, Anda tidak perlu berangkat. Terima kasih "
            "atas kesediaan Anda."
        ),
        "offer_expired": (
            "Siaga: Waktu menjawab tugas {code} sudah habis. Terima kasih, kami hubungi "
            "lagi untuk tugas berikutnya."
        ),
        "offer_confirmed": (
            "Siaga: Terima kasih! Tugas {code}: {need} di {place}. Kontak: {contact}. "
            "Jika selesai balas SELESAI {code}{link}"
        ),
        "checkin_ok": (
            "Siaga: Laporan Anda untuk tugas {code} diterima. Terima kasih, tetap jaga "
            "keselamatan."
        ),
        "help": (
            "Siaga: Kirim kebutuhan, jumlah orang dan lokasi, mis: butuh air 20 orang "
            "desa Sukamaju kec Ciawi. Cek status: STATUS kode. Darurat: 112"
        ),
        "opted_out_ack": (
            "Siaga: Anda tidak akan menerima pesan lagi dari kami. Untuk aktif kembali, "
            "balas START."
        ),
        "opted_in_ack": (
            "Siaga: Anda kembali menerima pesan dari Siaga. Balas BANTUAN untuk petunjuk."
        ),
        "status_unknown": (
            "Siaga: Kode {code} tidak ditemukan. Periksa kode Anda, atau kirim kebutuhan "
            "dan lokasi Anda."
        ),
        "offer_not_found": (
            "Siaga: Kode tugas {code} tidak berlaku atau sudah selesai. Terima kasih, "
            "tunggu tawaran berikutnya."
        ),
        "decline_ok": (
            "Siaga: Baik, tugas {code} kami tawarkan ke relawan lain. Terima kasih."
        ),
        "on_the_way_ok": (
            "Siaga: Tercatat Anda menuju lokasi tugas {code}. Hati-hati di jalan. Jika "
            "selesai balas SELESAI {code}"
        ),
        "unavailable_ok": (
            "Siaga: Tercatat Anda sedang tidak bisa membantu. Balas SIAP jika sudah bisa "
            "lagi."
        ),
        "available_ok": (
            "Siaga: Tercatat Anda siap membantu. Balas LIBUR jika tidak bisa."
        ),
        "signup_ok": (
            "Siaga: {name}, Anda terdaftar sebagai relawan ({skills}) di {place}. Balas SIAP "
            "saat siap menerima tugas, LIBUR saat tidak bisa."
        ),
        "signup_noplace": (
            "Siaga: {name}, Anda terdaftar sebagai relawan ({skills}). Kirim lagi DAFTAR "
            "dengan nama desa/kecamatan Anda agar dapat tugas di dekat Anda."
        ),
        "signup_how": (
            "Siaga: Untuk daftar relawan kirim DAFTAR nama keahlian lokasi, mis. DAFTAR Budi "
            "medis motor Sleman"
        ),
        "checkin_location_ok": (
            "Siaga: Lokasi Anda diterima, Anda tercatat siap membantu. Balas LIBUR jika "
            "tidak bisa."
        ),
        "unknown_command": (
            "Siaga: Maaf, pesan tidak dimengerti. Balas BANTUAN untuk petunjuk, atau "
            "kirim kebutuhan dan lokasi Anda."
        ),
        "task_remind_on_the_way": (
            "Siaga: Sudah berangkat untuk tugas {code}? Balas OTW {code}, atau TOLAK {code} jika "
            "tidak bisa.{link}"
        ),
        "task_remind_done": (
            "Siaga: Tugas {code} sudah selesai? Balas SELESAI {code}.{link}"
        ),
        "task_reassigned": (
            "Siaga: Tugas {code} kami alihkan ke relawan lain karena belum ada kabar. Terima kasih."
        ),
        "signup_code": (
            "Siaga: Kode daftar relawan Anda {code}. Berlaku 10 menit. Jangan berikan kode ini "
            "kepada siapa pun."
        ),
        "sos_ok": (
            "Siaga: SOS diterima, koordinator diberi tahu dan akan menghubungi Anda. Nyawa terancam? "
            "Telepon 112."
        ),
        "donation_receipt": (
            "Siaga: Terima kasih. Donasi {amount} untuk {campaign} tercatat di buku kas publik. "
            "Kode bukti {code}: {url}"
        ),
        # Answers to new messages that ask for nothing (core.text.intent). {url} is
        # PUBLIC_BASE_URL + the page; the _nolink variants are used when none is configured.
        "offer_thanks": (
            "Siaga: Terima kasih mau membantu! Daftar jadi relawan agar dapat tugas sesuai "
            "keahlian dan lokasi Anda: {url}"
        ),
        "offer_thanks_nolink": (
            "Siaga: Terima kasih mau membantu! Tawaran Anda kami teruskan ke koordinator "
            "posko, mereka akan menghubungi Anda."
        ),
        "info_thanks": (
            "Siaga: Terima kasih atas infonya, kami teruskan ke koordinator. Butuh bantuan? "
            "Kirim kebutuhan dan lokasi Anda."
        ),
        "question_help": (
            "Siaga: Minta bantuan: kirim kebutuhan, jumlah orang dan lokasi. Donasi hanya "
            "lewat kampanye resmi: {url}"
        ),
        "question_help_nolink": (
            "Siaga: Minta bantuan: kirim kebutuhan, jumlah orang dan lokasi, mis: butuh air "
            "20 orang desa Sukamaju. Donasi hanya lewat kampanye resmi Siaga."
        ),
        "status_how": (
            "Siaga: Cek permintaan Anda: balas STATUS dan kode dari SMS kami, mis: STATUS "
            "K7Q2X9. Nyawa terancam? Telepon 112."
        ),
    },
    "en": {
        "request_received": (
            "Siaga: Your request for help was received. Code {code}. Check status: reply "
            "STATUS {code}. Life in danger? Call 112."
        ),
        "need_location": (
            "Siaga: We could not place you. Reply with your village and district "
            "(kecamatan), or share your WhatsApp Location. Code {code}"
        ),
        "need_location_pick": (
            "Siaga: Which village? Reply with a number: {candidates}. None? Reply village "
            "and district. Code {code}"
        ),
        "request_matched": (
            "Siaga: Volunteer {volunteer} will help with request {code} and will contact "
            "you soon. Check status: reply STATUS {code}"
        ),
        "volunteer_on_the_way": (
            "Siaga: Volunteer {volunteer} is on the way to you, arriving in about "
            "{eta_min} min. Code {code}"
        ),
        "request_done": (
            "Siaga: Request {code} is done. Thank you. Still need help? Send a new "
            "message with your need and location."
        ),
        "request_escalated": (
            "Siaga: No volunteer yet for request {code}. Shelter coordinators have been "
            "informed and will follow up. Life in danger? Call 112."
        ),
        "offer": (
            "Siaga: {need} needed at {place} ({distance_km} km), {people} people. Reply "
            "YA {code} or TOLAK {code}{link}"
        ),
        "offer_crew": (
            "Siaga: {crew} volunteers needed for {need} at {place} ({distance_km} km), "
            "{people} people. Reply YA {code} or TOLAK {code}{link}"
        ),
        "offer_group": (
            "Siaga: {crew} volunteers needed for {need} at {place} ({distance_km} km). "
            "Group {group} coming? Reply YA {code} <how many come> or TOLAK {code}{link}"
        ),
        "group_confirmed": (
            "Siaga: Your group leader ({leader}) took task {code}: {need} at {place}. Contact: "
            "{contact}. Can't come? Reply TOLAK {code}. Done: SELESAI {code}{link}"
        ),
        "offer_withdrawn": (
            "Siaga: Task {code} was withdrawn, you do not need to go. Thank you for "
            "being ready."
        ),
        "offer_expired": (
            "Siaga: Time to answer task {code} has run out. Thank you, we will contact "
            "you for the next task."
        ),
        "offer_confirmed": (
            "Siaga: Thank you! Task {code}: {need} at {place}. Contact: {contact}. When "
            "done reply SELESAI {code}{link}"
        ),
        "checkin_ok": (
            "Siaga: Your report for task {code} was received. Thank you, stay safe."
        ),
        "help": (
            "Siaga: Send your need, number of people and location, e.g.: need water 20 "
            "people desa Sukamaju kec Ciawi. Status: STATUS code. Emergency: 112"
        ),
        "opted_out_ack": (
            "Siaga: You will not receive more messages from us. To join again, reply START."
        ),
        "opted_in_ack": (
            "Siaga: You will receive Siaga messages again. Reply BANTUAN for help."
        ),
        "status_unknown": (
            "Siaga: Code {code} was not found. Check the code, or send your need and "
            "location."
        ),
        "offer_not_found": (
            "Siaga: Task code {code} is not valid or already closed. Thank you, please "
            "wait for the next offer."
        ),
        "decline_ok": (
            "Siaga: OK, task {code} goes to another volunteer. Thank you."
        ),
        "on_the_way_ok": (
            "Siaga: Noted, you are on the way to task {code}. Travel safely. When done "
            "reply SELESAI {code}"
        ),
        "unavailable_ok": (
            "Siaga: Noted, you cannot help for now. Reply SIAP when you can again."
        ),
        "available_ok": (
            "Siaga: Noted, you are ready to help. Reply LIBUR if you cannot."
        ),
        "signup_ok": (
            "Siaga: {name}, you are registered as a volunteer ({skills}) in {place}. Reply SIAP "
            "when ready for tasks, LIBUR when you cannot."
        ),
        "signup_noplace": (
            "Siaga: {name}, you are registered as a volunteer ({skills}). Send DAFTAR again "
            "with your village/district to get tasks near you."
        ),
        "signup_how": (
            "Siaga: To sign up as a volunteer send DAFTAR name skills place, e.g. DAFTAR Budi "
            "medis motor Sleman"
        ),
        "checkin_location_ok": (
            "Siaga: Location received, you are listed as available. Reply LIBUR if you "
            "cannot help."
        ),
        "unknown_command": (
            "Siaga: Sorry, we did not understand. Reply BANTUAN for help, or send your "
            "need and location."
        ),
        "task_remind_on_the_way": (
            "Siaga: Are you on your way for task {code}? Reply OTW {code}, or TOLAK {code} if you "
            "cannot go.{link}"
        ),
        "task_remind_done": (
            "Siaga: Is task {code} done? Reply SELESAI {code}.{link}"
        ),
        "task_reassigned": (
            "Siaga: Task {code} went to another volunteer as we had no news from you. Thank you."
        ),
        "signup_code": (
            "Siaga: Your volunteer sign-up code is {code}. Valid for 10 minutes. Do not share "
            "it with anyone."
        ),
        "sos_ok": (
            "Siaga: SOS received, the coordinators are told and will contact you. Life in danger? "
            "Call 112."
        ),
        "donation_receipt": (
            "Siaga: Thank you. Your donation of {amount} to {campaign} is in the public ledger. "
            "Receipt code {code}: {url}"
        ),
        "offer_thanks": (
            "Siaga: Thanks for offering help! Sign up as a volunteer to get tasks that fit "
            "your skills and location: {url}"
        ),
        "offer_thanks_nolink": (
            "Siaga: Thank you for offering help! We pass your offer to the shelter "
            "coordinators, who will contact you."
        ),
        "info_thanks": (
            "Siaga: Thank you for the information, we pass it on to the coordinators. Need "
            "help? Send your need and location."
        ),
        "question_help": (
            "Siaga: To ask for help, send your need, number of people and location. Donate "
            "only through official campaigns: {url}"
        ),
        "question_help_nolink": (
            "Siaga: To ask for help, send your need, number of people and location, e.g.: "
            "need water 20 people desa Sukamaju. Donate only to official Siaga campaigns."
        ),
        "status_how": (
            "Siaga: To check your request, reply STATUS and the code from our SMS, e.g. "
            "STATUS K7Q2X9. Life in danger? Call 112."
        ),
    },
}

# Localised short names of schemas.common.Skill values (the {skills} placeholder: a list).
SKILL_LABELS: dict[str, dict[str, str]] = {
    "id": {"medical": "medis", "rescue": "SAR", "boat": "perahu", "driver": "sopir", "logistics": "logistik",
           "cooking": "masak", "shelter": "tenda", "sanitation": "sanitasi", "power": "listrik",
           "counseling": "konseling", "general": "umum"},
    "en": {"medical": "medical", "rescue": "rescue", "boat": "boat", "driver": "driver", "logistics": "logistics",
           "cooking": "cooking", "shelter": "shelter", "sanitation": "sanitation", "power": "power",
           "counseling": "counselling", "general": "general"},
}

# Localised labels for schemas.common.NeedCategory values (used for the {need} placeholder).
NEED_LABELS: dict[str, dict[str, str]] = {
    "id": {
        "water": "air bersih",
        "food": "makanan",
        "medical": "bantuan medis",
        "rescue": "evakuasi/SAR",
        "shelter": "tenda/terpal",
        "clothing": "pakaian/selimut",
        "baby": "kebutuhan bayi",
        "sanitation": "sanitasi/MCK",
        "power": "listrik/genset",
        "other": "bantuan",
    },
    "en": {
        "water": "Clean water",
        "food": "Food",
        "medical": "Medical help",
        "rescue": "Rescue",
        "shelter": "Shelter",
        "clothing": "Clothing/blankets",
        "baby": "Baby supplies",
        "sanitation": "Sanitation",
        "power": "Power/generator",
        "other": "Help",
    },
}
