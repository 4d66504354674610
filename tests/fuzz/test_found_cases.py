"""What the fuzzing found (tests/fuzz/test_api_fuzz.py, test_forms_fuzz.py), each kept as a plain
test with the concrete input. Each answer is also checked against the API's own OpenAPI
document: its status code listed for the operation, its body matching the documented schema."""
from __future__ import annotations

import secrets
import uuid

import httpx
import jsonschema
import psycopg
import pytest


PASSWORD = "correct-horse-battery-9"




@pytest.fixture(scope="module")
def anon(env):
    with httpx.Client(base_url=env["API_URL"], timeout=15, trust_env=False) as c:
        yield c


@pytest.fixture(scope="module")
def admin(env):
    """Signed in as a fresh admin (passes every role check)."""
    from siaga.services.auth.accounts import create_coordinator_sync

    username = f"tfound-{secrets.token_hex(4)}"
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        create_coordinator_sync(conn, username, PASSWORD, "admin", created_by="tests/fuzz")
    with httpx.Client(base_url=env["API_URL"], timeout=15, trust_env=False) as c:
        r = c.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.text
        c.headers["X-CSRF-Token"] = c.cookies["siaga_csrf"]
        yield c


@pytest.fixture(scope="module")
def spec(anon) -> dict:
    return anon.get("/openapi.json").json()


def _resolve(node, spec: dict):
    if isinstance(node, dict):
        if set(node) == {"$ref"}:
            return _resolve(spec["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]], spec)
        return {k: _resolve(v, spec) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, spec) for v in node]
    return node


def conforms(spec: dict, method: str, path: str, r: httpx.Response) -> None:
    """The answer is one the OpenAPI document lists for this operation, with a body that matches."""
    op = spec["paths"][path][method.lower()]
    documented = op["responses"].get(str(r.status_code))
    assert documented is not None, f"{method} {path}: {r.status_code} is not documented ({sorted(op['responses'])})"
    media = r.headers.get("content-type", "").split(";")[0].strip()
    content = documented.get("content", {})
    assert media in content, f"{method} {path} {r.status_code}: {media} not documented ({sorted(content)})"
    if media == "application/json" and "schema" in content[media]:
        jsonschema.validate(r.json(), _resolve(content[media]["schema"], spec))


def signed_post(env: dict, client: httpx.Client, path: str, params: dict[str, str]) -> httpx.Response:
    """Post form fields to a Twilio webhook, signed as Twilio signs them."""
    from twilio.request_validator import RequestValidator

    url = env.get("PUBLIC_BASE_URL", env["API_URL"]).rstrip("/") + path
    signature = RequestValidator(env["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def names(r: httpx.Response, field: str) -> None:
    body = r.json()
    assert any(d["field"] == field for d in body.get("detail", [])), body


# ------------------------------------------------------------------ documented responses

def test_validation_errors_match_the_documented_error_schema(anon, spec):
    """Every 422 is {"error", "detail": [{field, message}]}, not the FastAPI shape the document listed."""
    r = anon.post("/api/v1/requests")
    assert r.status_code == 422
    names(r, "body")
    conforms(spec, "POST", "/api/v1/requests", r)


@pytest.mark.parametrize("method,path,template,kwargs,status", [
    # 404s that were not listed
    ("GET", "/api/v1/requests/{ref}", "/api/v1/requests/0", {}, 404),
    ("GET", "/api/v1/campaigns/{slug}", "/api/v1/campaigns/0", {}, 404),
    ("GET", "/api/v1/ledger/receipts/{code}", "/api/v1/ledger/receipts/0", {}, 404),
    # sign-in routes answered an unlisted 401
    ("GET", "/api/v1/auth/me", "/api/v1/auth/me", {}, 401),
    ("GET", "/api/v1/map/summary", "/api/v1/map/summary", {}, 401),
    ("POST", "/api/v1/campaigns", "/api/v1/campaigns", {}, 401),
    # unsigned Twilio webhooks: 403 in text/plain
    ("POST", "/webhooks/twilio/sms", "/webhooks/twilio/sms", {}, 403),
    ("POST", "/webhooks/twilio/status", "/webhooks/twilio/status", {}, 403),
    # payment gateway notifications without a token or with a body that is no JSON
    ("POST", "/api/v1/payments/xendit/callback", "/api/v1/payments/xendit/callback", {}, 403),
    ("POST", "/api/v1/payments/midtrans/notification", "/api/v1/payments/midtrans/notification", {}, 422),
    # donate read its body itself and documented none: no body was a 415 nobody listed
    ("POST", "/api/v1/campaigns/{slug}/donate", "/api/v1/campaigns/0/donate", {}, 415),
])
def test_error_answers_are_documented(anon, spec, method, path, template, kwargs, status):
    r = anon.request(method, template, **kwargs)
    assert r.status_code == status, r.text
    conforms(spec, method, path, r)


def test_non_json_answers_have_their_content_type_documented(anon, spec):
    """/metrics (Prometheus text), the CSV exports and the live streams were documented as JSON."""
    for path in ("/metrics", "/api/v1/ledger/export.csv"):
        r = anon.get(path)
        assert r.status_code == 200
        conforms(spec, "GET", path, r)
    with anon.stream("GET", "/api/v1/public/live", timeout=5) as r:
        assert r.status_code == 200
        conforms(spec, "GET", "/api/v1/public/live", r)
    # Each event of a stream is {data, event, id, retry}, not a string (schemathesis reads itemSchema)
    item = spec["paths"]["/api/v1/live"]["get"]["responses"]["200"]["content"]["text/event-stream"]["itemSchema"]
    jsonschema.validate({"data": '{"seq":0}', "event": "hello", "id": "0"}, item)


def test_signed_in_live_stream_event_matches_the_documented_event(admin, spec):
    with admin.stream("GET", "/api/v1/live", timeout=5) as r:
        assert r.status_code == 200
        conforms(spec, "GET", "/api/v1/live", r)


# ------------------------------------------------------------------ bodies that cannot be read

def test_a_json_body_that_is_not_utf8_is_a_422_naming_the_body(anon, spec):
    """Was 400 "There was an error parsing the body": undocumented, and it did not say why."""
    r = anon.post("/api/v1/requests", content=b"*\xe7P\xe9", headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    names(r, "body")
    assert "UTF-8" in r.json()["error"]
    conforms(spec, "POST", "/api/v1/requests", r)


@pytest.mark.parametrize("body,says", [
    (b"[" * 30000 + b"]" * 30000, "nested too deeply"),
    (b'{"needs": ["water"], "people": 1' + b"0" * 5000 + b"}", "too many digits"),
])
def test_json_the_parser_gives_up_on_is_a_422_saying_why(anon, body, says):
    """Both were the same bare 400 "There was an error parsing the body"."""
    r = anon.post("/api/v1/requests", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    names(r, "body")
    assert says in r.json()["error"]


def test_invalid_json_names_the_body_not_an_item(anon):
    """The error of `{"needs": [` said field "[10]": the character position read as a list index."""
    r = anon.post("/api/v1/requests", content=b'{"needs": [', headers={"content-type": "application/json"})
    assert r.status_code == 422
    names(r, "body")
    assert "not valid JSON" in r.json()["error"]


# ------------------------------------------------------------------ sign-in first

def test_a_short_idempotency_key_does_not_answer_before_the_sign_in_check(anon, admin, spec):
    """Idempotency-Key "0" on a sign-in route was 422 to an anonymous caller: the key's check
    raised before the role's. Now anonymous is 401; signed in, the 422 names the header."""
    path = f"/api/v1/coordinator/requests/{uuid.uuid4()}/actions"
    r = anon.post(path, headers={"idempotency-key": "0"}, json={"action": "verify"})
    assert r.status_code == 401, r.text
    r = admin.post(path, headers={"idempotency-key": "0"}, json={"action": "verify"})
    assert r.status_code == 422, r.text
    names(r, "idempotency-key")
    conforms(spec, "POST", "/api/v1/coordinator/requests/{request_id}/actions", r)


# ------------------------------------------------------------------ NUL characters

def test_nul_in_a_donation_campaign_is_a_422_not_a_500(admin, spec):
    """Was 500: PostgreSQL text cannot hold NUL (found with a signed-in treasurer's entry)."""
    r = admin.post("/api/v1/donations", headers={"content-type": "application/json"},
                   content=rb'{"campaign": "\udb09\ude4c\u0000", "kind": "received", "note": "x"}')
    assert r.status_code == 422, r.text
    names(r, "campaign")
    conforms(spec, "POST", "/api/v1/donations", r)


def test_nul_in_a_request_client_id_is_a_422_not_a_500(anon):
    r = anon.post("/api/v1/requests", json={"needs": ["water"], "client_id": "abcdefgh\x00"})
    assert r.status_code == 422, r.text
    names(r, "client_id")


@pytest.mark.parametrize("field", ["text", "name", "place"])
def test_nul_in_request_text_is_refused_before_it_is_acknowledged(anon, field):
    """Was 202, then the store sink could not write it (dead-lettered): an acknowledged request
    missing from the map. Now refused at the edge."""
    r = anon.post("/api/v1/requests", json={"needs": ["water"], field: "butuh air\x00"})
    assert r.status_code == 422, r.text
    names(r, field)


def test_nul_nested_in_donated_goods_is_named(anon):
    """The same check reaches into nested objects, and says where the NUL is."""
    r = anon.post("/api/v1/donations", json={"kind": "pledged", "campaign": "x",
                                             "goods": {"category": "water", "item": "air\x00", "quantity": 1,
                                                       "unit": "box"}})
    assert r.status_code == 422, r.text
    names(r, "goods")
    assert "goods" in r.json()["error"] and "item" in r.json()["error"]


def test_nul_in_a_task_link_is_a_422_not_a_500(anon):
    """GET /t/%00: the token reached the database with the NUL (test_forms_fuzz pages)."""
    r = anon.get("/t/%00")
    assert r.status_code == 422, r.text
    assert "NUL" in r.json()["error"]


def test_nul_in_a_path_parameter_is_a_422_not_a_500(admin, spec):
    """POST /api/v1/campaigns/a%00b/status reached the database with the NUL: 500."""
    r = admin.post("/api/v1/campaigns/a%00b/status", json={"status": "open"})
    assert r.status_code == 422, r.text
    assert "NUL" in r.json()["error"]
    conforms(spec, "POST", "/api/v1/campaigns/{slug}/status", r)


def test_a_signed_sms_with_nul_characters_is_taken_and_stored(env, anon, admin):
    """The webhooks pass Twilio's fields on as they come: a NUL in the body went into the request
    (acknowledged, then not storable, as above), one in the MessageSid to the database (500).
    Signed fields are checked as sent, then NULs are dropped."""
    from tests.stack import wait_for

    phone, sid, mark = "+6281977009990", "SM" + uuid.uuid4().hex, secrets.token_hex(4)
    params = {"MessageSid": sid[:10] + "\x00" + sid[10:], "From": phone,
              "Body": f"butuh air\x00 bersih 4 orang di Wamena, rumah {mark}"}
    r = signed_post(env, anon, "/webhooks/twilio/sms", params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/xml")

    def stored():
        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
            return conn.execute("SELECT r.request_id FROM inbound_messages m JOIN requests r "
                                "ON r.contact_phone = m.phone WHERE m.message_sid = %s "
                                "AND r.text = %s", (sid, params["Body"].replace("\x00", ""))).fetchone()
    row = wait_for(stored, 40, "the SMS's request stored by the sink")
    r = admin.post(f"/api/v1/coordinator/requests/{row[0]}/actions", json={"action": "cancel"})
    assert r.status_code in (202, 409), r.text


def test_a_status_callback_with_an_error_code_beyond_int32_is_taken(env, anon):
    """ErrorCode=2147483648 went into an int column: 500, and Twilio retries a 5xx."""
    params = {"MessageSid": "SM" + uuid.uuid4().hex, "MessageStatus": "queued", "ErrorCode": "2147483648"}
    r = signed_post(env, anon, "/webhooks/twilio/status", params)
    assert r.status_code == 200, r.text
