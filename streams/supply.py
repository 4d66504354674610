"""The supply stage's clock: every SUPPLY_INTERVAL_S one worker runs a round of
services/ledger/supply.py (donated goods to open needs nearby; deliveries done become goods
disbursed in the ledger). The round takes a database lock, so a second worker's timer, or
the old leader's during a rebalance, does nothing."""
from __future__ import annotations

import logging

import psycopg

from siaga.infra.settings import get_settings
from siaga.services.db import worker_pool
from siaga.services.ledger.supply import run_round
from siaga.streams.app import app

log = logging.getLogger("siaga.supply")


@app.timer(get_settings().supply_interval_s)
async def supply_round() -> None:
    try:
        async with (await worker_pool()).connection() as conn:
            planned, delivered = await run_round(conn)
    except psycopg.OperationalError as exc:   # the database away: the next round tries again
        log.warning("supply round skipped: %s", exc)
        return
    if planned or delivered:
        log.info("supply round: %d deliveries planned, %d recorded as disbursed", planned, delivered)
