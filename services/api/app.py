"""The HTTP edge: intake API, forms, webhooks, coordinator API, live map, public pages."""
from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles

from services.api import (
    errors, routes_coordinator, routes_health, routes_intake, routes_map, routes_offers, routes_public,
)
from services.api.metrics import LATENCY, REJECTED
from services.auth import routes as routes_auth
from services.db import async_pool
from services.web import routes_form
from services.webhooks.routes import router as webhooks_router

WEB_DIR = Path(__file__).resolve().parents[1] / "web"


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.pool = async_pool(max_size=20)
    await app.state.pool.open(wait=False)
    yield
    await app.state.pool.close()


def create_app() -> FastAPI:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = FastAPI(title="Siaga API", version="0.1.0", lifespan=lifespan,
                  description="Disaster-response mobilisation: aid requests, volunteers, dispatch, donations.")
    errors.install(app)

    @app.middleware("http")
    async def _observe(request: Request, call_next):
        start = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        LATENCY.labels(getattr(route, "path", "other")).observe(time.perf_counter() - start)
        if 400 <= response.status_code < 500:
            REJECTED.labels(str(response.status_code)).inc()
        return response

    app.include_router(routes_intake.router)
    app.include_router(routes_offers.router)
    app.include_router(routes_health.router)
    app.include_router(routes_form.router)
    app.include_router(webhooks_router)
    app.include_router(routes_auth.router)
    app.include_router(routes_map.router)
    app.include_router(routes_coordinator.router)
    app.include_router(routes_public.router)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    return app


app = create_app()
