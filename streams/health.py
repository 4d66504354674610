"""Worker heartbeat for /healthz and for the stack's readiness wait: a worker reports how many
partitions it actively owns, whether a rebalance is under way, and whether table recovery
is complete."""
from __future__ import annotations

import os
import socket

from services.heartbeat import abeat
from streams.app import app
from streams.db import pool


def readiness() -> dict:
    try:
        assigned = len(app.assignor.assigned_actives())
    except Exception:
        assigned = 0
    recovered = bool(getattr(app.tables, "recovery", None) and app.tables.recovery.completed.is_set())
    return {"web_port": app.conf.web_port, "assigned": assigned,
            "rebalancing": bool(getattr(app, "rebalancing", False)), "recovered": recovered}


@app.timer(2.0)
async def heartbeat() -> None:
    try:
        async with (await pool()).connection() as conn:
            await abeat(conn, f"worker@{socket.gethostname()}:{os.getpid()}", "worker", readiness())
    except Exception:  # health reporting must never take the worker down
        pass
