"""The ledger writer: every donation event becomes one entry of the public chain.

It is the only writer of the chain. Appends queue on one database lock (services/ledger/
store.py), so a second worker or a restart cannot fork it; a replayed event finds its entry.
After each batch: the receipt messages (stable ids: the notifier sends each once), a live
update per campaign, and a signed checkpoint of the new tree head."""
from __future__ import annotations

import asyncio
import logging

import psycopg

from siaga.core.dispatch.notify import notification
from siaga.infra.settings import get_settings
from siaga.schemas.events import SituationUpdate
from siaga.schemas.stages import LEDGER
from siaga.schemas.topics import Topic
from siaga.services.db import worker_pool
from siaga.services.ledger import keys, store
from siaga.services.ledger.totals import campaign_totals
from siaga.streams.app import app, raw_topic
from siaga.streams.codec import dead_letter, decode

log = logging.getLogger("siaga.ledger")
BATCH, WITHIN = 100, 0.05

_signer = None
_key_published = False   # the public key goes into ledger_keys once per process, not per batch
_leaves = store.Leaves()


def _key():
    global _signer
    if _signer is None:
        s = get_settings()
        _signer = keys.load_or_create(s.ledger_key_file, s.ledger_origin)
    return _signer


def _rupiah(n: int) -> str:
    return "Rp" + f"{n:,}".replace(",", ".")


async def _write(pairs: list) -> list:
    """Append a batch in one transaction; the refused go to the dead-letter topic."""
    global _key_published
    signer = _key()
    secret = keys.receipt_secret(signer)
    delay = 0.5
    while True:
        try:
            async with (await worker_pool()).connection() as conn:
                if not _key_published:
                    await store.publish_key(conn, signer)
                    _key_published = True
                done, refused = [], []
                async with conn.transaction():
                    for event, raw in pairs:
                        why = await store.refusal(conn, event)
                        if why:
                            refused.append((raw, why))
                            continue
                        done.append((event, await store.append(conn, event, secret)))
                return done, refused
        except psycopg.OperationalError as exc:   # the database away for a moment: wait, keep order
            log.warning("database unavailable (%s); retrying in %.1fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10)


async def _after(done: list) -> None:
    base = get_settings().public_base_url.rstrip("/")
    for event, a in done:
        if event.donor_phone and event.kind in ("received", "pledged"):
            amount = _rupiah(event.money.amount_idr) if event.money else f"{a.body['goods']['quantity']} {a.body['goods']['unit']}"
            n = notification(event.donor_phone, "sms", "donation_receipt", "id",
                             {"amount": amount, "campaign": event.campaign, "code": a.receipt,
                              "url": f"{base}/ledger/receipt/{a.receipt}"}, ("receipt", str(event.donation_id)))
            if n is not None:
                await raw_topic(Topic.NOTIFICATIONS).send(key=str(n.notification_id).encode(), value=n.to_bytes())
    async with (await worker_pool()).connection() as conn:
        for slug in sorted({e.campaign for e, _ in done}):
            t = await campaign_totals(conn, slug)
            u = SituationUpdate(kind="donation", status="recorded", detail={"campaign": slug, **t.public()},
                                source="ledger")
            await raw_topic(Topic.SITUATION_UPDATES).send(key=slug.encode(), value=u.to_bytes())
        await store.checkpoint(conn, _key(), get_settings().ledger_origin, _leaves)


@app.agent(raw_topic(LEDGER.inputs[0]), name=LEDGER.agent)
async def ledger(stream):
    async for batch in stream.take_events(BATCH, within=WITHIN):
        pairs = []
        for raw in batch:
            event = await decode(raw, LEDGER.event_types())
            if event is not None:
                pairs.append((event, raw))
        if not pairs:
            continue
        done, refused = await _write(pairs)
        for raw, why in refused:
            m = raw.message
            log.warning("ledger refused %s[%s]@%s: %s", m.topic, m.partition, m.offset, why)
            await dead_letter(raw, f"refused by the ledger: {why}")
        if done:
            await _after(done)
