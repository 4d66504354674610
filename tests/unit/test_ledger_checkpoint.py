"""core.ledger.checkpoint: C2SP signed-note / tlog-checkpoint with Ed25519."""
from __future__ import annotations

import base64
import hashlib
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from siaga.core.ledger.checkpoint import (
    CheckpointError,
    Signer,
    key_hash,
    parse_checkpoint,
    parse_verifier_key,
    sign_checkpoint,
    verifier_key,
    verify_checkpoint,
)
from siaga.core.ledger.merkle import root

ORIGIN = "siaga.example/ledger"
ROOT = hashlib.sha256(b"some tree").digest()
TIME = "time 2025-03-01T08:00:00Z"


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes(range(32))))


@pytest.fixture(scope="module")
def note(signer) -> str:
    return sign_checkpoint(signer, ORIGIN, 50, ROOT, [TIME])


# ------------------------------------------------------------------ known answer
# Go's golang.org/x/mod/sumdb/note documentation example (PeterNeumann): the same key
# encoding, key hash and signature layout as C2SP signed-note, from another implementation.
GO_SKEY_MATERIAL = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_SIG = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="


def test_go_note_known_answer():
    raw = base64.b64decode(GO_SKEY_MATERIAL)
    assert raw[0] == 0x01
    peter = Signer("PeterNeumann", Ed25519PrivateKey.from_private_bytes(raw[1:]))
    assert verifier_key(peter) == GO_VKEY
    # Ed25519 is deterministic: the signature line must be the published one, byte for byte.
    assert base64.b64encode(peter.key_hash + peter.sign(GO_TEXT.encode())).decode() == GO_SIG
    vk = parse_verifier_key(GO_VKEY)
    assert vk.name == "PeterNeumann" and vk.key_hash.hex() == "c74f20a3"


# ------------------------------------------------------------------ format
def test_note_layout(signer, note):
    b64root = base64.b64encode(ROOT).decode()
    body = f"{ORIGIN}\n50\n{b64root}\n{TIME}\n"
    assert note.startswith(body + "\n\u2014 " + ORIGIN + " ")
    assert note.endswith("\n") and note.count("\n") == 6
    sig = base64.b64decode(note.rstrip("\n").rsplit(" ", 1)[1])
    assert len(sig) == 4 + 64 and sig[:4] == signer.key_hash


def test_key_hash_as_specified(signer):
    want = hashlib.sha256(ORIGIN.encode() + b"\x0a\x01" + signer.public_key).digest()[:4]
    assert signer.key_hash == key_hash(ORIGIN, signer.public_key) == want


def test_verifier_key_format(signer):
    vkey = verifier_key(signer)
    m = re.fullmatch(r"(?P<name>[^+\s]+)\+(?P<hash>[0-9a-f]{8})\+(?P<key>[A-Za-z0-9+/]+={0,2})", vkey)
    assert m and m["name"] == ORIGIN and m["hash"] == signer.key_hash.hex()
    assert base64.b64decode(m["key"]) == b"\x01" + signer.public_key
    vk = parse_verifier_key(vkey)
    assert (vk.name, vk.key_hash, vk.public_key) == (ORIGIN, signer.key_hash, signer.public_key)


@pytest.mark.parametrize("bad", [
    "",
    "siaga.example/ledger",
    "siaga.example/ledger+0000000+AQ==",
    GO_VKEY.replace("c74f20a3", "c74f20a4"),           # hash does not match name and key
    GO_VKEY.replace("PeterNeumann", "PeterNeuman"),    # same
    GO_VKEY.replace("+ARpc", "+AhRpc"),                # not base64 of 33 bytes / wrong type
    GO_VKEY.replace("c74f20a3", "C74F20A3"),
    "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
])
def test_bad_verifier_keys(bad):
    with pytest.raises(CheckpointError):
        parse_verifier_key(bad)


def test_pem_roundtrip(signer, note):
    again = Signer.from_pem(signer.to_pem(), ORIGIN)
    assert verifier_key(again) == verifier_key(signer)
    assert verify_checkpoint(sign_checkpoint(again, ORIGIN, 1, ROOT), verifier_key(signer)).size == 1
    assert Signer.from_pem(signer.to_pem().decode(), ORIGIN).public_key == signer.public_key


def test_generate_gives_distinct_keys():
    a, b = Signer.generate(ORIGIN), Signer.generate(ORIGIN)
    assert a.public_key != b.public_key and len(a.public_key) == 32


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\nb"])
def test_key_names_are_restricted(name):
    with pytest.raises(CheckpointError):
        Signer(name, Ed25519PrivateKey.generate())


# ------------------------------------------------------------------ roundtrip
def test_roundtrip(signer, note):
    cp = verify_checkpoint(note, verifier_key(signer))
    assert (cp.origin, cp.size, cp.root, cp.extensions) == (ORIGIN, 50, ROOT, (TIME,))
    assert parse_checkpoint(note) == cp


def test_empty_tree_and_no_extensions(signer):
    note = sign_checkpoint(signer, ORIGIN, 0, root([]))
    cp = verify_checkpoint(note, verifier_key(signer))
    assert cp.size == 0 and cp.extensions == () and cp.root == root([])


def test_other_signatures_are_ignored(signer, note):
    # A witness cosignature (another key) may be added: the note still verifies with ours.
    witness = Signer.generate("witness.example/w1")
    extra = sign_checkpoint(witness, ORIGIN, 50, ROOT, [TIME]).split("\n\n")[1]
    cp = verify_checkpoint(note + extra, verifier_key(signer))
    assert len(cp.signatures) == 2


# ------------------------------------------------------------------ tampering
def _reject(text: str, vkey: str, match: str) -> None:
    with pytest.raises(CheckpointError, match=match):
        verify_checkpoint(text, vkey)


def test_tampered_size(signer, note):
    _reject(note.replace("\n50\n", "\n51\n", 1), verifier_key(signer), "bad signature")


def test_tampered_root(signer, note):
    other = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    _reject(note.replace(base64.b64encode(ROOT).decode(), other), verifier_key(signer), "bad signature")


def test_tampered_origin_and_extension(signer, note):
    _reject(note.replace(ORIGIN + "\n", "evil.example/ledger\n", 1), verifier_key(signer), "bad signature")
    _reject(note.replace("08:00:00Z", "09:00:00Z"), verifier_key(signer), "bad signature")


def test_tampered_signature(signer, note):
    head, sig = note.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(sig))
    raw[10] ^= 1
    _reject(f"{head} {base64.b64encode(bytes(raw)).decode()}\n", verifier_key(signer), "bad signature")


def test_tampered_key_name(signer, note):
    # The signature line's name is part of the key identity: another name is an unknown key.
    _reject(note.replace("\u2014 " + ORIGIN, "\u2014 evil.example/ledger"), verifier_key(signer), "not signed by")


def test_other_key_same_name(signer, note):
    impostor = Signer.generate(ORIGIN)
    forged = sign_checkpoint(impostor, ORIGIN, 50, ROOT, [TIME])
    _reject(forged, verifier_key(signer), "not signed by the trusted key")
    # and our note does not verify with the impostor's key
    _reject(note, verifier_key(impostor), "not signed by the trusted key")


def test_forged_key_hash_with_our_name(signer):
    # An attacker reuses our name and key hash with their own key: the signature fails.
    impostor = Signer.generate(ORIGIN)
    body = sign_checkpoint(impostor, ORIGIN, 50, ROOT).split("\n\n")[0] + "\n"
    sig = base64.b64encode(signer.key_hash + impostor.sign(body.encode())).decode()
    _reject(f"{body}\n\u2014 {ORIGIN} {sig}\n", verifier_key(signer), "bad signature")


@pytest.mark.parametrize("mangle", [
    lambda n: n.rstrip("\n"),                               # no final newline
    lambda n: n.replace("\n\n", "\n"),                      # no blank line
    lambda n: n.replace("\n50\n", "\n050\n", 1),            # leading zero
    lambda n: n.replace("\n50\n", "\n+50\n", 1),
    lambda n: n.replace("\n50\n", "\n\n", 1),               # empty size line
    lambda n: n.replace("\u2014 ", "- ", 1),                # ASCII hyphen, not em dash
    lambda n: n.replace("=\ntime", "\ntime", 1),              # root base64 without padding
    lambda n: n.replace(TIME + "\n", TIME + "\n\n", 1),     # empty extension line
    lambda n: n.replace(TIME, "time\t2025", 1),             # control character
    lambda n: n.split("\n\n")[0] + "\n\n",                  # no signature
])
def test_malformed_notes(signer, note, mangle):
    with pytest.raises(CheckpointError):
        verify_checkpoint(mangle(note), verifier_key(signer))


def test_sign_refuses_bad_input(signer):
    with pytest.raises(CheckpointError):
        sign_checkpoint(signer, "", 1, ROOT)
    with pytest.raises(CheckpointError):
        sign_checkpoint(signer, ORIGIN, -1, ROOT)
    with pytest.raises(CheckpointError):
        sign_checkpoint(signer, ORIGIN, 1, ROOT[:31])
    with pytest.raises(CheckpointError):
        sign_checkpoint(signer, ORIGIN, 1, ROOT, ["two\nlines"])
    with pytest.raises(CheckpointError):
        sign_checkpoint(signer, ORIGIN, 1, ROOT, [""])
