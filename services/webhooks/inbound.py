"""An inbound SMS/WhatsApp message, applied once: read it (core.conversation), then in one
transaction claim its MessageSid, decide, enqueue the events, update the opt-out registry and
the conversation, and remember the reply (a Twilio retry gets the same answer)."""
from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime, timezone

from siaga.core.codes import stable_uuid
from siaga.core.conversation import Inbound, Outcome, decide, understand
from siaga.infra.settings import get_settings
from siaga.core.messages import render, to_gsm7
from siaga.core.phone import mask_phone, normalize_phone
from siaga.schemas.topics import Topic
from siaga.services.messaging import conversations, inbound, optouts, volunteers
from siaga.schemas.events import SituationUpdate
from siaga.services.active_areas import learned_areas, note as note_place
from siaga.services.outbox import enqueue
from siaga.services.status import request_status

log = logging.getLogger("siaga.webhooks")


def channel_of(from_: str, endpoint: str) -> str:
    # Twilio marks WhatsApp senders with a prefix; one webhook URL may serve both channels.
    return "whatsapp" if from_.startswith("whatsapp:") or endpoint == "whatsapp" else "sms"


async def handle_message(pool, params: dict[str, str], endpoint: str) -> str | None:
    """The reply text for the TwiML answer (None: answer with nothing)."""
    sid = params.get("MessageSid") or params.get("SmsMessageSid") or ""
    from_ = params.get("From", "")
    channel = channel_of(from_, endpoint)
    try:
        phone = normalize_phone(from_)
    except ValueError as exc:
        log.info("inbound %s %s: sender is not a phone number (%s); ignored", channel, sid, exc)
        return None
    if not sid:
        log.info("inbound %s without MessageSid from=%s; ignored", channel, mask_phone(phone))
        return None

    async with pool.connection() as conn:
        seen, reply = await inbound.previous_reply(conn, sid)
        learned = () if seen else await learned_areas(conn)
    if seen:
        log.info("inbound %s %s repeated: answered as before", channel, sid)
        return reply

    body = params.get("Body", "")
    # The gazetteer and the stemmer are CPU work: keep the event loop free for other webhooks.
    understood = await asyncio.to_thread(understand, body, params.get("Latitude"), params.get("Longitude"),
                                         get_settings().incidents + learned)
    msg = Inbound(message_sid=sid, channel=channel, phone=phone, text=body,  # type: ignore[arg-type]
                  received_at=datetime.now(timezone.utc), latitude=params.get("Latitude"),
                  longitude=params.get("Longitude"), profile_name=params.get("ProfileName") or None)

    async with pool.connection() as conn, conn.transaction():
        if not await inbound.claim(conn, sid, channel, phone):
            seen, reply = await inbound.previous_reply(conn, sid)
            log.info("inbound %s %s handled concurrently: answered as before", channel, sid)
            return reply
        await inbound.lock_phone(conn, phone)
        digest = None
        if understood.command is None and understood.keyword is None and understood.status_code is None:
            # Commands repeat legitimately (YA for one offer, then YA for the next); texts do not.
            digest = inbound.body_hash(body)
            seen_n, first_reply, first_kind = await inbound.earlier_same(conn, phone, digest)
            if seen_n:
                return await _repeat(conn, msg, digest, seen_n, first_reply, first_kind)
        volunteer = await volunteers.by_phone(conn, phone, include_pending=understood.command is not None)
        conversation = await conversations.load(conn, phone)
        outcome = decide(msg, understood, volunteer=volunteer, conversation=conversation,
                         public_base_url=get_settings().public_base_url)
        reply = outcome.reply
        if outcome.status_code:
            reply = await status_reply(conn, outcome.status_code, outcome.language)
        await _apply(conn, msg, outcome)
        await inbound.finish(conn, sid, outcome.kind, reply, digest)
    _learn_from(phone, understood, outcome)
    log.info("inbound %s %s from=%s%s -> %s%s", channel, sid, mask_phone(phone),
             " (volunteer)" if volunteer else "", outcome.kind,
             f" code={outcome.tracking_code}" if outcome.tracking_code else "")
    return reply


def _learn_from(phone: str, understood, outcome: Outcome) -> None:
    """A request or report placed clearly shows where the disaster is (services/active_areas.py)."""
    loc = understood.located
    if outcome.kind in ("request", "information", "offer") and loc.placed_clearly:
        note_place(phone, loc.lat, loc.lon)  # type: ignore[arg-type]   # placed_clearly: both set


async def _repeat(conn, msg: Inbound, digest: bytes, seen_n: int, first_reply: str | None,
                  first_kind: str | None) -> str | None:
    """The same text again from the same phone: nothing new happens. The first answer is given
    again at most once a minute; at LOOP_FLAG repeats the coordinators see a loop report."""
    reply = None if await inbound.replied_recently(conn, msg.phone) else first_reply
    if seen_n == inbound.LOOP_FLAG:
        flag = SituationUpdate(event_id=stable_uuid("loop", msg.phone, digest.hex()), kind="report", status="loop",
                               occurred_at=msg.received_at, source=f"webhooks/{msg.channel}",
                               detail={"from": msg.phone, "text": msg.text[:500], "repeats": seen_n,
                                       "first_taken_as": first_kind})
        await enqueue(conn, Topic.SITUATION_UPDATES, str(flag.event_id), flag, {"loop": True},
                      idempotency_key=f"loop:{msg.phone}:{digest.hex()}")
    await inbound.finish(conn, msg.message_sid, "repeat", reply, digest)
    log.info("inbound %s %s from=%s repeats an earlier message (%d in %ds)%s", msg.channel, msg.message_sid,
             mask_phone(msg.phone), seen_n + 1, inbound.REPEAT_WINDOW_S, "" if reply else "; not answered")
    return reply


async def _apply(conn, msg: Inbound, outcome: Outcome) -> None:
    for i, emit in enumerate(outcome.events):
        await enqueue(conn, emit.topic, emit.key, emit.event,
                      {"message_sid": msg.message_sid, "outcome": outcome.kind},
                      idempotency_key=f"twilio:{msg.message_sid}:{i}")
    if outcome.opt_out is not None:
        await optouts.set_opt_out(conn, msg.phone, outcome.opt_out, outcome.keyword or "keyword",
                                  msg.received_at)
    if outcome.conversation is not None:
        await conversations.save(conn, msg.phone, outcome.conversation)
    elif outcome.end_conversation:
        await conversations.end(conn, msg.phone)


async def status_reply(conn, code: str, lang: str) -> str:
    found = await request_status(conn, code)
    if found is None:
        return render("status_unknown", lang, code=code)
    text = found["status_text"].get(lang) or found["status_text"]["id"]
    word = "Code" if lang == "en" else "Kode"
    return to_gsm7(f"Siaga: {word} {found['tracking_code']}: {text}")


def warm_up() -> None:
    """Load the gazetteer and stemmer in the background, so the first webhook is fast too."""
    def _load() -> None:
        try:
            understand("butuh air 5 orang desa Sumberharjo kec Prambanan")
        except Exception:  # pragma: no cover - a broken gazetteer shows on the first message
            log.exception("warm-up of the message parser failed")

    threading.Thread(target=_load, name="webhooks-warm-up", daemon=True).start()
