"""Xendit handler: callback token, outcomes of each fixture (PAID and SETTLED record once),
create invoice; PaymentConfig; and the callback and donate routes' refusals (no database
needed: they answer before touching it)."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from starlette.datastructures import Headers

from siaga.services.payments import GatewayError, Outcome, PaymentFormatError
from siaga.services.payments.config import MIDTRANS_SANDBOX, XENDIT_API, PaymentConfig
from siaga.services.payments.routes import router
from siaga.services.payments.xendit import handler

FIXTURES = Path(handler.__file__).parent / "fixtures"
TOKEN = "xnd-callback-SIAGA-FIXTURE-ONLY"   # fixtures/README.md


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


# ------------------------------------------------------------------ token

def test_verify_token():
    assert handler.verify({"x-callback-token": TOKEN}, TOKEN)
    assert handler.verify({"X-CALLBACK-TOKEN": TOKEN}, TOKEN)
    assert handler.verify(Headers({"X-Callback-Token": TOKEN}), TOKEN)
    assert handler.verify(httpx.Headers({"x-callback-token": TOKEN}), TOKEN)
    assert not handler.verify({"x-callback-token": TOKEN + "x"}, TOKEN)
    assert not handler.verify({"x-callback-token": TOKEN[:-1]}, TOKEN)
    assert not handler.verify({}, TOKEN)
    assert not handler.verify({"x-callback-token": ""}, "")   # no token configured: nothing verifies
    assert not handler.verify({"authorization": TOKEN}, TOKEN)


# ------------------------------------------------------------------ outcomes

def test_paid_is_received():
    assert handler.outcomes(fixture("paid")) == [
        Outcome("received", "SG-4E5F60718293", 100000, "xendit:65f1c0a2b3c4d5e6f7a8b9c0:received")]


def test_settled_is_the_same_money_as_paid():
    assert handler.outcomes(fixture("settled")) == handler.outcomes(fixture("paid"))


@pytest.mark.parametrize("status", ["EXPIRED", "PENDING", "SOMETHING_NEW"])
def test_no_money(status):
    body = fixture("expired")
    body["status"] = status
    assert handler.outcomes(body) == []
    assert handler.outcomes(fixture("expired")) == []


def test_amount_falls_back_to_amount():
    body = fixture("paid")
    del body["paid_amount"]
    body["amount"] = 75000.0
    assert handler.outcomes(body)[0].amount_idr == 75000


def test_shape_errors_name_the_field():
    cases = [
        (dict(fixture("paid"), paid_amount=100000.5), "paid_amount"),
        (dict(fixture("paid"), paid_amount="seratus ribu"), "paid_amount"),
        (dict(fixture("paid"), paid_amount=None, amount=None), "amount"),
        (dict(fixture("paid"), external_id=None), "external_id"),
        (dict(fixture("paid"), id=""), "id"),
        (dict(fixture("paid"), id="a b"), "id"),
        (dict(fixture("paid"), status=5), "status"),
        (dict(fixture("paid"), currency="PHP"), "currency"),
    ]
    for body, field in cases:
        with pytest.raises(PaymentFormatError) as err:
            handler.outcomes(body)
        assert err.value.field == field


def test_order_status():
    assert handler.order_status(fixture("paid")) == "paid"
    assert handler.order_status(fixture("settled")) == "paid"
    assert handler.order_status(fixture("expired")) == "expired"
    assert handler.order_status({"status": "PENDING"}) == "pending"
    assert handler.order_status({"status": "X"}) is None


# ------------------------------------------------------------------ create invoice

async def test_create_invoice_request_and_answer():
    seen = {}

    def answer(request: httpx.Request) -> httpx.Response:
        seen["request"] = request
        return httpx.Response(200, json={"id": "inv1", "invoice_url": "https://checkout.test/web/inv1",
                                         "status": "PENDING", "external_id": "SG-4E5F60718293"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        got = await handler.create_invoice(client, "https://api.xendit.test", "xnd_secret",
                                           "SG-4E5F60718293", 100000, "Donasi banjir")
    assert got == {"id": "inv1", "invoice_url": "https://checkout.test/web/inv1", "status": "PENDING"}
    request = seen["request"]
    assert str(request.url) == "https://api.xendit.test/v2/invoices"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"xnd_secret:").decode()
    assert json.loads(request.content) == {"external_id": "SG-4E5F60718293", "amount": 100000,
                                           "description": "Donasi banjir", "currency": "IDR"}


async def test_create_invoice_refused():
    def answer(_request):
        return httpx.Response(401, json={"error_code": "INVALID_API_KEY", "message": "API key is not authorized"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        with pytest.raises(GatewayError, match="INVALID_API_KEY") as err:
            await handler.create_invoice(client, "https://x.test", "bad", "SG-4E5F60718293", 100000, "d")
    assert err.value.status == 401


# ------------------------------------------------------------------ config

def test_config_offline_and_online():
    offline = PaymentConfig.from_env({"MIDTRANS_SERVER_KEY": "mk", "XENDIT_CALLBACK_TOKEN": "cb",
                                      "PAYMENT_BASE_URL": "http://127.0.0.1:28090/"})
    assert offline.offline and offline.xendit_secret_key == "cb"   # the simulator's default
    assert offline.midtrans_api == offline.xendit_api == "http://127.0.0.1:28090"
    assert offline.configured("midtrans") and offline.configured("xendit")
    assert "mk" not in repr(offline) and "cb" not in repr(offline)

    online = PaymentConfig.from_env({"MIDTRANS_SERVER_KEY": "mk", "XENDIT_CALLBACK_TOKEN": "cb",
                                     "PAYMENT_BASE_URL": ""})
    assert not online.offline
    assert online.midtrans_api == MIDTRANS_SANDBOX and online.xendit_api == XENDIT_API
    assert online.xendit_secret_key == "" and not online.configured("xendit")
    prod = PaymentConfig.from_env({"MIDTRANS_BASE_URL": "https://app.midtrans.com",
                                   "XENDIT_SECRET_KEY": "xnd_production_1", "XENDIT_CALLBACK_TOKEN": "cb"})
    assert prod.midtrans_api == "https://app.midtrans.com" and prod.configured("xendit")
    assert not prod.configured("midtrans") and not prod.configured("paypal")


# ------------------------------------------------------------------ routes (no DB)

@pytest.fixture
async def api():
    app = FastAPI()
    app.include_router(router)
    app.state.pool = None   # the refusals below answer before touching the database
    app.state.payment_config = PaymentConfig(midtrans_server_key="mk", xendit_callback_token=TOKEN,
                                             xendit_secret_key="", payment_base_url="")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://api.test") as client:
        yield client


CALLBACK = "/api/v1/payments/xendit/callback"


async def test_callback_refuses_a_wrong_or_missing_token(api):
    r = await api.post(CALLBACK, json=fixture("paid"), headers={"x-callback-token": "guess"})
    assert r.status_code == 403 and r.json() == {"error": "x-callback-token does not match"}
    r = await api.post(CALLBACK, json=fixture("paid"))
    assert r.status_code == 403


async def test_callback_malformed_is_422(api):
    headers = {"x-callback-token": TOKEN}
    r = await api.post(CALLBACK, content=b"nope", headers={**headers, "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "body"
    r = await api.post(CALLBACK, json=dict(fixture("paid"), paid_amount=1.5), headers=headers)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "paid_amount"
    r = await api.post(CALLBACK, json=dict(fixture("paid"), external_id=None), headers=headers)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "external_id"


DONATE = "/api/v1/campaigns/banjir-demak/donate"


@pytest.mark.parametrize("body,field", [
    ({"amount_idr": 9999}, "amount_idr"),
    ({"amount_idr": 1_000_000_001}, "amount_idr"),
    ({"amount_idr": 50000.5}, "amount_idr"),
    ({"amount_idr": "lima"}, "amount_idr"),
    ({}, "amount_idr"),
    ({"amount_idr": 50000, "gateway": "paypal"}, "gateway"),
    ({"amount_idr": 50000, "donor_phone": "+62 12"}, "donor_phone"),
    ({"amount_idr": 50000, "donor_name": "x" * 121}, "donor_name"),
    ({"amount_idr": 50000, "note": "hi"}, "note"),
])
async def test_donate_bad_input_is_422_naming_the_field(api, body, field):
    r = await api.post(DONATE, json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["field"] == field


async def test_donate_form_input_is_checked_too(api):
    r = await api.post(DONATE, data={"amount_idr": "500", "donor_public": "on"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "amount_idr"
    r = await api.post(DONATE, content=b"amount_idr=50000", headers={"content-type": "text/plain"})
    assert r.status_code == 415


async def test_donate_through_an_unconfigured_gateway_is_503(api):
    r = await api.post(DONATE, json={"amount_idr": 50000, "gateway": "xendit", "donor_phone": "0812-3456-7890"})
    assert r.status_code == 503 and "xendit" in r.json()["error"]
