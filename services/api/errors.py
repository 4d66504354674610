"""Every bad input becomes a 4xx with a message that says what is wrong; never a 500."""
from __future__ import annotations

import logging

import psycopg
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException

from siaga.services.intake import InputError, UnknownVolunteer
from siaga.services.outbox import IdempotencyConflict

log = logging.getLogger("siaga.api")
MAX_BODY = 64 * 1024
# Batches carry more: 500 check-ins of a few hundred bytes each (POST /api/v1/checkins).
MAX_BODY_BY_PATH = {"/api/v1/checkins": 512 * 1024}


def invalid_input(field: str, message: str) -> HTTPException:
    """A 422 naming the field, for a check a route makes beyond its body's model."""
    return HTTPException(422, f"invalid input: {field}: {message}")


def _field(loc) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    if parts and isinstance(parts[0], int) and loc and loc[0] == "body":   # an item of a list body
        return f"[{parts[0]}]" + "".join(f".{p}" for p in parts[1:])
    return ".".join(str(p) for p in parts) or "body"


def describe(errors: list[dict]) -> list[dict]:
    out = []
    for e in errors:
        msg = e.get("msg", "invalid value")
        field = _field(e.get("loc", ()))
        if e.get("type") == "json_invalid":
            # Its loc is ("body", character position): the field is the body, not an item [n].
            loc = e.get("loc", ())
            at = f" (at character {loc[1]})" if len(loc) > 1 and isinstance(loc[1], int) else ""
            msg = "the body is not valid JSON: " + str(e.get("ctx", {}).get("error", msg)) + at
            field = "body"
        elif e.get("type") == "extra_forbidden":
            msg = "unknown field"
        out.append({"field": field, "message": msg})
    return out


# FastAPI answers a body it cannot decode at all (not UTF-8, nested too deeply for the parser)
# with a bare 400 "There was an error parsing the body": say what is wrong, as for invalid JSON.
UNREADABLE_BODY = "There was an error parsing the body"


def _unreadable(exc: BaseException | None) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "the body is not valid JSON: it is not UTF-8 text"
    if isinstance(exc, RecursionError):
        return "the body is not valid JSON: nested too deeply"
    if isinstance(exc, ValueError) and "digits" in str(exc):   # Python's limit on int digits
        return "the body is not valid JSON: a number has too many digits"
    return f"the body could not be read ({type(exc).__name__})" if exc else "the body could not be read"


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

    @app.exception_handler(psycopg.DataError)
    async def _data(_req: Request, exc: psycopg.DataError):
        # Text with a NUL character that no model refused (a path or query parameter): PostgreSQL
        # cannot hold it. psycopg refuses it before sending, so nothing was recorded.
        if "NUL (0x00)" not in str(exc):
            raise exc
        return JSONResponse({"error": "invalid input: text must not contain NUL (0x00) characters"},
                            status_code=422)

    @app.exception_handler(psycopg.OperationalError)
    async def _db_down(_req: Request, exc: psycopg.OperationalError):
        log.warning("database unavailable: %s", exc)
        return JSONResponse({"error": "the database is unavailable; nothing was recorded, please retry"},
                            status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException):
        if exc.status_code == 400 and exc.detail == UNREADABLE_BODY:
            message = _unreadable(exc.__cause__)
            return JSONResponse({"error": f"invalid input: body: {message}",
                                 "detail": [{"field": "body", "message": message}]}, status_code=422)
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
