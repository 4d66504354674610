"""Worker heartbeat for /healthz and for the stack's readiness wait: a worker reports how many
partitions it actively owns, whether a rebalance is under way, and whether table recovery
is complete. Recovery is bounded: a worker still recovering after RECOVERY_TIMEOUT_S says why
and stops with an error instead of waiting silently (a supervisor or `make run` restarts it)."""
from __future__ import annotations

import logging
import os
import socket
import time

from siaga.infra.settings import get_settings
from siaga.services.db import worker_pool
from siaga.services.heartbeat import abeat
from siaga.streams.app import app

log = logging.getLogger("siaga.health")
_recovering_since: dict[str, float] = {}


def readiness() -> dict:
    try:
        assigned = len(app.assignor.assigned_actives())
    except Exception:
        assigned = 0
    recovered = bool(getattr(app.tables, "recovery", None) and app.tables.recovery.completed.is_set())
    return {"web_port": app.conf.web_port, "assigned": assigned,
            "rebalancing": bool(getattr(app, "rebalancing", False)), "recovered": recovered,
            "recovering_s": round(recovering_for(bool(getattr(app, "in_recovery", False)), time.monotonic()), 1)}


def recovering_for(in_recovery: bool, now: float) -> float:
    """Seconds this recovery has lasted so far (0 when not recovering)."""
    if not in_recovery:
        _recovering_since.pop("at", None)
        return 0.0
    return now - _recovering_since.setdefault("at", now)


@app.timer(2.0)
async def heartbeat() -> None:
    detail = readiness()
    limit = get_settings().recovery_timeout_s
    if detail["recovering_s"] > limit:
        recovery = app.tables.recovery
        log.critical("table recovery has not finished after %.0f s (limit RECOVERY_TIMEOUT_S=%.0f): "
                     "active %s; stopping this worker", detail["recovering_s"], limit,
                     {str(tp): v for tp, v in list(recovery.active_stats().items())[:10]})
        await app.crash(RuntimeError(f"table recovery exceeded {limit:.0f} s"))
        return
    try:
        async with (await worker_pool()).connection() as conn:
            await abeat(conn, f"worker@{socket.gethostname()}:{os.getpid()}", "worker", detail)
    except Exception:  # health reporting must never take the worker down
        pass
