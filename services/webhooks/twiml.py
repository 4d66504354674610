"""TwiML answers: one message back to the sender, or nothing."""
from __future__ import annotations

from fastapi.responses import Response
from twilio.twiml.messaging_response import MessagingResponse


class TwiMLResponse(Response):
    media_type = "application/xml"


def twiml(reply: str | None = None) -> Response:
    r = MessagingResponse()
    if reply:
        r.message(reply)
    return TwiMLResponse(content=str(r))
