"""The notifier's decisions that need no stack: reconciliation against a message list, the
checked create, retry states, fault spec parsing, log masking. (Fake Twilio client objects.)"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
import requests
from twilio.base.exceptions import TwilioRestException

from siaga.services.notifier.deliver import MAX_TRIES, Deliverer, _parse_fault
from siaga.services.logmask import MaskPhones
from siaga.services.notifier.reconcile import CheckedClient, find_sent
from siaga.services.notifier.store import lock_key
from siaga.services.notifier.twilio_sender import SendOutcome

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
PHONE = "+6281234567890"


@dataclass
class Msg:
    sid: str
    to: str
    body: str
    date_created: datetime
    direction: str = "outbound-api"


class FakeMessages:
    def __init__(self, items: list[Msg], fail_with: Exception | None = None):
        self.items, self.fail_with, self.created, self.listed = items, fail_with, 0, []

    def list(self, to: str, limit: int = 50):
        self.listed.append(to)
        plain = to.removeprefix("whatsapp:")
        return [m for m in reversed(self.items) if m.to == to or (to == plain and m.to == plain)]

    def create(self, **kw):
        self.created += 1
        if self.fail_with is not None:
            # the server created it, but the answer was lost
            self.items.append(Msg("SMlost", kw["to"], kw["body"], datetime.now(timezone.utc)))
            raise self.fail_with
        m = Msg(f"SM{self.created}", kw["to"], kw["body"], datetime.now(timezone.utc))
        self.items.append(m)
        return m


class FakeClient:
    def __init__(self, items=(), fail_with=None):
        self.messages = FakeMessages(list(items), fail_with)


def nobody(_sids):
    return set()


def test_find_sent_matches_body_time_and_unowned_sid():
    client = FakeClient([
        Msg("SMold", PHONE, "hello", T0 - timedelta(hours=1)),
        Msg("SMother", PHONE, "other body", T0 + timedelta(seconds=1)),
        Msg("SMreply", PHONE, "hello", T0 + timedelta(seconds=1), direction="outbound-reply"),
        Msg("SMowned", PHONE, "hello", T0 + timedelta(seconds=2)),
        Msg("SMours", PHONE, "hello", T0 + timedelta(seconds=3)),
    ])
    assert find_sent(client, PHONE, "sms", "hello", T0, lambda sids: {"SMowned"} & set(sids)) == ("SMours", "sms")
    assert find_sent(client, PHONE, "sms", "hello", T0, lambda sids: set(sids)) is None
    assert find_sent(client, PHONE, "sms", "missing", T0, nobody) is None


def test_find_sent_looks_at_both_addresses_for_whatsapp():
    client = FakeClient([Msg("SMsms", PHONE, "hi", T0 + timedelta(seconds=5))])
    assert find_sent(client, PHONE, "whatsapp", "hi", T0, nobody) == ("SMsms", "sms")
    assert client.messages.listed == ["whatsapp:" + PHONE, PHONE]
    client = FakeClient([Msg("SMwa", "whatsapp:" + PHONE, "hi", T0 + timedelta(seconds=5))])
    assert find_sent(client, PHONE, "whatsapp", "hi", T0, nobody) == ("SMwa", "whatsapp")


def test_checked_create_adopts_a_message_whose_answer_was_lost():
    raw = FakeClient(fail_with=requests.ConnectionError("reset by peer"))
    checked = CheckedClient(raw, nobody)
    m = checked.messages.create(to=PHONE, from_="+15005550006", body="x")
    assert m.sid == "SMlost"


@pytest.mark.parametrize("exc", [requests.Timeout("slow"), TwilioRestException(503, "uri", "down")])
def test_checked_create_reraises_when_nothing_went_out(exc):
    raw = FakeClient()

    def create_nothing(**kw):
        raise exc
    raw.messages.create = create_nothing  # type: ignore[method-assign]
    with pytest.raises(type(exc)):
        CheckedClient(raw, nobody).messages.create(to=PHONE, from_="+1", body="x")
    assert raw.messages.listed == [PHONE]   # it did look before letting the sender retry


def test_checked_create_does_not_look_up_client_errors():
    raw = FakeClient(fail_with=TwilioRestException(400, "uri", "bad", code=21211))
    with pytest.raises(TwilioRestException):
        CheckedClient(raw, nobody).messages.create(to=PHONE, from_="+1", body="x")
    assert raw.messages.listed == []


def outcome(status: str, http: int | None = None, code: int | None = None) -> SendOutcome:
    return SendOutcome(status, None, "sms", code, 1, http_status=http)  # type: ignore[arg-type]


def test_state_after_a_send():
    assert Deliverer._state_after(outcome("sent"), 1) == ("sent", None)
    assert Deliverer._state_after(outcome("opted_out", 400, 21610), 1) == ("opted_out", None)
    assert Deliverer._state_after(outcome("invalid", 400, 21211), 1) == ("invalid", None)
    state, wait = Deliverer._state_after(outcome("failed", 429, 20429), 1)
    assert state == "retry_wait" and wait == 60
    assert Deliverer._state_after(outcome("failed", 503), 3)[1] == 240
    assert Deliverer._state_after(outcome("failed", 503), MAX_TRIES) == ("failed", None)
    assert Deliverer._state_after(outcome("failed", 400, 21602), 1) == ("failed", None)


def test_fault_spec():
    assert _parse_fault(None) is None and _parse_fault("") is None
    assert _parse_fault("kill-after-send:3") == 3
    for bad in ("kill-after-send:0", "explode:1", "kill-after-send"):
        with pytest.raises(ValueError):
            _parse_fault(bad)


def test_lock_key_is_a_signed_64_bit_int():
    import uuid

    keys = {lock_key(uuid.uuid4()) for _ in range(1000)}
    assert len(keys) == 1000 and all(-2**63 <= k < 2**63 for k in keys)


def test_log_lines_never_carry_a_phone_number():
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "to %s and 0812-3456-7890 at -7.78, 110.36",
                               ("+6281234567890",), None)
    MaskPhones().filter(record)
    text = record.getMessage()
    assert "6281234567890" not in text and "3456-7890" not in text and "+62812****7890" in text
    assert "-7.78, 110.36" in text
