"""Did a message go out? Asked of Twilio's message list when our own record cannot say:
after a crash between the send and its record, and after a send that failed without a
clear answer (timeout, 5xx) before it is retried.

We list the recipient's newest messages and match the exact body, a creation time after the
attempt started, and a sid no other notification owns. The list is not filtered by
DateSent: that filter has day granularity and a message still queued at Twilio has no
date_sent yet, so it would be missed."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import requests
from twilio.base.exceptions import TwilioRestException

from siaga.core.phone import mask_address

log = logging.getLogger("siaga.notifier.reconcile")

LIST_LIMIT = 50                  # newest messages per address: one person gets few messages
CLOCK_SKEW = timedelta(minutes=2)  # our clock vs Twilio's, and RFC 2822's whole seconds

KnownSids = Callable[[list[str]], set[str]]


def find_sent(client, to: str, channel: str, body: str, since: datetime,
              known: KnownSids) -> tuple[str, str] | None:
    """(sid, channel) of a message to `to` with this body created after `since`, or None.

    For WhatsApp both addresses are searched: the sender may have fallen back to SMS."""
    number = to.removeprefix("whatsapp:")
    addresses = [f"whatsapp:{number}", number] if channel == "whatsapp" else [number]
    found: dict[str, object] = {}
    for address in addresses:
        for m in client.messages.list(to=address, limit=LIST_LIMIT):
            created = m.date_created
            if (m.body == body and created is not None and created >= since - CLOCK_SKEW
                    and m.direction in (None, "outbound-api")   # not TwiML replies
                    and m.to in (address, number, f"whatsapp:{number}")):
                found[m.sid] = m
    if not found:
        return None
    owned = known(list(found))
    free = sorted((m for sid, m in found.items() if sid not in owned), key=lambda m: m.date_created)
    if not free:
        return None
    m = free[0]
    return m.sid, "whatsapp" if str(m.to).startswith("whatsapp:") else "sms"


class _CheckedMessages:
    """messages.create that, when the answer is lost (no response or 5xx), first asks Twilio
    whether the message was created anyway, so the sender's retry cannot send it twice."""

    def __init__(self, client, known: KnownSids) -> None:
        self._client, self._known = client, known

    def create(self, **kwargs):
        started = datetime.now(timezone.utc)
        try:
            return self._client.messages.create(**kwargs)
        except (requests.RequestException, TwilioRestException) as exc:
            if isinstance(exc, TwilioRestException) and (exc.status or 0) < 500:
                raise
            try:
                hit = self._lookup(kwargs["to"], kwargs["body"], started)
            except Exception as lookup_exc:  # Twilio unreachable: we cannot know; the sender retries
                log.warning("could not check whether a failed send went out: %s", lookup_exc)
                raise exc from None
            if hit is None:
                raise
            log.info("send to %s had no clear answer but Twilio has it: %s", mask_address(kwargs["to"]), hit.sid)
            return hit

    def _lookup(self, to: str, body: str, started: datetime):
        for m in self._client.messages.list(to=to, limit=LIST_LIMIT):
            if (m.body == body and m.date_created is not None
                    and m.date_created >= started - CLOCK_SKEW and m.direction in (None, "outbound-api")
                    and m.sid not in self._known([m.sid])):
                return m
        return None

    def list(self, **kwargs):
        return self._client.messages.list(**kwargs)


class CheckedClient:
    """The subset of twilio.rest.Client that TwilioSender uses, with checked creates."""

    def __init__(self, client, known: KnownSids) -> None:
        self.client = client
        self.messages = _CheckedMessages(client, known)
