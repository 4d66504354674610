"""Coordinator actions: validated here, decided by the dispatch engine. Each action becomes a
CoordinatorAction event in the outbox (topic coordinator-actions, key = request id) carrying the
signed-in username, so every change of an assignment is recorded with who made it."""
from __future__ import annotations

import logging
import uuid
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from siaga.schemas.events import CLOSED_STATUSES, CoordinatorAction, VettingLevel, VolunteerVetted
from siaga.schemas.topics import Topic
from siaga.services.api.deps import idempotency_key
from siaga.services.api.errors import invalid_input
from siaga.services.api.openapi import errors
from siaga.services.auth.accounts import Coordinator
from siaga.services.auth.deps import require_coordinator, same_origin
from siaga.services.outbox import body_hash, enqueue
from siaga.services.status import parse_ref

log = logging.getLogger("siaga.coordinator")
router = APIRouter(prefix="/api/v1/coordinator", tags=["coordinator actions"])
CLOSED = CLOSED_STATUSES
NEEDS_VOLUNTEER = ("assign", "reassign")


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    action: Literal["assign", "reassign", "done", "duplicate", "verify", "cancel", "escalate", "slots"]
    volunteer_id: uuid.UUID | None = Field(default=None, description="assign / reassign: the chosen volunteer")
    count: int | None = Field(default=None, ge=1, le=50,
                              description="slots: how many volunteers the need takes (1-50)")
    duplicate_of: str | None = Field(default=None, max_length=64,
                                     description="duplicate: id or tracking code of the request this repeats")
    note: str | None = Field(default=None, max_length=500)

    @field_validator("duplicate_of", "note")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:  # PostgreSQL text cannot store it
            raise ValueError("must not contain NUL characters")
        return value


async def _resolve_request(conn, ref: str) -> tuple[uuid.UUID, str] | None:
    """(request id, status) by id or tracking code."""
    parsed = parse_ref(ref)
    if parsed is None:
        return None
    row = await (await conn.execute(
        "SELECT request_id, status FROM requests WHERE request_id = %s OR tracking_code = %s",
        parsed)).fetchone()
    return (row[0], row[1]) if row else None


async def _check(conn, request_id: uuid.UUID, body: ActionIn) -> uuid.UUID | None:
    """Reject what cannot be right whatever the engine decides; returns duplicate_of as an id."""
    found = await _resolve_request(conn, str(request_id))
    if found is None:
        raise HTTPException(404, "no request with that id (it may still be on its way from the intake)")
    status = found[1]
    if status in CLOSED and body.action != "verify":
        raise HTTPException(409, f"the request is already {status}; only 'verify' is possible")
    if body.action in NEEDS_VOLUNTEER:
        if body.volunteer_id is None:
            raise invalid_input("volunteer_id", f"{body.action} needs the chosen volunteer's id")
        known = await (await conn.execute("SELECT 1 FROM volunteers WHERE volunteer_id = %s",
                                          (body.volunteer_id,))).fetchone()
        if known is None:
            raise invalid_input("volunteer_id", "no volunteer with that id")
    elif body.volunteer_id is not None:
        raise invalid_input("volunteer_id", "only assign and reassign take a volunteer")
    if body.action == "duplicate":
        if not body.duplicate_of:
            raise invalid_input("duplicate_of", "say which request this one repeats (id or tracking code)")
        original = await _resolve_request(conn, body.duplicate_of)
        if original is None:
            raise invalid_input("duplicate_of", "no request with that id or tracking code")
        if original[0] == request_id:
            raise invalid_input("duplicate_of", "a request cannot be a duplicate of itself")
        return original[0]
    if body.duplicate_of is not None:
        raise invalid_input("duplicate_of", "only the duplicate action takes duplicate_of")
    if body.action == "slots" and body.count is None:
        raise invalid_input("count", "say how many volunteers the need takes (1-50)")
    if body.action != "slots" and body.count is not None:
        raise invalid_input("count", "only the slots action takes a count")
    return None


@router.post("/requests/{request_id}/actions", status_code=202, dependencies=[Depends(same_origin)],
             responses=errors(404, 409, e409="the request is already closed (only 'verify' is possible)"),
             summary="Assign, reassign, mark done / duplicate / verified, cancel, escalate a request, "
                     "or set how many volunteers it takes")
async def post_action(request_id: uuid.UUID, body: ActionIn, request: Request, response: Response,
                      key: str | None = Depends(idempotency_key),
                      user: Coordinator = Depends(require_coordinator)):
    async with request.app.state.pool.connection() as conn:
        duplicate_of = await _check(conn, request_id, body)
        event = CoordinatorAction(action=body.action, request_id=request_id, volunteer_id=body.volunteer_id,
                                  duplicate_of=duplicate_of, actor=user.username, note=body.note,
                                  count=body.count, source="api/coordinator")
        answer = {"action_id": str(event.event_id), "action": body.action, "request_id": str(request_id),
                  "actor": user.username, "status": "accepted"}
        res = await enqueue(conn, Topic.COORDINATOR_ACTIONS, str(request_id), event, answer,
                            idempotency_key=f"action:{user.username}:{key}" if key else None,
                            request_hash=body_hash(body, request_id=str(request_id)))
    if not res.created:
        response.headers["Idempotent-Replay"] = "true"
    log.info("action %s on request %s by %s", body.action, request_id, user.username)
    return res.response


class VettingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    level: VettingLevel = Field(description="verified (a licence seen, a leader vouched), suspended, "
                                            "or confirmed (back to a confirmed phone only)")
    note: str | None = Field(default=None, max_length=300, description="what was checked, or why suspended")

    @field_validator("note")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


@router.post("/volunteers/{volunteer_id}/vetting", status_code=202, dependencies=[Depends(same_origin)],
             responses=errors(404, e404="no volunteer with that id"),
             summary="Verify or suspend a volunteer (or set them back to a confirmed phone)")
async def post_vetting(volunteer_id: uuid.UUID, body: VettingIn, request: Request, response: Response,
                       key: str | None = Depends(idempotency_key),
                       user: Coordinator = Depends(require_coordinator)):
    """A suspended volunteer is off duty at once (an offer or task they hold goes to someone
    else); verified ones may take the tasks the deployment keeps for them (VERIFIED_ONLY_SKILLS).
    Recorded with the coordinator's name; the map shows it."""
    async with request.app.state.pool.connection() as conn:
        known = await (await conn.execute("SELECT 1 FROM volunteers WHERE volunteer_id = %s",
                                          (volunteer_id,))).fetchone()
        if known is None:
            raise HTTPException(404, "no volunteer with that id")
        event = VolunteerVetted(volunteer_id=volunteer_id, level=body.level, actor=user.username, note=body.note,
                                source="api/coordinator")
        answer = {"volunteer_id": str(volunteer_id), "level": body.level, "actor": user.username,
                  "status": "accepted"}
        res = await enqueue(conn, Topic.VOLUNTEER_VETTING, str(volunteer_id), event, answer,
                            idempotency_key=f"vetting:{user.username}:{key}" if key else None,
                            request_hash=body_hash(body, volunteer_id=str(volunteer_id)))
    if not res.created:
        response.headers["Idempotent-Replay"] = "true"
    log.info("volunteer %s vetting %s by %s", volunteer_id, body.level, user.username)
    return res.response
