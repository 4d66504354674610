"""Processes record that they are alive; /healthz reads it."""
from __future__ import annotations

import json

UPSERT = ("INSERT INTO heartbeats(name, kind, seen_at, detail) VALUES (%s, %s, now(), %s) "
          "ON CONFLICT (name) DO UPDATE SET seen_at = now(), kind = EXCLUDED.kind, detail = EXCLUDED.detail")


def beat(conn, name: str, kind: str, detail: dict | None = None) -> None:
    conn.execute(UPSERT, (name, kind, json.dumps(detail or {})))


async def abeat(conn, name: str, kind: str, detail: dict | None = None) -> None:
    await conn.execute(UPSERT, (name, kind, json.dumps(detail or {})))
