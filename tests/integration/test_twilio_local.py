"""The real twilio SDK (sync) against services.twilio_local over loopback HTTP.

Self-contained: starts uvicorn in a thread on a free port (no broker, no database), plus
one test that runs the `python -m siaga.services.twilio_local` entry point as a subprocess.
"""
from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import uvicorn
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from siaga.core.send_policy import RetryPolicy, next_status
from siaga.services.notifier.twilio_sender import TwilioSender, build_client
from siaga.services.twilio_local import create_app

SID = "AC" + "5a" * 16
TOKEN = "local-test-token-3f9a"
SMS_FROM = "+15005550006"
WA_FROM = "whatsapp:+14155238886"
ALICE = "+6281234567890"
BOB = "+6285712345678"
FAST = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05, max_total=5.0)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "twilio"
# One client for the control calls: httpx.get() would build a new SSL context every time.
HTTP = httpx.Client(timeout=10.0, trust_env=False)


# ---------------------------------------------------------------------------- servers


def _free_socket() -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections only when
    # the listening socket says TCP; with proto 0 every request stalls ~40 ms (delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture(scope="module")
def local() -> Iterator[str]:
    """Base URL of a running local Twilio server (uvicorn in a thread)."""
    sock = _free_socket()
    port = sock.getsockname()[1]
    app = create_app(SID, TOKEN, callback_delay=0.02)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "local twilio server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(autouse=True)
def clean(local: str) -> None:
    HTTP.delete(f"{local}/_local/messages")
    HTTP.delete(f"{local}/_local/failures")
    HTTP.post(f"{local}/_local/config", json={"status_callbacks": False})


class Receiver:
    """A tiny webhook endpoint (stdlib) that records what it receives."""

    def __init__(self) -> None:
        self.requests: queue.Queue[dict[str, Any]] = queue.Queue()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                outer.requests.put({"path": self.path, "headers": dict(self.headers),
                                    "form": dict(parse_qsl(raw, keep_blank_values=True))})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def get(self, timeout: float = 5.0) -> dict[str, Any]:
        return self.requests.get(timeout=timeout)


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def sender_for(local: str, policy: RetryPolicy = FAST) -> TwilioSender:
    return TwilioSender(build_client(SID, TOKEN, local), policy)


def recorded(local: str, to: str | None = None) -> list[dict[str, Any]]:
    params = {"to": to} if to else None
    return HTTP.get(f"{local}/_local/messages", params=params).json()["messages"]


def attempts(local: str, to: str | None = None) -> list[dict[str, Any]]:
    params = {"to": to} if to else None
    return HTTP.get(f"{local}/_local/attempts", params=params).json()["attempts"]


def fail(local: str, **spec: Any) -> None:
    r = HTTP.post(f"{local}/_local/failures", json=spec)
    assert r.status_code == 201, r.text


# ---------------------------------------------------------------------------- raw SDK


def test_sdk_create_is_recorded_with_its_fields(local: str) -> None:
    client = build_client(SID, TOKEN, local)
    body = "Siaga: tes pesan"
    msg = client.messages.create(to=ALICE, from_=SMS_FROM, body=body,
                                 status_callback="http://127.0.0.1:9/status")
    assert msg.sid.startswith("SM") and len(msg.sid) == 34
    assert int(msg.sid[2:], 16) >= 0
    assert (msg.status, msg.to, msg.from_, msg.body) == ("queued", ALICE, SMS_FROM, body)
    assert msg.num_segments == "1" and msg.direction == "outbound-api"
    assert msg.account_sid == SID and msg.date_created is not None

    [rec] = recorded(local)
    assert rec["sid"] == msg.sid and rec["to"] == ALICE and rec["from"] == SMS_FROM
    assert rec["body"] == body and rec["status_callback"] == "http://127.0.0.1:9/status"
    assert rec["channel"] == "sms" and rec["encoding"] == "GSM-7"
    assert client.messages(msg.sid).fetch().body == body
    assert [m.sid for m in client.messages.list(to=ALICE)] == [msg.sid]


def test_segments_are_computed(local: str) -> None:
    client = build_client(SID, TOKEN, local)
    assert client.messages.create(to=ALICE, from_=SMS_FROM, body="a" * 161).num_segments == "2"
    assert client.messages.create(to=ALICE, from_=SMS_FROM,
                                  body="Banjir \u2014 " + "a" * 60).num_segments == "1"
    assert client.messages.create(to=ALICE, from_=SMS_FROM,
                                  body="Banjir \u2014 " + "a" * 70).num_segments == "2"
    encodings = {r["body"][:9]: r["encoding"] for r in recorded(local)}
    assert encodings["Banjir \u2014 "] == "UCS-2"


def test_listing_pages_through_everything(local: str) -> None:
    client = build_client(SID, TOKEN, local)
    sids = {client.messages.create(to=BOB, from_=SMS_FROM, body=f"n{i}").sid for i in range(5)}
    listed = [m.sid for m in client.messages.list(page_size=2)]
    assert set(listed) == sids and len(listed) == 5


def test_bad_credentials_and_invalid_to(local: str) -> None:
    with pytest.raises(TwilioRestException) as bad_auth:
        build_client(SID, "wrong-token", local).messages.create(
            to=ALICE, from_=SMS_FROM, body="x")
    assert (bad_auth.value.status, bad_auth.value.code) == (401, 20003)

    client = build_client(SID, TOKEN, local)
    for to in ("0812345678", "whatsapp:0812", "+0123", "abc"):
        with pytest.raises(TwilioRestException) as invalid:
            client.messages.create(to=to, from_=SMS_FROM, body="x")
        assert (invalid.value.status, invalid.value.code) == (400, 21211), to
    with pytest.raises(TwilioRestException) as mixed:
        client.messages.create(to=f"whatsapp:{ALICE}", from_=SMS_FROM, body="x")
    assert mixed.value.code == 21910
    assert recorded(local) == []


def test_edge_and_region_env_do_not_reroute(local: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_EDGE", "singapore")
    monkeypatch.setenv("TWILIO_REGION", "au1")
    client = build_client(SID, TOKEN, local)
    assert client.messages.create(to=ALICE, from_=SMS_FROM, body="edge").sid
    assert len(recorded(local)) == 1


def test_sdk_does_not_retry_by_itself(local: str) -> None:
    fail(local, to=ALICE, status=503, times=None)
    with pytest.raises(TwilioRestException) as exc:
        build_client(SID, TOKEN, local).messages.create(to=ALICE, from_=SMS_FROM, body="x")
    assert exc.value.status == 503
    assert len(attempts(local, ALICE)) == 1


# ---------------------------------------------------------------------------- sender


def test_sender_sends_once(local: str) -> None:
    outcome = sender_for(local).send(ALICE, "Halo", "sms", SMS_FROM, WA_FROM,
                                     "http://127.0.0.1:9/cb", "evt-1")
    assert outcome.status == "sent" and outcome.channel == "sms"
    assert outcome.attempts == 1 and outcome.error_code is None and not outcome.fallback
    [rec] = recorded(local)
    assert rec["sid"] == outcome.sid and rec["status_callback"] == "http://127.0.0.1:9/cb"


def test_429_then_success_retries_once(local: str) -> None:
    fail(local, to=ALICE, status=429, code=20429, times=1)
    outcome = sender_for(local).send(ALICE, "Halo", "sms", SMS_FROM, WA_FROM, None, "evt-2")
    assert outcome.status == "sent"
    assert outcome.attempts == 2
    assert len(recorded(local, ALICE)) == 1
    assert [a["status"] for a in attempts(local, ALICE)] == [429, 201]


def test_5xx_is_retried(local: str) -> None:
    fail(local, to=ALICE, status=500, times=2)
    outcome = sender_for(local).send(ALICE, "Halo", "sms", SMS_FROM, WA_FROM, None, "evt-3")
    assert (outcome.status, outcome.attempts) == ("sent", 3)
    assert [a["status"] for a in attempts(local, ALICE)] == [500, 500, 201]


def test_persistent_429_gives_up_within_bounds(local: str) -> None:
    fail(local, to=ALICE, code=20429, times=None)
    outcome = sender_for(local, RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.02,
                                            max_total=5.0)).send(
        ALICE, "Halo", "sms", SMS_FROM, WA_FROM, None, "evt-4")
    assert (outcome.status, outcome.error_code, outcome.http_status) == ("failed", 20429, 429)
    assert outcome.attempts == 4 == len(attempts(local, ALICE))
    assert recorded(local) == []


def test_total_time_budget_stops_retries(local: str) -> None:
    fail(local, to=ALICE, code=20429, times=None)
    policy = RetryPolicy(max_attempts=1000, base_delay=0.05, max_delay=0.05, max_total=0.3)
    started = time.monotonic()
    outcome = sender_for(local, policy).send(ALICE, "x", "sms", SMS_FROM, WA_FROM, None, "e5")
    elapsed = time.monotonic() - started
    assert outcome.status == "failed"
    assert 2 <= outcome.attempts < 1000
    assert elapsed < 0.3 + 1.0   # budget plus one request's worth of slack


def test_opted_out_is_not_retried(local: str) -> None:
    fail(local, to=ALICE, code=21610, times=None)
    outcome = sender_for(local).send(ALICE, "Halo", "sms", SMS_FROM, WA_FROM, None, "evt-6")
    assert (outcome.status, outcome.error_code, outcome.attempts) == ("opted_out", 21610, 1)
    assert len(attempts(local, ALICE)) == 1 and recorded(local) == []


@pytest.mark.parametrize("code", [21211, 21614])
def test_invalid_numbers_are_not_retried(local: str, code: int) -> None:
    fail(local, to=ALICE, code=code, times=None)
    outcome = sender_for(local).send(ALICE, "Halo", "sms", SMS_FROM, WA_FROM, None, f"e{code}")
    assert (outcome.status, outcome.error_code, outcome.attempts) == ("invalid", code, 1)
    assert len(attempts(local, ALICE)) == 1


def test_invalid_number_from_the_server_itself(local: str) -> None:
    outcome = sender_for(local).send("0812-3456", "x", "sms", SMS_FROM, WA_FROM, None, "e7")
    assert (outcome.status, outcome.error_code, outcome.attempts) == ("invalid", 21211, 1)


@pytest.mark.parametrize("code", [63016, 63003])
def test_whatsapp_failure_falls_back_to_sms(local: str, code: int) -> None:
    fail(local, to=ALICE, channel="whatsapp", code=code, times=None)
    outcome = sender_for(local).send(ALICE, "Halo", "whatsapp", SMS_FROM, WA_FROM, None,
                                     f"evt-wa-{code}")
    assert outcome.status == "sent" and outcome.channel == "sms"
    assert outcome.fallback and outcome.fallback_code == code and outcome.attempts == 2
    [rec] = recorded(local, ALICE)
    assert (rec["to"], rec["from"], rec["channel"]) == (ALICE, SMS_FROM, "sms")
    assert [a["to"] for a in attempts(local, ALICE)] == [f"whatsapp:{ALICE}", ALICE]


def test_whatsapp_success_stays_on_whatsapp(local: str) -> None:
    outcome = sender_for(local).send(ALICE, "Halo", "whatsapp", SMS_FROM, WA_FROM, None, "w1")
    assert (outcome.status, outcome.channel, outcome.fallback) == ("sent", "whatsapp", False)
    [rec] = recorded(local)
    assert (rec["to"], rec["from"]) == (f"whatsapp:{ALICE}", WA_FROM)


def test_whatsapp_without_a_sender_goes_sms(local: str) -> None:
    outcome = sender_for(local).send(ALICE, "Halo", "whatsapp", SMS_FROM, "", None, "w2")
    assert (outcome.status, outcome.channel, outcome.fallback) == ("sent", "sms", True)
    assert outcome.fallback_code is None and outcome.attempts == 1
    assert [a["to"] for a in attempts(local)] == [ALICE]


def test_same_idempotency_key_sends_once(local: str) -> None:
    sender = sender_for(local)
    first = sender.send(ALICE, "Halo", "sms", SMS_FROM, WA_FROM, None, "evt-dup")
    again = sender.send(ALICE, "Halo", "sms", SMS_FROM, WA_FROM, None, "evt-dup")
    assert again.sid == first.sid and again.deduplicated and not first.deduplicated
    assert len(recorded(local)) == 1
    sender.send(ALICE, "Halo", "sms", SMS_FROM, WA_FROM, None, "evt-other")
    assert len(recorded(local)) == 2


def test_unreachable_server_is_retried_then_fails() -> None:
    sock = _free_socket()      # bound but not listening: connection refused
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        outcome = sender_for(url, RetryPolicy(max_attempts=3, base_delay=0.01,
                                              max_delay=0.01)).send(
            ALICE, "x", "sms", SMS_FROM, WA_FROM, None, "e8")
    finally:
        sock.close()
    assert (outcome.status, outcome.attempts, outcome.http_status) == ("failed", 3, None)
    assert outcome.error_message and "ConnectionError" in outcome.error_message


# ---------------------------------------------------------------------------- webhooks


def test_signed_inbound_sms_verifies_and_tampered_does_not(local: str,
                                                           receiver: Receiver) -> None:
    url = f"{receiver.base}/webhooks/twilio/sms?src=test"
    r = HTTP.post(f"{local}/_local/inbound", json={
        "url": url, "from": ALICE, "to": SMS_FROM, "body": "butuh air 20 orang"})
    assert r.status_code == 200 and r.json()["response_status"] == 204
    got = receiver.get()
    form, signature = got["form"], got["headers"]["X-Twilio-Signature"]
    assert got["path"] == "/webhooks/twilio/sms?src=test"
    assert form["From"] == ALICE and form["To"] == SMS_FROM and form["AccountSid"] == SID
    assert form["Body"] == "butuh air 20 orang" and form["NumMedia"] == "0"
    assert form["MessageSid"].startswith("SM") and form["NumSegments"] == "1"
    validator = RequestValidator(TOKEN)
    assert validator.validate(url, form, signature)
    assert not RequestValidator("another-token").validate(url, form, signature)
    assert not validator.validate(url, {**form, "Body": "butuh air 200 orang"}, signature)
    assert not validator.validate(url.replace("src=test", "src=other"), form, signature)

    # A tampered request (field changed after signing) arrives and fails validation.
    HTTP.post(f"{local}/_local/inbound", json={
        "url": url, "from": ALICE, "to": SMS_FROM, "body": "butuh air", "tamper": True})
    bad = receiver.get()
    assert bad["form"]["Body"] != "butuh air"
    assert not validator.validate(url, bad["form"], bad["headers"]["X-Twilio-Signature"])


def test_whatsapp_location_inbound(local: str, receiver: Receiver) -> None:
    url = f"{receiver.base}/webhooks/twilio/whatsapp"
    HTTP.post(f"{local}/_local/inbound", json={
        "url": url, "channel": "whatsapp", "from": ALICE, "to": "+14155238886",
        "profile_name": "Siti", "latitude": -6.9147, "longitude": 107.6098,
        "address": "Jl. Braga", "label": "Posko Braga"})
    got = receiver.get()
    form = got["form"]
    assert form["From"] == f"whatsapp:{ALICE}" and form["To"] == "whatsapp:+14155238886"
    assert form["WaId"] == ALICE.removeprefix("+") and form["ProfileName"] == "Siti"
    assert (form["Latitude"], form["Longitude"]) == ("-6.9147", "107.6098")
    assert form["Address"] == "Jl. Braga" and form["Label"] == "Posko Braga"
    assert form["Body"] == "" and form["MessageType"] == "location"
    assert RequestValidator(TOKEN).validate(url, form, got["headers"]["X-Twilio-Signature"])


def test_signature_over_public_url_behind_a_proxy(local: str, receiver: Receiver) -> None:
    public = "https://siaga.example.org/webhooks/twilio/sms"
    HTTP.post(f"{local}/_local/inbound", json={
        "url": f"{receiver.base}/webhooks/twilio/sms", "signature_url": public,
        "from": ALICE, "body": "halo"})
    got = receiver.get()
    validator = RequestValidator(TOKEN)
    assert validator.validate(public, got["form"], got["headers"]["X-Twilio-Signature"])
    assert not validator.validate(f"{receiver.base}/webhooks/twilio/sms", got["form"],
                                  got["headers"]["X-Twilio-Signature"])


def test_status_callbacks_after_create(local: str, receiver: Receiver) -> None:
    HTTP.post(f"{local}/_local/config", json={"status_callbacks": True})
    callback = f"{receiver.base}/webhooks/twilio/status"
    outcome = sender_for(local).send(ALICE, "Halo", "sms", SMS_FROM, WA_FROM, callback, "cb1")
    statuses = []
    status: str | None = "queued"
    for _ in range(2):
        got = receiver.get()
        form = got["form"]
        assert form["MessageSid"] == outcome.sid and form["AccountSid"] == SID
        assert RequestValidator(TOKEN).validate(callback, form,
                                                got["headers"]["X-Twilio-Signature"])
        statuses.append(form["MessageStatus"])
        status = next_status(status, form["MessageStatus"])
    assert statuses == ["sent", "delivered"] and status == "delivered"
    assert recorded(local)[0]["status"] == "delivered"


def test_delivery_stage_failure_reports_undelivered(local: str, receiver: Receiver) -> None:
    HTTP.post(f"{local}/_local/config", json={"status_callbacks": True})
    fail(local, to=ALICE, channel="whatsapp", code=63016, stage="delivery")
    callback = f"{receiver.base}/status"
    outcome = sender_for(local).send(ALICE, "Halo", "whatsapp", SMS_FROM, WA_FROM, callback,
                                     "cb2")
    assert outcome.status == "sent" and outcome.channel == "whatsapp"   # accepted first
    forms = [receiver.get()["form"] for _ in range(2)]
    assert [f["MessageStatus"] for f in forms] == ["sent", "undelivered"]
    assert forms[1]["ErrorCode"] == "63016"
    rec = recorded(local)[0]
    assert (rec["status"], rec["error_code"]) == ("undelivered", 63016)


def test_status_callback_via_inbound_endpoint(local: str, receiver: Receiver) -> None:
    sid = build_client(SID, TOKEN, local).messages.create(to=ALICE, from_=SMS_FROM,
                                                          body="x").sid
    url = f"{receiver.base}/status"
    HTTP.post(f"{local}/_local/inbound", json={
        "url": url, "kind": "status", "message_sid": sid, "message_status": "failed",
        "error_code": 30003})
    got = receiver.get()
    assert got["form"]["MessageStatus"] == "failed" and got["form"]["ErrorCode"] == "30003"
    assert got["form"]["To"] == ALICE
    assert RequestValidator(TOKEN).validate(url, got["form"],
                                            got["headers"]["X-Twilio-Signature"])


def test_failure_rules_are_consumed(local: str) -> None:
    assert HTTP.post(f"{local}/_local/failures", json={"to": ALICE}).status_code == 422
    assert HTTP.post(f"{local}/_local/failures",
                     json={"code": 21610, "times": 0}).status_code == 422
    fail(local, to=ALICE, code=21610, times=2)
    [rule] = HTTP.get(f"{local}/_local/failures").json()["failures"]
    assert (rule["status"], rule["code"], rule["times"]) == (400, 21610, 2)
    client = build_client(SID, TOKEN, local)
    for _ in range(2):
        with pytest.raises(TwilioRestException):
            client.messages.create(to=ALICE, from_=SMS_FROM, body="x")
    assert HTTP.get(f"{local}/_local/failures").json()["failures"] == []
    assert client.messages.create(to=ALICE, from_=SMS_FROM, body="x").sid
    # A rule for another number does not fire.
    fail(local, to=BOB, code=21610)
    assert client.messages.create(to=ALICE, from_=SMS_FROM, body="y").sid


def test_html_page_lists_messages(local: str) -> None:
    build_client(SID, TOKEN, local).messages.create(to=ALICE, from_=SMS_FROM,
                                                    body="<b>Banjir</b>")
    page = HTTP.get(f"{local}/_local/").text
    assert ALICE in page and "&lt;b&gt;Banjir&lt;/b&gt;" in page and "<b>Banjir" not in page


# ---------------------------------------------------------------------------- fixtures


def test_recorded_fixtures_match_the_live_server(local: str) -> None:
    created = json.loads((FIXTURES / "create_message.json").read_text())
    live = build_client(SID, TOKEN, local).messages.create(to=ALICE, from_=SMS_FROM, body="x")
    raw = HTTP.get(f"{local}/2010-04-01/Accounts/{SID}/Messages/{live.sid}.json",
                    auth=(SID, TOKEN)).json()
    assert set(raw) == set(created["response"]["body"])
    assert created["request"]["form"]["To"].startswith("+")

    error = json.loads((FIXTURES / "error_21211.json").read_text())
    assert set(error["response"]["body"]) == {"code", "message", "more_info", "status"}

    for name in ("inbound_sms.json", "inbound_whatsapp_location.json",
                 "status_callback_delivered.json"):
        hook = json.loads((FIXTURES / name).read_text())
        validator = RequestValidator(hook["auth_token"])
        assert validator.validate(hook["url"], hook["params"], hook["signature"]), name
        assert not validator.validate(hook["url"], {**hook["params"], "From": "+1"},
                                      hook["signature"]), name


# ---------------------------------------------------------------------------- CLI


def test_cli_entry_point_serves_and_masks_numbers() -> None:
    sock = _free_socket()
    port = sock.getsockname()[1]
    sock.close()
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "siaga.services.twilio_local", "--host", "127.0.0.1",
         "--port", str(port), "--account-sid", SID, "--auth-token", TOKEN],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                HTTP.get(f"{base}/_local/messages", timeout=0.5)
                break
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "CLI server did not start"
                time.sleep(0.1)
        outcome = sender_for(base).send(ALICE, "Halo", "sms", SMS_FROM, WA_FROM, None, "cli")
        assert outcome.status == "sent"
        HTTP.get(f"{base}/_local/messages", params={"to": ALICE})
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=10)
    assert outcome.sid in output                       # it did log the send ...
    assert ALICE not in output and ALICE[1:] not in output   # ... without the number
