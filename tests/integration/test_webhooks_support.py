"""Shared helpers for the Twilio webhook and notifier tests (no tests in here).

They run against whatever stack profile is up: the settings file is RUNTIME_DIR/env
(.siaga/test/env under `make test`, .siaga/<profile>/env otherwise). Without it they skip.
Inbound messages are posted by the local Twilio server (/_local/inbound), which signs them
exactly as Twilio does, to the API's webhook URLs.
"""
from __future__ import annotations

import os
import secrets
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psycopg
import pytest

from siaga.core.codes import stable_uuid
from siaga.infra.dev import procs
from siaga.infra.settings import RUNTIME_DIR
from tests.stack import ENV_FILE, read_env, wait_for  # noqa: F401  (re-exported)
from siaga.schemas.events import Notification

HTTP = httpx.Client(timeout=30.0, trust_env=False)




def random_phone() -> str:
    """A valid Indonesian mobile number no other test uses (E.164)."""
    return "+62812" + str(secrets.randbelow(10**8)).zfill(8)


class Stack:
    def __init__(self, env: dict[str, str]):
        self.env = env
        self.api = env["API_URL"]
        self.twilio = env["TWILIO_BASE_URL"]
        self.database_url = env["DATABASE_URL"]
        self.bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
        self.token = env["TWILIO_AUTH_TOKEN"]
        self.public = env.get("PUBLIC_BASE_URL", self.api).rstrip("/")

    def db(self) -> psycopg.Connection:
        return psycopg.connect(self.database_url, autocommit=True)

    def one(self, sql: str, params: tuple = ()) -> Any:
        with self.db() as conn:
            row = conn.execute(sql, params).fetchone()
        return row[0] if row is not None and len(row) == 1 else row

    # ---------------------------------------------------------------- inbound through the local server
    def inbound(self, body: str = "", *, frm: str, channel: str = "sms", sid: str | None = None,
                lat: float | None = None, lon: float | None = None, profile_name: str | None = None,
                tamper: bool = False, signature_url: str | None = None) -> dict:
        path = "/webhooks/twilio/whatsapp" if channel == "whatsapp" else "/webhooks/twilio/sms"
        spec: dict[str, Any] = {"url": self.api + path, "from": frm, "body": body, "channel": channel,
                                "tamper": tamper}
        # Twilio signs the public URL; the local server posts to the API's own address.
        spec["signature_url"] = signature_url or (self.public + path)
        if sid:
            spec["message_sid"] = sid
        if lat is not None:
            spec.update(latitude=lat, longitude=lon)
        if profile_name:
            spec["profile_name"] = profile_name
        r = HTTP.post(f"{self.twilio}/_local/inbound", json=spec)
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["delivered"], out
        return out

    def status_callback(self, sid: str, status: str, error_code: int | None = None,
                        tamper: bool = False) -> dict:
        spec: dict[str, Any] = {"url": self.api + "/webhooks/twilio/status", "kind": "status",
                                "message_sid": sid, "message_status": status, "tamper": tamper,
                                "signature_url": self.public + "/webhooks/twilio/status"}
        if error_code is not None:
            spec["error_code"] = error_code
        r = HTTP.post(f"{self.twilio}/_local/inbound", json=spec)
        assert r.status_code == 200, r.text
        return r.json()

    # ---------------------------------------------------------------- the local server's records
    def messages(self, to: str) -> list[dict]:
        r = HTTP.get(f"{self.twilio}/_local/messages", params={"to": to})
        return r.json()["messages"]

    def attempts(self, to: str) -> list[dict]:
        return HTTP.get(f"{self.twilio}/_local/attempts", params={"to": to}).json()["attempts"]

    def fail(self, to: str, code: int, status: int | None = None, times: int | None = 1,
             stage: str = "create", channel: str | None = None) -> None:
        spec: dict[str, Any] = {"to": to, "code": code, "times": times, "stage": stage, "channel": channel}
        if status:
            spec["status"] = status
        r = HTTP.post(f"{self.twilio}/_local/failures", json=spec)
        assert r.status_code == 201, r.text

    # ---------------------------------------------------------------- outbound events
    def notify(self, to: str, body: str | None = None, channel: str = "sms",
               notification_id: uuid.UUID | None = None) -> Notification:
        """Put a Notification on the notifications topic (as the dispatch engine would)."""
        code = secrets.token_hex(3).upper()
        n = Notification(notification_id=notification_id or stable_uuid("test-notification", uuid.uuid4()),
                         to=to, channel=channel, template="request_received", language="id",  # type: ignore[arg-type]
                         params={"code": code},
                         body=body or f"Siaga: Permintaan bantuan Anda diterima. Kode {code}. Uji.",
                         source="tests")
        self.produce("notifications", str(n.notification_id).encode(), n.to_bytes())
        return n

    def produce(self, topic: str, key: bytes, value: bytes) -> tuple[int, int]:
        """Produce one record (acks=all); returns its (partition, offset)."""
        from siaga.services.relay import make_producer

        producer = make_producer()
        reports: list = []
        producer.produce(topic, key=key, value=value,
                         on_delivery=lambda err, m: reports.append((err, m.partition(), m.offset())))
        producer.flush(15)
        assert len(reports) == 1 and reports[0][0] is None, reports
        return reports[0][1], reports[0][2]

    def committed(self, topic: str, partition: int, group: str = "siaga-notifier") -> int:
        """The group's committed offset (OffsetFetch)."""
        from confluent_kafka import Consumer, TopicPartition

        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": group, "log_level": 3})
        try:
            [tp] = consumer.committed([TopicPartition(topic, partition)], timeout=10)
            return tp.offset
        finally:
            consumer.close()

    def notification(self, notification_id: uuid.UUID) -> dict | None:
        with self.db() as conn:
            cur = conn.execute("SELECT * FROM notifications WHERE notification_id = %s", (notification_id,))
            row = cur.fetchone()
            return dict(zip([c.name for c in cur.description], row)) if row else None

    def wait_state(self, notification_id: uuid.UUID, states: tuple[str, ...], timeout: float = 30) -> dict:
        def done():
            row = self.notification(notification_id)
            return row if row and row["state"] in states else None
        return wait_for(done, timeout, f"notification {notification_id} in {states}")

    # ---------------------------------------------------------------- processes
    def process_env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.env)
        env["SIAGA_PROFILE"] = os.environ.get("SIAGA_PROFILE", RUNTIME_DIR.name)
        env["SIAGA_RUNTIME_DIR"] = str(RUNTIME_DIR)
        env["PYTHONUNBUFFERED"] = "1"
        env.pop("SIAGA_NOTIFIER_FAULT", None)
        env.update(extra)
        return env

    def notifier_pid(self) -> int | None:
        return procs.read_pid(RUNTIME_DIR / "pids" / "notifier.pid")

    def start_notifier(self, **extra: str) -> int:
        """(Re)start the stack's notifier process, under the stack's pid file."""
        procs.stop("notifier", RUNTIME_DIR)
        return procs.start("notifier", [sys.executable, "-m", "siaga.services.notifier"], RUNTIME_DIR,
                           self.process_env(**extra))

    def notifier_running(self) -> bool:
        pid = self.notifier_pid()
        if pid is None:
            return False
        return self.one("SELECT 1 FROM heartbeats WHERE kind = 'notifier' AND name LIKE %s "
                        "AND seen_at > now() - interval '20 seconds'", (f"%:{pid}",)) is not None


def _stack_or_skip() -> Stack:
    if not ENV_FILE.exists():
        pytest.skip(f"no running stack: {ENV_FILE} is missing (start one with `make up` / python -m siaga.infra.dev.stack up)")
    env = read_env()
    if not env.get("TWILIO_BASE_URL"):
        pytest.skip("the stack talks to the real Twilio (TWILIO_BASE_URL is empty): these tests need the local server")
    try:
        ok = HTTP.get(env["API_URL"] + "/healthz", timeout=5).status_code < 500
        HTTP.get(env["TWILIO_BASE_URL"] + "/_local/config", timeout=5)
    except httpx.HTTPError as exc:
        pytest.skip(f"the stack does not answer (API {env.get('API_URL')}, Twilio {env.get('TWILIO_BASE_URL')}): {exc}")
    if not ok:
        pytest.skip("the stack's database is not healthy")
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('inbound_messages')").fetchone()[0] is None:
            pytest.skip("migration 002_messaging.sql is not applied on this stack")
    return Stack(env)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    yield _stack_or_skip()


os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
