"""What one inbound SMS/WhatsApp message means, and what Siaga does about it. Pure: no I/O.

services/webhooks reads the message, loads who sent it (volunteer or not) and the phone's
waiting conversation, and calls `understand` then `decide`; it then applies the Outcome
(outbox events, opt-out change, conversation row, TwiML reply) in one transaction.

Order of precedence (first match wins):
1. single-word carrier keywords (STOP.., START/UNSTOP/YES, HELP/INFO): opt-out registry or help,
   answered in Indonesian then English unless the sender's language is known; BANTUAN (our own
   help word) answers with the help text too;
2. "STATUS <code>": the request's status (looked up by the caller);
   "DAFTAR <name> <skills> <place>" (core.text.signup): registers the sender as a volunteer
   (the phone is confirmed by being the sender) -> VolunteerRegistered; without a name it
   answers with the format;
3. from a registered volunteer: a command (YA/TERIMA code, TOLAK code, OTW code, SELESAI code,
   LIBUR/SIBUK, SIAP/AKTIF) -> VolunteerReply; a WhatsApp location -> VolunteerCheckIn;
   text naming a concrete need is treated as a help message (volunteers are in the disaster
   area too), anything else -> unknown_command;
4. while a request of this phone waits for its location: a number picking a candidate, a place
   name, coordinates, a plus code or a WhatsApp location -> AidRequestLocated;
5. a new message is first classified by core.text.intent: an offer of help, information
   (safety update, distribution, thanks, flood description, "sudah tidak butuh"), a question
   (where to donate, how to sign up) or a status question creates no aid request; it gets
   offer_thanks / info_thanks / question_help / status_how (or a status look-up when it quotes
   a tracking code), and offers and information carry the text in Outcome.information for the
   coordinators. A message with a clear ask stays a request even if it also informs;
6. a message with a need (intent request) -> AidRequest; without a usable location Siaga asks
   for it (need_location, with up to three candidates) and remembers the request for
   CONVERSATION_TTL;
7. anything else -> the help text.
Registered volunteers' offers and reports count as information (they are signed up already).
Event ids derive from the MessageSid, so handling one message twice yields identical events.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from siaga.core.codes import ALPHABET, code_from_uuid, stable_uuid
from siaga.core.messages import render, render_bilingual
from siaga.core.text import Command, ParsedMessage, classify_keyword, parse_command, parse_help_message
from siaga.core.text.commands import KeywordKind
from siaga.core.text.intent import IntentResult, classify_intent
from siaga.core.text.signup import SignUp, parse_signup
from siaga.core.text.gazetteer import PlaceMatch
from siaga.geo.incidents import IncidentArea
from siaga.core.text.locate import LocateResult, locate
from siaga.schemas.common import Channel, Contact, Location, NeedCategory
from siaga.schemas.envelope import Event
from siaga.schemas.events import (
    MAX_TEXT,
    AidRequest,
    AidRequestLocated,
    SituationUpdate,
    VolunteerCheckIn,
    VolunteerRegistered,
    VolunteerReply,
)
from siaga.schemas.topics import Topic

CONVERSATION_TTL = timedelta(hours=2)
MAX_CHOICES = 3  # numbered options in a need_location reply (one SMS segment)
TRACKING_CODE_LENGTH = 6

InboundChannel = Literal["sms", "whatsapp"]
OutcomeKind = Literal[
    "opt_out", "opt_in", "help", "status", "request", "needs_location", "located", "ask_again",
    "volunteer_reply", "checkin", "unknown_command", "offer", "information", "question",
    "status_help", "signup", "signup_help",
]
# Paths on PUBLIC_BASE_URL that the replies point to.
VOLUNTEER_SIGNUP_PATH: str | None = "/relawan/daftar"   # services/web/routes_signup.py
CAMPAIGNS_PATH = "/campaigns"

_STATUS = re.compile(r"^\s*STATUS\W+([A-Z0-9]{4,10})\W*$", re.IGNORECASE)
_PICK = re.compile(r"^\s*(?:no\.?|nomor|nomer|pilih|angka|#)?\s*([1-9])\s*[.)]?\s*$", re.IGNORECASE)
_OWN_HELP_WORDS = frozenset({"BANTUAN", "PETUNJUK", "MENU"})
_KAB_PREFIX = re.compile(r"^(?:Kabupaten|Kab\.?)\s+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Inbound:
    """One inbound message as Twilio posted it; `phone` is already E.164."""

    message_sid: str
    channel: InboundChannel
    phone: str
    text: str
    received_at: datetime
    latitude: str | None = None
    longitude: str | None = None
    profile_name: str | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    """A place offered as a numbered option while asking for a location."""

    short: str                # what the person reads: "Sumberharjo (Prambanan)"
    label: str                # stored as place_name: "Desa Sumberharjo, Kec. Prambanan, Kabupaten Sleman"
    lat: float
    lon: float
    accuracy_m: float | None
    admin_code: str | None

    @classmethod
    def from_match(cls, m: PlaceMatch) -> "Choice":
        parent = _KAB_PREFIX.sub("", m.parents[0]) if m.parents else ""
        # Parentheses, not a comma: the choices are listed with commas between them.
        short = f"{m.name} ({parent})" if parent else m.name
        return cls(short=short, label=m.label[:200], lat=m.lat, lon=m.lon,
                   accuracy_m=m.accuracy_m, admin_code=m.code)

    def to_location(self) -> Location:
        return Location(lat=self.lat, lon=self.lon, source="gazetteer", accuracy_m=self.accuracy_m,
                        place_name=self.label, admin_code=self.admin_code)

    def to_dict(self) -> dict[str, Any]:
        return {"short": self.short, "label": self.label, "lat": self.lat, "lon": self.lon,
                "accuracy_m": self.accuracy_m, "admin_code": self.admin_code}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Choice":
        return cls(short=d["short"], label=d["label"], lat=float(d["lat"]), lon=float(d["lon"]),
                   accuracy_m=d.get("accuracy_m"), admin_code=d.get("admin_code"))


@dataclass(frozen=True, slots=True)
class Conversation:
    """A request of this phone that waits for its location."""

    request_id: uuid.UUID
    tracking_code: str
    channel: InboundChannel
    language: str
    needs: tuple[str, ...]
    choices: tuple[Choice, ...]
    expires_at: datetime

    def active(self, now: datetime) -> bool:
        return now < self.expires_at


@dataclass(frozen=True, slots=True)
class Volunteer:
    volunteer_id: uuid.UUID
    language: str = "id"


@dataclass(frozen=True, slots=True)
class Understanding:
    """Everything read from the text (CPU work: the gazetteer; no state needed)."""

    keyword: KeywordKind | None
    own_help: bool
    status_code: str | None
    command: Command | None
    pick: int | None
    parsed: ParsedMessage
    located: LocateResult
    intent: IntentResult = IntentResult("request")   # what a new message is for (core.text.intent)
    signup: SignUp | None = None                     # "DAFTAR ..." (core.text.signup)

    @property
    def concrete_needs(self) -> tuple[NeedCategory, ...]:
        return tuple(n for n in self.parsed.needs if n != NeedCategory.other)


@dataclass(frozen=True, slots=True)
class Emit:
    topic: str
    key: str
    event: Event


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    language: str
    reply: str | None = None                      # None: answer with empty TwiML
    events: tuple[Emit, ...] = ()
    opt_out: bool | None = None                   # True: opt out, False: opt in
    keyword: str | None = None
    status_code: str | None = None                # caller looks it up and writes the reply
    conversation: Conversation | None = None      # store this (replaces any other)
    end_conversation: bool = False
    request_id: uuid.UUID | None = None
    tracking_code: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    intent: str | None = None                     # new messages: request/offer/information/question/status
    intent_evidence: tuple[str, ...] = ()         # the cues that decided the intent (for coordinators)
    information: str | None = None                # offer or report to show the coordinators (the text)


def understand(text: str, latitude: str | float | None = None,
               longitude: str | float | None = None,
               incidents: tuple[IncidentArea, ...] = ()) -> Understanding:
    """``incidents``: the deployment's incident areas (settings.incidents), for places."""
    text = (text or "")[:MAX_TEXT]
    words = text.strip().split()
    status = _STATUS.match(text)
    pick = _PICK.match(text)
    signup = parse_signup(text)
    if signup is not None:   # only the place part is a place ("DAFTAR Budi ..." names a person)
        return Understanding(
            keyword=None, own_help=False, status_code=None, command=None, pick=None,
            parsed=parse_help_message(""), located=locate(signup.place or "", latitude, longitude, incidents=incidents),
            intent=IntentResult("offer"), signup=signup)
    return Understanding(
        keyword=classify_keyword(text),
        own_help=len(words) == 1 and words[0].strip(".!?").upper() in _OWN_HELP_WORDS,
        status_code=status.group(1).upper() if status else None,
        command=parse_command(text),
        pick=int(pick.group(1)) if pick else None,
        parsed=(parsed := parse_help_message(text)),
        located=locate(text, latitude, longitude, incidents=incidents),
        intent=classify_intent(text, parsed),
    )


def decide(msg: Inbound, u: Understanding, *, volunteer: Volunteer | None,
           conversation: Conversation | None, public_base_url: str | None = None) -> Outcome:
    """public_base_url (settings.public_base_url) lets replies link the volunteer sign-up and
    campaigns pages; without it they give SMS-only instructions."""
    conv = conversation if conversation is not None and conversation.active(msg.received_at) else None
    lang = _lang(volunteer.language if volunteer else conv.language if conv else u.parsed.language)

    if u.keyword is not None:
        # One English word says little about the sender's language: Indonesian first, then
        # English, unless we know them already.
        known = volunteer is not None or conv is not None
        template = {"opt_out": "opted_out_ack", "opt_in": "opted_in_ack", "help": "help"}[u.keyword]
        text = render(template, lang) if known else render_bilingual(template)
        kind: OutcomeKind = u.keyword
        opt = {"opt_out": True, "opt_in": False}.get(u.keyword)
        return Outcome(kind, lang, text, opt_out=opt, keyword=_first_word(msg.text))
    if u.own_help:
        return Outcome("help", lang, render("help", lang))
    if u.status_code:
        return Outcome("status", lang, status_code=u.status_code)
    if u.signup is not None:
        return _signup(msg, u, lang)

    if volunteer is not None:
        handled = _volunteer(msg, u, volunteer, conv, lang)
        if handled is not None:
            return handled
    if conv is not None:
        return _waiting(msg, u, conv)
    if not u.intent.is_request and u.intent.evidence:
        return _not_a_request(msg, u, lang, public_base_url, volunteer=volunteer is not None)
    if u.parsed.needs:
        return _new_request(msg, u)
    return Outcome("help", lang, render("help", lang))


# --- volunteers -------------------------------------------------------------------------------

def _volunteer(msg: Inbound, u: Understanding, v: Volunteer, conv: Conversation | None,
               lang: str) -> Outcome | None:
    if u.command is not None:
        reply = VolunteerReply(
            event_id=_event_id(msg, "reply"), occurred_at=msg.received_at, volunteer_id=v.volunteer_id,
            phone=msg.phone, offer_code=u.command.code, action=u.command.action,
            count=u.command.count, channel=Channel(msg.channel), source=f"webhooks/{msg.channel}")
        # The dispatch engine answers (offer_confirmed, checkin_ok, offer_expired ...).
        return Outcome("volunteer_reply", lang,
                       events=(Emit(Topic.VOLUNTEER_REPLIES, str(v.volunteer_id), reply),))
    shared = u.located.status == "resolved" and u.located.source == "whatsapp"
    if shared and conv is None:
        checkin = VolunteerCheckIn(
            event_id=_event_id(msg, "checkin"), occurred_at=msg.received_at,
            volunteer_id=v.volunteer_id, location=u.located.to_location(), available=True,
            source=f"webhooks/{msg.channel}")
        return Outcome("checkin", lang, render("checkin_location_ok", lang),
                       events=(Emit(Topic.VOLUNTEER_CHECKINS, str(v.volunteer_id), checkin),))
    if conv is None and not u.intent.is_request and u.intent.evidence:
        return None  # a report, offer or question: decided like anyone's (see _not_a_request)
    if conv is None and not u.concrete_needs:
        return Outcome("unknown_command", lang, render("unknown_command", lang))
    return None  # a volunteer asking for help, or answering our location question


def _signup(msg: Inbound, u: Understanding, lang: str) -> Outcome:
    """Register (or update) the sender as a volunteer: one volunteer per phone, as the API and
    the sign-up page do (services/intake.py). The id follows from the phone, the event id from
    the message: the same SMS twice registers once."""
    s = u.signup
    assert s is not None
    if not s.name:
        return Outcome("signup_help", lang, render("signup_how", lang))
    home = u.located.to_location() if u.located.status == "resolved" else None
    event = VolunteerRegistered(
        event_id=_event_id(msg, "signup"), occurred_at=msg.received_at,
        volunteer_id=stable_uuid("volunteer", msg.phone), name=s.name, phone=msg.phone,
        skills=list(s.skills), vehicle=s.vehicle, home_area=s.place, home_location=home,
        preferred_channel="whatsapp" if msg.channel == "whatsapp" else "sms", language=lang,
        source=f"webhooks/{msg.channel}")
    if home is not None:   # the place's own name, without its province (one SMS)
        place = (home.place_name or s.place or "").split(",")[0]
        reply = render("signup_ok", lang, name=s.name, skills=s.skills, place=place)
    else:
        reply = render("signup_noplace", lang, name=s.name, skills=s.skills)
    return Outcome("signup", lang, reply, events=(Emit(Topic.VOLUNTEER_REGISTRATIONS, str(event.volunteer_id), event),),
                   notes=(f"volunteer sign-up by {msg.channel}",))


# --- a request waiting for its location -------------------------------------------------------

def _waiting(msg: Inbound, u: Understanding, conv: Conversation) -> Outcome:
    lang = _lang(conv.language)
    if u.pick is not None:
        if 1 <= u.pick <= len(conv.choices):
            return _located(msg, conv, conv.choices[u.pick - 1].to_location(), u, extra=False)
        return _ask(msg, conv, conv.choices, lang, "ask_again")
    loc = u.located.to_location()
    if loc is not None:
        return _located(msg, conv, loc, u, extra=True)
    new_needs = {n.value for n in u.concrete_needs} - set(conv.needs)
    if new_needs:
        # A different need without a place: a request of its own (the first one stays
        # visible to coordinators as "needs location").
        return _new_request(msg, u)
    choices = _choices(u.located) or conv.choices
    return _ask(msg, conv, choices, lang, "ask_again")


def _located(msg: Inbound, conv: Conversation, loc: Location, u: Understanding, *,
             extra: bool) -> Outcome:
    lang = _lang(conv.language)
    located = AidRequestLocated(
        event_id=_event_id(msg, "located"), occurred_at=msg.received_at,
        request_id=conv.request_id, location=loc, actor=f"{msg.channel}:requester",
        source=f"webhooks/{msg.channel}")
    events = [Emit(Topic.AID_REQUESTS, str(conv.request_id), located)]
    notes: list[str] = []
    new_needs = {n.value for n in u.concrete_needs} - set(conv.needs)
    if extra and new_needs:
        # The answer also names another need: it becomes its own request at the same place.
        extra_req = _aid_request(msg, u, loc)
        events.append(Emit(Topic.AID_REQUESTS, str(extra_req.request_id), extra_req))
        notes.append(f"also new request {extra_req.tracking_code}")
    return Outcome("located", lang, render("request_received", lang, code=conv.tracking_code),
                   events=tuple(events), end_conversation=True, request_id=conv.request_id,
                   tracking_code=conv.tracking_code, notes=tuple(notes))


def _ask(msg: Inbound, conv: Conversation, choices: tuple[Choice, ...], lang: str,
         kind: OutcomeKind) -> Outcome:
    kept = replace(conv, choices=choices, expires_at=msg.received_at + CONVERSATION_TTL)
    return Outcome(kind, lang, _need_location_text(lang, conv.tracking_code, choices),
                   conversation=kept, request_id=conv.request_id, tracking_code=conv.tracking_code)


# --- a new message that asks for nothing -------------------------------------------------------

def _report(msg: Inbound, u: Understanding, intent: str) -> tuple[Emit, ...]:
    """An offer or a report for the coordinators' situation log (they see request texts too;
    the public live feed carries no data). Its id comes from the message: sent once."""
    loc = u.located.to_location() if u.located.status == "resolved" else None
    update = SituationUpdate(
        event_id=_event_id(msg, "report"), occurred_at=msg.received_at, kind="report", status=intent,
        lat=loc.lat if loc else None, lon=loc.lon if loc else None, source=f"webhooks/{msg.channel}",
        detail={"text": msg.text[:MAX_TEXT], "from": msg.phone, "channel": msg.channel,
                "evidence": list(u.intent.evidence), "place": loc.place_name if loc else None,
                # where reports come from shows where the disaster is (services/active_areas.py)
                **({"lat": loc.lat, "lon": loc.lon, "confidence": loc.confidence} if loc else {})})
    return (Emit(Topic.SITUATION_UPDATES, str(update.event_id), update),)


def _not_a_request(msg: Inbound, u: Understanding, lang: str, base_url: str | None, *,
                   volunteer: bool) -> Outcome:
    intent = u.intent.intent
    common: dict[str, Any] = {"intent": intent, "intent_evidence": u.intent.evidence}
    text = msg.text[:MAX_TEXT]
    if intent == "offer" and not volunteer:
        reply = _with_link("offer_thanks", lang, base_url, VOLUNTEER_SIGNUP_PATH)
        return Outcome("offer", lang, reply, information=text, events=_report(msg, u, "offer"), **common)
    if intent in ("offer", "information"):
        # A registered volunteer's offer is news for the coordinators, not a sign-up.
        return Outcome("information", lang, render("info_thanks", lang), information=text,
                       events=_report(msg, u, "information"), **common)
    if intent == "status":
        code = _quoted_code(msg.text)
        if code is not None:
            return Outcome("status", lang, status_code=code, **common)
        return Outcome("status_help", lang, render("status_how", lang), **common)
    # A question: how to sign up as a volunteer, or how to ask for help / where to donate.
    if _SIGNUP.search(msg.text or ""):
        reply = _with_link("offer_thanks", lang, base_url, VOLUNTEER_SIGNUP_PATH)
    else:
        reply = _with_link("question_help", lang, base_url, CAMPAIGNS_PATH)
    return Outcome("question", lang, reply, **common)


_SIGNUP = re.compile(r"\b(?:relawan|volunteer\w*|daftar|mendaftar|register|sign\s*up)\b", re.IGNORECASE)
_CODE_WORD = re.compile(r"\b[A-Za-z0-9]{6}\b")


def _with_link(template: str, lang: str, base_url: str | None, path: str | None) -> str:
    if base_url and path:
        return render(template, lang, url=base_url.rstrip("/") + path)
    return render(f"{template}_nolink", lang)


def _quoted_code(text: str) -> str | None:
    """A tracking code quoted in a free-text status question ("kode saya P4K2Q1")."""
    for m in _CODE_WORD.finditer(text or ""):
        word = m.group(0).upper()
        if any(c.isdigit() for c in word) and any(c.isalpha() for c in word) and set(word) <= set(ALPHABET):
            return word
    return None


# --- a new request ----------------------------------------------------------------------------

def _new_request(msg: Inbound, u: Understanding) -> Outcome:
    loc = u.located.to_location()
    req = _aid_request(msg, u, loc)
    lang = _lang(req.language)
    emit = (Emit(Topic.AID_REQUESTS, str(req.request_id), req),)
    if loc is not None:
        return Outcome("request", lang, render("request_received", lang, code=req.tracking_code),
                       events=emit, end_conversation=True, request_id=req.request_id,
                       tracking_code=req.tracking_code)
    choices = _choices(u.located)
    conv = Conversation(request_id=req.request_id, tracking_code=req.tracking_code,
                        channel=msg.channel, language=lang,
                        needs=tuple(n.value for n in req.needs), choices=choices,
                        expires_at=msg.received_at + CONVERSATION_TTL)
    return Outcome("needs_location", lang, _need_location_text(lang, req.tracking_code, choices),
                   events=emit, conversation=conv, request_id=req.request_id,
                   tracking_code=req.tracking_code)


def _aid_request(msg: Inbound, u: Understanding, loc: Location | None) -> AidRequest:
    p = u.parsed
    request_id = request_id_for(msg.message_sid)
    needs = list(p.needs) or [NeedCategory.other]
    return AidRequest(
        event_id=_event_id(msg, "request"), occurred_at=msg.received_at,
        request_id=request_id, tracking_code=code_from_uuid(request_id, TRACKING_CODE_LENGTH),
        channel=Channel(msg.channel),
        contact=Contact(phone=msg.phone, name=(msg.profile_name or None) and msg.profile_name[:120],
                        preferred_channel=msg.channel, language=p.language),
        location=loc, needs=needs[:10], people=min(max(p.people or 1, 1), 100_000),
        households=min(p.households, 25_000) if p.households else None, volunteers_needed=p.helpers,
        vulnerable=list(p.vulnerable)[:10], urgency=p.urgency, text=msg.text[:MAX_TEXT],
        language=p.language, inbound_message_sid=msg.message_sid[:64],
        source=f"webhooks/{msg.channel}",
    )


# --- helpers ----------------------------------------------------------------------------------

def request_id_for(message_sid: str) -> uuid.UUID:
    """The request an inbound message creates (deterministic: a retry makes the same one)."""
    return stable_uuid("request", "twilio", message_sid)


def _event_id(msg: Inbound, what: str) -> uuid.UUID:
    return stable_uuid("twilio-inbound", msg.message_sid, what)


def _choices(located: LocateResult) -> tuple[Choice, ...]:
    if located.status != "ambiguous":
        return ()
    out: list[Choice] = []
    for m in located.candidates:
        c = Choice.from_match(m)
        if all(c.short != o.short for o in out):
            out.append(c)
        if len(out) == MAX_CHOICES:
            break
    return tuple(out)


def _need_location_text(lang: str, code: str, choices: tuple[Choice, ...]) -> str:
    return render("need_location", lang, code=code, candidates=[c.short for c in choices])


def _lang(value: str | None) -> str:
    return value if value in ("id", "en") else "id"


def _first_word(text: str) -> str:
    words = re.findall(r"[A-Za-z]+", text or "")
    return words[0].upper() if words else ""
