"""The notifier process against a running stack and the local Twilio server: one message per
notification through retries, refusals, redeliveries, WhatsApp fallback and crashes.

Notifications are produced straight onto the `notifications` topic (as the dispatch engine
does); what went out is counted at the local server (/_local/messages, /_local/attempts)."""
from __future__ import annotations

import secrets
import signal
import sys
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_webhooks_support import HTTP, random_phone, stack, wait_for  # noqa: E402,F401

from siaga.infra.dev import procs  # noqa: E402
from siaga.infra.settings import RUNTIME_DIR  # noqa: E402

pytestmark = pytest.mark.integration
FINAL = ("sent", "failed", "opted_out", "invalid")


@pytest.fixture(scope="module")
def notifier(stack):
    """The stack's notifier, running; restored (without fault injection) after the module."""
    if not stack.notifier_pid():
        stack.start_notifier()
    wait_for(stack.notifier_running, 30, "a live notifier heartbeat")
    yield stack
    if not stack.notifier_running():   # tests that kill it restart it; make sure of that
        stack.start_notifier()
        wait_for(stack.notifier_running, 30, "the notifier restarted")


def wait_consumed(stack, position: tuple[int, int], timeout: float = 30) -> None:
    partition, offset = position
    wait_for(lambda: stack.committed("notifications", partition) > offset, timeout,
             f"the notifier to commit past notifications[{partition}]@{offset}")


# --- one notification ---------------------------------------------------------------------------

def test_sent_once_even_when_the_event_is_delivered_twice(notifier):
    stack = notifier
    phone = random_phone()
    n = stack.notify(phone)
    row = stack.wait_state(n.notification_id, FINAL)
    assert row["state"] == "sent" and row["sid"].startswith("SM") and row["sent_channel"] == "sms"
    [m] = stack.messages(phone)
    assert m["sid"] == row["sid"] and m["body"] == n.body
    assert m["status_callback"] == stack.public + "/webhooks/twilio/status"

    again = stack.produce("notifications", str(n.notification_id).encode(), n.to_bytes())   # redelivery
    wait_consumed(stack, again)
    assert len(stack.messages(phone)) == 1
    assert stack.notification(n.notification_id)["tries"] == 1


def test_forced_429_then_success_sends_one_message(notifier):
    stack = notifier
    phone = random_phone()
    stack.fail(phone, 20429, status=429, times=1)
    n = stack.notify(phone)
    row = stack.wait_state(n.notification_id, FINAL)
    assert row["state"] == "sent" and row["api_attempts"] == 2
    assert [a["status"] for a in stack.attempts(phone)] == [429, 201]
    assert len(stack.messages(phone)) == 1


def test_forced_21610_is_not_retried_and_marks_the_number_opted_out(notifier):
    stack = notifier
    phone = random_phone()
    stack.fail(phone, 21610, times=None)
    n = stack.notify(phone)
    row = stack.wait_state(n.notification_id, FINAL)
    assert row["state"] == "opted_out" and row["error_code"] == 21610 and row["sid"] is None
    assert len(stack.attempts(phone)) == 1 and stack.messages(phone) == []
    assert stack.one("SELECT opted_out FROM opt_outs WHERE phone = %s", (phone,)) is True
    assert stack.one("SELECT reason FROM opt_outs WHERE phone = %s", (phone,)) == "twilio-21610"

    later = stack.notify(phone)   # the registry now stops it before Twilio is asked
    assert stack.wait_state(later.notification_id, FINAL)["state"] == "opted_out"
    assert len(stack.attempts(phone)) == 1


@pytest.mark.parametrize("code", [21211, 21614])
def test_invalid_recipient_is_recorded_not_retried(notifier, code):
    stack = notifier
    phone = random_phone()
    stack.fail(phone, code, times=None)
    n = stack.notify(phone)
    row = stack.wait_state(n.notification_id, FINAL)
    assert row["state"] == "invalid" and row["error_code"] == code
    assert len(stack.attempts(phone)) == 1


def test_stop_keyword_is_respected_and_start_undoes_it(notifier):
    stack = notifier
    phone = random_phone()
    stack.inbound("STOP", frm=phone)
    n = stack.notify(phone)
    assert stack.wait_state(n.notification_id, FINAL)["state"] == "opted_out"
    assert stack.attempts(phone) == []
    stack.inbound("START", frm=phone)
    n = stack.notify(phone)
    assert stack.wait_state(n.notification_id, FINAL)["state"] == "sent"
    assert len(stack.messages(phone)) == 1


def test_malformed_events_go_to_the_dead_letter_topic(notifier):
    stack = notifier
    marker = secrets.token_hex(6)
    stack.produce("notifications", b"junk-" + marker.encode(), f'{{"not json {marker}'.encode())
    stack.produce("notifications", b"bad-" + marker.encode(),
                  ('{"type": "notification.requested", "notification_id": "%s", "to": "12", '
                   '"body": "x", "template": "t", "marker": "%s"}' % (uuid.uuid4(), marker)).encode())

    def parked():
        with stack.db() as conn:
            return conn.execute("SELECT reason FROM dead_letters WHERE topic = 'notifications' "
                                "AND payload LIKE %s ORDER BY reason", (f"%{marker}%",)).fetchall()
    reasons = wait_for(lambda: (r := parked()) and len(r) == 2 and r, 30,
                       "both malformed events in dead_letters (via the dead-letter topic and the sink)")
    assert any("JSON" in r[0] or "json" in r[0] for r in reasons), reasons
    assert any("to:" in r[0] for r in reasons), reasons
    phone = random_phone()   # the notifier carries on
    assert stack.wait_state(stack.notify(phone).notification_id, FINAL)["state"] == "sent"


# --- WhatsApp ---------------------------------------------------------------------------------------

def test_whatsapp_not_on_whatsapp_at_send_falls_back_to_sms(notifier):
    stack = notifier
    phone = random_phone()
    stack.fail(phone, 63003, times=None, stage="create", channel="whatsapp")
    n = stack.notify(phone, channel="whatsapp")
    row = stack.wait_state(n.notification_id, FINAL)
    assert row["state"] == "sent" and row["sent_channel"] == "sms"
    [m] = stack.messages(phone)
    assert m["channel"] == "sms" and m["body"] == n.body


def test_whatsapp_undelivered_63016_callback_resends_once_by_sms(notifier):
    stack = notifier
    phone = random_phone()
    HTTP.post(f"{stack.twilio}/_local/config", json={"status_callbacks": True, "callback_delay": 0.05})
    try:
        stack.fail(phone, 63016, times=1, stage="delivery", channel="whatsapp")
        n = stack.notify(phone, channel="whatsapp")
        row = stack.wait_state(n.notification_id, FINAL)
        assert row["state"] == "sent" and row["sent_channel"] == "whatsapp"

        def fallback_sent():
            return [m for m in stack.messages(phone) if m["channel"] == "sms"]
        [sms] = wait_for(fallback_sent, 30, "the SMS fallback after the 63016 status callback")
        assert sms["body"] == n.body
        assert stack.one("SELECT status FROM message_status WHERE sid = %s", (row["sid"],)) == "undelivered"
        fb = stack.one("SELECT notification_id FROM notifications WHERE fallback_of = %s", (n.notification_id,))
        assert stack.wait_state(fb, FINAL)["state"] == "sent"
        # Twilio repeating the failure report changes nothing.
        stack.status_callback(row["sid"], "undelivered", error_code=63016)
        stack.status_callback(row["sid"], "failed", error_code=63016)
        assert stack.one("SELECT count(*) FROM outbox WHERE idempotency_key = %s",
                         (f"sms-fallback:{n.notification_id}",)) == 1
    finally:
        HTTP.post(f"{stack.twilio}/_local/config", json={"status_callbacks": False})
    assert len([m for m in stack.messages(phone) if m["channel"] == "sms"]) == 1
    assert len(stack.messages(phone)) == 2


# --- crashes ----------------------------------------------------------------------------------------

def test_crash_between_send_and_record_is_reconciled_not_resent(notifier):
    """SIAGA_NOTIFIER_FAULT makes the notifier SIGKILL itself right after Twilio accepted its
    3rd message and before recording it: the worst moment. The restarted notifier must find
    that message at Twilio instead of sending it again."""
    stack = notifier
    pid = stack.start_notifier(SIAGA_NOTIFIER_FAULT="kill-after-send:3")
    try:
        phones = [random_phone() for _ in range(12)]
        sent = [stack.notify(p) for p in phones]
        wait_for(lambda: not procs.pid_alive(pid), 60, "the notifier to kill itself after its 3rd send")
        with stack.db() as conn:   # claims the dead process left behind (any test's notifications)
            orphans = conn.execute("SELECT notification_id, to_phone, body FROM notifications "
                                   "WHERE state = 'sending' AND claimed_by LIKE %s", (f"%:{pid}",)).fetchall()
        assert orphans, "the fault did not leave a claimed-but-unrecorded notification"
        before = {nid: copies(stack, to, body) for nid, to, body in orphans}
        assert sum(before.values()) >= 1   # at least the 3rd send went out unrecorded
    finally:
        stack.start_notifier()
    rows = [stack.wait_state(n.notification_id, FINAL, timeout=60) for n in sent]
    assert all(r["state"] == "sent" for r in rows)
    for p in phones:
        assert len(stack.messages(p)) == 1, f"{p[:6]}...: {len(stack.messages(p))} messages"
    for nid, to, body in orphans:
        row = stack.wait_state(nid, FINAL, timeout=60)
        assert copies(stack, to, body) == 1
        # went out before the crash <=> found at Twilio (reconciled), not sent again
        assert row["reconciled"] == (before[nid] == 1)
    assert any(before.values())


def copies(stack, to: str, body: str) -> int:
    return sum(1 for m in stack.messages(to) if m["body"] == body)


def test_sigkill_mid_batch_then_restart_sends_nothing_twice(notifier):
    stack = notifier
    wait_for(stack.notifier_running, 30, "a live notifier")
    phones = [random_phone() for _ in range(24)]
    for p in phones[::3]:          # slow some sends down: three 429s each, with backoff
        stack.fail(p, 20429, status=429, times=3)
    sent = [stack.notify(p) for p in phones]
    ids = [n.notification_id for n in sent]

    def some_sent():
        return stack.one("SELECT count(*) FROM notifications WHERE notification_id = ANY(%s) "
                         "AND state = 'sent'", (ids,)) >= 1
    wait_for(some_sent, 60, "the first notifications sent")
    pending = stack.one("SELECT %s - count(*) FROM notifications WHERE notification_id = ANY(%s) "
                        "AND state IN ('sent', 'failed', 'opted_out', 'invalid')", (len(ids), ids))
    procs.stop("notifier", RUNTIME_DIR, sig=signal.SIGKILL)
    assert pending > 0, "the batch finished before the kill: nothing was tested"
    started = time.monotonic()
    stack.start_notifier()
    rows = [stack.wait_state(i, FINAL, timeout=90) for i in ids]
    assert all(r["state"] == "sent" for r in rows), [r["state"] for r in rows]
    for p in phones:
        assert len(stack.messages(p)) == 1, f"{p[:6]}...: {len(stack.messages(p))} messages"
    assert time.monotonic() - started < 90
