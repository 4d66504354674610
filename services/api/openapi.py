"""The OpenAPI document says what the API really answers, errors included (tests/fuzz checks
every response against it).

Every error body is `{"error": "...", "detail": [{"field", "message"}]}` (services/api/errors.py),
not FastAPI's default validation shape. Routes name the errors of their own in `responses=`
with `errors(404, 409, ...)`; the ones that follow from how a route is built are added here for
every route alike: 401/403 from the role it needs, 403 from the same-origin check, 409 from an
Idempotency-Key, 429 from a rate limit (services/api/limits.py), 413 for a body over the size
limit, 503 while the database is unavailable.
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute

ERROR_REF = "#/components/schemas/Error"
ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "description": "what is wrong, in one line"},
        "detail": {"type": "array", "description": "which fields are wrong, and why",
                   "items": {"type": "object", "required": ["field", "message"],
                             "properties": {"field": {"type": "string", "description": "e.g. location.lat, [3].phone"},
                                            "message": {"type": "string"}}}},
    },
}
DESCRIPTIONS = {
    400: "Malformed request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflicts with what is recorded",
    413: "Body too large",
    415: "Unsupported body type",
    422: "Invalid input: the error names the field and what is wrong with it",
    429: "Too many attempts: try again after Retry-After seconds",
    502: "The payment gateway did not answer as expected",
    503: "Unavailable for now (nothing was recorded): retry after Retry-After seconds",
}


class GeoJSONResponse(JSONResponse):
    """For `response_class=`: documents a GeoJSON body (the routes build their own bytes)."""
    media_type = "application/geo+json"


class EventStreamResponse(StreamingResponse):
    media_type = "text/event-stream"


class CSVResponse(Response):
    media_type = "text/csv"


SSE_EVENT = {"type": "object", "properties": {"data": {"type": "string"}, "event": {"type": "string"},
                                              "id": {"type": "string"}, "retry": {"type": "integer", "minimum": 0}}}


def errors(*codes: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: these status codes answer with an error body. A description
    of a route's own may be given as e.g. `errors(404, e404="no such campaign")`."""
    return {code: {"description": described.get(f"e{code}", DESCRIPTIONS.get(code, "Error")),
                   "content": {"application/json": {"schema": {"$ref": ERROR_REF}}}}
            for code in codes}


def dependency_calls(dependant) -> set:
    out = set()
    for sub in dependant.dependencies:
        out.add(sub.call)
        out |= dependency_calls(sub)
    return out


def flat_routes(routes):
    """Every route, included routers opened up (FastAPI wraps them)."""
    for r in routes:
        if hasattr(r, "original_router"):   # FastAPI's included routers
            yield from flat_routes(r.original_router.routes)
        else:
            yield r


def _add(responses: dict, code: int, description: str | None = None) -> None:
    if str(code) not in responses:
        responses[str(code)] = errors(code)[code]
        if description:
            responses[str(code)]["description"] = description


def build(app: FastAPI) -> dict:
    from siaga.services.api.deps import idempotency_key
    from siaga.services.auth import deps

    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for route in flat_routes(app.routes):
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        calls = dependency_calls(route.dependant)
        for method in route.methods:
            op = schema["paths"].get(route.path, {}).get(method.lower())
            if op is None:
                continue
            responses = op.setdefault("responses", {})
            for code, response in responses.items():
                if "text/event-stream" in response.get("content", {}):
                    response["content"]["text/event-stream"] = {"itemSchema": SSE_EVENT}
                # FastAPI's default validation error, or an error listed without a body: ours.
                if code.isdigit() and int(code) >= 400 and (
                        not response.get("content") or "HTTPValidationError" in str(response["content"])):
                    response["content"] = {"application/json": {"schema": {"$ref": ERROR_REF}}}
                    if code == "422":
                        response["description"] = DESCRIPTIONS[422]
            if calls & {deps.require_viewer, deps.require_coordinator, deps.require_admin, deps.require_treasurer}:
                _add(responses, 401, "Not signed in (POST /api/v1/auth/login)")
            if calls & {deps.require_coordinator, deps.require_admin, deps.require_treasurer}:
                _add(responses, 403, "Signed in without the role this needs")
            if deps.same_origin in calls:
                _add(responses, 403, "Not allowed (e.g. a cross-site request)")
            if idempotency_key in calls:
                _add(responses, 409, "The Idempotency-Key was used before with a different request")
            if any(getattr(c, "__module__", None) == "siaga.services.api.limits" for c in calls):
                _add(responses, 429, "Too many requests from this address: nothing was recorded, "
                                     "try again after Retry-After seconds")
            if "requestBody" in op:
                _add(responses, 413)
            _add(responses, 503)
    # FastAPI's own validation error shapes are answered nowhere: leave them out.
    if "HTTPValidationError" not in str(schema["paths"]):
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
    return schema


def install(app: FastAPI) -> None:
    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
