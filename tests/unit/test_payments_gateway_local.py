"""The local payment gateway simulator, in process: Snap and Xendit create calls (right and
wrong keys), the bilingual payment pages, and the notifications their buttons and the
/_local controls send, captured on an httpx.MockTransport and checked with the handlers."""
from __future__ import annotations

import asyncio
import json
import re

import httpx
import pytest

from siaga.services.gateway_local import create_app
from siaga.services.payments.midtrans import handler as midtrans
from siaga.services.payments.xendit import handler as xendit

SERVER_KEY = "SB-Mid-server-local-test"
TOKEN = "xnd-callback-local-test"
SECRET = "xnd_development_local_test"
API = "http://api.test"


class Api:
    """Stands in for the Siaga API: records what the simulator posts, answers `statuses` in turn."""

    def __init__(self) -> None:
        self.received: list[httpx.Request] = []
        self.statuses: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.received.append(request)
        status = self.statuses.pop(0) if self.statuses else 200
        return httpx.Response(status, json={"status": "ok"})

    def bodies(self) -> list[dict]:
        return [json.loads(r.content) for r in self.received]


@pytest.fixture
async def sim():
    api = Api()
    notifier = httpx.AsyncClient(transport=httpx.MockTransport(api))
    app = create_app(SERVER_KEY, TOKEN, SECRET, API, retries=2, retry_delay=0.01, client=notifier)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw.test") as client:
        client.api = api   # type: ignore[attr-defined]
        client.app = app   # type: ignore[attr-defined]
        yield client
    await notifier.aclose()


async def snap(sim, order_id="SG-0A1B2C3D4E5F", amount=50000, key=SERVER_KEY):
    return await midtrans.create_transaction(sim, "http://gw.test", key, order_id, amount)


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


# ------------------------------------------------------------------ Midtrans

async def test_snap_create_with_the_right_key(sim):
    made = await snap(sim)
    assert made["redirect_url"] == f"http://gw.test/snap/v2/vtweb/{made['token']}"
    orders = (await sim.get("/_local/orders")).json()
    assert orders["midtrans"][0]["order_id"] == "SG-0A1B2C3D4E5F"
    assert orders["midtrans"][0]["gross_amount"] == 50000


async def test_snap_create_with_a_wrong_or_no_key_is_401(sim):
    with pytest.raises(midtrans.GatewayError) as err:
        await snap(sim, key="SB-Mid-server-wrong")
    assert err.value.status == 401 and "Access denied" in err.value.message
    r = await sim.post("/snap/v1/transactions", json={"transaction_details": {"order_id": "A", "gross_amount": 1}})
    assert r.status_code == 401
    r = await sim.post("/snap/v1/transactions", json={}, headers={"authorization": "Basic !!!"})
    assert r.status_code == 401
    assert (await sim.get("/_local/orders")).json()["midtrans"] == []


async def test_snap_create_refuses_bad_and_duplicate_orders(sim):
    await snap(sim)
    with pytest.raises(midtrans.GatewayError, match="already been taken"):
        await snap(sim)
    r = await sim.post("/snap/v1/transactions", auth=(SERVER_KEY, ""),
                       json={"transaction_details": {"order_id": "SG-1", "gross_amount": 100.5}})
    assert r.status_code == 400 and "gross_amount" in r.json()["error_messages"][0]


async def test_pay_page_is_bilingual_plain_html(sim):
    made = await snap(sim, amount=1250000)
    r = await sim.get(made["redirect_url"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<html lang="id">' in page
    assert "Bayar / Pay" in page and "Batal / Cancel" in page
    assert page.index("Pembayaran donasi") < page.index("Donation payment")   # Indonesian first
    assert "Rp 1.250.000" in page and "SG-0A1B2C3D4E5F" in page
    assert "<script" not in page.lower()
    assert len(re.findall(r'<form method="post">', page)) == 2
    assert (await sim.get("/snap/v2/vtweb/no-such-token")).status_code == 404


async def test_pay_sends_a_settlement_that_verifies(sim):
    made = await snap(sim)
    r = await sim.post(made["redirect_url"], data={"action": "pay"})
    assert r.status_code == 200
    assert "Pembayaran berhasil" in r.text and "Payment successful" in r.text and ">200<" in r.text
    [request] = sim.api.received
    assert str(request.url) == f"{API}/api/v1/payments/midtrans/notification"
    assert request.headers["content-type"] == "application/json"
    body = json.loads(request.content)
    assert body["transaction_status"] == "settlement" and body["gross_amount"] == "50000.00"
    assert midtrans.verify(body, SERVER_KEY)
    assert not midtrans.verify(body, SERVER_KEY + "x")
    assert midtrans.outcomes(body) == [midtrans.Outcome(
        "received", "SG-0A1B2C3D4E5F", 50000, "midtrans:SG-0A1B2C3D4E5F:received")]
    # Paid is paid: the page says so and sends nothing more.
    again = await sim.post(made["redirect_url"], data={"action": "pay"})
    assert again.status_code == 409 and len(sim.api.received) == 1
    assert "sudah diproses" in (await sim.get(made["redirect_url"])).text


async def test_cancel_sends_an_expire_that_moves_no_money(sim):
    made = await snap(sim)
    r = await sim.post(made["redirect_url"], data={"action": "cancel"})
    assert r.status_code == 200 and "dibatalkan" in r.text
    body = sim.api.bodies()[0]
    assert body["transaction_status"] == "expire" and midtrans.verify(body, SERVER_KEY)
    assert midtrans.outcomes(body) == []
    assert (await sim.post(made["redirect_url"], data={"action": "steal"})).status_code == 409


async def test_a_refused_notification_is_retried(sim):
    made = await snap(sim)
    sim.api.statuses = [500, 503]
    r = await sim.post(made["redirect_url"], data={"action": "pay"})
    assert r.status_code == 200 and ">500<" in r.text
    for _ in range(100):
        if len(sim.api.received) >= 3:
            break
        await asyncio.sleep(0.01)
    assert len(sim.api.received) == 3   # 500, 503, then 200; no more
    await asyncio.sleep(0.05)
    assert len(sim.api.received) == 3
    [record] = (await sim.get("/_local/notifications")).json()
    assert record["attempts"] == 3 and record["response_status"] == 200
    assert "headers" not in record


async def test_control_sends_any_status_signed_or_tampered(sim):
    await snap(sim, order_id="SG-1B2C3D4E5F60", amount=250000)
    url = "/_local/midtrans/SG-1B2C3D4E5F60/notify"
    sim.api.statuses = [200, 403]
    r = await sim.post(url, json={"transaction_status": "capture", "fraud_status": "challenge"})
    assert r.status_code == 200 and r.json()["response_status"] == 200
    challenge = sim.api.bodies()[-1]
    assert midtrans.verify(challenge, SERVER_KEY) and midtrans.outcomes(challenge) == []
    r = await sim.post(url + "?tamper=1", json={"transaction_status": "settlement"})
    assert r.json()["response_status"] == 403   # what the API answered
    tampered = sim.api.bodies()[-1]
    assert not midtrans.verify(tampered, SERVER_KEY)
    assert len(sim.api.received) == 2   # the controls never retry


async def test_control_refunds_carry_the_refund_history(sim):
    await snap(sim, order_id="SG-1B2C3D4E5F60", amount=250000)
    url = "/_local/midtrans/SG-1B2C3D4E5F60/notify"
    await sim.post(url, json={"transaction_status": "settlement"})
    await sim.post(url, json={"transaction_status": "partial_refund", "refund_amount": 100000})
    await sim.post(url, json={"transaction_status": "refund"})   # the rest
    first, second = sim.api.bodies()[1:]
    assert all(midtrans.verify(b, SERVER_KEY) for b in (first, second))
    one = midtrans.outcomes(first)
    both = midtrans.outcomes(second)
    assert [o.amount_idr for o in one] == [100000]
    assert [o.amount_idr for o in both] == [100000, 150000]
    assert both[0].key == one[0].key and both[1].key != both[0].key
    assert second["refund_amount"] == "250000.00"
    r = await sim.post(url, json={"transaction_status": "partial_refund", "refund_amount": 1})
    assert r.status_code == 422   # nothing left to refund


async def test_control_for_orders_it_never_saw(sim):
    r = await sim.post("/_local/midtrans/SG-FFFFFFFFFFFF/notify", json={"transaction_status": "settlement"})
    assert r.status_code == 404 and sim.api.received == []
    r = await sim.post("/_local/midtrans/SG-FFFFFFFFFFFF/notify",
                       json={"transaction_status": "settlement", "gross_amount": 20000})
    assert r.status_code == 200
    assert midtrans.outcomes(sim.api.bodies()[0])[0].amount_idr == 20000
    r = await sim.post("/_local/midtrans/SG-FFFFFFFFFFFF/notify", json={"transaction_status": "paid"})
    assert r.status_code == 422


async def test_control_reports_an_unreachable_api():
    def down(request):
        raise httpx.ConnectError("connection refused", request=request)

    notifier = httpx.AsyncClient(transport=httpx.MockTransport(down))
    app = create_app(SERVER_KEY, TOKEN, SECRET, API, retries=0, client=notifier)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw.test") as sim:
        await snap(sim)
        r = await sim.post("/_local/midtrans/SG-0A1B2C3D4E5F/notify", json={"transaction_status": "settlement"})
        assert r.status_code == 502 and r.json()["response_status"] is None
        assert "ConnectError" in r.json()["error"]
    await notifier.aclose()


# ------------------------------------------------------------------ Xendit

async def invoice(sim, key=SECRET, external_id="SG-4E5F60718293", amount=100000):
    return await xendit.create_invoice(sim, "http://gw.test", key, external_id, amount, "Donasi")


async def test_invoice_create_right_and_wrong_key(sim):
    made = await invoice(sim)
    assert made["status"] == "PENDING"
    assert made["invoice_url"] == f"http://gw.test/web/invoices/{made['id']}"
    with pytest.raises(xendit.GatewayError, match="INVALID_API_KEY"):
        await invoice(sim, key="xnd_wrong")
    r = await sim.post("/v2/invoices", auth=(SECRET, ""), json={"external_id": "A", "amount": 1000,
                                                                 "currency": "USD"})
    assert r.status_code == 400


async def test_invoice_page_and_paid_callback(sim):
    made = await invoice(sim)
    page = (await sim.get(made["invoice_url"])).text
    assert "Bayar / Pay" in page and "Batal / Cancel" in page and "Rp 100.000" in page
    r = await sim.post(made["invoice_url"], data={"action": "pay"})
    assert r.status_code == 200 and "Terima kasih" in r.text
    [request] = sim.api.received
    assert str(request.url) == f"{API}/api/v1/payments/xendit/callback"
    assert xendit.verify(request.headers, TOKEN)
    paid = json.loads(request.content)
    assert paid["status"] == "PAID" and paid["paid_amount"] == 100000
    [got] = xendit.outcomes(paid)
    assert got == xendit.Outcome("received", "SG-4E5F60718293", 100000, f"xendit:{made['id']}:received")
    # A later SETTLED is the same money.
    r = await sim.post(f"/_local/xendit/{made['id']}/notify", json={"status": "SETTLED"})
    assert r.json()["response_status"] == 200
    assert xendit.outcomes(sim.api.bodies()[-1]) == [got]
    assert (await sim.post(made["invoice_url"], data={"action": "pay"})).status_code == 409


async def test_invoice_cancel_and_tampered_token(sim):
    made = await invoice(sim)
    await sim.post(made["invoice_url"], data={"action": "cancel"})
    expired = sim.api.bodies()[0]
    assert expired["status"] == "EXPIRED" and xendit.outcomes(expired) == []
    r = await sim.post(f"/_local/xendit/{made['id']}/notify?tamper=1", json={"status": "PAID"})
    assert r.status_code == 200
    assert not xendit.verify(sim.api.received[-1].headers, TOKEN)
    r = await sim.post("/_local/xendit/nope/notify", json={"status": "PAID"})
    assert r.status_code == 404
    r = await sim.post(f"/_local/xendit/{made['id']}/notify", json={"status": "LUNAS"})
    assert r.status_code == 422


async def test_no_customer_data_is_kept(sim):
    await midtrans.create_transaction(sim, "http://gw.test", SERVER_KEY, "SG-0A1B2C3D4E5F", 50000,
                                      {"first_name": "Siti Aminah", "phone": "+6281234567890"})
    dump = (await sim.get("/_local/orders")).text
    assert "Siti" not in dump and "6281234567890" not in dump
    assert (await sim.delete("/_local/orders")).json() == {"status": "reset"}
    assert (await sim.get("/_local/orders")).json() == {"midtrans": [], "xendit": []}


def test_needs_keys():
    with pytest.raises(ValueError):
        create_app("", TOKEN)
