"""Canonical bytes of a ledger entry, its hash, and the prev_hash chain.

An entry is a JSON object of public fields. Its canonical form is JSON with sorted keys,
no whitespace, UTF-8 (not ASCII-escaped). Only types with one unambiguous JSON spelling are
allowed, so any other implementation (another language, a browser) reproduces the same bytes:
no floats (quantities are decimal strings, money is integer IDR), no bytes, no tuples, and
integers only within the range a JavaScript number holds exactly.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

GENESIS = "0" * 64  # prev_hash of entry 0

# Integers beyond 2**53 - 1 would be silently rounded by JavaScript verifiers.
MAX_SAFE_INT = 2**53 - 1


_SCALARS = frozenset({str, bool, type(None)})  # exact types that need no further look


def _check(value: Any, path: str) -> None:
    """Raise ValueError naming the first field whose type has no single JSON spelling.

    Exact-type tests first: this runs for every entry of a million-entry ledger.
    """
    t = type(value)
    if t in _SCALARS:
        return
    if t is int or (isinstance(value, int) and not isinstance(value, bool)):
        if abs(value) > MAX_SAFE_INT:
            raise ValueError(f"{path}: integer {value} is outside ±(2**53-1); use a decimal string")
        return
    if t is dict:
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{path or '<entry>'}: key {key!r} is not a string")
            ti = type(item)
            if ti not in _SCALARS and not (ti is int and -MAX_SAFE_INT <= item <= MAX_SAFE_INT):
                _check(item, f"{path}.{key}" if path else key)
        return
    if t is list:
        for i, item in enumerate(value):
            ti = type(item)
            if ti not in _SCALARS and not (ti is int and -MAX_SAFE_INT <= item <= MAX_SAFE_INT):
                _check(item, f"{path}[{i}]")
        return
    if isinstance(value, float):
        raise ValueError(f"{path}: floats are not allowed ({value!r}); use a decimal string")
    if isinstance(value, (str, bool)):  # subclasses such as StrEnum
        return
    if isinstance(value, (dict, list)):
        _check(dict(value) if isinstance(value, dict) else list(value), path)
        return
    raise ValueError(f"{path or '<entry>'}: type {t.__name__} is not allowed in an entry")


def _bad_string_path(value: Any, path: str) -> str | None:
    """Where a string that is not valid Unicode (a lone surrogate) sits; slow, errors only."""
    def bad(s: str) -> bool:
        try:
            s.encode("utf-8")
            return False
        except UnicodeEncodeError:
            return True
    if isinstance(value, str):
        return path if bad(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else key
            if bad(key):
                return sub
            found = _bad_string_path(item, sub)
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _bad_string_path(item, f"{path}[{i}]")
            if found:
                return found
    return None


def canonical(entry: dict[str, Any]) -> bytes:
    """The bytes an entry is hashed as. Raises ValueError naming the offending field."""
    if not isinstance(entry, dict):
        raise ValueError(f"<entry>: must be an object, not {type(entry).__name__}")
    _check(entry, "")
    text = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        where = _bad_string_path(entry, "") or "<entry>"
        raise ValueError(f"{where}: string is not valid Unicode (lone surrogate)") from None


def entry_hash(entry: dict[str, Any]) -> str:
    """Hex SHA-256 of canonical(entry); what the next entry's prev_hash must be."""
    return hashlib.sha256(canonical(entry)).hexdigest()


def _missing(first: int, last: int) -> str:
    return f"entries missing: seq {first}" if first == last else f"entries missing: seq {first}-{last}"


def chain_problems(entries: list[dict[str, Any]], hashes: Sequence[str | None] | None = None) -> list[str]:
    """Problems in a list of entry bodies that should be seq 0, 1, 2… each linked to the last.

    Each body carries `seq` and `prev_hash`; prev_hash must be entry_hash of the body before it
    (GENESIS for seq 0). Where an entry is missing, the link across the gap cannot be checked.
    `hashes`, if given, are the bodies' entry hashes already computed by the caller (None for a
    body that cannot be hashed), so a large ledger is not serialised twice.
    """
    problems: list[str] = []
    expected = 0
    prev: tuple[int, str | None] | None = None  # (seq, entry hash) of the last good body
    for pos, body in enumerate(entries):
        seq = body.get("seq") if isinstance(body, dict) else None
        if not isinstance(seq, int) or isinstance(seq, bool):
            problems.append(f"entry at position {pos}: has no integer seq")
            prev = None
            continue
        if seq < expected:
            problems.append(f"entry {seq}: out of order or repeated (after entry {expected - 1})")
            continue
        if seq > expected:
            problems.append(_missing(expected, seq - 1))
        prev_hash = body.get("prev_hash")
        if seq == 0:
            if prev_hash != GENESIS:
                problems.append("entry 0: prev_hash is not the genesis value")
        elif prev is not None and prev[0] == seq - 1 and prev[1] is not None and prev_hash != prev[1]:
            problems.append(f"entry {seq}: prev_hash does not match entry {seq - 1}")
        own: str | None
        if hashes is not None and hashes[pos] is not None:
            own = hashes[pos]
        else:
            try:
                own = hashlib.sha256(canonical(body)).hexdigest()
            except ValueError as exc:
                problems.append(f"entry {seq}: cannot be hashed: {exc}")
                own = None
        prev = (seq, own)
        expected = seq + 1
    return problems
