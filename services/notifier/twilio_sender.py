"""Send SMS/WhatsApp through the real `twilio` SDK with Siaga's own retry policy.

- build_client(): a twilio.rest.Client, pointed at services.twilio_local when base_url is
  given (dev/demo/CI) and at Twilio otherwise. The SDK never retries by itself here.
- TwilioSender.send(): one message, synchronously (the notifier calls it from a worker
  thread), applying core.send_policy: retry 429/5xx with full-jitter backoff inside a time
  budget, never retry invalid/opted-out numbers, fall back from WhatsApp to SMS.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from siaga.core.phone import mask_address
from siaga.core.send_policy import (
    INVALID_RECIPIENT_CODES,
    Action,
    RetryPolicy,
    backoff_delay,
    classify,
)

log = logging.getLogger("siaga.notifier.twilio")

Channel = Literal["sms", "whatsapp"]
OutcomeStatus = Literal["sent", "failed", "opted_out", "invalid"]


class _NoRetryHttpClient(TwilioHttpClient):
    """TwilioHttpClient with urllib3 retries off on both schemes.

    requests' default is already 0 retries; mounting explicit adapters keeps it that way if
    a future SDK changes its default, so the only retry loop is ours (a hidden retry of a
    POST could send a message twice).
    """

    def __init__(self, timeout: float) -> None:
        super().__init__(pool_connections=True, timeout=timeout, max_retries=0)
        assert self.session is not None
        for scheme in ("https://", "http://"):
            self.session.mount(scheme, HTTPAdapter(max_retries=0, pool_maxsize=16))


class _BaseUrlHttpClient(_NoRetryHttpClient):
    """Rewrites scheme+host of every SDK request to `base_url` (the local Twilio server).

    Rewriting at the HTTP layer covers every domain the SDK may build (api., messaging.,
    edge/region variants) and paging URLs, not only client.api.
    """

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout)
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base_url must be http(s)://host[:port], got {base_url!r}")
        self._scheme, self._netloc = parts.scheme, parts.netloc
        self._prefix = parts.path.rstrip("/")
        assert self.session is not None
        # A local server: HTTP(S)_PROXY from the environment must not capture loopback calls.
        self.session.trust_env = False

    def request(self, method: str, url: str, *args: object, **kwargs: object) -> Response:
        parts = urlsplit(url)
        local = urlunsplit((self._scheme, self._netloc, self._prefix + parts.path,
                            parts.query, parts.fragment))
        return super().request(method, local, *args, **kwargs)  # type: ignore[arg-type]


def build_client(
    account_sid: str,
    auth_token: str,
    base_url: str | None,
    *,
    timeout: float = 10.0,
) -> Client:
    """A real twilio.rest.Client; with `base_url` every request goes to that server.

    TWILIO_EDGE / TWILIO_REGION are ignored when base_url is set: the SDK would otherwise
    rebuild hostnames (api.sydney.au1.twilio.com) and, worse, mangle an IP host.
    """
    if not base_url:
        return Client(account_sid, auth_token, http_client=_NoRetryHttpClient(timeout))
    client = Client(account_sid, auth_token,
                    http_client=_BaseUrlHttpClient(base_url, timeout))
    client.edge = None
    client.region = None
    return client


@dataclass(frozen=True)
class SendOutcome:
    """Result of TwilioSender.send.

    status "sent" means Twilio accepted the message (queued); delivery is reported later by
    status callbacks. `channel` is the channel of the last attempt (sms after a fallback).
    `attempts` counts REST calls over all channels.
    """

    status: OutcomeStatus
    sid: str | None
    channel: Channel
    error_code: int | None
    attempts: int
    fallback: bool = False              # WhatsApp asked for, SMS used (63016/63003, or
                                        # no WhatsApp sender configured)
    fallback_code: int | None = None    # the WhatsApp error that caused the fallback
    http_status: int | None = None
    error_message: str | None = None
    idempotency_key: str | None = None
    deduplicated: bool = False          # returned from the in-process cache, not resent


class _Attempt:
    """Outcome of one REST call, reduced to what the policy needs."""

    __slots__ = ("sid", "status", "code", "message")

    def __init__(self, sid: str | None = None, status: int | None = None,
                 code: int | None = None, message: str | None = None) -> None:
        self.sid, self.status, self.code, self.message = sid, status, code, message


def _wa(address: str) -> str:
    return address if address.startswith("whatsapp:") else f"whatsapp:{address}"


def _plain(address: str) -> str:
    return address.removeprefix("whatsapp:")


class TwilioSender:
    """Sends one message with retries, opt-out detection and WhatsApp->SMS fallback.

    Thread-safe: one instance can serve the notifier's worker threads. `sleep`, `clock` and
    `rng` are injectable so tests run with tiny, deterministic delays.

    Idempotency: successful sends are remembered per idempotency_key (LRU, this process
    only), so a redelivered event does not text someone twice. Twilio's Messages API has
    no idempotency key, so cross-process dedup is the caller's job (store the outcome).
    """

    def __init__(
        self,
        client: Client,
        policy: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        dedup_size: int = 10_000,
    ) -> None:
        self.client = client
        self.policy = policy or RetryPolicy()
        self._sleep, self._clock = sleep, clock
        self._rng = rng or random.Random()
        self._done: OrderedDict[str, SendOutcome] = OrderedDict()
        self._dedup_size = dedup_size
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ public
    def send(
        self,
        to: str,
        body: str,
        channel: Channel,
        sender_sms: str,
        sender_whatsapp: str,
        status_callback: str | None,
        idempotency_key: str,
    ) -> SendOutcome:
        """Send `body` to `to` (E.164, with or without a whatsapp: prefix)."""
        if channel not in ("sms", "whatsapp"):
            raise ValueError(f"channel must be sms or whatsapp, got {channel!r}")
        with self._lock:
            cached = self._done.get(idempotency_key)
        if cached is not None:
            log.info("dedup %s to=%s", idempotency_key, mask_address(to))
            return replace(cached, deduplicated=True)

        outcome = self._send(to, body, channel, sender_sms, sender_whatsapp,
                             status_callback, idempotency_key)
        if outcome.status in ("sent", "opted_out", "invalid"):
            # Final answers are cached; "failed" may succeed if the event is retried later.
            with self._lock:
                self._done[idempotency_key] = outcome
                self._done.move_to_end(idempotency_key)
                while len(self._done) > self._dedup_size:
                    self._done.popitem(last=False)
        return outcome

    # ------------------------------------------------------------------ internals
    def _send(self, to: str, body: str, channel: Channel, sender_sms: str,
              sender_whatsapp: str, status_callback: str | None, key: str) -> SendOutcome:
        deadline = self._clock() + self.policy.max_total
        number = _plain(to)
        plan: list[tuple[Channel, str, str]] = []
        # No WhatsApp sender configured: SMS straight away, reported as a fallback.
        skipped_whatsapp = channel == "whatsapp" and not sender_whatsapp
        if channel == "whatsapp" and not skipped_whatsapp:
            plan.append(("whatsapp", _wa(number), _wa(sender_whatsapp)))
        plan.append(("sms", number, _plain(sender_sms)))

        attempts = 0
        fallback_code: int | None = None
        fell_back = skipped_whatsapp
        last = _Attempt()
        used: Channel = channel
        for used, address, sender in plan:
            retries = 0
            while True:
                attempts += 1
                last = self._create(address, sender, body, status_callback)
                common = dict(channel=used, attempts=attempts, idempotency_key=key,
                              fallback=fell_back, fallback_code=fallback_code)
                if last.sid is not None:
                    log.info("sent %s via %s to=%s attempts=%d", last.sid, used,
                             mask_address(address), attempts)
                    return SendOutcome("sent", last.sid, error_code=None, **common)

                action = classify(last.status, last.code)
                log.info("send failed via %s to=%s status=%s code=%s -> %s", used,
                         mask_address(address), last.status, last.code, action.value)
                failure = dict(error_code=last.code, http_status=last.status,
                               error_message=last.message, **common)
                if action is Action.opted_out:
                    return SendOutcome("opted_out", None, **failure)
                if action is Action.fallback_sms and used == "whatsapp":
                    fallback_code, fell_back = last.code, True
                    break   # next channel in the plan: SMS
                if action is Action.retry and retries + 1 < self.policy.max_attempts:
                    delay = backoff_delay(retries, self.policy.base_delay,
                                          self.policy.max_delay, self._rng)
                    if self._clock() + delay <= deadline:
                        self._sleep(delay)
                        retries += 1
                        continue
                status: OutcomeStatus = (
                    "invalid" if last.code in INVALID_RECIPIENT_CODES else "failed")
                return SendOutcome(status, None, **failure)
        # Only reachable if the plan were empty; keep the type checker and readers calm.
        return SendOutcome("failed", None, used, last.code, attempts, idempotency_key=key)

    def _create(self, to: str, from_: str, body: str,
                status_callback: str | None) -> _Attempt:
        kwargs: dict[str, str] = {"to": to, "from_": from_, "body": body}
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**kwargs)
            return _Attempt(sid=message.sid)
        except TwilioRestException as exc:
            return _Attempt(status=exc.status, code=_int(exc.code), message=exc.msg)
        except TwilioServiceException as exc:
            return _Attempt(status=exc.status, code=_int(exc.code), message=exc.title)
        except requests.RequestException as exc:
            # No HTTP answer (refused, reset, timeout): classify(None, None) retries it.
            return _Attempt(message=f"{type(exc).__name__}: {exc}")


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None

