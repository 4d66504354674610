"""A local, Twilio-compatible Messages API for dev, demo and CI (no internet needed).

The real `twilio` SDK talks to it unchanged (see services/notifier/twilio_sender.py,
build_client(base_url=...)). It implements the part of the 2010-04-01 API Siaga uses:

  POST /2010-04-01/Accounts/{Sid}/Messages.json          create (Basic auth Sid:Token)
  GET  /2010-04-01/Accounts/{Sid}/Messages/{MsgSid}.json fetch
  GET  /2010-04-01/Accounts/{Sid}/Messages.json          list (To, From, PageSize, Page)

and local control endpoints (no auth: bind it to loopback only):

  GET    /_local/                 HTML page of recorded messages (demo)
  GET    /_local/messages?to=     recorded messages (with local-only fields)
  DELETE /_local/messages         forget messages, attempts and posted webhooks
  GET    /_local/attempts         every create call, including forced failures
  POST   /_local/failures         queue a forced failure; GET lists, DELETE clears
  POST   /_local/inbound          post a signed inbound message or status callback
  GET    /_local/webhooks         webhooks this server posted and the answers it got
  GET/POST /_local/config         status_callbacks on/off, callback_delay, storm (a share of
                                   creates answered 429 / 5xx, or accepted and answered too late)
"""
from __future__ import annotations

import asyncio
import base64
import random
import binascii
import hmac
import html
import logging
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Any, AsyncIterator, Literal

import httpx
from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from siaga.core.phone import mask_address
from siaga.services.twilio_local.state import (
    API_VERSION,
    DEFAULT_STATUS,
    ERROR_TEXT,
    FailureRule,
    Store,
    build_record,
    channel_of,
    error_body,
    resource,
    valid_address,
)
from siaga.services.twilio_local.webhooks import inbound_params, post_signed, sign, status_params

log = logging.getLogger("siaga.twilio_local")

DEFAULT_NUMBER = "+15005550006"   # the local account's "own" number for inbound defaults
MAX_BODY = 1600
# As Twilio waits for a webhook: 10 s to connect, 15 s in all for the answer (Twilio error 11205).
WEBHOOK_TIMEOUT = httpx.Timeout(15.0, connect=10.0)


@dataclass
class LocalConfig:
    status_callbacks: bool = False   # post sent/delivered to StatusCallback after create
    callback_delay: float = 0.2      # seconds before each simulated status change
    storm: dict | None = None        # StormIn while a storm is on


class StormIn(BaseModel):
    """A provider having a bad day: of the message creates, a share is refused with 429 (too
    many requests), a share with a 5xx, and a share is accepted (the message goes out) but
    answered only after `slow_s`, past any sane client timeout: the sender cannot know."""
    rate_429: float = Field(default=0.0, ge=0, le=1)
    rate_5xx: float = Field(default=0.0, ge=0, le=1)
    rate_slow: float = Field(default=0.0, ge=0, le=1)
    slow_s: float = Field(default=15.0, ge=0, le=120)
    seed: int = 0


class FailureIn(BaseModel):
    to: str | None = None
    channel: Literal["sms", "whatsapp"] | None = None
    status: int | None = Field(default=None, ge=400, le=599)
    code: int | None = None
    times: int | None = Field(default=1, ge=1, description="null: every matching request")
    message: str | None = None
    stage: Literal["create", "delivery"] = "create"

    @model_validator(mode="after")
    def _status_or_code(self) -> "FailureIn":
        if self.status is None and self.code is None:
            raise ValueError("give status, code or both")
        return self


class ConfigIn(BaseModel):
    status_callbacks: bool | None = None
    callback_delay: float | None = Field(default=None, ge=0, le=60)
    storm: StormIn | None = None
    calm: bool = Field(default=False, description="end the storm")


class InboundIn(BaseModel):
    """A webhook to post. kind=message: an inbound SMS/WhatsApp; kind=status: a callback."""

    model_config = ConfigDict(populate_by_name=True)

    url: str
    kind: Literal["message", "status"] = "message"
    channel: Literal["sms", "whatsapp"] | None = None
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    body: str = ""
    profile_name: str | None = None
    latitude: float | str | None = None
    longitude: float | str | None = None
    address: str | None = None
    label: str | None = None
    media_urls: list[str] = Field(default_factory=list)
    num_segments: int | None = None
    message_sid: str | None = None
    message_status: str | None = None
    error_code: int | None = None
    params: dict[str, str] = Field(default_factory=dict, description="extra/override fields")
    signature_url: str | None = Field(default=None, description="URL to sign if not `url`")
    tamper: bool = False
    send: bool = True


def _twilio_error(status: int, code: int | None, message: str | None = None,
                  **fmt: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if status == 401 else None
    return JSONResponse(error_body(status, code, message, **fmt), status_code=status,
                        headers=headers)


def _with_prefix(address: str | None, channel: str | None) -> str | None:
    if address and channel == "whatsapp" and not address.startswith("whatsapp:"):
        return f"whatsapp:{address}"
    return address


def create_app(
    account_sid: str,
    auth_token: str,
    *,
    status_callbacks: bool = False,
    callback_delay: float = 0.2,
) -> FastAPI:
    """The local Twilio app for one account (Sid + Token checked with HTTP Basic auth)."""
    store = Store(account_sid)
    config = LocalConfig(status_callbacks=status_callbacks, callback_delay=callback_delay)
    http: dict[str, httpx.AsyncClient] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # trust_env=False: webhooks go to local apps; an HTTP(S)_PROXY must not capture them.
        async with httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT, trust_env=False) as client:
            http["client"] = client
            yield
        http.clear()

    app = FastAPI(title="Twilio local (Siaga)", docs_url="/_local/docs", redoc_url=None,
                  openapi_url="/_local/openapi.json", lifespan=lifespan)
    app.state.store = store
    app.state.config = config
    app.state.storm_rng = random.Random(0)

    def client() -> httpx.AsyncClient:
        # Fallback for apps driven without lifespan (e.g. a bare ASGI transport).
        if "client" not in http:
            http["client"] = httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT, trust_env=False)
        return http["client"]

    def check_auth(request: Request, sid: str) -> JSONResponse | None:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        user = password = ""
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(encoded).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                pass
        # compare_digest on both, so a wrong Sid and a wrong Token take the same time.
        ok_user = hmac.compare_digest(user.encode(), account_sid.encode())
        ok_pass = hmac.compare_digest(password.encode(), auth_token.encode())
        if not (ok_user and ok_pass):
            return _twilio_error(401, 20003)
        if sid != account_sid:
            return _twilio_error(404, 20404)
        return None

    async def post_webhook(url: str, params: dict[str, str], *, kind: str,
                           signature_url: str | None = None,
                           tamper: bool = False) -> dict[str, Any]:
        result = await post_signed(client(), auth_token, url, params,
                                   signature_url=signature_url, tamper=tamper)
        result["kind"] = kind
        store.webhooks.append(result)
        log.info("webhook %s %s -> %s", kind, params.get("MessageSid"),
                 result.get("response_status") or result.get("error"))
        return result

    async def lifecycle(sid: str, failure: FailureRule | None) -> None:
        """Simulate delivery: sent, then delivered (or undelivered with the forced code)."""
        final: tuple[str, int | None] = (
            ("undelivered", failure.code) if failure is not None else ("delivered", None))
        for status, code in (("sent", None), final):
            await asyncio.sleep(config.callback_delay)
            text = None
            if code is not None:
                text = (failure.message if failure else None) or ERROR_TEXT.get(code)
            record = store.update_status(sid, status, code, text)
            if record is None:
                return   # reset meanwhile
            if config.status_callbacks and record.get("status_callback"):
                params = status_params(account_sid, sid, status, record.get("from"),
                                       record["to"], code)
                await post_webhook(record["status_callback"], params, kind="status")

    # ------------------------------------------------------------------ REST API
    base = f"/{API_VERSION}/Accounts/{{sid}}"

    @app.post(base + "/Messages.json")
    async def create_message(sid: str, request: Request,
                             background: BackgroundTasks) -> JSONResponse:
        if (denied := check_auth(request, sid)) is not None:
            return denied
        form = await request.form()
        data: dict[str, Any] = {k: form.get(k) for k in (
            "To", "From", "Body", "StatusCallback", "MessagingServiceSid", "ContentSid",
            "ContentVariables")}
        data["MediaUrl"] = form.getlist("MediaUrl")
        to, from_ = str(data.get("To") or ""), data.get("From")

        storm = config.storm
        roll = app.state.storm_rng.random() if storm else 1.0
        if storm and roll < storm["rate_429"]:
            store.record_attempt(to, from_, 429, 20429, None)
            return _twilio_error(429, 20429, "Too Many Requests (storm)", to=to)
        if storm and roll < storm["rate_429"] + storm["rate_5xx"]:
            store.record_attempt(to, from_, 503, None, None)
            return _twilio_error(503, None, "Service Unavailable (storm)", to=to)
        slow = bool(storm) and roll < storm["rate_429"] + storm["rate_5xx"] + storm["rate_slow"]

        rule = store.take_failure(to, "create")
        if rule is not None:
            store.record_attempt(to, from_, rule.status, rule.code, None)
            log.info("forced failure %s/%s to=%s", rule.status, rule.code, mask_address(to))
            return _twilio_error(rule.status, rule.code, rule.message, to=to)

        error: tuple[int, int] | None = None
        if not valid_address(to):
            error = (400, 21211)
        elif not from_ and not data["MessagingServiceSid"]:
            error = (400, 21603)
        elif from_ and channel_of(str(from_)) != channel_of(to):
            error = (400, 21910)
        elif not data["Body"] and not data["ContentSid"] and not data["MediaUrl"]:
            error = (400, 21602)
        elif len(data["Body"] or "") > MAX_BODY:
            error = (400, 21617)
        if error is not None:
            store.record_attempt(to, from_, error[0], error[1], None)
            log.info("rejected %s to=%s", error[1], mask_address(to))
            return _twilio_error(*error, to=to)

        record = build_record(account_sid, data)
        store.add_message(record)
        store.record_attempt(to, from_, 201, None, record["sid"])
        log.info("accepted %s %s to=%s from=%s segments=%s %s", record["sid"],
                 record["channel"], mask_address(to), mask_address(from_),
                 record["num_segments"], record["encoding"])
        delivery_failure = store.take_failure(to, "delivery")
        if config.status_callbacks or delivery_failure is not None:
            background.add_task(lifecycle, record["sid"], delivery_failure)
        if slow:   # created and on its way; the answer comes after the client gave up
            log.info("storm: answering %s late", record["sid"])
            storm["answered_late"] += 1
            await asyncio.sleep(storm["slow_s"])
        return JSONResponse(resource(record), status_code=201)

    @app.get(base + "/Messages/{message_sid}.json")
    async def fetch_message(sid: str, message_sid: str, request: Request) -> JSONResponse:
        if (denied := check_auth(request, sid)) is not None:
            return denied
        record = store.messages.get(message_sid)
        if record is None:
            return _twilio_error(404, 20404)
        return JSONResponse(resource(record))

    @app.get(base + "/Messages.json")
    async def list_messages(sid: str, request: Request) -> JSONResponse:
        if (denied := check_auth(request, sid)) is not None:
            return denied
        q = request.query_params
        try:
            page_size = max(1, min(int(q.get("PageSize", 50)), 1000))
            page = max(0, int(q.get("Page", 0)))
        except ValueError:
            return _twilio_error(400, 20001, "Invalid PageSize or Page")
        items = store.list_messages(to=q.get("To"), from_=q.get("From"))[::-1]  # newest first
        chunk = items[page * page_size:(page + 1) * page_size]
        uri = f"/{API_VERSION}/Accounts/{sid}/Messages.json"
        has_next = (page + 1) * page_size < len(items)
        return JSONResponse({
            "messages": [resource(m) for m in chunk],
            "end": page * page_size + max(len(chunk) - 1, 0),
            "first_page_uri": f"{uri}?PageSize={page_size}&Page=0",
            "next_page_uri": f"{uri}?PageSize={page_size}&Page={page + 1}" if has_next else None,
            "page": page,
            "page_size": page_size,
            "previous_page_uri": (f"{uri}?PageSize={page_size}&Page={page - 1}"
                                  if page > 0 else None),
            "start": page * page_size,
            "uri": f"{uri}?PageSize={page_size}&Page={page}",
        })

    # ------------------------------------------------------------------ control
    @app.get("/_local/messages")
    async def local_messages(to: str | None = None) -> dict[str, Any]:
        items = store.list_messages(to=to)
        return {"count": len(items), "messages": items}

    @app.delete("/_local/messages")
    async def local_reset() -> dict[str, int]:
        n = len(store.messages)
        store.reset()
        return {"deleted": n}

    @app.get("/_local/attempts")
    async def local_attempts(to: str | None = None) -> dict[str, Any]:
        items = [a for a in store.attempts
                 if to is None or to in (a["to"], a["to"].removeprefix("whatsapp:"))]
        return {"count": len(items), "attempts": items}

    @app.post("/_local/failures", status_code=201)
    async def local_add_failure(spec: FailureIn) -> dict[str, Any]:
        status = spec.status or DEFAULT_STATUS.get(spec.code or 0, 400)
        rule = store.add_failure(FailureRule(
            status=status, code=spec.code, to=spec.to, channel=spec.channel,
            times=spec.times, message=spec.message, stage=spec.stage))
        return rule.as_json()

    @app.get("/_local/failures")
    async def local_failures() -> dict[str, Any]:
        return {"failures": [r.as_json() for r in store.failures]}

    @app.delete("/_local/failures")
    async def local_clear_failures() -> dict[str, int]:
        n = len(store.failures)
        store.failures.clear()
        return {"deleted": n}

    @app.get("/_local/webhooks")
    async def local_webhooks() -> dict[str, Any]:
        return {"count": len(store.webhooks), "webhooks": list(store.webhooks)}

    @app.get("/_local/config")
    async def local_get_config() -> dict[str, Any]:
        return asdict(config)

    @app.post("/_local/config")
    async def local_set_config(change: ConfigIn) -> dict[str, Any]:
        if change.status_callbacks is not None:
            config.status_callbacks = change.status_callbacks
        if change.callback_delay is not None:
            config.callback_delay = change.callback_delay
        if change.storm is not None:
            config.storm = {**change.storm.model_dump(), "answered_late": 0}
            app.state.storm_rng = random.Random(change.storm.seed)
        if change.calm:
            config.storm = None
        return asdict(config)

    @app.post("/_local/inbound")
    async def local_inbound(spec: InboundIn) -> JSONResponse:
        if spec.kind == "status":
            if not spec.message_sid or not spec.message_status:
                return JSONResponse({"detail": "status needs message_sid and message_status"},
                                    status_code=422)
            record = store.messages.get(spec.message_sid)
            params = status_params(
                account_sid, spec.message_sid, spec.message_status,
                spec.from_ or (record or {}).get("from"), spec.to or (record or {}).get("to"),
                spec.error_code)
            if record is not None:
                store.update_status(spec.message_sid, spec.message_status, spec.error_code)
        else:
            if not spec.from_:
                return JSONResponse({"detail": "message needs from"}, status_code=422)
            channel = spec.channel or channel_of(spec.from_)
            from_ = _with_prefix(spec.from_, channel) or ""
            to = _with_prefix(spec.to or DEFAULT_NUMBER, channel) or ""
            params = inbound_params(
                account_sid, from_, to, spec.body, message_sid=spec.message_sid,
                profile_name=spec.profile_name, latitude=spec.latitude,
                longitude=spec.longitude, address=spec.address, label=spec.label,
                media_urls=spec.media_urls, num_segments=spec.num_segments or 1)
            log.info("inbound %s from=%s", channel, mask_address(from_))
        params.update(spec.params)
        if not spec.send:
            signature = sign(auth_token, spec.signature_url or spec.url, params)
            return JSONResponse({"url": spec.url, "params": params, "signature": signature,
                                 "delivered": False, "kind": spec.kind})
        result = await post_webhook(spec.url, params, kind=spec.kind,
                                    signature_url=spec.signature_url, tamper=spec.tamper)
        return JSONResponse(result)

    @app.get("/_local/", response_class=HTMLResponse)
    async def local_page() -> HTMLResponse:
        return HTMLResponse(_page(store))

    return app


def _page(store: Store) -> str:
    """Plain HTML table of recorded messages (local demo only: numbers shown in full)."""
    rows = []
    for m in reversed(store.list_messages()):
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in (
            m["date_created"], m["sid"], m["channel"], m.get("from") or "", m["to"],
            m["status"], m.get("error_code") or "", f'{m["num_segments"]} {m["encoding"]}',
            m["body"])) + "</tr>")
    body = "\n".join(rows) or '<tr><td colspan="9">No messages yet.</td></tr>'
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">
<title>Twilio local: messages</title>
<style>body{{font-family:sans-serif;margin:1rem}}table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #ccc;padding:4px;text-align:left;vertical-align:top}}
td:last-child{{white-space:pre-wrap}}</style></head>
<body><h1>Twilio local: {len(store.messages)} message(s)</h1>
<p>Account {html.escape(store.account_sid)}. Refreshes every 3 s.
JSON: <a href="/_local/messages">/_local/messages</a>.</p>
<table><thead><tr><th>Created</th><th>Sid</th><th>Channel</th><th>From</th><th>To</th>
<th>Status</th><th>Error</th><th>Segments</th><th>Body</th></tr></thead>
<tbody>
{body}
</tbody></table></body></html>"""
