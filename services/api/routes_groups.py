"""Volunteer groups (a village youth group, an ojol community): a coordinator names the leader
and the members. The leader of a group is offered a need for several people for the whole
group and accepts for as many as come ("YA K7Q2 5"); that many members are then held for the
task. Each person gets a GroupMembership event on volunteer-groups (key = their id), so their
desk learns it in order with everything else; a person is in one group at a time."""
from __future__ import annotations

import logging
import uuid

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import Field, field_validator

from siaga.core.codes import stable_uuid
from siaga.schemas.events import GroupMembership
from siaga.schemas.topics import Topic
from siaga.services.api.deps import idempotency_key
from siaga.services.api.errors import invalid_input
from siaga.services.api.models import Strict
from siaga.services.api.openapi import errors
from siaga.services.auth.accounts import Coordinator
from siaga.services.auth.deps import require_coordinator, same_origin
from siaga.services.outbox import IdempotencyConflict, Outgoing, body_hash, enqueue_many

log = logging.getLogger("siaga.groups")
router = APIRouter(prefix="/api/v1/coordinator", tags=["volunteer groups"])
MAX_MEMBERS = 50


class GroupIn(Strict):
    name: str = Field(min_length=1, max_length=120, description="as the group calls itself")
    leader_id: uuid.UUID = Field(description="the volunteer who accepts tasks for the group")
    member_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_MEMBERS,
                                        description="the volunteers the leader can bring")

    @field_validator("member_ids")
    @classmethod
    def _distinct(cls, value: list[uuid.UUID]) -> list[uuid.UUID]:
        if len(set(value)) != len(value):
            raise ValueError("a member is listed twice")
        return value


@router.post("/groups", status_code=202, dependencies=[Depends(same_origin)],
             responses=errors(409, e409="this idempotency key was used with another body"),
             summary="Form a volunteer group: a leader who accepts tasks for the members")
async def post_group(body: GroupIn, request: Request, response: Response,
                     key: str | None = Depends(idempotency_key),
                     user: Coordinator = Depends(require_coordinator)):
    if body.leader_id in body.member_ids:
        raise invalid_input("member_ids", "the leader is not one of the members")
    people = [body.leader_id, *body.member_ids]
    async with request.app.state.pool.connection() as conn:
        rows = await (await conn.execute("SELECT volunteer_id FROM volunteers WHERE volunteer_id = ANY(%s)",
                                          (people,))).fetchall()
        unknown = sorted(str(p) for p in set(people) - {r[0] for r in rows})
        if unknown:
            field = "leader_id" if str(body.leader_id) in unknown else "member_ids"
            raise invalid_input(field, f"no volunteer with id {', '.join(unknown[:5])}")
        # The same body under the same key is the same group (a retry makes no second one).
        group_id = stable_uuid("group", user.username, key) if key else uuid.uuid4()
        answer = {"group_id": str(group_id), "name": body.name, "leader_id": str(body.leader_id),
                  "members": len(body.member_ids), "actor": user.username, "status": "accepted"}
        digest = body_hash(body)
        rows_out = [Outgoing(Topic.VOLUNTEER_GROUPS, str(p), GroupMembership(
            volunteer_id=p, group_id=group_id, group_name=body.name,
            role="leader" if p == body.leader_id else "member", leader_id=body.leader_id,
            members=body.member_ids if p == body.leader_id else [], actor=user.username,
            source="api/coordinator"), answer,
            idempotency_key=f"group:{user.username}:{key}:{p}" if key else None, request_hash=digest)
            for p in people]
        try:
            res = await enqueue_many(conn, rows_out)
        except IdempotencyConflict as exc:
            raise HTTPException(409, str(exc)) from None
    if not res[0].created:
        response.headers["Idempotent-Replay"] = "true"
    log.info("group %s formed by %s: leader and %d members", group_id, user.username, len(body.member_ids))
    return res[0].response
