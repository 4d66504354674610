"""Payment routes: donors start a donation, gateways notify us of money.

  POST /api/v1/campaigns/{slug}/donate            public; JSON or form -> 201 {order_id,
                                                  payment_url, gateway} (a browser's form
                                                  post -> 303 to the payment page)
  POST /api/v1/payments/midtrans/notification     Midtrans HTTP notification (signature_key)
  POST /api/v1/payments/xendit/callback           Xendit invoice callback (x-callback-token)

Money is recorded only from a verified notification (services/payments/orders.py). Gateways
retry until they get a 2xx, so: a bad signature/token is 403 and records nothing; a malformed
body is 422 naming the field; a notification that moves no money (pending, expire, ...) is 200;
money for an order we do not know is 404 (retried: the order may not be committed yet).

Dependencies the app may provide on app.state (tests do): payment_config (PaymentConfig),
payment_http (an httpx.AsyncClient for the gateways' create APIs); otherwise the environment
and a shared client are used."""
from __future__ import annotations

import logging
from typing import Literal

import httpx
import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from siaga.core.phone import normalize_phone
from siaga.infra.settings import get_settings
from siaga.services.api.deps import pool
from siaga.services.api.openapi import errors
from siaga.services.payments import GatewayError, PaymentFormatError
from siaga.services.payments import orders
from siaga.services.payments.config import PaymentConfig
from siaga.services.payments.midtrans import handler as midtrans
from siaga.services.payments.xendit import handler as xendit
from siaga.services.api.limits import intake_limit

log = logging.getLogger("siaga.payments")

router = APIRouter(tags=["payments"])

MIN_DONATION_IDR = 10_000
MAX_DONATION_IDR = 1_000_000_000
OPEN_CAMPAIGN = "open"
_shared: dict[str, object] = {}


# ------------------------------------------------------------------ dependencies

async def payment_config(request: Request) -> PaymentConfig:
    cfg = getattr(request.app.state, "payment_config", None)
    if cfg is None:
        if "config" not in _shared:
            _shared["config"] = PaymentConfig.from_env()
        cfg = _shared["config"]
    return cfg  # type: ignore[return-value]


async def payment_http(request: Request) -> httpx.AsyncClient:
    client = getattr(request.app.state, "payment_http", None)
    if client is None:
        if "http" not in _shared:
            cfg = await payment_config(request)
            # Offline the simulator is on loopback: an HTTP(S)_PROXY must not capture it.
            _shared["http"] = httpx.AsyncClient(timeout=15.0, trust_env=not cfg.offline)
        client = _shared["http"]
    return client  # type: ignore[return-value]


# ------------------------------------------------------------------ helpers

def _error(status: int, message: str, field: str | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict = {"error": message}
    if field is not None:
        body["error"] = f"invalid input: {field}: {message}"
        body["detail"] = [{"field": field, "message": message}]
    return JSONResponse(body, status_code=status, headers=headers)


async def _json_object(request: Request) -> dict | JSONResponse:
    raw = await request.body()
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _error(422, "the body is not valid JSON", "body")
    if not isinstance(data, dict):
        return _error(422, "the body must be a JSON object", "body")
    return data


async def _apply(db, gateway: str, order_id: str, status: str | None,
                 found: list) -> JSONResponse:
    async with db.connection() as conn:
        order = await orders.get_order(conn, order_id)
        if order is not None and order.gateway != gateway:
            order = None   # our order ids are one namespace; another gateway's order is not this one's
        if not found:
            if order is not None and status in orders.STATUS_RANK:
                await orders.mark_status(conn, order_id, status)
            log.info("%s notification for %s: %s, no money moved", gateway, order_id, status)
            return JSONResponse({"status": "ok", "order_id": order_id, "recorded": 0})
        if order is None:
            log.warning("%s notification moves money for unknown order %s", gateway, order_id)
            return _error(404, f"no {gateway} payment order {order_id}")
        results = [await orders.record_outcome(conn, order, o) for o in found]
    created = sum(r.created for r in results)
    return JSONResponse({"status": "ok", "order_id": order_id, "recorded": created,
                         "already_recorded": len(results) - created,
                         "donations": [r.response for r in results]})


# ------------------------------------------------------------------ notifications

def _json_body(*fields: str) -> dict:
    """The documented body of a route that reads it itself (a JSON object; more fields are fine)."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": {f: {"type": "string"} for f in fields}}}}}}


NOTIFIED = {200: {"description": "Taken: the money it moved is recorded (or none moved)"},
            **errors(403, 404, 422, e403="the signature or callback token does not match: nothing recorded",
                     e404="money for a payment order we do not know (yet): retried by the gateway")}

@router.post("/api/v1/payments/midtrans/notification", summary="Midtrans HTTP notification", responses=NOTIFIED,
             openapi_extra=_json_body("order_id", "status_code", "gross_amount", "signature_key",
                                      "transaction_status", "fraud_status", "transaction_id", "payment_type"))
async def midtrans_notification(request: Request, db=Depends(pool),
                                cfg: PaymentConfig = Depends(payment_config)) -> Response:
    body = await _json_object(request)
    if isinstance(body, JSONResponse):
        return body
    if not isinstance(body.get("signature_key"), str):
        return _error(403, "signature does not match")
    if (missing := midtrans.missing_signed_field(body)) is not None:
        return _error(422, "is required (a string)", missing)
    if not midtrans.verify(body, cfg.midtrans_server_key):
        if not cfg.midtrans_server_key:
            log.warning("MIDTRANS_SERVER_KEY is not set: every Midtrans notification is refused")
        log.warning("midtrans notification for %s: signature does not match", str(body["order_id"])[:60])
        return _error(403, "signature does not match")
    try:
        found = midtrans.outcomes(body)
    except PaymentFormatError as exc:
        return _error(422, exc.message, exc.field)
    return await _apply(db, midtrans.GATEWAY, body["order_id"], midtrans.order_status(body), found)


@router.post("/api/v1/payments/xendit/callback", summary="Xendit invoice callback", responses=NOTIFIED,
             openapi_extra={**_json_body("id", "external_id", "status", "amount", "paid_amount", "currency"),
                            "parameters": [{"name": "x-callback-token", "in": "header", "required": False,
                                            "schema": {"type": "string"}}]})
async def xendit_callback(request: Request, db=Depends(pool),
                          cfg: PaymentConfig = Depends(payment_config)) -> Response:
    if not xendit.verify(request.headers, cfg.xendit_callback_token):
        if not cfg.xendit_callback_token:
            log.warning("XENDIT_CALLBACK_TOKEN is not set: every Xendit callback is refused")
        log.warning("xendit callback: x-callback-token does not match")
        return _error(403, "x-callback-token does not match")
    body = await _json_object(request)
    if isinstance(body, JSONResponse):
        return body
    try:
        found = xendit.outcomes(body)
    except PaymentFormatError as exc:
        return _error(422, exc.message, exc.field)
    return await _apply(db, xendit.GATEWAY, body["external_id"], xendit.order_status(body), found)


# ------------------------------------------------------------------ donate

class DonateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    amount_idr: int = Field(ge=MIN_DONATION_IDR, le=MAX_DONATION_IDR)
    gateway: Literal["midtrans", "xendit"] = "midtrans"
    donor_name: str | None = Field(default=None, max_length=120)
    donor_public: bool = Field(default=False, description="the donor agrees to be named publicly")
    donor_phone: str | None = Field(default=None, max_length=32,
                                    description="E.164 (+62...), only for the receipt; never published")

    @field_validator("donor_name", "donor_phone", mode="before")
    @classmethod
    def _no_nul(cls, value):
        if isinstance(value, str) and "\x00" in value:   # PostgreSQL text cannot hold it
            raise ValueError("must not contain NUL characters")
        return value


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def _donate_input(request: Request) -> tuple[dict | None, bool, JSONResponse | None]:
    """(fields, came_as_form, error)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype in FORM_TYPES:
        form = await request.form()
        data = {k: str(v) for k, v in form.items() if k in DonateIn.model_fields}
        # An empty box is "not given"; an unticked donor_public checkbox sends nothing (False).
        data = {k: v for k, v in data.items() if v.strip() != ""}
        return data, True, None
    if ctype == "application/json" or ctype.endswith("+json"):
        data = await _json_object(request)
        if isinstance(data, JSONResponse):
            return None, False, data
        return data, False, None
    return None, False, _error(415, "send the donation as JSON or as a form "
                                    "(application/x-www-form-urlencoded)")


def _describe(exc: ValidationError) -> tuple[str, str]:
    first = exc.errors()[0]
    loc = [str(p) for p in first.get("loc", ())]
    field = ".".join(loc) or "body"
    message = "unknown field" if first.get("type") == "extra_forbidden" else first.get("msg", "invalid value")
    return field, message


DONATE_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": DonateIn.model_json_schema()},
    "application/x-www-form-urlencoded": {"schema": DonateIn.model_json_schema()}}}}


@router.post("/api/v1/campaigns/{slug}/donate", status_code=201, dependencies=[Depends(intake_limit)],
             summary="Start a donation: a payment order and the gateway's payment page",
             openapi_extra=DONATE_BODY,
             responses={201: {"description": "The order, and the page where the donor pays",
                              "content": {"application/json": {"schema": {
                                  "type": "object", "required": ["order_id", "payment_url", "gateway"],
                                  "properties": {"order_id": {"type": "string"}, "payment_url": {"type": "string"},
                                                 "gateway": {"type": "string"}}}}}},
                        303: {"description": "A browser's form post (Accept: text/html) goes to the payment page"},
                        **errors(404, 415, 422, 502, 503, e404="no such campaign, or not open for donations",
                                 e503="this gateway's keys are not set: donations through it are unavailable")})
async def donate(slug: str, request: Request, db=Depends(pool),
                 cfg: PaymentConfig = Depends(payment_config),
                 client: httpx.AsyncClient = Depends(payment_http)) -> Response:
    """Nothing is recorded as received here: the money counts once the gateway's signed
    notification arrives. The donor's phone number only gets the receipt."""
    data, as_form, error = await _donate_input(request)
    if error is not None:
        return error
    try:
        body = DonateIn.model_validate(data)
    except ValidationError as exc:
        field, message = _describe(exc)
        return _error(422, message, field)
    donor_name = body.donor_name or None
    phone = None
    if body.donor_phone:
        try:
            phone = normalize_phone(body.donor_phone)
        except ValueError as exc:
            return _error(422, str(exc), "donor_phone")
    if not cfg.configured(body.gateway):
        log.warning("donation through %s refused: its keys are not set", body.gateway)
        return _error(503, f"donations through {body.gateway} are not available right now",
                      headers={"Retry-After": "60"})
    if not 1 <= len(slug) <= 120:
        return _error(404, "no such campaign")

    async with db.connection() as conn:
        row = await (await conn.execute("SELECT status FROM campaigns WHERE slug = %s", (slug,))).fetchone()
        if row is None:
            return _error(404, f"no campaign {slug}")
        if row[0] != OPEN_CAMPAIGN:
            return _error(404, f"campaign {slug} is not open for donations")
        order = await orders.create_order(conn, gateway=body.gateway, campaign=slug,
                                          amount_idr=body.amount_idr, donor_name=donor_name,
                                          donor_public=body.donor_public, donor_phone=phone)

    back = f"{get_settings().public_base_url.rstrip('/')}/campaigns/{slug}"   # where the donor returns
    try:   # no pooled connection is held while the gateway answers
        if body.gateway == "midtrans":
            customer = {"first_name": donor_name} if donor_name else None
            made = await midtrans.create_transaction(client, cfg.midtrans_api, cfg.midtrans_server_key,
                                                     order.order_id, body.amount_idr, customer, finish_url=back)
            ref, url = made["token"], made["redirect_url"]
        else:
            made = await xendit.create_invoice(client, cfg.xendit_api, cfg.xendit_secret_key,
                                               order.order_id, body.amount_idr,
                                               f"Donasi {slug} ({order.order_id})", success_redirect_url=back)
            ref, url = made["id"], made["invoice_url"]
    except GatewayError as exc:
        log.warning("order %s: %s", order.order_id, exc)
        async with db.connection() as conn:
            await orders.mark_status(conn, order.order_id, "failed")
        return _error(502, f"the payment gateway ({body.gateway}) did not accept the donation; "
                           "nothing was charged, please try again")

    async with db.connection() as conn:
        await orders.set_payment(conn, order.order_id, ref, url)
    log.info("order %s: %s IDR to %s through %s", order.order_id, body.amount_idr, slug, body.gateway)
    if as_form and "text/html" in request.headers.get("accept", ""):
        return RedirectResponse(url, status_code=303)   # a browser goes straight to the payment page
    return JSONResponse({"order_id": order.order_id, "payment_url": url, "gateway": body.gateway},
                        status_code=201)
