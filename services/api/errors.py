"""Every bad input becomes a 4xx with a message that says what is wrong; never a 500."""
from __future__ import annotations

import logging

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.intake import InputError, UnknownVolunteer
from services.outbox import IdempotencyConflict

log = logging.getLogger("siaga.api")
MAX_BODY = 64 * 1024
# Batches carry more: 500 check-ins of a few hundred bytes each (POST /api/v1/checkins).
MAX_BODY_BY_PATH = {"/api/v1/checkins": 512 * 1024}


def _field(loc) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    if parts and isinstance(parts[0], int) and loc and loc[0] == "body":   # an item of a list body
        return f"[{parts[0]}]" + "".join(f".{p}" for p in parts[1:])
    return ".".join(str(p) for p in parts) or "body"


def describe(errors: list[dict]) -> list[dict]:
    out = []
    for e in errors:
        msg = e.get("msg", "invalid value")
        if e.get("type") == "json_invalid":
            msg = "the body is not valid JSON: " + str(e.get("ctx", {}).get("error", msg))
        elif e.get("type") == "extra_forbidden":
            msg = "unknown field"
        out.append({"field": _field(e.get("loc", ())), "message": msg})
    return out


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError):
        detail = describe(exc.errors())
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in detail[:5])
        return JSONResponse({"error": f"invalid input: {summary}", "detail": detail}, status_code=422)

    @app.exception_handler(UnknownVolunteer)
    async def _unknown_volunteer(_req: Request, exc: UnknownVolunteer):
        error = exc.message if exc.index is None else f"{exc.field}: {exc.message}"
        return JSONResponse({"error": error, "detail": [{"field": exc.field, "message": exc.message}]},
                            status_code=404)

    @app.exception_handler(InputError)
    async def _input(_req: Request, exc: InputError):
        return JSONResponse({"error": f"invalid input: {exc.field}: {exc.message}",
                             "detail": [{"field": exc.field, "message": exc.message}]},
                            status_code=422)

    @app.exception_handler(IdempotencyConflict)
    async def _conflict(_req: Request, exc: IdempotencyConflict):
        return JSONResponse({"error": str(exc)}, status_code=409)

    @app.exception_handler(psycopg.OperationalError)
    async def _db_down(_req: Request, exc: psycopg.OperationalError):
        log.warning("database unavailable: %s", exc)
        return JSONResponse({"error": "the database is unavailable; nothing was recorded, please retry"},
                            status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    app.add_middleware(LimitBody)


class LimitBody:
    """Refuse a body whose Content-Length is over the route's limit before reading it. Plain
    ASGI, not @app.middleware("http"): that wrapper (BaseHTTPMiddleware) costs about 0.25 ms of
    CPU per request and layer (bench/notes.md)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            length = Headers(scope=scope).get("content-length")
            if length is not None:
                limit = MAX_BODY_BY_PATH.get(scope["path"], MAX_BODY)
                try:
                    too_big = int(length) > limit
                except ValueError:
                    return await JSONResponse({"error": "invalid Content-Length header"},
                                              status_code=400)(scope, receive, send)
                if too_big:
                    return await JSONResponse({"error": f"body too large: at most {limit} bytes"},
                                              status_code=413)(scope, receive, send)
        await self.app(scope, receive, send)
