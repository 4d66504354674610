"""Volunteer sign-up by SMS (issue 12): "DAFTAR <name> <skills> <place>" through the same
conversation machinery as every other message (pure: the real parser and gazetteer)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from siaga.core.codes import stable_uuid
from siaga.core.conversation import Inbound, Volunteer, decide, understand
from siaga.core.messages import render
from siaga.core.send_policy import is_gsm7, segments
from siaga.core.text.signup import parse_signup
from siaga.schemas.events import VolunteerRegistered

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=timezone.utc)
PHONE = "+6281299990000"


def decide_text(text: str, sid: str = "SM" + "d" * 32, volunteer=None, channel: str = "sms"):
    m = Inbound(message_sid=sid, channel=channel, phone=PHONE, text=text, received_at=NOW)  # type: ignore[arg-type]
    return decide(m, understand(text), volunteer=volunteer, conversation=None)


@pytest.mark.parametrize("text,name,skills,vehicle,place", [
    ("DAFTAR Budi Santoso medis motor Sleman", "Budi Santoso", ("medical",), "motorbike", "Sleman"),
    ("daftar relawan: Siti, masak dapur, Bantul", "Siti", ("cooking",), "none", "Bantul"),
    ("REG Dewi sopir pikap logistik desa Sumberharjo kec Prambanan", "Dewi", ("driver", "logistics"), "pickup",
     "desa Sumberharjo kec Prambanan"),
    ("daftar Rina bidan, Palu Timur", "Rina", ("medical",), "none", "Palu Timur"),
    ("DAFTAR Joko, Palu", "Joko", ("general",), "none", "Palu"),
    ("DAFTAR nama: Ani; perawat; Kec. Depok, Sleman", "Ani", ("medical",), "none", "Kec. Depok, Sleman"),
    ("register Andi driver car Depok", "Andi", ("driver",), "car", "Depok"),
])
def test_the_parts_of_a_sign_up(text, name, skills, vehicle, place):
    s = parse_signup(text)
    assert (s.name, s.skills, s.vehicle, s.place) == (name, skills, vehicle, place)


@pytest.mark.parametrize("text", ["daftar relawan gimana caranya?", "Daftar jadi relawan dong", "butuh air 5 org",
                                  "YA K7Q2", "mau daftar relawan", "how to register as volunteer?"])
def test_questions_and_other_messages_are_not_sign_ups(text):
    assert parse_signup(text) is None


def test_a_sign_up_registers_the_sender_with_a_place_and_says_how_to_go_on_duty():
    out = decide_text("DAFTAR Budi medis motor Sleman")
    assert out.kind == "signup" and out.language == "id"
    (emit,) = out.events
    e = emit.event
    assert emit.topic == "volunteer-registrations" and isinstance(e, VolunteerRegistered)
    # The same volunteer as the API or the sign-up page would make for this phone.
    assert e.volunteer_id == stable_uuid("volunteer", PHONE) and emit.key == str(e.volunteer_id)
    assert e.phone == PHONE and e.name == "Budi" and [s.value for s in e.skills] == ["medical"]
    assert e.vehicle.value == "motorbike" and e.home_area == "Sleman"
    assert e.home_location is not None and -7.9 < e.home_location.lat < -7.6   # Sleman, Yogyakarta
    assert "SIAP" in out.reply and "Budi" in out.reply and "terdaftar" in out.reply
    assert is_gsm7(out.reply) and segments(out.reply)[1] == 1
    # The same message again (Twilio retries): the same event id, so registered once.
    assert decide_text("DAFTAR Budi medis motor Sleman").events[0].event.event_id == e.event_id


def test_a_place_not_found_registers_and_asks_for_the_village():
    out = decide_text("DAFTAR Budi medis Xyzzyqwe")
    assert out.kind == "signup"
    assert out.events[0].event.home_location is None
    assert out.reply == render("signup_noplace", "id", name="Budi", skills=["medical"])
    assert "(medis)" in out.reply   # skills in the reader's language


def test_without_a_name_the_format_is_explained():
    out = decide_text("DAFTAR")
    assert out.kind == "signup_help" and not out.events
    assert out.reply == render("signup_how", "id")


def test_a_registered_volunteer_can_sign_up_again_to_update_and_whatsapp_stays_whatsapp():
    vol = Volunteer(volunteer_id=stable_uuid("volunteer", PHONE), language="id")
    out = decide_text("DAFTAR Budi medis perahu Bantul", volunteer=vol, channel="whatsapp")
    e = out.events[0].event
    assert e.volunteer_id == vol.volunteer_id and e.preferred_channel == "whatsapp"
    assert [s.value for s in e.skills] == ["medical", "boat"] and e.vehicle.value == "boat"


def test_english_templates_exist_and_fit_one_segment():
    for key in ("signup_ok", "signup_noplace", "signup_how"):
        text = render(key, "en", name="Budi Santoso", skills=["medical", "driver"], place="Prambanan")
        assert is_gsm7(text) and segments(text)[1] == 1, (key, len(text))
