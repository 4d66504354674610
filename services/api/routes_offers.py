"""Volunteers answer an offer from the link in their message (the SMS/WhatsApp reply path
feeds the same topic). The offer id in the link is the secret; the desk checks the rest.
`send_reply` is shared with the volunteer's task page (services/web/routes_tasks.py)."""
from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Response

from siaga.schemas.common import Channel
from siaga.schemas.events import ReplyAction, VolunteerReply
from siaga.schemas.topics import Topic
from siaga.services.api.deps import idempotency_key, pool
from siaga.services.api.metrics import ACCEPTED
from siaga.services.api.openapi import errors
from siaga.services.outbox import Enqueued, enqueue
from siaga.services.api.limits import intake_limit

router = APIRouter(prefix="/api/v1/offers", tags=["offers"])
ACTIONS = {"accept": "accept", "decline": "decline", "on_the_way": "on_the_way", "done": "done"}
CLOSED = ("declined", "expired", "withdrawn", "done")


class OfferNotFound(Exception):
    """No such offer recorded (yet: the sink may still be storing it)."""


class OfferClosed(Exception):
    def __init__(self, status: str):
        super().__init__(f"this offer is already {status}")
        self.status = status


async def send_reply(conn, offer_id: uuid.UUID, action: ReplyAction, source: str,
                     idempotency_key: str | None = None) -> Enqueued:
    """Commit the volunteer's answer to an offer to the outbox (topic volunteer-replies, keyed by
    volunteer, so their desk takes it in order with their SMS replies)."""
    row = await (await conn.execute(
        "SELECT volunteer_id, offer_code, status FROM dispatches WHERE offer_id = %s", (offer_id,)
    )).fetchone()
    if row is None:
        raise OfferNotFound(str(offer_id))
    volunteer_id, code, status = row
    if status in CLOSED:
        raise OfferClosed(status)
    reply = VolunteerReply(volunteer_id=volunteer_id, offer_id=offer_id, offer_code=code,
                           action=action, channel=Channel.web, source=source)
    res = await enqueue(conn, Topic.VOLUNTEER_REPLIES, str(volunteer_id), reply,
                        {"offer_id": str(offer_id), "action": action, "status": "received"},
                        idempotency_key=f"offer:{idempotency_key}" if idempotency_key else None)
    ACCEPTED.labels("offer_reply").inc()
    return res


@router.get("/{offer_id}", summary="An offer's status (for the volunteer's link)", responses=errors(404))
async def get_offer(offer_id: uuid.UUID, db=Depends(pool)):
    async with db.connection() as conn:
        row = await (await conn.execute(
            "SELECT offer_id, offer_code, request_id, status, distance_m, expires_at, status_at "
            "FROM dispatches WHERE offer_id = %s", (offer_id,))).fetchone()
    if row is None:
        raise HTTPException(404, "no such offer (it may not be recorded yet; retry in a moment)")
    keys = ("offer_id", "offer_code", "request_id", "status", "distance_m", "expires_at", "updated_at")
    return {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in zip(keys, row)}


@router.post("/{offer_id}/{action}", status_code=202, dependencies=[Depends(intake_limit)],
             summary="Accept, decline, on the way, done",
             responses=errors(404, 409, e409="the offer is already closed"))
async def answer_offer(offer_id: uuid.UUID, action: Literal["accept", "decline", "on_the_way", "done"],
                       response: Response, key=Depends(idempotency_key), db=Depends(pool)):
    try:
        async with db.connection() as conn:
            res = await send_reply(conn, offer_id, ACTIONS[action], "api/offer-link", key)
    except OfferNotFound:
        raise HTTPException(404, "no such offer (it may not be recorded yet; retry in a moment)") from None
    except OfferClosed as exc:
        raise HTTPException(409, str(exc)) from None
    response.status_code = 202
    return res.response
