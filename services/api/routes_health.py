"""GET /healthz (broker, database, relay, workers, notifier) and GET /metrics (Prometheus)."""
from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Depends, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from siaga.services.api.deps import pool
from siaga.services.api.metrics import DELIVERY_BACKLOG, DELIVERY_OLDEST, HEARTBEAT_AGE, OUTBOX_BACKLOG, REGISTRY

# Messages the notifier holds and has not handed to the provider yet (a storm at Twilio shows here).
DELIVERY_SQL = ("SELECT count(*) FILTER (WHERE state = 'sending'), count(*) FILTER (WHERE state = 'retry_wait'), "
                "coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM notifications "
                "WHERE state IN ('sending', 'retry_wait')")


def _delivery(row) -> dict:
    return {"sending": row[0], "retry_wait": row[1], "oldest_s": round(float(row[2]), 1)}

router = APIRouter(tags=["operations"])
STALE_S = 30
_broker_cache: dict = {"at": 0.0, "value": None}


def _broker_check() -> dict:
    from confluent_kafka.admin import AdminClient

    from siaga.infra import kafka_config

    try:
        md = AdminClient(kafka_config.confluent(log_level=0)).list_topics(timeout=2)
        return {"ok": True, "brokers": len(md.brokers), "topics": len(md.topics)}
    except Exception as exc:  # unreachable broker: report, never raise
        return {"ok": False, "error": str(exc)[:200]}


async def broker_status() -> dict:
    now = time.monotonic()
    if _broker_cache["value"] is None or now - _broker_cache["at"] > 3:
        _broker_cache["value"] = await asyncio.to_thread(_broker_check)
        _broker_cache["at"] = now
    return _broker_cache["value"]


@router.get("/healthz", responses={503: {"description": "The database is unavailable: not accepting "
                                                   "(the same report, saying what is down)",
                                    "content": {"application/json": {"schema": {"type": "object"}}}}})
async def healthz(response: Response, db=Depends(pool)):
    out: dict = {"broker": await broker_status()}
    try:
        async with db.connection(timeout=3) as conn:
            await conn.execute("SELECT 1")
            rows = await (await conn.execute(
                "SELECT name, kind, extract(epoch FROM now() - seen_at), detail FROM heartbeats "
                "WHERE seen_at > now() - interval '1 hour' ORDER BY kind, name")).fetchall()
            backlog = (await (await conn.execute(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL")).fetchone())[0]
            delivery = _delivery(await (await conn.execute(DELIVERY_SQL)).fetchone())
        out["database"] = {"ok": True}
        procs = {}
        for name, kind, age, detail in rows:
            procs.setdefault(kind, []).append({"name": name, "age_s": round(float(age), 1),
                                               "ok": float(age) < STALE_S, **(detail or {})})
        for kind in ("relay", "worker", "notifier"):
            items = procs.get(kind, [])
            out[kind] = {"ok": any(i["ok"] for i in items), "processes": items}
        out["outbox_backlog"] = backlog
        out["delivery_backlog"] = delivery
    except Exception as exc:
        out["database"] = {"ok": False, "error": str(exc)[:200]}
    # The API itself is up; it keeps accepting while the broker is down (outbox), so only a
    # database failure makes it unhealthy for intake.
    # The delivery backlog informs (a provider's storm is not Siaga's failure); the rest decides.
    out["ok"] = all(v.get("ok", False) for k, v in out.items() if isinstance(v, dict) and k != "delivery_backlog")
    out["accepting"] = out["database"]["ok"]
    response.status_code = 200 if out["accepting"] else 503
    return out


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(db=Depends(pool)):
    try:
        async with db.connection(timeout=2) as conn:
            OUTBOX_BACKLOG.set((await (await conn.execute(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL")).fetchone())[0])
            delivery = _delivery(await (await conn.execute(DELIVERY_SQL)).fetchone())
            for state in ("sending", "retry_wait"):
                DELIVERY_BACKLOG.labels(state).set(delivery[state])
            DELIVERY_OLDEST.set(delivery["oldest_s"])
            for name, age in await (await conn.execute(
                    "SELECT name, extract(epoch FROM now() - seen_at) FROM heartbeats")).fetchall():
                HEARTBEAT_AGE.labels(name).set(float(age))
    except Exception:
        pass  # metrics still answer when the database is down
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
