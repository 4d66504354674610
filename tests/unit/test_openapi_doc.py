"""The OpenAPI document lists the answers the API really gives (services/api/openapi.py); the
fuzzing in tests/fuzz checks every response against it on the running stack."""
from __future__ import annotations

from siaga.services.api.app import app
from tests.unit.test_route_access import NEEDS_ROLE, _routes


def _operations(spec: dict):
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield f"{method.upper()} {path}", op


def test_errors_are_documented_in_the_shape_the_api_answers():
    spec = app.openapi()
    assert "HTTPValidationError" not in str(spec), "FastAPI's validation shape is answered nowhere"
    for name, op in _operations(spec):
        for code, response in op["responses"].items():
            if int(code) >= 400:
                assert response.get("content"), f"{name} {code} has no documented body"


def test_routes_that_need_a_role_document_401():
    spec = dict(_operations(app.openapi()))
    for name, calls in _routes().items():
        if calls & NEEDS_ROLE and name in spec:
            assert "401" in spec[name]["responses"], name


def test_streams_and_non_json_answers_have_their_media_type():
    spec = dict(_operations(app.openapi()))
    assert "text/event-stream" in spec["GET /api/v1/live"]["responses"]["200"]["content"]
    assert "itemSchema" in spec["GET /api/v1/public/live"]["responses"]["200"]["content"]["text/event-stream"]
    assert "text/plain" in spec["GET /metrics"]["responses"]["200"]["content"]
    assert "text/csv" in spec["GET /api/v1/ledger/export.csv"]["responses"]["200"]["content"]
    assert "application/geo+json" in spec["GET /api/v1/map/needs"]["responses"]["200"]["content"]
    assert "application/xml" in spec["POST /webhooks/twilio/sms"]["responses"]["200"]["content"]
