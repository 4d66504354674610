"""Intake API: aid requests, volunteers, check-ins, donations. Thin: services/intake.py decides."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Body, Depends, HTTPException, Response

from siaga.schemas.common import Channel
from siaga.services import intake
from siaga.services.api.deps import idempotency_key, pool
from siaga.services.api.metrics import ACCEPTED, REPLAYED
from siaga.services.api.openapi import errors
from siaga.services.auth.deps import optional_user, require_coordinator
from siaga.services.api.models import AidRequestIn, CheckInIn, CheckInItem, DonationIn, VolunteerIn
from siaga.services.status import STATUS_TEXT, request_status
from siaga.services.api.limits import intake_limit

router = APIRouter(prefix="/api/v1", tags=["intake"])


def _answer(kind: str, res: intake.Enqueued, response: Response) -> dict:
    (ACCEPTED if res.created else REPLAYED).labels(kind).inc()
    response.status_code = 202
    if not res.created:
        response.headers["Idempotent-Replay"] = "true"
    return res.response


@router.post("/requests", status_code=202, summary="Ask for help (durable before 202)",
             dependencies=[Depends(intake_limit)])
async def post_request(body: AidRequestIn, response: Response, key=Depends(idempotency_key), db=Depends(pool)):
    async with db.connection() as conn:
        res = await intake.submit_request(conn, body, Channel.api, key)
    return _answer("request", res, response)


@router.get("/requests/{ref}", summary="Status of a request by id or tracking code", responses=errors(404))
async def get_request(ref: str, db=Depends(pool)):
    if len(ref) > 64:
        raise HTTPException(422, "not a request id or tracking code")
    async with db.connection() as conn:
        found = await request_status(conn, ref)
    if found is None:
        raise HTTPException(404, "no request with that id or tracking code")
    return found


# Volunteers enrol themselves through the sign-up page (phone confirmed by a code, /relawan/daftar)
# or by SMS. The JSON routes below are for coordinators and the fleet apps they sign in: one
# registration per phone, so an anonymous caller could otherwise overwrite anyone's, or move a
# volunteer whose id (derived from the phone) they can compute.
@router.post("/volunteers", status_code=202, summary="Register a volunteer (coordinators)")
async def post_volunteer(body: VolunteerIn, response: Response, key=Depends(idempotency_key), db=Depends(pool),
                         _user=Depends(require_coordinator)):
    async with db.connection() as conn:
        res = await intake.register_volunteer(conn, body, key)
    return _answer("volunteer", res, response)


@router.post("/volunteers/{volunteer_id}/checkins", status_code=202, summary="Volunteer check-in (coordinators)",
             responses=errors(404, e404="no volunteer with that id"))
async def post_checkin(volunteer_id: uuid.UUID, body: CheckInIn, response: Response,
                       key=Depends(idempotency_key), db=Depends(pool), _user=Depends(require_coordinator)):
    async with db.connection() as conn:
        res = await intake.check_in(conn, volunteer_id, body, key)
    return _answer("checkin", res, response)


@router.post("/checkins", status_code=202, summary="Check-ins of many volunteers (one transaction, coordinators)",
             responses=errors(404, e404="an item names an unknown volunteer"))
async def post_checkins(response: Response,
                        body: list[CheckInItem] = Body(min_length=1, max_length=intake.MAX_CHECKINS),
                        key=Depends(idempotency_key), db=Depends(pool), _user=Depends(require_coordinator)):
    """Positions of up to 500 registered volunteers at once, as a fleet's or a group leader's
    app sends them (signed in as a coordinator). Each item is checked as the single check-in
    is: an unknown volunteer id is refused; all are stored or none. 202 with one result per item, in
    order; 422 / 404 name the item, e.g. `[3].location.lat`. An Idempotency-Key covers the batch."""
    async with db.connection() as conn:
        results = await intake.check_ins(conn, [(c.volunteer_id, c) for c in body], key)
    created = sum(r.created for r in results)
    if created:
        ACCEPTED.labels("checkin").inc(created)
    if created < len(results):
        REPLAYED.labels("checkin").inc(len(results) - created)
    response.status_code = 202
    if not created:
        response.headers["Idempotent-Replay"] = "true"
    return {"accepted": created, "replayed": len(results) - created,
            "results": [r.response if r.created else {**r.response, "replayed": True} for r in results]}


@router.post("/donations", status_code=202, dependencies=[Depends(intake_limit)],
             summary="A ledger entry: anyone pledges; treasurers record goods, disbursements, corrections",
             responses=errors(401, 403, e401="only pledges are public", e403="needs the treasurer role"))
async def post_donation(body: DonationIn, response: Response, key=Depends(idempotency_key), db=Depends(pool),
                        user=Depends(optional_user)):
    try:
        async with db.connection() as conn:
            res = await intake.record_donation(conn, body, user, key)
    except intake.Forbidden as exc:
        headers = {"WWW-Authenticate": 'Cookie realm="siaga"'} if exc.status == 401 else None
        raise HTTPException(exc.status, exc.message, headers=headers) from None
    return _answer("donation", res, response)


@router.get("/statuses", summary="Request statuses with their texts (id, en)")
async def statuses():
    return STATUS_TEXT
