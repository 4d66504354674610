"""In-memory state of the local Twilio server: messages, create attempts, forced failures.

Every endpoint of the app is `async`, so all mutations happen on the one event-loop
thread; the lock only protects readers from other threads (tests poking at the store).
"""
from __future__ import annotations

import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any, Literal

from siaga.core.send_policy import segments

API_VERSION = "2010-04-01"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")

# HTTP status Twilio answers with for each error code we can simulate.
DEFAULT_STATUS: dict[int, int] = {
    20003: 401, 20404: 404, 20429: 429,
    21211: 400, 21602: 400, 21603: 400, 21610: 400, 21614: 400, 21617: 400, 21910: 400,
    63003: 400, 63016: 400,
}
ERROR_TEXT: dict[int, str] = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    21211: "The 'To' number {to} is not a valid phone number.",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    21910: "Invalid From and To pair. From and To should be of the same channel",
    63003: "Channel could not find To address",
    63016: "Failed to send freeform message because you are outside the allowed window. "
           "If you are using WhatsApp, please use a Message Template.",
}


def new_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


def rfc2822_now() -> str:
    # Twilio's date format: "Thu, 30 Jul 2015 20:12:31 +0000".
    return formatdate(time.time(), usegmt=False).replace("-0000", "+0000")


def valid_address(address: str) -> bool:
    """E.164, or whatsapp:+E164."""
    return bool(E164.match(address.removeprefix("whatsapp:")))


def channel_of(address: str) -> Literal["sms", "whatsapp"]:
    return "whatsapp" if address.startswith("whatsapp:") else "sms"


def error_body(status: int, code: int | None, message: str | None = None, **fmt: str) -> dict:
    """Twilio's legacy REST error JSON (the SDK turns it into TwilioRestException).

    No "type"/"title" keys: with those the SDK would raise TwilioServiceException instead.
    """
    text = message or ERROR_TEXT.get(code or 0, "Internal Server Error")
    try:
        text = text.format(**fmt)
    except (KeyError, IndexError):
        pass
    body: dict[str, Any] = {"message": text, "status": status}
    if code is not None:
        body["code"] = code
        body["more_info"] = f"https://www.twilio.com/docs/errors/{code}"
    return body


@dataclass
class FailureRule:
    """A forced failure: the next `times` matching create requests fail (None: forever).

    stage "create" answers the REST call with the error; stage "delivery" accepts the
    message and later reports it undelivered with ErrorCode `code` (as WhatsApp 63016
    usually arrives in real life).
    """

    status: int
    code: int | None
    to: str | None = None
    channel: Literal["sms", "whatsapp"] | None = None
    times: int | None = 1
    message: str | None = None
    stage: Literal["create", "delivery"] = "create"
    id: int = 0

    def matches(self, to: str) -> bool:
        if self.channel is not None and channel_of(to) != self.channel:
            return False
        if self.to is None:
            return True
        return self.to in (to, to.removeprefix("whatsapp:"))

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "code": self.code, "to": self.to,
                "channel": self.channel, "times": self.times, "message": self.message,
                "stage": self.stage}


# The newest records kept of each kind: a long run (make soak, a demo left on for days) keeps
# the server's memory bounded; tests read what they sent within seconds.
KEEP = 20_000


@dataclass
class Store:
    account_sid: str
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)   # sid -> record
    attempts: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=KEEP))  # create calls
    failures: list[FailureRule] = field(default_factory=list)
    webhooks: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=KEEP))  # what we posted
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next_rule: int = 1

    # ------------------------------------------------------------------ failures
    def add_failure(self, rule: FailureRule) -> FailureRule:
        with self._lock:
            rule.id = self._next_rule
            self._next_rule += 1
            self.failures.append(rule)
        return rule

    def take_failure(self, to: str, stage: str) -> FailureRule | None:
        """First matching rule for this stage; consumes one of its `times`."""
        with self._lock:
            for rule in self.failures:
                if rule.stage == stage and rule.matches(to):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self.failures.remove(rule)
                    return rule
        return None

    # ------------------------------------------------------------------ messages
    def record_attempt(self, to: str, from_: str | None, status: int, code: int | None,
                       sid: str | None) -> None:
        with self._lock:
            self.attempts.append({"to": to, "from": from_, "status": status, "code": code,
                                  "sid": sid, "at": time.time()})

    def add_message(self, record: dict[str, Any]) -> None:
        with self._lock:
            self.messages[record["sid"]] = record
            while len(self.messages) > KEEP:          # oldest first (dicts keep insertion order)
                del self.messages[next(iter(self.messages))]

    def update_status(self, sid: str, status: str, error_code: int | None = None,
                      error_message: str | None = None) -> dict[str, Any] | None:
        with self._lock:
            record = self.messages.get(sid)
            if record is None:
                return None
            record["status"] = status
            record["date_updated"] = rfc2822_now()
            if status == "sent" and record.get("date_sent") is None:
                record["date_sent"] = record["date_updated"]
            if error_code is not None:
                record["error_code"] = error_code
                record["error_message"] = error_message
            return dict(record)

    def list_messages(self, to: str | None = None, from_: str | None = None) -> list[dict]:
        with self._lock:
            items = list(self.messages.values())
        if to is not None:
            items = [m for m in items if to in (m["to"], m["to"].removeprefix("whatsapp:"))]
        if from_ is not None:
            items = [m for m in items if m.get("from") == from_]
        return items

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self.attempts.clear()
            self.webhooks.clear()


# Keys of the message resource as the REST API returns it; the record holds a few more
# local-only keys (status_callback, channel, encoding, content_sid, ...).
RESOURCE_KEYS = (
    "account_sid", "api_version", "body", "date_created", "date_sent", "date_updated",
    "direction", "error_code", "error_message", "from", "messaging_service_sid",
    "num_media", "num_segments", "price", "price_unit", "sid", "status",
    "subresource_uris", "to", "uri",
)


def build_record(account_sid: str, form: dict[str, Any]) -> dict[str, Any]:
    """A new outbound message as Twilio would create it (status queued or accepted)."""
    sid = new_sid("SM")
    to = form["To"]
    body = form.get("Body") or ""
    channel = channel_of(to)
    encoding, count = segments(body)
    now = rfc2822_now()
    base = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}"
    from_ = form.get("From")
    return {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": body,
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": from_,
        "messaging_service_sid": form.get("MessagingServiceSid"),
        "num_media": str(len(form.get("MediaUrl") or [])),
        # WhatsApp is not split into SMS segments: Twilio reports 1.
        "num_segments": "1" if channel == "whatsapp" else str(count),
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        # With a Messaging Service and no From, Twilio answers "accepted" first.
        "status": "queued" if from_ else "accepted",
        "subresource_uris": {"media": f"{base}/Media.json", "feedback": f"{base}/Feedback.json"},
        "to": to,
        "uri": f"{base}.json",
        # local-only
        "channel": channel,
        "encoding": encoding,
        "status_callback": form.get("StatusCallback"),
        "content_sid": form.get("ContentSid"),
        "content_variables": form.get("ContentVariables"),
        "media_url": list(form.get("MediaUrl") or []),
    }


def resource(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record.get(k) for k in RESOURCE_KEYS}
