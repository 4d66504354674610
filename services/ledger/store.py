"""The ledger in PostgreSQL: the single writer's append and checkpoint, and the readers' queries.

One chain, whatever runs: every append takes one transaction-scoped advisory lock before it
reads the head, so two workers (or a zombie after a rebalance) queue instead of forking."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from siaga.core.ledger import entry as ledger_entry
from siaga.core.ledger import merkle
from siaga.core.ledger.canonical import GENESIS, canonical, entry_hash
from siaga.core.ledger.checkpoint import Signer, sign_checkpoint, verifier_key
from siaga.schemas.events import DonationEvent

APPEND_LOCK = 7324102


@dataclass(frozen=True)
class Appended:
    seq: int
    body: dict
    receipt: str
    new: bool


async def append(conn, e: DonationEvent, receipt_secret: bytes) -> Appended:
    """Append the event's entry (inside the caller's transaction). A replayed event finds its
    entry and gets it back with new=False: the chain never holds one donation twice."""
    await conn.execute("SELECT pg_advisory_xact_lock(%s)", (APPEND_LOCK,))
    code = ledger_entry.receipt_code(receipt_secret, str(e.donation_id))
    row = await (await conn.execute("SELECT seq, body FROM ledger_entries WHERE entry_id = %s",
                                    (e.donation_id,))).fetchone()
    if row is not None:
        return Appended(row[0], json.loads(row[1]), code, new=False)
    head = await (await conn.execute(
        "SELECT seq, entry_hash FROM ledger_entries ORDER BY seq DESC LIMIT 1")).fetchone()
    seq, prev = (head[0] + 1, head[1]) if head else (0, GENESIS)
    body = ledger_entry.body(e, seq, prev)
    data = canonical(body)
    await conn.execute(
        "INSERT INTO ledger_entries (seq, entry_id, event_id, body, entry_hash, leaf_hash) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        (seq, e.donation_id, e.event_id, data.decode(), entry_hash(body), merkle.leaf_hash(data)))
    await conn.execute("INSERT INTO ledger_receipts (code, entry_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                       (code, e.donation_id))
    if e.kind == "received" and e.goods is not None and e.pickup is not None and e.corrects is None:
        # Goods waiting at a pickup point: the supply round sends them to open needs nearby.
        g, p = e.goods, e.pickup
        await conn.execute(
            "INSERT INTO supplies (entry_id, campaign, category, item, unit, quantity, remaining, pickup, pickup_name) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s) "
            "ON CONFLICT DO NOTHING",
            (e.donation_id, e.campaign, g.category.value, g.item, g.unit, body["goods"]["quantity"],
             body["goods"]["quantity"], p.lon, p.lat, p.place_name))
    return Appended(seq, body, code, new=True)


async def refusal(conn, e: DonationEvent) -> str | None:
    """What the database knows that the event alone does not: the campaign, the corrected entry."""
    why = ledger_entry.refusal(e)
    if why:
        return why
    row = await (await conn.execute("SELECT status FROM campaigns WHERE slug = %s", (e.campaign,))).fetchone()
    if row is None:
        return f"no campaign {e.campaign!r}"
    if e.corrects is not None:
        c = await (await conn.execute("SELECT body FROM ledger_entries WHERE entry_id = %s",
                                      (e.corrects,))).fetchone()
        if c is None:
            return f"the corrected entry {e.corrects} is not in the ledger"
        if json.loads(c[0])["campaign"] != e.campaign:
            return "a correction stays in the campaign of the entry it corrects"
    return None


class Leaves:
    """The leaf hashes in order, loaded once and then only what is new (the root of a checkpoint
    needs all of them; reading a million 32-byte hashes each time would be wasteful)."""

    def __init__(self) -> None:
        self.hashes: list[bytes] = []

    async def refresh(self, conn) -> list[bytes]:
        rows = await (await conn.execute(
            "SELECT seq, leaf_hash FROM ledger_entries WHERE seq >= %s ORDER BY seq",
            (len(self.hashes),))).fetchall()
        for seq, leaf in rows:
            if seq != len(self.hashes):
                raise RuntimeError(f"ledger has a gap before seq {seq}")
            self.hashes.append(bytes(leaf))
        return self.hashes


async def checkpoint(conn, signer: Signer, origin: str, leaves: Leaves,
                     now: datetime | None = None) -> str | None:
    """Sign the current tree head if it grew since the last checkpoint. Returns the note."""
    hashes = await leaves.refresh(conn)
    size = len(hashes)
    last = await (await conn.execute("SELECT max(size) FROM ledger_checkpoints")).fetchone()
    if size == 0 or (last[0] is not None and last[0] >= size):
        return None
    root = merkle.root(hashes[:size])
    at = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    note = sign_checkpoint(signer, origin, size, root, [f"time {at}"])
    await conn.execute("INSERT INTO ledger_checkpoints (size, root_hash, note) VALUES (%s, %s, %s) "
                       "ON CONFLICT DO NOTHING", (size, root.hex(), note))
    return note


async def publish_key(conn, signer: Signer) -> str:
    vkey = verifier_key(signer)
    await conn.execute("INSERT INTO ledger_keys (vkey) VALUES (%s) ON CONFLICT DO NOTHING", (vkey,))
    return vkey
