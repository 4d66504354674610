"""Worker heartbeat for /healthz."""
from __future__ import annotations

import os
import socket

from services.heartbeat import abeat
from streams.app import app
from streams.db import pool


@app.timer(5.0)
async def heartbeat() -> None:
    try:
        async with (await pool()).connection() as conn:
            await abeat(conn, f"worker@{socket.gethostname()}:{os.getpid()}", "worker",
                        {"web_port": app.conf.web_port})
    except Exception:  # health reporting must never take the worker down
        pass
