"""One notification, sent at most once.

    lock(notification_id)           advisory lock on our DB session: one process per notification;
                                    a crashed holder's lock goes with its connection
    row := notifications[id]
      none        -> opted out? record 'opted_out' : claim 'sending' (committed), send, record
      final       -> nothing (a redelivered event)
      sending     -> the claimer died between claim and record: ask Twilio whether the message
                     went out (reconcile.find_sent); record it, or send it now
      retry_wait  -> left to the sweep, at its next_try_at
    unlock

The claim is committed before Twilio is called, so a crash at any point leaves either no
row (nothing was sent) or a 'sending' row that is reconciled before anything is re-sent.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
import time
import uuid
from dataclasses import dataclass

from siaga.core.phone import mask_address
from siaga.core.send_policy import Action, classify
from siaga.infra.settings import Settings
from siaga.schemas.events import Notification
from siaga.schemas.topics import Topic
from siaga.services.messaging import delivery, optouts
from siaga.services.notifier import store
from siaga.services.notifier.reconcile import find_sent
from siaga.services.notifier.twilio_sender import SendOutcome, TwilioSender
from siaga.services.outbox import enqueue_sync

log = logging.getLogger("siaga.notifier")

LOCK_WAIT_S = 120.0        # longer than one send may take (RetryPolicy.max_total + timeouts)
MAX_TRIES = 5              # claims of one notification before it is given up as 'failed'
RETRY_BASE_S = 60.0        # later tries of a transient failure: 1, 2, 4, 8 minutes


@dataclass(frozen=True)
class Senders:
    sms_from: str
    whatsapp_from: str
    status_callback: str | None

    @classmethod
    def from_settings(cls, s: Settings) -> "Senders":
        return cls(sms_from=s.twilio_sms_from, whatsapp_from=s.twilio_whatsapp_from or "",
                   status_callback=s.public_base_url.rstrip("/") + "/webhooks/twilio/status")


class LockTimeout(Exception):
    pass


class Deliverer:
    def __init__(self, pool, sender: TwilioSender, client, senders: Senders, name: str,
                 fault: str | None = None) -> None:
        self.pool = pool
        self.sender = sender
        self.client = client          # for reconciliation (message list)
        self.senders = senders
        self.name = name
        self._fault_after = _parse_fault(fault)
        self._sends = 0
        self._count_lock = threading.Lock()
        self.stats: dict[str, int] = {}

    # ---------------------------------------------------------------- entry points
    def deliver(self, n: Notification) -> str:
        """Handle one notification event; returns the state it ends in."""
        with self.pool.connection() as conn:
            self._lock(conn, n.notification_id)
            try:
                row = store.get(conn, n.notification_id)
                if row is None:
                    if optouts.is_opted_out_sync(conn, n.to):
                        store.insert(conn, n, "opted_out", self.name)
                        store.record_skipped(conn, n.notification_id, "opted_out", "in the opt-out registry")
                        return self._done(n.notification_id, "opted_out", n.to, "skipped: opted out")
                    row = store.insert(conn, n, "sending", self.name)
                    return self._send(conn, row)
                if row.state == "sending":
                    return self._recover(conn, row)
                return row.state   # final (a redelivery) or waiting for its retry time
            finally:
                self._unlock(conn, n.notification_id)

    def sweep(self) -> int:
        """Orphaned claims (their process died) and retries that are due. Returns rows handled."""
        handled = 0
        with self.pool.connection() as conn:
            ids = store.open_rows(conn)
        for nid in ids:
            try:
                handled += self._sweep_one(nid)
            except Exception:  # one bad row must not stop the others; it is tried again later
                log.exception("sweep of notification %s failed", nid)
        return handled

    def _sweep_one(self, nid: uuid.UUID) -> int:
        with self.pool.connection() as conn:
            if not conn.execute("SELECT pg_try_advisory_lock(%s)", (store.lock_key(nid),)).fetchone()[0]:
                return 0   # a live process is working on it
            try:
                row = store.get(conn, nid)   # read again under the lock: it may be done by now
                if row is not None and row.state == "sending":
                    self._recover(conn, row)
                    return 1
                if row is not None and row.state == "retry_wait":
                    if conn.execute("SELECT %s <= now()", (row.next_try_at,)).fetchone()[0]:
                        self._send(conn, store.reclaim(conn, nid, self.name))
                        return 1
                return 0
            finally:
                self._unlock(conn, nid)

    # ---------------------------------------------------------------- steps
    def _recover(self, conn, row: store.Row) -> str:
        since = row.claimed_at
        assert since is not None
        hit = find_sent(self.client, row.to_phone, row.channel, row.body, since,
                        lambda sids: store.known_sids(conn, sids))
        if hit is not None:
            store.record_found(conn, row.notification_id, hit[0], hit[1])
            log.info("reconciled %s: went out before a crash as %s", row.notification_id, hit[0])
            self._check_fallback(conn, row.notification_id, hit[0], hit[1])
            return self._done(row.notification_id, "sent", row.to_phone, "reconciled")
        log.info("reconciled %s: not at Twilio, sending now", row.notification_id)
        return self._send(conn, store.reclaim(conn, row.notification_id, self.name))

    def _send(self, conn, row: store.Row) -> str:
        out = self.sender.send(
            to=row.to_phone, body=row.body, channel=row.channel,  # type: ignore[arg-type]
            sender_sms=self.senders.sms_from, sender_whatsapp=self.senders.whatsapp_from,
            status_callback=self.senders.status_callback, idempotency_key=str(row.notification_id))
        if out.sid is not None:
            self._maybe_crash()
        state, retry_in = self._state_after(out, row.tries)
        store.record(conn, row.notification_id, state, out, retry_in)
        if state == "opted_out":
            optouts.mark_opted_out_sync(conn, row.to_phone, "twilio-21610")
        if out.sid is not None:
            self._check_fallback(conn, row.notification_id, out.sid, out.channel)
        detail = f"{out.sid or out.error_code} via {out.channel}, {out.attempts} call(s)"
        if retry_in is not None:
            detail += f", next try in {retry_in:.0f}s"
        return self._done(row.notification_id, state, row.to_phone, detail)

    @staticmethod
    def _state_after(out: SendOutcome, tries: int) -> tuple[str, float | None]:
        if out.status != "failed":
            return out.status, None
        # The sender's own retries are bounded (seconds); a transient outage gets a few more
        # tries minutes apart before the notification is given up.
        if classify(out.http_status, out.error_code) is Action.retry and tries < MAX_TRIES:
            return "retry_wait", RETRY_BASE_S * 2 ** (tries - 1)
        return "failed", None

    def _check_fallback(self, conn, notification_id: uuid.UUID, sid: str, channel: str) -> None:
        """A status callback may have reported 63016/63003 before we stored the sid."""
        if channel != "whatsapp":
            return
        status = store.delivery_status(conn, sid)
        if status is None or not delivery.needs_fallback(*status):
            return
        row = conn.execute(delivery.FALLBACK_ROW, (sid,)).fetchone()
        if row is not None:
            n = delivery.fallback_notification(row, status[1])  # type: ignore[arg-type]
            enqueue_sync(conn, Topic.NOTIFICATIONS, str(n.notification_id), n, {"fallback_of": str(notification_id)},
                         idempotency_key=delivery.fallback_key(notification_id))

    def _done(self, notification_id: uuid.UUID, state: str, to: str, detail: str) -> str:
        with self._count_lock:
            self.stats[state] = self.stats.get(state, 0) + 1
        log.info("notification %s to=%s -> %s (%s)", notification_id, mask_address(to), state, detail)
        return state

    # ---------------------------------------------------------------- locking
    def _lock(self, conn, notification_id: uuid.UUID) -> None:
        key = store.lock_key(notification_id)
        deadline = time.monotonic() + LOCK_WAIT_S
        delay = 0.05
        while not conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
            if time.monotonic() > deadline:
                raise LockTimeout(f"notification {notification_id} stayed locked by another process")
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    @staticmethod
    def _unlock(conn, notification_id: uuid.UUID) -> None:
        conn.execute("SELECT pg_advisory_unlock(%s)", (store.lock_key(notification_id),))

    # ---------------------------------------------------------------- fault injection
    def _maybe_crash(self) -> None:
        """SIAGA_NOTIFIER_FAULT=kill-after-send:N makes the process SIGKILL itself right after
        its Nth message was accepted by Twilio and before that is recorded: the worst moment
        for at-most-once, hit deterministically by tests/integration/test_notifier.py."""
        if self._fault_after is None:
            return
        with self._count_lock:
            self._sends += 1
            hit = self._sends >= self._fault_after
        if hit:
            log.warning("fault injection: SIGKILL after send %d, before recording it", self._sends)
            os.kill(os.getpid(), signal.SIGKILL)


def _parse_fault(fault: str | None) -> int | None:
    if not fault:
        return None
    kind, _, count = fault.partition(":")
    if kind != "kill-after-send" or not count.isdigit() or int(count) < 1:
        raise ValueError(f"unknown SIAGA_NOTIFIER_FAULT {fault!r} (known: kill-after-send:N)")
    return int(count)
