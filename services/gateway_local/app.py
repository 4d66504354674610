"""A local payment gateway simulator for dev, demo and CI (no internet, no real money).

It speaks the parts of the real APIs Siaga uses, so services/payments talks to it unchanged
(PAYMENT_BASE_URL points there):

  Midtrans Snap
    POST /snap/v1/transactions            create (HTTP Basic: server key, empty password)
                                          -> 201 {token, redirect_url}
    GET  /snap/v2/vtweb/{token}           the payment page (HTML forms, no JavaScript)
    POST /snap/v2/vtweb/{token}           action=pay -> settlement, action=cancel -> expire:
                                          a signed HTTP notification to
                                          {notify_base}/api/v1/payments/midtrans/notification
  Xendit
    POST /v2/invoices                     create (HTTP Basic: secret key) -> 200 invoice
    GET  /web/invoices/{id}               the payment page
    POST /web/invoices/{id}               action=pay -> PAID, action=cancel -> EXPIRED: a
                                          callback with x-callback-token to
                                          {notify_base}/api/v1/payments/xendit/callback

A notification the API does not answer 2xx is retried `retries` times in the background,
waiting retry_delay, 2*retry_delay, ... (the real gateways retry for hours).

Local controls (no auth: bind to loopback only):

  GET    /_local/orders                      transactions and invoices it knows
  DELETE /_local/orders                      forget everything
  GET    /_local/notifications               every notification sent and the answers
  POST   /_local/midtrans/{order_id}/notify  {transaction_status, fraud_status?, refund_amount?,
                                             gross_amount?}  ?tamper=1: wrong signature
  POST   /_local/xendit/{invoice_id}/notify  {status, external_id?, amount?}  ?tamper=1: wrong
                                             x-callback-token
  The two notify controls send once (no retry) and answer {response_status, response_body,
  sent}: response_status is what the API answered.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import html
import logging
import re
import secrets
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

import httpx
import orjson
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from siaga.services.gateway_local.state import (
    FINAL_MIDTRANS,
    FINAL_XENDIT,
    MIDTRANS_STATUSES,
    XENDIT_STATUSES,
    Invoice,
    SnapTransaction,
    Store,
    add_refund,
    iso_now,
    midtrans_notification,
    rupiah,
    wib_now,
    xendit_callback,
)

log = logging.getLogger("siaga.gateway_local")

MIDTRANS_PATH = "/api/v1/payments/midtrans/notification"
XENDIT_PATH = "/api/v1/payments/xendit/callback"
ORDER_ID = re.compile(r"^[A-Za-z0-9\-_~.]{1,50}$")   # what Snap accepts as an order_id
UNAUTHORIZED_MIDTRANS = {"error_messages": [
    "Access denied due to unauthorized transaction, please check client or server key",
    "Visit https://snap-docs.midtrans.com/#request-headers for more details"]}
UNAUTHORIZED_XENDIT = {"error_code": "INVALID_API_KEY",
                       "message": "API key is not authorized for this API service"}


def _basic_user(request: Request) -> str:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        return base64.b64decode(encoded, validate=True).decode().partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return ""


def _whole_amount(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and value > 0 else None


async def _json(request: Request) -> Any:
    try:
        return orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return None


def create_app(
    server_key: str,
    callback_token: str,
    secret_key: str | None = None,
    notify_base: str = "http://127.0.0.1:8000",
    *,
    retries: int = 3,
    retry_delay: float = 1.0,
    client: httpx.AsyncClient | None = None,
) -> FastAPI:
    """The simulator for one Midtrans server key and one Xendit account (callback token,
    secret key: the callback token when not given). `client` sends the notifications (tests
    pass one on an httpx.MockTransport to capture them)."""
    if not server_key or not callback_token:
        raise ValueError("a server key and a callback token are needed")
    secret = secret_key or callback_token
    notify_base = notify_base.rstrip("/")
    store = Store()
    http: dict[str, httpx.AsyncClient] = {"client": client} if client is not None else {}
    background: set[asyncio.Task] = set()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        own = None
        if client is None:
            # trust_env=False: notifications go to a local API; an HTTP(S)_PROXY must not take them.
            own = http["client"] = httpx.AsyncClient(timeout=10.0, trust_env=False)
        try:
            yield
        finally:
            for task in list(background):
                task.cancel()
            if own is not None:
                await own.aclose()
                http.clear()

    app = FastAPI(title="Payment gateway simulator (Siaga)", docs_url="/_local/docs",
                  redoc_url=None, openapi_url="/_local/openapi.json", lifespan=lifespan)
    app.state.store = store

    def sender() -> httpx.AsyncClient:
        if "client" not in http:   # driven without lifespan (a bare ASGI transport)
            http["client"] = httpx.AsyncClient(timeout=10.0, trust_env=False)
        return http["client"]

    def base_of(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    # ------------------------------------------------------------ sending

    async def attempt(record: dict[str, Any]) -> None:
        try:
            response = await sender().post(record["url"], content=orjson.dumps(record["sent"]),
                                           headers=record["headers"])
            record["response_status"] = response.status_code
            record["response_body"] = response.text[:2000]
            record.pop("error", None)
        except httpx.HTTPError as exc:
            record["response_status"] = None
            record["error"] = f"{type(exc).__name__}: {exc}"[:300]
        record["attempts"] += 1
        log.info("%s notification %s %s -> %s (attempt %d)", record["gateway"], record["ref"],
                 record["status"], record["response_status"] or record.get("error"),
                 record["attempts"])

    def delivered(record: dict[str, Any]) -> bool:
        status = record.get("response_status")
        return status is not None and 200 <= status < 300

    async def retry_later(record: dict[str, Any]) -> None:
        for i in range(retries):
            await asyncio.sleep(retry_delay * 2 ** i)
            await attempt(record)
            if delivered(record):
                return

    async def send(gateway: str, ref: str, status: str, body: dict[str, Any],
                   headers: dict[str, str], *, retry: bool) -> dict[str, Any]:
        path = MIDTRANS_PATH if gateway == "midtrans" else XENDIT_PATH
        record: dict[str, Any] = {"gateway": gateway, "ref": ref, "status": status,
                                  "url": notify_base + path, "sent": body,
                                  "headers": {"Content-Type": "application/json", **headers},
                                  "attempts": 0, "response_status": None, "response_body": None,
                                  "at": iso_now()}
        store.notifications.append(record)
        await attempt(record)
        if retry and retries > 0 and not delivered(record):
            task = asyncio.get_running_loop().create_task(retry_later(record))
            background.add(task)
            task.add_done_callback(background.discard)
        return record

    async def notify_midtrans(tx: SnapTransaction, status: str, *, fraud_status: str | None = None,
                              tamper: bool = False, retry: bool) -> dict[str, Any]:
        if status in ("settlement", "capture") and tx.settled_at is None and fraud_status in (None, "accept"):
            tx.settled_at = wib_now()
        tx.status = status
        body = midtrans_notification(tx, status, server_key, fraud_status=fraud_status, tamper=tamper)
        return await send("midtrans", tx.order_id, status, body,
                          {"User-Agent": "Veritrans"}, retry=retry)

    async def notify_xendit(inv: Invoice, status: str, *, tamper: bool = False,
                            retry: bool) -> dict[str, Any]:
        inv.status = status
        inv.updated = iso_now()
        if status in ("PAID", "SETTLED") and inv.paid_at is None:
            inv.paid_at = inv.updated
        token = callback_token + ("-tampered" if tamper else "")
        return await send("xendit", inv.id, status, xendit_callback(inv, status),
                          {"x-callback-token": token, "webhook-id": secrets.token_hex(12)},
                          retry=retry)

    def control_answer(record: dict[str, Any]) -> JSONResponse:
        out = {k: record.get(k) for k in ("url", "status", "response_status", "response_body",
                                          "error", "sent")}
        return JSONResponse(out, status_code=200 if record.get("response_status") else 502)

    # ------------------------------------------------------------ Midtrans Snap

    @app.post("/snap/v1/transactions")
    async def snap_create(request: Request) -> JSONResponse:
        if not hmac.compare_digest(_basic_user(request).encode(), server_key.encode()):
            return JSONResponse(UNAUTHORIZED_MIDTRANS, status_code=401)
        data = await _json(request)
        details = data.get("transaction_details") if isinstance(data, dict) else None
        if not isinstance(details, dict):
            return JSONResponse({"error_messages": ["transaction_details is required"]}, status_code=400)
        order_id, amount = details.get("order_id"), _whole_amount(details.get("gross_amount"))
        errors = []
        if not isinstance(order_id, str) or not ORDER_ID.match(order_id):
            errors.append("transaction_details.order_id is required, up to 50 letters, digits, "
                          "'-', '_', '~' or '.'")
        elif order_id in store.transactions:
            errors.append("transaction_details.order_id has already been taken")
        if amount is None:
            errors.append("transaction_details.gross_amount must be a whole number greater than 0")
        if errors:
            return JSONResponse({"error_messages": errors}, status_code=400)
        callbacks = data.get("callbacks") if isinstance(data.get("callbacks"), dict) else {}
        finish = callbacks.get("finish") if isinstance(callbacks.get("finish"), str) else None
        tx = SnapTransaction(order_id=order_id, gross_amount=amount, finish_url=finish)  # type: ignore[arg-type]
        store.add_transaction(tx)
        log.info("snap transaction %s %s IDR", order_id, amount)
        return JSONResponse({"token": tx.token,
                             "redirect_url": f"{base_of(request)}/snap/v2/vtweb/{tx.token}"},
                            status_code=201)

    @app.get("/snap/v2/vtweb/{token}", response_class=HTMLResponse)
    async def snap_page(token: str) -> HTMLResponse:
        tx = store.by_token(token)
        if tx is None:
            return HTMLResponse(_not_found(), status_code=404)
        return HTMLResponse(_pay_page("Midtrans", tx.order_id, tx.gross_amount,
                                      done=tx.status in FINAL_MIDTRANS, status=tx.status))

    @app.post("/snap/v2/vtweb/{token}", response_class=HTMLResponse)
    async def snap_pay(token: str, request: Request) -> HTMLResponse:
        tx = store.by_token(token)
        if tx is None:
            return HTMLResponse(_not_found(), status_code=404)
        if tx.status in FINAL_MIDTRANS:
            return HTMLResponse(_pay_page("Midtrans", tx.order_id, tx.gross_amount, done=True,
                                          status=tx.status), status_code=409)
        action = (await request.form()).get("action")
        if action not in ("pay", "cancel"):
            return HTMLResponse(_not_found("action must be pay or cancel"), status_code=400)
        status = "settlement" if action == "pay" else "expire"
        record = await notify_midtrans(tx, status, retry=True)
        return HTMLResponse(_result_page(tx.order_id, tx.gross_amount, paid=action == "pay",
                                         record=record, finish_url=tx.finish_url))

    # ------------------------------------------------------------ Xendit invoices

    @app.post("/v2/invoices")
    async def xendit_create(request: Request) -> JSONResponse:
        if not hmac.compare_digest(_basic_user(request).encode(), secret.encode()):
            return JSONResponse(UNAUTHORIZED_XENDIT, status_code=401)
        data = await _json(request)
        if not isinstance(data, dict):
            return JSONResponse({"error_code": "API_VALIDATION_ERROR",
                                 "message": "the body must be a JSON object"}, status_code=400)
        external_id, amount = data.get("external_id"), _whole_amount(data.get("amount"))
        if not isinstance(external_id, str) or not 1 <= len(external_id) <= 1000:
            return JSONResponse({"error_code": "API_VALIDATION_ERROR",
                                 "message": "\"external_id\" is required"}, status_code=400)
        if amount is None:
            return JSONResponse({"error_code": "API_VALIDATION_ERROR",
                                 "message": "\"amount\" must be a whole number greater than 0"},
                                status_code=400)
        if data.get("currency", "IDR") != "IDR":
            return JSONResponse({"error_code": "UNSUPPORTED_CURRENCY",
                                 "message": "the simulator takes IDR only"}, status_code=400)
        description = data.get("description") if isinstance(data.get("description"), str) else ""
        inv = Invoice(external_id=external_id, amount=amount, description=description[:1000])
        for key in ("success_redirect_url", "failure_redirect_url"):
            if isinstance(data.get(key), str):
                setattr(inv, key, data[key])
        store.invoices[inv.id] = inv
        log.info("xendit invoice %s for %s %s IDR", inv.id, external_id, amount)
        return JSONResponse(inv.resource(base_of(request)))

    @app.get("/web/invoices/{invoice_id}", response_class=HTMLResponse)
    async def invoice_page(invoice_id: str) -> HTMLResponse:
        inv = store.invoices.get(invoice_id)
        if inv is None:
            return HTMLResponse(_not_found(), status_code=404)
        return HTMLResponse(_pay_page("Xendit", inv.external_id, inv.amount,
                                      done=inv.status in FINAL_XENDIT, status=inv.status))

    @app.post("/web/invoices/{invoice_id}", response_class=HTMLResponse)
    async def invoice_pay(invoice_id: str, request: Request) -> HTMLResponse:
        inv = store.invoices.get(invoice_id)
        if inv is None:
            return HTMLResponse(_not_found(), status_code=404)
        if inv.status in FINAL_XENDIT:
            return HTMLResponse(_pay_page("Xendit", inv.external_id, inv.amount, done=True,
                                          status=inv.status), status_code=409)
        action = (await request.form()).get("action")
        if action not in ("pay", "cancel"):
            return HTMLResponse(_not_found("action must be pay or cancel"), status_code=400)
        record = await notify_xendit(inv, "PAID" if action == "pay" else "EXPIRED", retry=True)
        finish = inv.success_redirect_url if action == "pay" else inv.failure_redirect_url
        return HTMLResponse(_result_page(inv.external_id, inv.amount, paid=action == "pay",
                                         record=record, finish_url=finish))

    # ------------------------------------------------------------ local controls

    @app.get("/_local/orders")
    async def local_orders() -> dict:
        return {"midtrans": [t.summary() for t in store.transactions.values()],
                "xendit": [i.summary() for i in store.invoices.values()]}

    @app.delete("/_local/orders")
    async def local_reset() -> dict:
        store.reset()
        return {"status": "reset"}

    @app.get("/_local/notifications")
    async def local_notifications() -> list[dict]:
        return [{k: v for k, v in r.items() if k != "headers"} for r in store.notifications]

    @app.post("/_local/midtrans/{order_id}/notify")
    async def local_midtrans(order_id: str, request: Request, tamper: bool = False) -> JSONResponse:
        spec = await _json(request)
        if not isinstance(spec, dict):
            return JSONResponse({"error": "send a JSON object {transaction_status, ...}"}, status_code=422)
        status = spec.get("transaction_status")
        if status not in MIDTRANS_STATUSES:
            return JSONResponse({"error": f"transaction_status must be one of {', '.join(MIDTRANS_STATUSES)}"},
                                status_code=422)
        fraud = spec.get("fraud_status")
        if fraud is not None and fraud not in ("accept", "challenge", "deny"):
            return JSONResponse({"error": "fraud_status must be accept, challenge or deny"}, status_code=422)
        tx = store.transactions.get(order_id)
        if tx is None:   # an order the simulator never saw: needs its amount
            amount = _whole_amount(spec.get("gross_amount"))
            if amount is None or not ORDER_ID.match(order_id):
                return JSONResponse({"error": f"unknown order {order_id}: give gross_amount to "
                                              "send a notification for it anyway"}, status_code=404)
            tx = SnapTransaction(order_id=order_id, gross_amount=amount)
            store.add_transaction(tx)
        if status in ("refund", "partial_refund"):
            remaining = tx.gross_amount - tx.refunded
            amount = _whole_amount(spec.get("refund_amount")) if spec.get("refund_amount") is not None else remaining
            if amount is None or not 0 < amount <= remaining:
                return JSONResponse({"error": f"refund_amount must be a whole number from 1 to {remaining}"},
                                    status_code=422)
            add_refund(tx, amount)
        record = await notify_midtrans(tx, status, fraud_status=fraud, tamper=tamper, retry=False)
        return control_answer(record)

    @app.post("/_local/xendit/{invoice_id}/notify")
    async def local_xendit(invoice_id: str, request: Request, tamper: bool = False) -> JSONResponse:
        spec = await _json(request)
        if not isinstance(spec, dict) or spec.get("status") not in XENDIT_STATUSES:
            return JSONResponse({"error": f"send {{\"status\": one of {', '.join(XENDIT_STATUSES)}}}"},
                                status_code=422)
        inv = store.invoices.get(invoice_id)
        if inv is None:
            amount = _whole_amount(spec.get("amount"))
            external_id = spec.get("external_id")
            if amount is None or not isinstance(external_id, str) or not external_id:
                return JSONResponse({"error": f"unknown invoice {invoice_id}: give external_id and "
                                              "amount to send a callback for it anyway"}, status_code=404)
            inv = Invoice(external_id=external_id, amount=amount, id=invoice_id)
            store.invoices[inv.id] = inv
        record = await notify_xendit(inv, spec["status"], tamper=tamper, retry=False)
        return control_answer(record)

    return app


# ---------------------------------------------------------------- pages

_STYLE = """body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;
color:#222}h1{font-size:1.4rem}.amount{font-size:2rem;font-weight:bold;margin:.5rem 0}
.en{color:#555}form{display:inline-block;margin:1rem .5rem 0 0}button{font-size:1.1rem;
padding:.6rem 1.4rem;border-radius:.4rem;border:1px solid #888;cursor:pointer}
button.pay{background:#0a7d3b;color:#fff;border-color:#0a7d3b}.note{font-size:.85rem;color:#777;
margin-top:2rem}"""


def _page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title><style>{_STYLE}</style></head>
<body>{body}
<p class="note">Simulasi lokal: tidak ada uang sungguhan. <span class="en">Local simulator: no
real money moves.</span></p></body></html>"""


def _pay_page(gateway: str, order_id: str, amount: int, *, done: bool, status: str) -> str:
    o = html.escape(order_id)
    head = f"""<h1>Pembayaran donasi <span class="en">/ Donation payment</span></h1>
<p>Pesanan <span class="en">/ Order</span>: <code>{o}</code> ({html.escape(gateway)})</p>
<p class="amount">{rupiah(amount)}</p>"""
    if done:
        return _page(f"Pesanan {order_id}", head + f"""
<p>Pesanan ini sudah diproses ({html.escape(status)}).<br>
<span class="en">This order has already been processed ({html.escape(status)}).</span></p>""")
    return _page(f"Bayar {order_id} / Pay", head + """
<p>Tekan <b>Bayar</b> untuk menyelesaikan pembayaran, atau <b>Batal</b> untuk membatalkannya.<br>
<span class="en">Press <b>Pay</b> to complete the payment, or <b>Cancel</b> to cancel it.</span></p>
<form method="post"><input type="hidden" name="action" value="pay">
<button class="pay" type="submit">Bayar / Pay</button></form>
<form method="post"><input type="hidden" name="action" value="cancel">
<button type="submit">Batal / Cancel</button></form>""")


def _result_page(order_id: str, amount: int, *, paid: bool, record: dict[str, Any],
                 finish_url: str | None) -> str:
    if paid:
        text = ("Pembayaran berhasil. Terima kasih atas donasi Anda!",
                "Payment successful. Thank you for your donation!")
    else:
        text = ("Pembayaran dibatalkan.", "Payment cancelled.")
    answer = record.get("response_status") or "tidak terjangkau / unreachable"
    back = ""
    if finish_url and finish_url.startswith(("http://", "https://")):
        back = f'<p><a href="{html.escape(finish_url)}">Kembali / Back</a></p>'
    return _page(text[1], f"""<h1>{html.escape(text[0])}<br><span class="en">{html.escape(text[1])}</span></h1>
<p>Pesanan <span class="en">/ Order</span>: <code>{html.escape(order_id)}</code></p>
<p class="amount">{rupiah(amount)}</p>
<p>Notifikasi ke Siaga dijawab <span class="en">/ Siaga answered the notification</span>:
<b>{html.escape(str(answer))}</b></p>{back}""")


def _not_found(why: str = "") -> str:
    extra = f"<p>{html.escape(why)}</p>" if why else ""
    return _page("Tidak ditemukan / Not found", f"""<h1>Tidak ditemukan <span class="en">/ Not
found</span></h1><p>Halaman pembayaran ini tidak ada. <span class="en">This payment page does
not exist.</span></p>{extra}""")
