"""Tamper-evident donation ledger: the pure core (no I/O).

- canonical: the exact bytes an entry is hashed as, its hash, and the prev_hash chain.
- merkle: RFC 6962 / RFC 9162 Merkle tree hashes, inclusion and consistency proofs.
- checkpoint: C2SP tlog-checkpoint notes signed with Ed25519 (C2SP signed-note).
- verify: check a served ledger (entries + checkpoints) against a trusted key.
"""
