"""The HTTP edge: intake API, forms, webhooks, coordinator API, live map, public pages."""
from __future__ import annotations

import time
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from siaga.services.api import (
    errors, openapi, routes_coordinator, routes_groups, routes_health, routes_intake, routes_map, routes_offers,
    routes_public,
)
from siaga.services.api.metrics import LATENCY, REJECTED
from siaga.services.api.page_headers import PageHeaders
from siaga.services.auth import routes as routes_auth
from siaga.services import logmask
from siaga.services.db import async_pool
from siaga.services.ledger import routes_campaigns, routes_ledger
from siaga.services.payments.routes import router as payments_router
from siaga.services.web import routes_campaigns as pages_campaigns
from siaga.services.web import routes_form, routes_signup, routes_tasks
from siaga.services.webhooks.routes import router as webhooks_router

WEB_DIR = Path(__file__).resolve().parents[1] / "web"


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.pool = async_pool(max_size=20)
    await app.state.pool.open(wait=False)
    app.state.payment_http = httpx.AsyncClient(timeout=15, trust_env=False)   # calls to the payment gateway
    yield
    await app.state.payment_http.aclose()
    await app.state.pool.close()


class Observe:
    """Latency per route and 4xx counts for /metrics. Plain ASGI middleware, as LimitBody."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = 0

        async def send_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, send_status)
        # The router put the matched route into this same scope dict.
        LATENCY.labels(getattr(scope.get("route"), "path", "other")).observe(time.perf_counter() - start)
        if 400 <= status < 500:
            REJECTED.labels(str(status)).inc()


def create_app() -> FastAPI:
    logmask.configure()
    app = FastAPI(title="Siaga API", version="0.1.0", lifespan=lifespan,
                  description="Disaster-response mobilisation: aid requests, volunteers, dispatch, donations.")
    errors.install(app)

    app.add_middleware(Observe)   # outside LimitBody (errors.install): its 413s are counted too
    app.add_middleware(PageHeaders)

    app.include_router(routes_intake.router)
    app.include_router(routes_offers.router)
    app.include_router(routes_health.router)
    app.include_router(routes_form.router)
    app.include_router(webhooks_router)
    app.include_router(routes_auth.router)
    app.include_router(routes_map.router)
    app.include_router(routes_coordinator.router)
    app.include_router(routes_groups.router)
    app.include_router(routes_public.router)
    app.include_router(routes_campaigns.router)
    app.include_router(routes_ledger.router)
    app.include_router(payments_router)
    app.include_router(pages_campaigns.router)
    app.include_router(routes_tasks.router)
    app.include_router(routes_signup.router)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    openapi.install(app)
    return app


app = create_app()
