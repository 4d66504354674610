"""core.conversation: what an inbound SMS/WhatsApp message becomes (pure, real parser and gazetteer)."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from siaga.core.conversation import (
    CONVERSATION_TTL,
    Choice,
    Conversation,
    Inbound,
    Volunteer,
    decide,
    request_id_for,
    understand,
)
from siaga.core.codes import code_from_uuid
from siaga.core.messages import render, render_bilingual
from siaga.core.phone import normalize_phone
from siaga.core.send_policy import is_gsm7, segments
from siaga.core.text.locate import locate
from siaga.schemas.events import AidRequest, AidRequestLocated, VolunteerCheckIn, VolunteerReply
from siaga.services.webhooks.twiml import twiml

NOW = datetime(2026, 11, 20, 8, 30, tzinfo=timezone.utc)
PHONE = "+6281234567890"
VOL = Volunteer(volunteer_id=uuid.UUID("11111111-2222-3333-4444-555555555555"), language="id")


def msg(text: str, sid: str = "SM" + "a" * 32, channel: str = "sms", lat=None, lon=None,
        at: datetime = NOW, name: str | None = None) -> Inbound:
    return Inbound(message_sid=sid, channel=channel, phone=PHONE, text=text, received_at=at,  # type: ignore[arg-type]
                   latitude=lat, longitude=lon, profile_name=name)


def run(text: str, *, volunteer: Volunteer | None = None, conversation: Conversation | None = None,
        **kw):
    m = msg(text, **kw)
    return decide(m, understand(m.text, m.latitude, m.longitude), volunteer=volunteer,
                  conversation=conversation)


def only_event(outcome, cls):
    assert len(outcome.events) == 1, outcome.events
    event = outcome.events[0].event
    assert isinstance(event, cls)
    return outcome.events[0], event


# --- requests -------------------------------------------------------------------------------------

def test_help_sms_with_village_becomes_located_request():
    out = run("Tolong kami bth air bersih dan makanan, 25 org ada 2 balita. Desa Sumberharjo kec Prambanan",
              sid="SM01")
    assert out.kind == "request"
    emit, req = only_event(out, AidRequest)
    assert emit.topic == "aid-requests" and emit.key == str(req.request_id)
    assert [n.value for n in req.needs] == ["water", "food"]
    assert req.people == 25
    assert "toddler" in [v.value for v in req.vulnerable]
    assert req.location is not None and req.location.source == "gazetteer"
    assert "Sumberharjo" in (req.location.place_name or "") and "Prambanan" in req.location.place_name
    assert req.channel.value == "sms" and req.inbound_message_sid == "SM01"
    assert req.contact.phone == PHONE and req.contact.preferred_channel == "sms"
    assert out.reply == render("request_received", "id", code=req.tracking_code)
    assert out.end_conversation and out.conversation is None


def test_same_message_sid_gives_identical_events():
    a = run("butuh air 5 org desa Sumberharjo Prambanan", sid="SMsame")
    b = run("butuh air 5 org desa Sumberharjo Prambanan", sid="SMsame")
    ea, eb = a.events[0].event, b.events[0].event
    assert (ea.event_id, ea.request_id, ea.tracking_code) == (eb.event_id, eb.request_id, eb.tracking_code)
    assert ea.request_id == request_id_for("SMsame")
    assert run("butuh air 5 org desa Sumberharjo Prambanan", sid="SMother").events[0].event.request_id != ea.request_id


def test_request_without_location_asks_and_opens_conversation():
    out = run("tolong butuh tenda 4 KK, rumah roboh", channel="whatsapp", name="Siti")
    assert out.kind == "needs_location"
    _, req = only_event(out, AidRequest)
    assert req.location is None and req.households == 4 and req.people >= 4
    assert req.contact.preferred_channel == "whatsapp" and req.contact.name == "Siti"
    assert out.reply == render("need_location", "id", code=req.tracking_code)
    conv = out.conversation
    assert conv is not None and conv.request_id == req.request_id and conv.choices == ()
    assert conv.expires_at == NOW + CONVERSATION_TTL


def test_ambiguous_village_lists_up_to_three_numbered_choices():
    out = run("butuh obat 3 org desa Wukirsari")
    assert out.kind == "needs_location"
    choices = out.conversation.choices
    assert 2 <= len(choices) <= 3
    assert "Balas angka: 1 " in out.reply and f"2 {choices[1].short}" in out.reply
    assert is_gsm7(out.reply) and segments(out.reply)[1] <= 2


def waiting(out=None, **kw) -> Conversation:
    out = out or run("butuh obat 3 org desa Wukirsari")
    return out.conversation


def test_number_picks_a_choice_and_locates_the_waiting_request():
    conv = waiting()
    out = run("2", conversation=conv, sid="SM02", at=NOW + timedelta(minutes=3))
    assert out.kind == "located"
    emit, located = only_event(out, AidRequestLocated)
    assert emit.topic == "aid-requests" and emit.key == str(conv.request_id)
    assert located.request_id == conv.request_id
    chosen = conv.choices[1]
    assert (located.location.lat, located.location.lon) == (chosen.lat, chosen.lon)
    assert located.location.place_name == chosen.label and located.location.source == "gazetteer"
    assert out.reply == render("request_received", "id", code=conv.tracking_code)
    assert out.end_conversation


@pytest.mark.parametrize("text", ["no 1", "Nomor 3", "3.", " 1 "])
def test_number_forms(text):
    assert run(text, conversation=waiting()).kind == "located"


def test_number_out_of_range_asks_again_and_keeps_the_conversation():
    conv = waiting()
    out = run("7", conversation=conv, at=NOW + timedelta(minutes=1))
    assert out.kind == "ask_again" and not out.events
    assert out.conversation.request_id == conv.request_id
    assert out.conversation.expires_at == NOW + timedelta(minutes=1) + CONVERSATION_TTL


def test_place_name_answer_locates():
    conv = waiting(run("butuh makanan 10 jiwa"))
    out = run("desa Sumberharjo kecamatan Prambanan Sleman", conversation=conv)
    _, located = only_event(out, AidRequestLocated)
    assert "Sumberharjo" in located.location.place_name


def test_whatsapp_location_answer_locates():
    conv = waiting(run("butuh makanan 10 jiwa", channel="whatsapp"))
    out = run("", conversation=conv, channel="whatsapp", lat="-7.7956", lon="110.3695")
    _, located = only_event(out, AidRequestLocated)
    assert located.location.source == "whatsapp"
    assert (located.location.lat, located.location.lon) == (-7.7956, 110.3695)


def test_coordinates_in_text_answer_locates():
    conv = waiting(run("butuh makanan 10 jiwa"))
    _, located = only_event(run("-7.7956, 110.3695", conversation=conv), AidRequestLocated)
    assert located.location.source == "text_coords"


def test_expired_conversation_is_forgotten():
    conv = waiting()
    out = run("2", conversation=conv, at=NOW + CONVERSATION_TTL + timedelta(seconds=1))
    assert out.kind == "help" and not out.events


def test_unclear_answer_reminds_with_the_same_code():
    conv = waiting()
    out = run("tolong cepat", conversation=conv)
    assert out.kind == "ask_again" and not out.events
    assert conv.tracking_code in out.reply


def test_another_need_without_place_while_waiting_is_a_new_request():
    conv = waiting(run("butuh makanan 10 jiwa", sid="SMfirst"))
    out = run("anak saya demam butuh obat", conversation=conv, sid="SMsecond")
    assert out.kind == "needs_location"
    _, req = only_event(out, AidRequest)
    assert req.request_id != conv.request_id and out.conversation.request_id == req.request_id


def test_location_answer_with_an_extra_need_locates_and_adds_a_request():
    conv = waiting(run("butuh makanan 10 jiwa", sid="SMfirst"))
    out = run("butuh obat juga, desa Sumberharjo kec Prambanan", conversation=conv, sid="SMsecond")
    assert out.kind == "located"
    kinds = [type(e.event) for e in out.events]
    assert kinds == [AidRequestLocated, AidRequest]
    extra = out.events[1].event
    assert extra.location == out.events[0].event.location and "medical" in [n.value for n in extra.needs]


def test_message_without_need_gets_help():
    out = run("halo selamat pagi")
    assert out.kind == "help" and out.reply == render("help", "id") and not out.events


# --- new messages that ask for nothing (core.text.intent) -----------------------------------------

BASE = "https://siaga.example.id"


def reported(out) -> bool:
    """No aid request: only the report for the coordinators' situation log."""
    return [(e.topic, e.event.kind) for e in out.events] == [("situation-updates", "report")] \
        and out.events[0].event.detail["text"]


@pytest.mark.parametrize("text", [
    "saya punya pickup, bisa angkut logistik",
    "I have a pickup, can carry supplies",
    "Ada 50 dus mie instan dan 20 galon air dari kantor kami, mau dikirim kemana?",
])
def test_offer_of_help_is_not_an_aid_request(text):
    m = msg(text)
    out = decide(m, understand(m.text), volunteer=None, conversation=None, public_base_url=BASE + "/")
    assert out.kind == "offer" and out.intent == "offer" and reported(out)
    assert out.reply == render("offer_thanks", out.language, url=BASE + "/relawan/daftar")
    assert out.information == text and out.intent_evidence
    assert out.conversation is None and out.request_id is None
    assert is_gsm7(out.reply) and segments(out.reply)[1] == 1


def test_offer_without_base_url_gets_sms_only_reply():
    out = run("saya punya pickup, bisa angkut logistik")
    assert out.kind == "offer" and reported(out)
    assert out.reply == render("offer_thanks_nolink", "id") and "http" not in out.reply


@pytest.mark.parametrize("text", [
    "pembagian sembako di balai desa jam 3",
    "semua warga sudah aman",
    "air sudah surut",
    "terima kasih relawan",
    "air setinggi lutut di jalan",
    "sudah tidak butuh, terima kasih",
    "Kami sudah dapat bantuan makanan dan air dari BPBD, terima kasih",
])
def test_information_is_forwarded_not_dispatched(text):
    out = run(text)
    assert out.kind == "information" and reported(out), out
    assert out.reply == render("info_thanks", out.language)
    assert out.information == text


@pytest.mark.parametrize("text", [
    "Banjir mulai kembali memasuki perumahan graha indah, jatiasih, bekasi",
    "Jln. Laksana mulai tergenang",
    "longsor di jalan desa, akses putus",
])
def test_a_report_of_the_disaster_without_a_need_goes_to_the_coordinators(text):
    out = run(text)
    assert out.kind == "information" and reported(out) and out.intent_evidence
    assert out.reply == render("info_thanks", out.language)      # and asks what they need, if anything


def test_a_message_without_a_need_or_a_disaster_still_gets_the_instructions():
    assert run("halo, ini nomor apa ya").kind == "help"


def test_a_report_carries_the_point_and_confidence_of_its_place():
    # services/active_areas.py learns where the disaster is from these, leaving out unsure places
    named = run("air setinggi lutut di desa Sumberharjo kec Prambanan").events[0].event.detail
    best = locate("desa Sumberharjo kec Prambanan")
    assert (named["lat"], named["lon"], named["confidence"]) == (best.lat, best.lon, "high")
    assert run("air setinggi lutut di warungkondang").events[0].event.detail["confidence"] == "low"
    assert "lat" not in run("air setinggi lutut di jalan").events[0].event.detail


@pytest.mark.parametrize("text", ["mau donasi ke mana?", "How can I donate to flood victims in Aceh?"])
def test_donation_question_points_to_campaigns(text):
    m = msg(text)
    out = decide(m, understand(m.text), volunteer=None, conversation=None, public_base_url=BASE)
    assert out.kind == "question" and not out.events and out.information is None
    assert out.reply == render("question_help", out.language, url=BASE + "/campaigns")


def test_volunteer_signup_question_points_to_signup():
    m = msg("bagaimana cara daftar relawan?")
    out = decide(m, understand(m.text), volunteer=None, conversation=None, public_base_url=BASE)
    assert out.kind == "question" and not out.events
    assert out.reply.endswith(BASE + "/relawan/daftar")


def test_status_question_with_a_code_is_looked_up():
    out = run("kapan bantuan datang? kode saya P4K2Q7")
    assert out.kind == "status" and out.status_code == "P4K2Q7" and not out.events


def test_status_question_without_code_explains_status():
    out = run("relawannya sudah berangkat belum ya?")
    assert out.kind == "status_help" and out.reply == render("status_how", "id") and not out.events


def test_information_with_a_clear_ask_stays_a_request():
    out = run("air sudah masuk rumah, tolong evakuasi lansia. Desa Sumberharjo kec Prambanan", sid="SMmix")
    assert out.kind == "request" and out.intent is None
    _, req = only_event(out, AidRequest)
    assert [n.value for n in req.needs] == ["rescue"]


def test_flood_description_is_not_a_water_request():
    out = run("air setinggi lutut di jalan Desa Sumberharjo kec Prambanan")
    assert out.kind == "information" and reported(out)


def test_volunteer_report_is_information_and_offer_is_not_a_signup():
    out = run("pembagian sembako di balai desa jam 3", volunteer=VOL)
    assert out.kind == "information" and out.information and reported(out)
    out = run("saya punya pickup, bisa angkut logistik", volunteer=VOL)
    assert out.kind == "information" and out.reply == render("info_thanks", "id") and reported(out)


def test_intent_is_ignored_while_waiting_for_a_location():
    first = run("butuh air 5 org, desa Sukamaju", sid="SMwait1")
    assert first.conversation is not None
    out = run("terima kasih, desa Sumberharjo kec Prambanan", sid="SMwait2", conversation=first.conversation)
    assert out.kind == "located"


def test_english_message_gets_english_replies():
    out = run("Please help, we need drinking water for 6 people")
    assert out.kind == "needs_location" and out.language == "en"
    assert out.reply.startswith("Siaga: We could not place you")


# --- carrier keywords, status -----------------------------------------------------------------------

@pytest.mark.parametrize("word", ["STOP", "stop", "Unsubscribe", "CANCEL", "end", "QUIT", "STOPALL", "OPTOUT", "REVOKE"])
def test_opt_out_words(word):
    out = run(word)
    assert out.kind == "opt_out" and out.opt_out is True and not out.events
    assert out.reply == render_bilingual("opted_out_ack")   # language unknown: id, then en


@pytest.mark.parametrize("word", ["START", "unstop", "YES"])
def test_opt_in_words_even_from_volunteers(word):
    out = run(word, volunteer=VOL)
    assert out.kind == "opt_in" and out.opt_out is False and not out.events
    assert out.reply == render("opted_in_ack", "id")        # the volunteer's own language


@pytest.mark.parametrize("word", ["HELP", "info", "BANTUAN"])
def test_help_words(word):
    assert run(word).kind == "help"


def test_stop_inside_a_sentence_is_not_a_keyword():
    assert run("tolong jangan stop bantuan air desa Sumberharjo Prambanan").kind == "request"


def test_status_command():
    out = run("status k7q2ab")
    assert out.kind == "status" and out.status_code == "K7Q2AB" and out.reply is None


# --- volunteers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, action, code", [
    ("YA K7Q2", "accept", "K7Q2"), ("terima k7q2", "accept", "K7Q2"), ("TOLAK K7Q2", "decline", "K7Q2"),
    ("OTW K7Q2", "on_the_way", "K7Q2"), ("SELESAI K7Q2", "done", "K7Q2"), ("LIBUR", "unavailable", None),
    ("SIBUK", "unavailable", None), ("SIAP", "available", None), ("AKTIF", "available", None),
    ("YA", "accept", None),
])
def test_volunteer_commands(text, action, code):
    out = run(text, volunteer=VOL, channel="whatsapp")
    emit, reply = only_event(out, VolunteerReply)
    assert emit.topic == "volunteer-replies" and emit.key == str(VOL.volunteer_id)
    assert (reply.action, reply.offer_code, reply.volunteer_id) == (action, code, VOL.volunteer_id)
    assert reply.channel.value == "whatsapp" and reply.phone == PHONE
    assert out.reply is None   # the dispatch engine answers


def test_volunteer_whatsapp_location_is_a_checkin():
    out = run("", volunteer=VOL, channel="whatsapp", lat="-7.80", lon="110.50")
    emit, checkin = only_event(out, VolunteerCheckIn)
    assert emit.topic == "volunteer-checkins" and checkin.available
    assert checkin.location.source == "whatsapp" and checkin.location.lat == -7.80


def test_volunteer_unknown_text():
    out = run("halo ini siapa ya", volunteer=VOL)
    assert out.kind == "unknown_command" and not out.events
    assert out.reply == render("unknown_command", "id")


def test_volunteer_asking_for_help_makes_a_request():
    out = run("tolong kami butuh evakuasi, air naik, desa Sumberharjo kec Prambanan", volunteer=VOL)
    assert out.kind == "request"


def test_command_from_unknown_phone_is_not_a_request():
    out = run("YA K7Q2")
    assert out.kind == "help" and not out.events


def test_choice_short_label_and_round_trip():
    out = run("butuh obat 3 org desa Wukirsari")
    c = out.conversation.choices[0]
    assert c.short.startswith("Wukirsari (") and c.short.endswith(")") and "Kabupaten" not in c.short
    assert Choice.from_dict(c.to_dict()) == c


# --- recorded webhooks (tests/fixtures/twilio/webhook_*.json, see record_webhooks.py) ---------------

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "twilio"
STATELESS = ["webhook_sms_help_request.json", "webhook_sms_ambiguous_place.json", "webhook_sms_stop.json",
             "webhook_whatsapp_location_only.json"]


def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("webhook_*.json")))
def test_recorded_webhook_signatures(name):
    f = _fixture(name)
    validator = RequestValidator(f["auth_token"])
    assert validator.validate(f["url"], f["params"], f["signature"])
    if f["tampered_body"]:
        assert not validator.validate(f["url"], dict(f["params"], Body=f["tampered_body"]), f["signature"])
        assert f["answer"]["status"] == 403


@pytest.mark.parametrize("name", STATELESS)
def test_recorded_answers_are_what_the_core_decides(name):
    """The stack's recorded TwiML equals what core.conversation decides for the same fields
    (re-record with record_webhooks.py after a template change)."""
    f = _fixture(name)
    p = f["params"]
    channel = "whatsapp" if p["From"].startswith("whatsapp:") else "sms"
    m = Inbound(message_sid=p["MessageSid"], channel=channel, phone=normalize_phone(p["From"]),  # type: ignore[arg-type]
                text=p["Body"], received_at=NOW, latitude=p.get("Latitude"), longitude=p.get("Longitude"))
    out = decide(m, understand(m.text, m.latitude, m.longitude), volunteer=None, conversation=None)
    assert f["answer"]["status"] == 200
    assert twiml(out.reply).body.decode() == f["answer"]["body"]
    if out.tracking_code:
        assert out.tracking_code == code_from_uuid(request_id_for(p["MessageSid"]), 6)


def test_recorded_pick_answer_keeps_the_code():
    ask, pick = _fixture("webhook_sms_ambiguous_place.json"), _fixture("webhook_sms_pick_answer.json")
    code = code_from_uuid(request_id_for(ask["params"]["MessageSid"]), 6)
    assert f"Kode {code}" in ask["answer"]["body"] and f"Kode {code}" in pick["answer"]["body"]
