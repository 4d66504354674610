"""Build and post webhooks the way Twilio does: form-encoded, signed with X-Twilio-Signature.

The signature is `RequestValidator(auth_token).compute_signature(url, params)` from the real
SDK, i.e. base64(HMAC-SHA1(token, url + sorted key+value pairs)), so an app validating with
`RequestValidator.validate` accepts these exactly as it would accept Twilio's.
"""
from __future__ import annotations

from typing import Any

import httpx
from twilio.request_validator import RequestValidator

from siaga.services.twilio_local.state import API_VERSION, channel_of, new_sid


def inbound_params(
    account_sid: str,
    from_: str,
    to: str,
    body: str = "",
    *,
    message_sid: str | None = None,
    profile_name: str | None = None,
    latitude: float | str | None = None,
    longitude: float | str | None = None,
    address: str | None = None,
    label: str | None = None,
    media_urls: list[str] | None = None,
    num_segments: int = 1,
) -> dict[str, str]:
    """Fields of an inbound SMS / WhatsApp webhook (all values strings, as on the wire)."""
    sid = message_sid or new_sid("SM")
    media = media_urls or []
    params: dict[str, str] = {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "AccountSid": account_sid,
        "From": from_,
        "To": to,
        "Body": body,
        "NumMedia": str(len(media)),
        "NumSegments": str(num_segments),
        "SmsStatus": "received",
        "ApiVersion": API_VERSION,
    }
    for i, url in enumerate(media):
        params[f"MediaUrl{i}"] = url
        params[f"MediaContentType{i}"] = "image/jpeg"
    if channel_of(from_) == "whatsapp":
        params["WaId"] = from_.removeprefix("whatsapp:+")
        params["ProfileName"] = profile_name or ""
        params["MessageType"] = "location" if latitude is not None else "text"
        if media:
            params["MessageType"] = "image"
        if latitude is not None and longitude is not None:
            params["Latitude"] = str(latitude)
            params["Longitude"] = str(longitude)
            if address:
                params["Address"] = address
            if label:
                params["Label"] = label
    return params


def status_params(
    account_sid: str,
    message_sid: str,
    status: str,
    from_: str | None,
    to: str | None,
    error_code: int | None = None,
) -> dict[str, str]:
    """Fields of a message status callback."""
    params: dict[str, str] = {
        "MessageSid": message_sid,
        "SmsSid": message_sid,
        "AccountSid": account_sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "ApiVersion": API_VERSION,
    }
    if from_:
        params["From"] = from_
    if to:
        params["To"] = to
    if error_code is not None:
        params["ErrorCode"] = str(error_code)
    return params


def sign(auth_token: str, url: str, params: dict[str, str]) -> str:
    return RequestValidator(auth_token).compute_signature(url, params)


async def post_signed(
    client: httpx.AsyncClient,
    auth_token: str,
    url: str,
    params: dict[str, str],
    *,
    signature_url: str | None = None,
    tamper: bool = False,
) -> dict[str, Any]:
    """POST `params` to `url` with a valid signature (computed over `signature_url` or `url`).

    `tamper=True` changes a field after signing, to test that the receiver rejects it.
    Returns what was sent and how the receiver answered (never raises on HTTP errors).
    """
    signature = sign(auth_token, signature_url or url, params)
    sent = dict(params)
    if tamper:
        sent["Body"] = sent.get("Body", "") + " (tampered)"
    headers = {
        "X-Twilio-Signature": signature,
        "User-Agent": "TwilioProxy/1.1",
        "I-Twilio-Idempotency-Token": new_sid("")[:32],
    }
    result: dict[str, Any] = {"url": url, "params": sent, "signature": signature,
                              "tampered": tamper, "delivered": False,
                              "response_status": None, "response_body": None}
    try:
        response = await client.post(url, data=sent, headers=headers)
        result.update(delivered=True, response_status=response.status_code,
                      response_body=response.text[:2000])
    except httpx.HTTPError as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
    return result
