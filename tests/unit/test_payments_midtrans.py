"""Midtrans handler: signature (known answer), verification, outcomes of each fixture, amount
parsing, Snap create-transaction, and the notification route's refusals (no database needed:
they answer before touching it)."""
from __future__ import annotations

import base64
import copy
import hashlib
import json
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from siaga.services.payments import GatewayError, Outcome, PaymentFormatError, parse_idr
from siaga.services.payments.config import PaymentConfig
from siaga.services.payments.midtrans import handler
from siaga.services.payments.routes import router

FIXTURES = Path(handler.__file__).parent / "fixtures"
KEY = "SB-Mid-server-SIAGA-FIXTURE-ONLY"   # fixtures/README.md


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def resign(body: dict, key: str = KEY) -> dict:
    body["signature_key"] = handler.signature(body["order_id"], body["status_code"],
                                              body["gross_amount"], key)
    return body


ALL = ["settlement", "capture_accept", "capture_challenge", "pending", "expire", "refund",
       "partial_refund"]


# ------------------------------------------------------------------ signature

def test_signature_known_answer():
    body = fixture("settlement")
    by_hand = hashlib.sha512(
        (body["order_id"] + body["status_code"] + body["gross_amount"] + KEY).encode("utf-8")
    ).hexdigest()
    assert len(by_hand) == 128
    assert body["signature_key"] == by_hand
    assert handler.signature(body["order_id"], body["status_code"], body["gross_amount"], KEY) == by_hand
    # The documented concatenation order matters.
    assert handler.signature(body["status_code"], body["order_id"], body["gross_amount"], KEY) != by_hand


@pytest.mark.parametrize("name", ALL)
def test_every_fixture_verifies_with_its_key_only(name):
    body = fixture(name)
    assert handler.verify(body, KEY)
    assert not handler.verify(body, KEY + "x")
    assert not handler.verify(body, "")


@pytest.mark.parametrize("field,value", [
    ("gross_amount", "500000.00"), ("gross_amount", "50000.0"), ("status_code", "201"),
    ("order_id", "SG-0A1B2C3D4E50"),
])
def test_tampered_fields_fail(field, value):
    body = fixture("settlement")
    body[field] = value
    assert not handler.verify(body, KEY)


def test_tampered_status_is_caught_through_status_code():
    # transaction_status is not signed; status_code is. A pending (201) notification turned
    # into a settlement keeps status_code 201 (else the signature fails) and says so.
    body = fixture("pending")
    body["transaction_status"] = "settlement"
    assert handler.verify(body, KEY) and body["status_code"] == "201"
    body["status_code"] = "200"
    assert not handler.verify(body, KEY)


def test_missing_or_odd_signature_fields():
    body = fixture("settlement")
    for field in ("signature_key", "order_id", "status_code", "gross_amount"):
        broken = dict(body)
        del broken[field]
        assert not handler.verify(broken, KEY)
    numeric = dict(body, gross_amount=50000)
    assert not handler.verify(numeric, KEY)
    assert not handler.verify(dict(body, signature_key=None), KEY)
    assert not handler.verify(dict(body, signature_key=""), KEY)
    assert handler.verify(dict(body, signature_key=body["signature_key"].upper()), KEY)
    assert not handler.verify([body], KEY)  # type: ignore[arg-type]
    assert handler.missing_signed_field(body) is None
    assert handler.missing_signed_field(dict(body, status_code=200)) == "status_code"
    assert handler.missing_signed_field({}) == "order_id"


# ------------------------------------------------------------------ outcomes

def test_settlement_is_received():
    assert handler.outcomes(fixture("settlement")) == [
        Outcome("received", "SG-0A1B2C3D4E5F", 50000, "midtrans:SG-0A1B2C3D4E5F:received")]


def test_capture_accept_is_received_with_the_key_its_settlement_has():
    capture = fixture("capture_accept")
    [got] = handler.outcomes(capture)
    assert got == Outcome("received", "SG-1B2C3D4E5F60", 250000, "midtrans:SG-1B2C3D4E5F60:received")
    settlement = resign(dict(capture, transaction_status="settlement"))
    assert handler.outcomes(settlement) == [got]   # recorded once


@pytest.mark.parametrize("name", ["capture_challenge", "pending", "expire"])
def test_no_money_fixtures(name):
    assert handler.outcomes(fixture(name)) == []


@pytest.mark.parametrize("status", ["deny", "cancel", "failure", "authorize", "something_new"])
def test_other_statuses_move_no_money(status):
    assert handler.outcomes(dict(fixture("settlement"), transaction_status=status)) == []


def test_capture_needs_fraud_accept():
    body = fixture("capture_accept")
    for fraud in ("challenge", "deny", None):
        assert handler.outcomes(dict(body, fraud_status=fraud)) == []


def test_refund_with_refunds_list():
    assert handler.outcomes(fixture("refund")) == [
        Outcome("refunded", "SG-0A1B2C3D4E5F", 50000, "midtrans:SG-0A1B2C3D4E5F:refund:rfd-siaga-0001")]


def test_partial_refund_lists_the_whole_history_each_keyed():
    got = handler.outcomes(fixture("partial_refund"))
    assert got == [
        Outcome("refunded", "SG-1B2C3D4E5F60", 100000, "midtrans:SG-1B2C3D4E5F60:refund:rfd-siaga-0002"),
        Outcome("refunded", "SG-1B2C3D4E5F60", 25000, "midtrans:SG-1B2C3D4E5F60:refund:rfd-siaga-0003"),
    ]
    # The earlier notification (only the first refund) gives the same key for it.
    earlier = fixture("partial_refund")
    earlier["refunds"] = earlier["refunds"][:1]
    assert handler.outcomes(earlier) == got[:1]


def test_refund_entry_keys_fall_back_to_chargeback_ids():
    body = fixture("partial_refund")
    del body["refunds"][0]["refund_key"]
    del body["refunds"][1]["refund_key"]
    del body["refunds"][1]["refund_chargeback_uuid"]
    keys = [o.key for o in handler.outcomes(body)]
    assert keys == ["midtrans:SG-1B2C3D4E5F60:refund:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
                    "midtrans:SG-1B2C3D4E5F60:refund:202503080800000003"]


def test_refund_without_list_is_one_for_the_whole_amount():
    body = fixture("refund")
    del body["refunds"]
    assert handler.outcomes(body) == [
        Outcome("refunded", "SG-0A1B2C3D4E5F", 50000, "midtrans:SG-0A1B2C3D4E5F:refund:total")]
    del body["refund_amount"]
    body["refund_key"] = "reference1"
    assert handler.outcomes(body) == [
        Outcome("refunded", "SG-0A1B2C3D4E5F", 50000, "midtrans:SG-0A1B2C3D4E5F:refund:reference1")]


def test_outcome_shape_errors_name_the_field():
    cases = [
        (dict(fixture("settlement"), gross_amount="50000.50"), "gross_amount"),
        (dict(fixture("settlement"), gross_amount="lima puluh"), "gross_amount"),
        (dict(fixture("settlement"), order_id=""), "order_id"),
        (dict(fixture("settlement"), order_id=123), "order_id"),
        (dict(fixture("settlement"), transaction_status=None), "transaction_status"),
        (dict(fixture("settlement"), currency="USD"), "currency"),
        (dict(fixture("refund"), refunds="all of it"), "refunds"),
        (dict(fixture("refund"), refunds=["x"]), "refunds[0]"),
    ]
    for body, field in cases:
        with pytest.raises(PaymentFormatError) as err:
            handler.outcomes(body)
        assert err.value.field == field
        assert isinstance(err.value, ValueError)
    body = fixture("partial_refund")
    body["refunds"][1]["refund_amount"] = "12.34"
    with pytest.raises(PaymentFormatError, match=r"refunds\[1\]\.refund_amount"):
        handler.outcomes(body)


def test_order_status():
    assert handler.order_status(fixture("settlement")) == "paid"
    assert handler.order_status(fixture("capture_accept")) == "paid"
    assert handler.order_status(fixture("capture_challenge")) == "challenge"
    assert handler.order_status(fixture("pending")) == "pending"
    assert handler.order_status(fixture("expire")) == "expired"
    assert handler.order_status(fixture("refund")) == "refunded"
    assert handler.order_status(fixture("partial_refund")) == "partially_refunded"
    assert handler.order_status({"transaction_status": "cancel"}) == "cancelled"
    assert handler.order_status({"transaction_status": "deny"}) == "failed"
    assert handler.order_status({"transaction_status": "new"}) is None


# ------------------------------------------------------------------ amounts

@pytest.mark.parametrize("value,expected", [
    ("10000.00", 10000), ("10000", 10000), ("10000.0", 10000), (10000, 10000), (10000.0, 10000),
    ("1000000000.00", 1_000_000_000),
])
def test_parse_idr(value, expected):
    assert parse_idr(value, "gross_amount") == expected


@pytest.mark.parametrize("value", [
    "10000.50", "10000.01", 10000.5, "abc", "1e4", "-5", "-5.00", "0", "0.00", 0, -1, "", " 10000",
    "10000.00 ", "10,000", "Rp10000", True, None, [10000], "9" * 20, 10**14,
])
def test_parse_idr_refuses(value):
    with pytest.raises(PaymentFormatError) as err:
        parse_idr(value, "gross_amount")
    assert err.value.field == "gross_amount"


# ------------------------------------------------------------------ Snap create

async def test_create_transaction_request_and_answer():
    seen = {}

    def answer(request: httpx.Request) -> httpx.Response:
        seen["request"] = request
        return httpx.Response(201, json={"token": "tok-1", "redirect_url": "https://pay.test/snap/v2/vtweb/tok-1"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        got = await handler.create_transaction(client, "https://app.sandbox.midtrans.test/", KEY,
                                               "SG-0A1B2C3D4E5F", 50000, {"first_name": "Budi"})
    assert got == {"token": "tok-1", "redirect_url": "https://pay.test/snap/v2/vtweb/tok-1"}
    request = seen["request"]
    assert request.method == "POST"
    assert str(request.url) == "https://app.sandbox.midtrans.test/snap/v1/transactions"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
    assert json.loads(request.content) == {
        "transaction_details": {"order_id": "SG-0A1B2C3D4E5F", "gross_amount": 50000},
        "customer_details": {"first_name": "Budi"}}


@pytest.mark.parametrize("status,body,match", [
    (401, {"error_messages": ["Access denied due to unauthorized transaction"]}, "Access denied"),
    (400, {"error_messages": ["transaction_details.order_id has already been taken"]}, "already been taken"),
    (500, None, "refused"),
    (201, {"token": "t"}, "without token"),
])
async def test_create_transaction_refusals(status, body, match):
    def answer(_request):
        return httpx.Response(status, json=body) if body is not None else httpx.Response(status, text="oops")

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        with pytest.raises(GatewayError, match=match) as err:
            await handler.create_transaction(client, "https://x.test", KEY, "SG-0A1B2C3D4E5F", 50000)
    assert err.value.gateway == "midtrans" and KEY not in str(err.value)


async def test_create_transaction_unreachable():
    def answer(request):
        raise httpx.ConnectError("refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        with pytest.raises(GatewayError, match="unreachable") as err:
            await handler.create_transaction(client, "https://x.test", KEY, "SG-0A1B2C3D4E5F", 50000)
    assert err.value.status is None


# ------------------------------------------------------------------ route refusals (no DB)

@pytest.fixture
async def api():
    app = FastAPI()
    app.include_router(router)
    app.state.pool = None   # the refusals below answer before touching the database
    app.state.payment_config = PaymentConfig(midtrans_server_key=KEY, xendit_callback_token="t",
                                             xendit_secret_key="s", payment_base_url="http://gw.test")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api.test") as client:
        yield client


URL = "/api/v1/payments/midtrans/notification"


async def test_route_refuses_bad_signature(api):
    body = fixture("settlement")
    body["gross_amount"] = "5000000.00"
    r = await api.post(URL, json=body)
    assert r.status_code == 403 and r.json() == {"error": "signature does not match"}
    no_sig = fixture("settlement")
    del no_sig["signature_key"]
    r = await api.post(URL, json=no_sig)
    assert r.status_code == 403 and "signature does not match" in r.text


async def test_route_malformed_bodies_are_422_naming_the_field(api):
    r = await api.post(URL, content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "body"
    r = await api.post(URL, json=[1, 2])
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "body"
    body = fixture("settlement")
    del body["gross_amount"]
    r = await api.post(URL, json=body)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "gross_amount"
    # Signed, but a fraction of a rupiah: well signed garbage is still garbage.
    odd = resign(dict(fixture("settlement"), gross_amount="50000.50"))
    r = await api.post(URL, json=odd)
    assert r.status_code == 422
    assert r.json()["detail"][0] == {"field": "gross_amount", "message": "'50000.50' has a fraction of a rupiah"}


async def test_route_refuses_everything_without_a_server_key(api):
    app = api._transport.app   # noqa: SLF001 - the test's own app
    app.state.payment_config = PaymentConfig(midtrans_server_key="")
    r = await api.post(URL, json=fixture("settlement"))
    assert r.status_code == 403


def test_fixtures_are_not_modified_by_handlers():
    body = fixture("partial_refund")
    before = copy.deepcopy(body)
    handler.outcomes(body)
    handler.verify(body, KEY)
    assert body == before
