"""RFC 6962 / RFC 9162 Merkle tree: hashes, inclusion and consistency proofs.

Tree hashes are computed level by level (pair neighbours, carry an odd last node up unchanged),
which gives exactly RFC 6962's MTH (split at the largest power of two below n) without
recursion. Proof generation needs the leaf hashes; verification needs only sizes and hashes.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) = SHA-256 of the empty string


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the 0x00/0x01 prefixes keep leaves and nodes from colliding."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _mth(level: Sequence[bytes]) -> bytes:
    """Root over a run of leaf hashes, level by level (O(n) hashes, no recursion)."""
    if not level:
        return EMPTY_ROOT
    sha = hashlib.sha256
    while len(level) > 1:
        nxt = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over all the given leaf hashes."""
    return _mth(leaf_hashes)


def roots_at(leaf_hashes: Iterable[bytes], sizes: Iterable[int]) -> dict[int, bytes]:
    """Roots of several prefixes in one pass (e.g. one per checkpoint), O(n + k log n).

    Keeps the perfect subtrees of the prefix seen so far (heights strictly decreasing); the
    root of a prefix folds them right to left, which is MTH's largest-power-of-two split.
    """
    wanted = sorted(set(sizes))
    if wanted and wanted[0] < 0:
        raise ValueError("tree size must not be negative")
    out: dict[int, bytes] = {}
    if wanted and wanted[0] == 0:
        out[0] = EMPTY_ROOT
        wanted.pop(0)
    stack: list[tuple[int, bytes]] = []
    w = 0
    n = 0
    for n, h in enumerate(leaf_hashes, 1):
        if w == len(wanted):
            break
        height, node = 0, h
        while stack and stack[-1][0] == height:
            node = node_hash(stack.pop()[1], node)
            height += 1
        stack.append((height, node))
        if n == wanted[w]:
            acc = stack[-1][1]
            for _, left in reversed(stack[:-1]):
                acc = node_hash(left, acc)
            out[n] = acc
            w += 1
    if w < len(wanted):
        raise ValueError(f"tree size {wanted[w]} is larger than the {n} leaves given")
    return out


def _split(n: int) -> int:
    """Largest power of two strictly less than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """RFC 6962 PATH(index, D[0:size]), innermost sibling first."""
    if not 0 <= index < size <= len(leaf_hashes):
        raise ValueError(f"need 0 <= index ({index}) < size ({size}) <= leaves ({len(leaf_hashes)})")
    proof: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:  # descend towards the leaf; each step's sibling is an outer proof element
        k = _split(hi - lo)
        if index < lo + k:
            proof.append(_mth(leaf_hashes[lo + k : hi]))
            hi = lo + k
        else:
            proof.append(_mth(leaf_hashes[lo : lo + k]))
            lo += k
    proof.reverse()
    return proof


def consistency_proof(leaf_hashes: Sequence[bytes], first: int, second: int) -> list[bytes]:
    """RFC 6962 PROOF(first, D[0:second]); empty when first is 0 or equals second."""
    if not 0 <= first <= second <= len(leaf_hashes):
        raise ValueError(f"need 0 <= first ({first}) <= second ({second}) <= leaves ({len(leaf_hashes)})")
    if first == 0 or first == second:
        return []
    proof: list[bytes] = []
    lo, hi, m, whole = 0, second, first, True  # whole: SUBPROOF's b (subtree is the old tree itself)
    while True:
        n = hi - lo
        if m == n:
            if not whole:
                proof.append(_mth(leaf_hashes[lo:hi]))
            break
        k = _split(n)
        if m <= k:
            proof.append(_mth(leaf_hashes[lo + k : hi]))
            hi = lo + k
        else:
            proof.append(_mth(leaf_hashes[lo : lo + k]))
            lo, m, whole = lo + k, m - k, False
    proof.reverse()
    return proof


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: does `proof` show leaf `index` is in the tree of `size`?"""
    if not 0 <= index < size or any(len(p) != HASH_SIZE for p in proof):
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:  # skip levels where our subtree had no right sibling
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2: is the tree of size `first` a prefix of the one of `second`?"""
    if not 0 <= first <= second or any(len(p) != HASH_SIZE for p in proof):
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof  # the empty tree is a prefix of every tree
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the old root is itself a node of the new tree
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root
