"""The notifier process: wiring of consumer, deliverer, sweep and heartbeat."""
from __future__ import annotations

import logging
import os
import signal
import socket
import time

import psycopg
from confluent_kafka import KafkaException
from psycopg_pool import ConnectionPool

from siaga.infra.settings import get_settings
from siaga.services.db import sync_pool
from siaga.services.heartbeat import beat
from siaga.services.messaging import housekeeping
from siaga.services import logmask
from siaga.services.notifier import store
from siaga.services.notifier.consumer import Batches, make_consumer, make_producer, TOPIC
from siaga.services.notifier.deliver import Deliverer, Senders
from siaga.services.notifier.reconcile import CheckedClient
from siaga.services.notifier.twilio_sender import TwilioSender, build_client

log = logging.getLogger("siaga.notifier")
BEAT_S = 5.0
SWEEP_S = 5.0
PRUNE_S = 3600.0


def _pool(workers: int) -> ConnectionPool:
    # Reset drops any advisory lock a crashed step left on a pooled session.
    return sync_pool(min_size=2, max_size=workers + 2, open=True,
                     reset=lambda conn: conn.execute("SELECT pg_advisory_unlock_all()"))


def main() -> None:
    logmask.configure()
    s = get_settings()
    if not (s.twilio_account_sid and s.twilio_auth_token):
        log.error("TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN are not set; the notifier cannot send")
        raise SystemExit(2)
    name = f"notifier@{socket.gethostname()}:{os.getpid()}"
    stopping = {"flag": False}
    signal.signal(signal.SIGTERM, lambda *_: stopping.update(flag=True))
    signal.signal(signal.SIGINT, lambda *_: stopping.update(flag=True))

    pool = _pool(s.notifier_workers)
    client = build_client(s.twilio_account_sid, s.twilio_auth_token, s.twilio_base_url or None)

    def known(sids: list[str]) -> set[str]:
        with pool.connection() as conn:
            return store.known_sids(conn, sids)

    sender = TwilioSender(CheckedClient(client, known))
    deliverer = Deliverer(pool, sender, client, Senders.from_settings(s), name,
                          fault=s.notifier_fault)
    consumer = make_consumer()
    consumer.subscribe([TOPIC])
    batches = Batches(consumer, make_producer(), deliverer.deliver, s.notifier_workers)
    log.info("notifier %s started (twilio %s)", name, s.twilio_base_url or "api.twilio.com")

    last_beat = last_sweep = last_prune = 0.0
    backoff = 0.5
    try:
        while not stopping["flag"]:
            now = time.monotonic()
            try:
                if now - last_beat >= BEAT_S:
                    with pool.connection() as conn:
                        beat(conn, name, "notifier", dict(deliverer.stats))
                    last_beat = now
                if now - last_sweep >= SWEEP_S:   # also right at start: claims a crash left behind
                    deliverer.sweep()
                    last_sweep = now
                if now - last_prune >= PRUNE_S:
                    with pool.connection() as conn:
                        housekeeping.prune(conn)
                    last_prune = now
            except psycopg.OperationalError as exc:
                log.warning("database unavailable: %s", exc)
            try:
                _handled, failed = batches.once()
            except KafkaException as exc:   # e.g. a commit during a rebalance: read again later
                log.warning("kafka: %s", exc)
                failed = 1
            if failed:
                time.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
            else:
                backoff = 0.5
    finally:
        consumer.close()
        batches.close()
        pool.close()
        log.info("notifier stopped")
