"""Every bad input becomes a 4xx with a message that says what is wrong; never a 500."""
from __future__ import annotations

import logging

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.intake import InputError
from services.outbox import IdempotencyConflict

log = logging.getLogger("siaga.api")
MAX_BODY = 64 * 1024


def _field(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


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

    @app.middleware("http")
    async def _limit_body(request: Request, call_next):
        length = request.headers.get("content-length")
        if length is not None:
            try:
                too_big = int(length) > MAX_BODY
            except ValueError:
                return JSONResponse({"error": "invalid Content-Length header"}, status_code=400)
            if too_big:
                return JSONResponse({"error": f"body too large: at most {MAX_BODY} bytes"},
                                    status_code=413)
        return await call_next(request)
