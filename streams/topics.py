"""Internal topics of the stream processors (registered next to the public ones)."""
from __future__ import annotations
