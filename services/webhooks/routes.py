"""POST /webhooks/twilio/{sms,whatsapp,status}. Thin: check the signature, hand over, answer TwiML."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from infra.settings import get_settings
from services.api.deps import pool
from services.webhooks.inbound import handle_message, warm_up
from services.webhooks.signature import is_valid, public_url
from services.webhooks.status import handle_status
from services.webhooks.twiml import twiml

router = APIRouter(prefix="/webhooks/twilio", tags=["twilio"])


def _forbidden() -> Response:
    return Response("invalid or missing X-Twilio-Signature\n", status_code=403, media_type="text/plain")

warm_up()


async def _signed_params(request: Request) -> dict[str, str] | None:
    form = await request.form()
    params = {k: str(v) for k, v in form.items()}
    url = public_url(get_settings(), request.url.path, request.url.query)
    if not is_valid(get_settings(), url, params, request.headers.get("X-Twilio-Signature")):
        return None
    return params


@router.post("/sms", summary="Inbound SMS (Twilio messaging webhook)")
async def inbound_sms(request: Request, db=Depends(pool)) -> Response:
    params = await _signed_params(request)
    if params is None:
        return _forbidden()
    return twiml(await handle_message(db, params, "sms"))


@router.post("/whatsapp", summary="Inbound WhatsApp message (Twilio messaging webhook)")
async def inbound_whatsapp(request: Request, db=Depends(pool)) -> Response:
    params = await _signed_params(request)
    if params is None:
        return _forbidden()
    return twiml(await handle_message(db, params, "whatsapp"))


@router.post("/status", summary="Message status callback (Twilio)")
async def status_callback(request: Request, db=Depends(pool)) -> Response:
    params = await _signed_params(request)
    if params is None:
        return _forbidden()
    await handle_status(db, params)
    return twiml()
