"""Money received only from the payment gateway's signed notification, against the running stack
and its local gateway simulator (services/gateway_local), which signs like Midtrans and Xendit."""
from __future__ import annotations

import re
import secrets
import sys
from contextlib import closing
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_ledger import make_campaign, wait_entries  # noqa: E402
from test_map_support import stack, wait_for  # noqa: E402,F401

pytestmark = pytest.mark.integration


def gateway(stack) -> httpx.Client:
    return httpx.Client(base_url=stack.env["PAYMENT_BASE_URL"], timeout=30, trust_env=False)


def donate(stack, slug: str, amount: int, **extra) -> dict:
    with stack.client() as c:
        r = c.post(f"/api/v1/campaigns/{slug}/donate", json={"amount_idr": amount, **extra})
    assert r.status_code == 201, r.text
    return r.json()


def money(stack, slug: str) -> list[tuple[str, int, str]]:
    return [(e["kind"], e["money_idr"], e["reference"]) for e in wait_entries(stack, slug, 0) if e["money_idr"]]


def test_a_signed_settlement_records_once_though_sent_three_times_and_a_tampered_one_is_403(stack):
    slug = make_campaign(stack, verified=True)
    phone = "+62813555" + str(secrets.randbelow(10**5)).zfill(5)
    order = donate(stack, slug, 150_000, donor_name="Budi Rahasia", donor_phone=phone)
    with stack.client() as c:   # starting a payment counts nothing
        assert c.get(f"/api/v1/campaigns/{slug}").json()["totals"]["received_idr"] == 0
    with gateway(stack) as g:
        page = g.get(order["payment_url"])
        assert page.status_code == 200 and "Bayar" in page.text
        tampered = g.post(f"/_local/midtrans/{order['order_id']}/notify?tamper=1",
                          json={"transaction_status": "settlement"}).json()
        assert tampered["response_status"] == 403, tampered
        for _ in range(3):
            sent = g.post(f"/_local/midtrans/{order['order_id']}/notify",
                          json={"transaction_status": "settlement"}).json()
            assert sent["response_status"] == 200, sent
    wait_for(lambda: money(stack, slug), 60, "the payment in the ledger")
    with stack.db() as conn:   # give a duplicate every chance to arrive
        wait_for(lambda: conn.execute("SELECT count(*) FROM outbox WHERE topic = 'donations' AND published_at IS NULL"
                                      ).fetchone()[0] == 0, 30, "the relay to publish")
    assert money(stack, slug) == [("received", 150_000, order["order_id"])]
    entry = wait_entries(stack, slug, 1)[0]
    assert entry["source"] == "midtrans" and entry["donor"] is None
    with stack.client() as c:
        totals = c.get(f"/api/v1/campaigns/{slug}").json()["totals"]
    assert totals["received_idr"] == 150_000 and totals["balance_idr"] == 150_000

    def live_update():   # what the coordinators' map and the public page are woken by
        with stack.db() as conn:
            return conn.execute("SELECT detail FROM situation_log WHERE kind = 'donation' AND detail ->> 'campaign' = %s "
                                "AND (detail ->> 'received_idr')::bigint = 150000", (slug,)).fetchone()
    assert "Budi" not in str(wait_for(live_update, 60, "the campaign's live update"))

    def receipt():
        with stack.client() as c:
            msgs = c.get(f"{stack.env['TWILIO_BASE_URL']}/_local/messages").json()["messages"]
        return [m for m in msgs if m["to"] == phone]
    wait_for(receipt, 60, "the donor's receipt")
    assert "Rp150.000" in receipt()[0]["body"] and len(receipt()) == 1


def test_a_refund_is_its_own_entry_and_a_bad_notification_records_nothing(stack):
    slug = make_campaign(stack)
    order = donate(stack, slug, 200_000)
    with gateway(stack) as g:
        assert g.post(f"/_local/midtrans/{order['order_id']}/notify",
                      json={"transaction_status": "settlement"}).json()["response_status"] == 200
        wait_for(lambda: money(stack, slug), 60, "the payment in the ledger")
        assert g.post(f"/_local/midtrans/{order['order_id']}/notify",
                      json={"transaction_status": "partial_refund", "refund_amount": 50_000}).json()[
            "response_status"] == 200
    wait_for(lambda: len(money(stack, slug)) == 2, 60, "the refund in the ledger")
    assert sorted(money(stack, slug)) == [("received", 200_000, order["order_id"]),
                                          ("refunded", 50_000, order["order_id"])]
    with stack.client() as c:
        t = c.get(f"/api/v1/campaigns/{slug}").json()["totals"]
        assert (t["received_idr"], t["refunded_idr"], t["balance_idr"]) == (200_000, 50_000, 150_000)
        # Straight to the API, as an attacker would: no or a wrong signature.
        body = {"order_id": order["order_id"], "status_code": "200", "gross_amount": "9000000.00",
                "transaction_status": "settlement", "signature_key": "0" * 128}
        r = c.post("/api/v1/payments/midtrans/notification", json=body)
        assert r.status_code == 403 and "signature" in r.json()["error"]
        r = c.post("/api/v1/payments/midtrans/notification", json={"order_id": order["order_id"]})
        assert r.status_code in (403, 422)
        r = c.post("/api/v1/payments/xendit/callback", headers={"x-callback-token": "tebakan"},
                   json={"id": "inv", "external_id": order["order_id"], "status": "PAID", "amount": 9_000_000})
        assert r.status_code == 403
        assert c.post(f"/api/v1/campaigns/{slug}/donate", json={"amount_idr": 5}).status_code == 422
        assert c.post("/api/v1/campaigns/tidak-ada/donate", json={"amount_idr": 50_000}).status_code == 404
    assert len(money(stack, slug)) == 2


def test_xendit_paid_then_settled_records_once(stack):
    slug = make_campaign(stack)
    order = donate(stack, slug, 75_000, gateway="xendit")
    invoice = order["payment_url"].rstrip("/").rsplit("/", 1)[1]
    with gateway(stack) as g:
        for status in ("PAID", "SETTLED", "PAID"):
            sent = g.post(f"/_local/xendit/{invoice}/notify", json={"status": status}).json()
            assert sent["response_status"] == 200, sent
    wait_for(lambda: money(stack, slug), 60, "the payment in the ledger")
    with stack.db() as conn:
        wait_for(lambda: conn.execute("SELECT count(*) FROM outbox WHERE topic = 'donations' AND published_at IS NULL"
                                      ).fetchone()[0] == 0, 30, "the relay to publish")
    got = money(stack, slug)
    assert got == [("received", 75_000, order["order_id"])]


def test_the_donate_form_leads_through_the_gateway_page_back_to_the_campaign(stack):
    """The no-JavaScript path a donor on a basic smartphone takes: form, payment page, back."""
    slug = make_campaign(stack, verified=True)
    with stack.client(follow_redirects=False) as c:
        r = c.post(f"/api/v1/campaigns/{slug}/donate", headers={"accept": "text/html"},
                   data={"amount_idr": "60000", "donor_name": "", "donor_phone": ""})
        assert r.status_code == 303, r.text
        pay_url = r.headers["location"]
    with gateway(stack) as g:
        page = g.get(pay_url)
        form = re.search(r'<form[^>]*method="post"[^>]*>(.*?)</form>', page.text, re.S | re.I)
        assert form, page.text
        done = g.post(pay_url, data={"action": "pay"})
        assert done.status_code == 200 and f"/campaigns/{slug}" in done.text
    wait_for(lambda: money(stack, slug), 60, "the payment in the ledger")
    with closing(stack.client()) as c:
        assert "Rp 60.000" in c.get(f"/campaigns/{slug}").text
