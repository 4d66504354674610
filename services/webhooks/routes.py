"""POST /webhooks/twilio/{sms,whatsapp,status}. Thin: check the signature, hand over, answer TwiML."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from siaga.infra.settings import get_settings
from siaga.services.api.deps import pool
from siaga.services.webhooks.inbound import handle_message, warm_up
from siaga.services.webhooks.signature import is_valid, public_url
from siaga.services.webhooks.status import handle_status
from siaga.services.webhooks.twiml import TwiMLResponse, twiml

router = APIRouter(prefix="/webhooks/twilio", tags=["twilio"], default_response_class=TwiMLResponse,
                   responses={403: {"description": "The X-Twilio-Signature header is missing or does not match",
                                    "content": {"text/plain": {"schema": {"type": "string"}}}}})


def _form(*fields: str) -> dict:
    """The request body Twilio posts (form-encoded; any other field is signed and ignored)."""
    return {"requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "properties": {f: {"type": "string"} for f in fields}}}}}}


MESSAGE = _form("MessageSid", "SmsMessageSid", "AccountSid", "From", "To", "Body", "NumMedia", "Latitude",
                "Longitude", "ProfileName", "WaId")
STATUS = _form("MessageSid", "SmsSid", "MessageStatus", "SmsStatus", "ErrorCode", "To", "From", "AccountSid")


def _forbidden() -> Response:
    return Response("invalid or missing X-Twilio-Signature\n", status_code=403, media_type="text/plain")

warm_up()


async def _signed_params(request: Request) -> dict[str, str] | None:
    form = await request.form()
    params = {k: str(v) for k, v in form.items()}
    url = public_url(get_settings(), request.url.path, request.url.query)
    if not is_valid(get_settings(), url, params, request.headers.get("X-Twilio-Signature")):
        return None
    # Signed as sent; a NUL character cannot be stored (PostgreSQL text) and means nothing in a
    # message: drop it rather than the message.
    return {k.replace("\x00", ""): v.replace("\x00", "") for k, v in params.items()}


@router.post("/sms", summary="Inbound SMS (Twilio messaging webhook): TwiML reply", openapi_extra=MESSAGE)
async def inbound_sms(request: Request, db=Depends(pool)) -> Response:
    params = await _signed_params(request)
    if params is None:
        return _forbidden()
    return twiml(await handle_message(db, params, "sms"))


@router.post("/whatsapp", summary="Inbound WhatsApp message (Twilio messaging webhook): TwiML reply",
             openapi_extra=MESSAGE)
async def inbound_whatsapp(request: Request, db=Depends(pool)) -> Response:
    params = await _signed_params(request)
    if params is None:
        return _forbidden()
    return twiml(await handle_message(db, params, "whatsapp"))


@router.post("/status", summary="Message status callback (Twilio)", openapi_extra=STATUS)
async def status_callback(request: Request, db=Depends(pool)) -> Response:
    params = await _signed_params(request)
    if params is None:
        return _forbidden()
    await handle_status(db, params)
    return twiml()
