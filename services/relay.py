"""Outbox relay: moves committed outbox rows to their topics (acks=all), marks them published.

At least once: a row is marked only after the broker acknowledged it. While the broker is down
rows wait in PostgreSQL; consumers de-duplicate by event_id. We wait for every delivery report
of a batch (success or timeout) before the next batch, so a message still queued inside the
client is never produced a second time by us."""
from __future__ import annotations

import logging
import os
import random
import signal
import socket
import time

import psycopg

from siaga.infra import kafka_config
from siaga.infra.settings import get_settings
from siaga.services import logmask
from siaga.services.heartbeat import beat

log = logging.getLogger("siaga.relay")
BATCH = 500
# Longer than a broker failover takes (the controller fences a dead broker after its 9 s session;
# the leader answers acks=all after the ISR shrinks, or after request.timeout.ms = 30 s, and the
# idempotent producer retries with the same sequence numbers). A message that timed out while in
# flight may have been written anyway, and our retry of its row would put it on the topic twice:
# with 10 s this happened when tests/cluster killed a broker (a follower in the ISR is enough).
MESSAGE_TIMEOUT_MS = 60_000


def make_producer():
    # Idempotent and acks=all (kafka_config): retries neither duplicate nor reorder a key.
    return kafka_config.make_producer(MESSAGE_TIMEOUT_MS)


def relay_batch(conn: psycopg.Connection, producer) -> tuple[int, int]:
    """Publish one batch. Returns (published, failed)."""
    with conn.transaction():
        rows = conn.execute(
            "SELECT id, topic, key, value FROM outbox WHERE published_at IS NULL "
            "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED", (BATCH,)
        ).fetchall()
        if not rows:
            return 0, 0
        ok: list[int] = []
        failed: dict[int, str] = {}

        def report(row_id):
            def cb(err, _msg):
                if err is None:
                    ok.append(row_id)
                else:
                    failed[row_id] = str(err)
            return cb

        for row_id, topic, key, value in rows:
            try:
                producer.produce(topic, key=key.encode(), value=bytes(value), on_delivery=report(row_id))
            except BufferError:
                producer.poll(0.5)
                failed.setdefault(row_id, "local queue full")
            producer.poll(0)
        remaining = producer.flush(MESSAGE_TIMEOUT_MS / 1000 + 10)
        if remaining:  # should not happen: message.timeout.ms bounds every report
            log.warning("%d messages still in flight after flush", remaining)
        if ok:
            conn.execute("UPDATE outbox SET published_at = now(), attempts = attempts + 1 "
                         "WHERE id = ANY(%s)", (ok,))
        if failed:
            conn.execute("UPDATE outbox SET attempts = attempts + 1, last_error = %s WHERE id = ANY(%s)",
                         (next(iter(failed.values()))[:500], list(failed)))
        return len(ok), len(failed)


def prune(conn: psycopg.Connection, days: int = 14) -> None:
    # Keep published rows for a while: their idempotency keys answer client retries.
    conn.execute("DELETE FROM outbox WHERE published_at < now() - make_interval(days => %s)", (days,))


def main() -> None:
    logmask.configure()
    settings = get_settings()
    name = f"relay@{socket.gethostname()}:{os.getpid()}"
    stopping = {"flag": False}
    signal.signal(signal.SIGTERM, lambda *_: stopping.update(flag=True))
    signal.signal(signal.SIGINT, lambda *_: stopping.update(flag=True))
    producer = make_producer()
    conn = listen = None
    last_beat = last_prune = 0.0
    backoff = 0.5
    log.info("relay started")
    while not stopping["flag"]:
        try:
            if conn is None:
                conn = psycopg.connect(settings.database_url, autocommit=True)
            if listen is None:
                listen = psycopg.connect(settings.database_url, autocommit=True)
                listen.execute("LISTEN outbox")
            now = time.monotonic()
            if now - last_beat > 5:
                beat(conn, name, "relay", {"backlog": conn.execute(
                    "SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0]})
                last_beat = now
            if now - last_prune > 3600:
                prune(conn)
                last_prune = now
            published, failed = relay_batch(conn, producer)
            if failed:
                log.warning("broker did not acknowledge %d events; retrying", failed)
                time.sleep(backoff + random.random() * backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            backoff = 0.5
            if published == 0:  # idle: wake on NOTIFY or poll every second
                for _ in listen.notifies(timeout=1.0, stop_after=1):
                    pass
        except psycopg.OperationalError as exc:
            # The database away (a restart, a failover): wait and reconnect both sessions; the
            # outbox rows stay unpublished until then, so nothing acknowledged is lost.
            log.warning("database unavailable (%s); retrying in 2 s", str(exc).strip().splitlines()[0])
            for c in (conn, listen):
                if c is not None:
                    c.close()
            conn = listen = None
            time.sleep(2)
    producer.flush(5)
    log.info("relay stopped")


if __name__ == "__main__":
    main()
