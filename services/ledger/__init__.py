"""The public donation ledger: its store, the key that signs its checkpoints, and its routes."""
