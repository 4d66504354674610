"""core.ledger.merkle: RFC 6962 known answers, and proofs checked against the definition."""
from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.core.ledger import merkle
from siaga.core.ledger.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    roots_at,
    verify_consistency,
    verify_inclusion,
)

# ------------------------------------------------------------------ known answers
# The 8-leaf reference tree used by the certificate-transparency / transparency-dev
# (github.com/transparency-dev/merkle, proof/verify_test.go) test suites.
LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
)]
HASHES = [leaf_hash(d) for d in LEAVES]
ROOTS = [bytes.fromhex(h) for h in (  # ROOTS[n - 1] = root of the first n leaves
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]


def _h(*hexes: str) -> list[bytes]:
    return [bytes.fromhex(x) for x in hexes]


# (0-based leaf index, tree size, proof)
INCLUSION = [
    (0, 8, _h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (5, 8, _h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
              "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 3, _h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (1, 5, _h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
    (0, 1, []),
]

# (first size, second size, proof)
CONSISTENCY = [
    (1, 1, []),
    (1, 8, _h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (6, 8, _h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
              "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 5, _h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
    (6, 7, _h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
              "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
]

SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def test_empty_tree_is_sha256_of_nothing():
    assert root([]) == EMPTY_ROOT == bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    assert roots_at([], [0]) == {0: EMPTY_ROOT}


def test_leaf_and_node_prefixes():
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()


@pytest.mark.parametrize("n", range(1, 9))
def test_reference_roots(n):
    assert root(HASHES[:n]) == ROOTS[n - 1]


def test_roots_at_reference():
    assert roots_at(HASHES, range(1, 9)) == {n: ROOTS[n - 1] for n in range(1, 9)}
    with pytest.raises(ValueError):
        roots_at(HASHES, [9])


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_reference_inclusion(index, size, proof):
    assert inclusion_proof(HASHES, index, size) == proof
    r = ROOTS[size - 1]
    assert verify_inclusion(HASHES[index], index, size, proof, r)
    # The corruptions the reference suite probes: none may verify.
    bad = [
        (HASHES[index], index + 1, size, proof, r),
        (HASHES[index], index ^ 2, size, proof, r),
        (HASHES[index], index, size * 2, proof, r),
        (leaf_hash(b"WrongLeaf"), index, size, proof, r),
        (HASHES[index], index, size, proof, EMPTY_ROOT),
        (HASHES[index], index, size, proof, SOME_HASH),
        (HASHES[index], index, size, proof + [r], r),
        (HASHES[index], index, size, [r] + proof, r),
    ]
    if index > 0:
        bad.append((HASHES[index], index - 1, size, proof, r))
    if size > 1:
        bad.append((HASHES[index], index, size // 2, proof, r))
    if proof:
        bad.append((HASHES[index], index, size, proof[:-1], r))
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        bad.append((HASHES[index], index, size, flipped, r))
    for args in bad:
        assert not verify_inclusion(*args), args[1:3]


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_reference_consistency(first, second, proof):
    assert consistency_proof(HASHES, first, second) == proof
    r1, r2 = ROOTS[first - 1], ROOTS[second - 1]
    assert verify_consistency(first, second, r1, r2, proof)
    if not proof:
        return
    bad = [
        (first - 1, second, r1, r2, proof),
        (first + 1, second, r1, r2, proof),
        (first ^ 2, second, r1, r2, proof),
        (first, second * 2, r1, r2, proof),
        (first, second // 2, r1, r2, proof),
        (first, second, SOME_HASH, r2, proof),
        (first, second, r1, SOME_HASH, proof),
        (first, second, r2, r1, proof),
        (first, second, r1, r2, []),
        (first, second, r1, r2, proof + [r1]),
        (first, second, r1, r2, proof + [r2]),
        (first, second, r1, r2, [r1] + proof),
        (first, second, r1, r2, [proof[0]] + proof),
        (first, second, r1, r2, proof[:-1]),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        bad.append((first, second, r1, r2, flipped))
    for args in bad:
        assert not verify_consistency(*args), args[:2]


def test_consistency_edge_cases():
    a, b = ROOTS[0], ROOTS[1]
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 5, EMPTY_ROOT, ROOTS[4], [])
    assert verify_consistency(3, 3, ROOTS[2], ROOTS[2], [])
    assert not verify_consistency(3, 3, ROOTS[2], ROOTS[3], [])
    assert not verify_consistency(3, 3, ROOTS[2], ROOTS[2], [EMPTY_ROOT])
    assert not verify_consistency(2, 1, b, a, [])      # trees do not shrink
    assert not verify_consistency(1, 2, a, b, [])      # a real step needs a proof
    assert not verify_inclusion(HASHES[0], 0, 0, [], EMPTY_ROOT)
    assert not verify_inclusion(HASHES[0], 1, 1, [], HASHES[0])
    with pytest.raises(ValueError):
        inclusion_proof(HASHES, 8, 8)
    with pytest.raises(ValueError):
        consistency_proof(HASHES, 5, 4)


# ------------------------------------------------------------------ properties
def _mth_reference(hashes: list[bytes]) -> bytes:
    """RFC 6962 section 2.1 MTH, written straight from the definition."""
    n = len(hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return hashes[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(_mth_reference(hashes[:k]), _mth_reference(hashes[k:]))


POOL = [leaf_hash(f"entry {i}".encode()) for i in range(300)]
ROOT_OF = [root(POOL[:n]) for n in range(301)]


def test_level_by_level_root_matches_definition():
    for n in list(range(0, 70)) + [127, 128, 129, 255, 256, 257, 300]:
        assert ROOT_OF[n] == _mth_reference(POOL[:n]), n
    assert roots_at(POOL, range(301)) == dict(enumerate(ROOT_OF))


def _flip(h: bytes, bit: int) -> bytes:
    return bytes([h[0] ^ (1 << bit)]) + h[1:]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_every_inclusion_proof_verifies(data):
    size = data.draw(st.integers(1, 300), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = inclusion_proof(POOL, index, size)
    r = ROOT_OF[size]
    assert verify_inclusion(POOL[index], index, size, proof, r)
    other = data.draw(st.integers(0, 299).filter(lambda i: i != index), label="other leaf")
    assert not verify_inclusion(POOL[other], index, size, proof, r)
    if size > 1:
        moved = data.draw(st.integers(0, size - 1).filter(lambda i: i != index), label="moved")
        assert not verify_inclusion(POOL[index], moved, size, proof, r)
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1), label="element")
        bit = data.draw(st.integers(0, 7), label="bit")
        bad = list(proof)
        bad[i] = _flip(bad[i], bit)
        assert not verify_inclusion(POOL[index], index, size, bad, r)
        assert not verify_inclusion(POOL[index], index, size, proof[:-1], r)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_every_consistency_proof_verifies(data):
    second = data.draw(st.integers(0, 300), label="second")
    first = data.draw(st.integers(0, second), label="first")
    proof = consistency_proof(POOL, first, second)
    r1, r2 = ROOT_OF[first], ROOT_OF[second]
    assert verify_consistency(first, second, r1, r2, proof)
    if 0 < first < second:
        assert not verify_consistency(first, second, _flip(r1, 0), r2, proof)
        assert not verify_consistency(first, second, r1, _flip(r2, 0), proof)
        i = data.draw(st.integers(0, len(proof) - 1), label="element")
        bit = data.draw(st.integers(0, 7), label="bit")
        bad = list(proof)
        bad[i] = _flip(bad[i], bit)
        assert not verify_consistency(first, second, r1, r2, bad)
        # A different old history (one leaf changed) is not a prefix.
        changed = data.draw(st.integers(0, first - 1), label="changed leaf")
        forked = POOL[:changed] + [leaf_hash(b"forged")] + POOL[changed + 1 : first]
        assert not verify_consistency(first, second, root(forked), r2, proof)


def test_proofs_use_only_the_first_size_leaves():
    # Proofs for an older tree size are computed from a longer leaf list.
    proof = inclusion_proof(POOL, 10, 37)
    assert verify_inclusion(POOL[10], 10, 37, proof, ROOT_OF[37])
    assert merkle.consistency_proof(POOL, 37, 100) == merkle.consistency_proof(POOL[:100], 37, 100)
