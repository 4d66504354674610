"""Checkpoints (C2SP tlog-checkpoint) as signed notes (C2SP signed-note), Ed25519 only.

A checkpoint note:

    <origin>
    <tree size, decimal, no leading zeros>
    <base64 root hash>
    [extension lines, opaque, non-empty; we add "time <RFC3339 UTC>"]

    — <key name> <base64(4-byte key hash || 64-byte Ed25519 signature)>

The signature covers the note text up to and including its last newline (not the blank line).
Key hash = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]; a verifier key is
written "<name>+<8 hex key hash>+<base64(0x01 || public key)>" as in Go's sumdb/note.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG_ED25519 = 0x01
SIG_PREFIX = "\u2014 "  # em dash, space
MAX_SIGNATURES = 100  # the spec asks verifiers to bound this and to accept at least 16
_SIZE_RE = re.compile(r"0|[1-9][0-9]*")


class CheckpointError(ValueError):
    """A checkpoint or verifier key is malformed, unsigned by the trusted key, or forged."""


def _b64decode(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise CheckpointError(f"{what} is not valid base64") from None
    if base64.b64encode(raw).decode() != text:  # one spelling per value, no ignored bits
        raise CheckpointError(f"{what} is not canonical base64")
    return raw


def _check_key_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name) or any(ord(c) < 0x20 for c in name):
        raise CheckpointError(f"key name {name!r} must be non-empty, without spaces or '+'")


def key_hash(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID that prefixes each signature."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


class Signer:
    """An Ed25519 private key with the key name it signs as."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        _check_key_name(name)
        self.name = name
        self._key = private_key
        self.public_key = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.key_hash = key_hash(name, self.public_key)

    @classmethod
    def generate(cls, name: str) -> Signer:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, pem: bytes | str, name: str) -> Signer:
        """Load a PKCS#8 PEM private key (the key name is not stored in PEM, so pass it)."""
        data = pem.encode() if isinstance(pem, str) else pem
        key = serialization.load_pem_private_key(data, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise CheckpointError("the PEM key is not an Ed25519 private key")
        return cls(name, key)

    def to_pem(self) -> bytes:
        """Unencrypted PKCS#8 PEM; keep it in the deployment's secret store."""
        return self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


def verifier_key(signer: Signer) -> str:
    """The public verifier key string users pin: name+hash+base64(0x01 || public key)."""
    material = base64.b64encode(bytes([ALG_ED25519]) + signer.public_key).decode()
    return f"{signer.name}+{signer.key_hash.hex()}+{material}"


@dataclass(frozen=True)
class VerifierKey:
    name: str
    key_hash: bytes
    public_key: bytes

    @property
    def key_id(self) -> str:
        return f"{self.name}+{self.key_hash.hex()}"


def parse_verifier_key(vkey: str) -> VerifierKey:
    # maxsplit: the base64 part may itself contain '+'; names cannot.
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        raise CheckpointError("verifier key must look like <name>+<8 hex digits>+<base64 key>")
    name, hash_hex, material = parts
    _check_key_name(name)
    if not re.fullmatch(r"[0-9a-f]{8}", hash_hex):
        raise CheckpointError("verifier key hash must be 8 lowercase hex digits")
    raw = _b64decode(material, "verifier key material")
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise CheckpointError("verifier key is not an Ed25519 (type 0x01) key")
    vk = VerifierKey(name, bytes.fromhex(hash_hex), raw[1:])
    if key_hash(name, vk.public_key) != vk.key_hash:
        raise CheckpointError("verifier key hash does not match its name and key")
    return vk


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_hash: bytes
    signature: bytes  # without the 4-byte key hash


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()
    signatures: tuple[NoteSignature, ...] = field(default=(), repr=False)
    body: str = field(default="", repr=False)  # the signed note text


def _note_body(origin: str, size: int, root: bytes, extensions: Iterable[str]) -> str:
    lines = [origin, str(size), base64.b64encode(root).decode(), *extensions]
    return "".join(line + "\n" for line in lines)


def sign_checkpoint(signer: Signer, origin: str, size: int, root: bytes, extensions: Iterable[str] = ()) -> str:
    """The full signed checkpoint note text."""
    exts = list(extensions)
    if not origin or "\n" in origin:
        raise CheckpointError("origin must be a non-empty single line")
    if not isinstance(size, int) or size < 0:
        raise CheckpointError("tree size must be a non-negative integer")
    if len(root) != 32:
        raise CheckpointError("root hash must be 32 bytes")
    if any(not e or "\n" in e for e in exts):
        raise CheckpointError("extension lines must be non-empty single lines")
    body = _note_body(origin, size, root, exts)
    _check_chars(body)
    sig = base64.b64encode(signer.key_hash + signer.sign(body.encode())).decode()
    return f"{body}\n{SIG_PREFIX}{signer.name} {sig}\n"


def _check_chars(text: str) -> None:
    # Signed notes must not contain ASCII control characters other than newline.
    for c in text:
        if ord(c) < 0x20 and c != "\n":
            raise CheckpointError(f"note contains control character {ord(c):#04x}")


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint note without checking signatures (do not trust it before verifying)."""
    if not isinstance(text, str):
        raise CheckpointError("checkpoint must be text")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CheckpointError("checkpoint is not valid UTF-8") from None
    _check_chars(text)
    if not text.endswith("\n"):
        raise CheckpointError("checkpoint must end with a newline")
    cut = text.rfind("\n\n")  # the last blank line separates text from signatures
    if cut < 0:
        raise CheckpointError("checkpoint has no blank line before its signatures")
    body, sig_block = text[: cut + 1], text[cut + 2 :]

    signatures: list[NoteSignature] = []
    for line in sig_block.split("\n")[:-1]:
        if not line.startswith(SIG_PREFIX):
            raise CheckpointError(f"malformed signature line {line[:40]!r}")
        name, _, b64 = line[len(SIG_PREFIX) :].partition(" ")
        _check_key_name(name)
        raw = _b64decode(b64, f"signature by {name}")
        if len(raw) < 5:
            raise CheckpointError(f"signature by {name} is too short")
        signatures.append(NoteSignature(name, raw[:4], raw[4:]))
        if len(signatures) > MAX_SIGNATURES:
            raise CheckpointError("too many signatures")
    if not signatures:
        raise CheckpointError("checkpoint has no signatures")

    lines = body.split("\n")[:-1]
    if len(lines) < 3 or any(not line for line in lines):
        raise CheckpointError("checkpoint text needs origin, size and root lines, none empty")
    origin, size_text, root_text, *extensions = lines
    if not _SIZE_RE.fullmatch(size_text):
        raise CheckpointError(f"tree size {size_text[:40]!r} is not a decimal number without leading zeros")
    root = _b64decode(root_text, "root hash")
    if len(root) != 32:
        raise CheckpointError("root hash is not 32 bytes")
    return Checkpoint(origin, int(size_text), root, tuple(extensions), tuple(signatures), body)


def verify_checkpoint(text: str, vkey: str) -> Checkpoint:
    """Parse a checkpoint and require a valid signature by the key `vkey`.

    Signatures by other keys are ignored (the spec allows cosigners and key rotation);
    a signature that claims to be ours but does not verify rejects the whole note.
    """
    key = parse_verifier_key(vkey)
    cp = parse_checkpoint(text)
    ours = [s for s in cp.signatures if s.name == key.name and s.key_hash == key.key_hash]
    if not ours:
        names = ", ".join(sorted({f"{s.name}+{s.key_hash.hex()}" for s in cp.signatures}))
        raise CheckpointError(f"not signed by the trusted key {key.key_id} (signed by: {names})")
    public = Ed25519PublicKey.from_public_bytes(key.public_key)
    for sig in ours:
        try:
            public.verify(sig.signature, cp.body.encode())
        except InvalidSignature:
            raise CheckpointError(f"bad signature by {key.key_id}") from None
    return cp
