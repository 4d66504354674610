"""Check a served ledger against its signed checkpoints, without trusting the server.

Input is what the API serves: items {"seq": int, "entry_hash": hex, "body": dict}, where
the body (which itself holds seq and prev_hash) is what gets hashed, and checkpoint notes,
oldest first. The checks, each reported as a sentence naming the entry or checkpoint:

- every item: body hashes to entry_hash, body seq equals the listed seq;
- the list: seq 0, 1, 2… served in order, none missing or repeated;
- the chain: each prev_hash is the hash of the body before it (GENESIS for entry 0);
- every checkpoint: signed by the trusted key, for this origin, and its root equals the
  Merkle root over the first `size` bodies recomputed here. This catches a history rewritten
  with all hashes and links recomputed, which the chain alone cannot;
- a previous checkpoint the user saved: signed by the same key, and this ledger extends it.
"""
from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field
from typing import Any

from siaga.core.ledger import merkle
from siaga.core.ledger.canonical import canonical, chain_problems
from siaga.core.ledger.checkpoint import Checkpoint, CheckpointError, parse_checkpoint, parse_verifier_key, verify_checkpoint


@dataclass
class Report:
    entries: int = 0                   # items served
    checkpoints_checked: int = 0       # checkpoints whose signature verified
    latest_size: int | None = None     # largest verified checkpoint
    latest_root: bytes | None = None
    unsigned_entries: int = 0          # entries after the latest checkpoint (not yet signed)
    previous_size: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Entry:
    seq: int
    body: dict
    data: bytes | None  # canonical(body); None when the body cannot be hashed
    hash: str | None    # hex SHA-256 of data


def _read_items(entries: list[Any], problems: list[str]) -> list[_Entry]:
    """Per-item checks; returns the readable items in served order."""
    out: list[_Entry] = []
    for pos, item in enumerate(entries):
        seq = item.get("seq") if isinstance(item, dict) else None
        body = item.get("body") if isinstance(item, dict) else None
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 or not isinstance(body, dict):
            problems.append(f"entry at position {pos}: malformed (needs integer seq and object body)")
            continue
        if body.get("seq") != seq:
            problems.append(f"entry {seq}: listed as seq {seq} but its body says seq {body.get('seq')!r}")
        try:
            data: bytes | None = canonical(body)
        except ValueError:
            data = None  # chain_problems names the field
        digest = hashlib.sha256(data).hexdigest() if data is not None else None
        if digest is not None and digest != item.get("entry_hash"):
            problems.append(f"entry {seq}: its hash does not match its content")
        out.append(_Entry(seq, body, data, digest))
    return out


def _in_seq_order(items: list[_Entry], problems: list[str]) -> list[_Entry]:
    """Report order and duplicates, then return the items sorted by seq, first copy kept."""
    for a, b in zip(items, items[1:]):
        if b.seq < a.seq:
            problems.append(f"entries out of order: seq {a.seq} served before seq {b.seq}")
    by_seq: dict[int, _Entry] = {}
    for it in items:
        first = by_seq.setdefault(it.seq, it)
        if first is not it:
            same = first.data is not None and first.data == it.data
            problems.append(f"entry {it.seq}: served more than once" + ("" if same else " with different content"))
    return [by_seq[s] for s in sorted(by_seq)]


def verify_ledger(
    entries: list[dict],
    checkpoints: list[str],
    vkey: str | None,
    previous: str | None = None,
    *,
    origin: str | None = None,
) -> Report:
    """Verify served ledger items and checkpoint notes (oldest first) against the key `vkey`.

    `previous` is an older checkpoint the user saved; `origin`, if given, is the log
    identity every checkpoint must carry. With no key (None) only the entries are checked.
    """
    report = Report(entries=len(entries))
    problems = report.problems

    items = _in_seq_order(_read_items(entries, problems), problems)
    problems.extend(chain_problems([it.body for it in items], [it.hash for it in items]))

    # Leaves are the unbroken run of hashable entries from seq 0; a checkpoint beyond a gap
    # cannot be recomputed.
    leaves: list[bytes] = []
    for expected, it in enumerate(items):
        if it.seq != expected or it.data is None:
            break
        leaves.append(merkle.leaf_hash(it.data))
    complete = len(leaves) == len(items)

    key: str | None = None  # the trusted key, once it is known to be well-formed
    if vkey is None:
        problems.append("no verifier key: the checkpoints cannot be checked")
    else:
        try:
            parse_verifier_key(vkey)
            key = vkey
        except CheckpointError as exc:
            problems.append(f"trusted key: {exc}")

    # Signatures and origins first; roots are recomputed in one pass afterwards.
    verified: list[Checkpoint] = []
    last_size: int | None = None
    for i, text in enumerate(checkpoints, 1):
        try:
            cp = parse_checkpoint(text)
        except CheckpointError as exc:
            problems.append(f"checkpoint #{i}: malformed: {exc}")
            continue
        if key is None:
            continue
        label = f"checkpoint of size {cp.size}"
        try:
            verify_checkpoint(text, key)
        except CheckpointError as exc:
            problems.append(f"{label}: {exc}")
            continue  # an unverified note says nothing; don't compare its root
        if origin is not None and cp.origin != origin:
            problems.append(f"{label}: origin {cp.origin!r} is not this ledger's origin {origin!r}")
        if last_size is not None and cp.size < last_size:
            problems.append(f"{label}: listed after a checkpoint of size {last_size}")
        last_size = cp.size if last_size is None else max(last_size, cp.size)
        verified.append(cp)
    report.checkpoints_checked = len(verified)

    prev_cp: Checkpoint | None = None
    if previous is not None and key is not None:
        try:
            prev_cp = verify_checkpoint(previous, key)
        except CheckpointError as exc:
            problems.append(f"previous checkpoint: {exc}")
        else:
            report.previous_size = prev_cp.size
            if origin is not None and prev_cp.origin != origin:
                problems.append(f"previous checkpoint: origin {prev_cp.origin!r} "
                                f"is not this ledger's origin {origin!r}")

    sizes = {cp.size for cp in verified} | ({prev_cp.size} if prev_cp else set())
    roots = merkle.roots_at(leaves, [s for s in sizes if s <= len(leaves)])

    def beyond() -> str:
        if complete:
            return f"the ledger has only {len(leaves)} entries"
        return f"cannot be checked: entry {len(leaves)} is missing or unreadable"

    good_sizes = sorted(cp.size for cp in verified if roots.get(cp.size) == cp.root)
    for cp in verified:
        label = f"checkpoint of size {cp.size}"
        if cp.size > len(leaves):
            problems.append(f"{label}: {beyond()}")
        elif roots[cp.size] != cp.root:
            # The first altered entry lies after the largest checkpoint that still matches.
            i = bisect.bisect_left(good_sizes, cp.size)
            lo = good_sizes[i - 1] if i else 0
            where = f"seq {lo}" if lo == cp.size - 1 else f"seq {lo}-{cp.size - 1}"
            problems.append(f"{label}: root does not match the entries (first difference within {where})")

    if prev_cp is not None:
        if prev_cp.size > len(leaves):
            problems.append(f"previous checkpoint size {prev_cp.size} is not a prefix of this ledger: {beyond()}")
        elif roots[prev_cp.size] != prev_cp.root:
            problems.append(f"previous checkpoint size {prev_cp.size} is not a prefix of this ledger")

    if verified:
        latest = max(verified, key=lambda cp: cp.size)
        report.latest_size, report.latest_root = latest.size, latest.root
        report.unsigned_entries = max(0, len(items) - latest.size)
    elif key is not None and items:
        problems.append("no checkpoint signed by the trusted key: nothing in this ledger is signed")
    return report
