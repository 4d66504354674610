"""Organisers and campaigns: coordinators create them, an admin verifies organisers (with the
document seen), anyone reads them and may report one. No personal data is published."""
from __future__ import annotations

import re
import uuid
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from siaga.core.codes import stable_uuid
from siaga.services.api.openapi import errors
from siaga.services.auth.accounts import Coordinator
from siaga.services.auth.deps import require_admin, require_coordinator, require_viewer, same_origin
from siaga.services.ledger.totals import campaign_totals
from siaga.services.api.limits import intake_limit

router = APIRouter(tags=["campaigns"])
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{2,59}$")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, v):
        if isinstance(v, str) and "\x00" in v:
            raise ValueError("must not contain NUL characters")
        return v


class OrganiserIn(_In):
    name: str = Field(min_length=2, max_length=120)
    kind: Literal["foundation", "community", "government", "company", "individual"]


class VerifyIn(_In):
    verification: Literal["verified", "suspended", "unverified"]
    document: str = Field(min_length=3, max_length=300,
                          description="what was seen: deed number, permit, letter of the village head…")


class CampaignIn(_In):
    slug: str = Field(min_length=3, max_length=60, description="a-z, 0-9 and '-': the public page's address")
    title: str = Field(min_length=3, max_length=160)
    incident: str = Field(min_length=3, max_length=160)
    organiser_id: uuid.UUID
    goal_idr: int = Field(gt=0, le=10**13)
    account: str = Field(min_length=3, max_length=200, description="bank or gateway account the money goes to")
    permit_pub: str | None = Field(default=None, max_length=80, description="fundraising permit (PUB) number")
    opex_declared: float = Field(ge=0, le=100, description="share of the money declared for operating costs, %")
    area: str | None = Field(default=None, max_length=120)

    @field_validator("slug")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG.match(v):
            raise ValueError("3 to 60 characters: lower-case letters, digits and '-', starting with a letter or digit")
        return v


class ReportIn(_In):
    reason: Literal["fake", "misuse", "privacy", "other"]
    details: str | None = Field(default=None, max_length=1000)


def organiser_id(name: str) -> uuid.UUID:
    """One organiser per name (case aside): registering the same name twice is a conflict."""
    return stable_uuid("organiser", name.strip().lower())


_CAMPAIGN = """SELECT c.slug, c.title, c.incident, c.goal_idr, c.account, c.permit_pub, c.opex_declared, c.area,
       c.status, c.created_at, o.organiser_id, o.name, o.kind, o.verification, o.verified_by,
       o.verified_document, o.verified_at
  FROM campaigns c JOIN organisers o USING (organiser_id)"""


def campaign_row(r) -> dict:
    return {"slug": r[0], "title": r[1], "incident": r[2], "goal_idr": r[3], "account": r[4],
            "permit_pub": r[5], "opex_declared": float(r[6]), "area": r[7], "status": r[8],
            "created_at": r[9].isoformat(),
            "organiser": {"organiser_id": str(r[10]), "name": r[11], "kind": r[12], "verification": r[13],
                          "verified_by": r[14], "verified_document": r[15],
                          "verified_at": r[16].isoformat() if r[16] else None}}


async def load_campaign(conn, slug: str) -> dict | None:
    r = await (await conn.execute(_CAMPAIGN + " WHERE c.slug = %s", (slug,))).fetchone()
    return campaign_row(r) if r else None


async def file_report(conn, slug: str, reason: str, details: str | None) -> bool:
    """A report about a campaign for the coordinators; False when there is no such campaign."""
    if not SLUG.match(slug) or await load_campaign(conn, slug) is None:
        return False
    await conn.execute("INSERT INTO campaign_reports (slug, reason, details) VALUES (%s, %s, %s)",
                       (slug, reason, details))
    return True


async def list_campaigns(conn) -> list[dict]:
    rows = await (await conn.execute(_CAMPAIGN + " ORDER BY c.status, c.created_at DESC")).fetchall()
    return [campaign_row(r) for r in rows]


@router.post("/api/v1/organisers", status_code=201, summary="Register an organiser (unverified)",
             dependencies=[Depends(same_origin)], responses=errors(409, e409="an organiser with that name exists"))
async def create_organiser(body: OrganiserIn, request: Request, user: Coordinator = Depends(require_coordinator)):
    oid = organiser_id(body.name)
    async with request.app.state.pool.connection() as conn:
        row = await (await conn.execute(
            "INSERT INTO organisers (organiser_id, name, kind, created_by) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (organiser_id) DO NOTHING RETURNING organiser_id", (oid, body.name, body.kind, user.username)
        )).fetchone()
    if row is None:
        raise HTTPException(409, f"an organiser named {body.name!r} exists: {oid}")
    return {"organiser_id": str(oid), "name": body.name, "kind": body.kind, "verification": "unverified"}


@router.post("/api/v1/organisers/{organiser_id}/verification", summary="Verify or suspend an organiser (admin)",
             dependencies=[Depends(same_origin)], responses=errors(404))
async def verify_organiser(organiser_id: uuid.UUID, body: VerifyIn, request: Request,
                           user: Coordinator = Depends(require_admin)):
    async with request.app.state.pool.connection() as conn:
        row = await (await conn.execute(
            "UPDATE organisers SET verification = %s, verified_by = %s, verified_document = %s, verified_at = now() "
            "WHERE organiser_id = %s RETURNING name", (body.verification, user.username, body.document, organiser_id)
        )).fetchone()
    if row is None:
        raise HTTPException(404, "no such organiser")
    return {"organiser_id": str(organiser_id), "verification": body.verification, "verified_by": user.username}


@router.post("/api/v1/campaigns", status_code=201, summary="Create a campaign (coordinators)",
             dependencies=[Depends(same_origin)], responses=errors(409, e409="a campaign with that slug exists"))
async def create_campaign(body: CampaignIn, request: Request, user: Coordinator = Depends(require_coordinator)):
    async with request.app.state.pool.connection() as conn:
        if not await (await conn.execute("SELECT 1 FROM organisers WHERE organiser_id = %s",
                                         (body.organiser_id,))).fetchone():
            raise HTTPException(422, "organiser_id: no such organiser (POST /api/v1/organisers first)")
        row = await (await conn.execute(
            "INSERT INTO campaigns (slug, title, incident, organiser_id, goal_idr, account, permit_pub, opex_declared,"
            " area, created_by) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (slug) DO NOTHING RETURNING slug",
            (body.slug, body.title, body.incident, body.organiser_id, body.goal_idr, body.account, body.permit_pub,
             body.opex_declared, body.area, user.username))).fetchone()
        if row is None:
            raise HTTPException(409, f"slug: a campaign {body.slug!r} exists")
        return await load_campaign(conn, body.slug)


@router.get("/api/v1/campaigns", summary="Campaigns with their organiser's verification (public)")
async def get_campaigns(request: Request):
    async with request.app.state.pool.connection() as conn:
        found = await list_campaigns(conn)
        for c in found:
            c["totals"] = (await campaign_totals(conn, c["slug"])).public()
    return {"campaigns": found}


@router.get("/api/v1/campaigns/{slug}", summary="One campaign and its totals (public)", responses=errors(404))
async def get_campaign(slug: str, request: Request):
    if not SLUG.match(slug):
        raise HTTPException(404, "no such campaign")
    async with request.app.state.pool.connection() as conn:
        c = await load_campaign(conn, slug)
        if c is None:
            raise HTTPException(404, "no such campaign")
        c["totals"] = (await campaign_totals(conn, slug)).public()
    return c


@router.post("/api/v1/campaigns/{slug}/reports", status_code=202, dependencies=[Depends(intake_limit)],
             summary="Report a campaign to the coordinators",
             responses=errors(404))
async def report_campaign(slug: str, body: ReportIn, request: Request):
    async with request.app.state.pool.connection() as conn:
        if not await file_report(conn, slug, body.reason, body.details):
            raise HTTPException(404, "no such campaign")
    return {"status": "received", "message_id": "Laporan diterima; koordinator akan memeriksanya.",
            "message_en": "Report received; the coordinators will look into it."}


@router.get("/api/v1/campaign-reports", summary="Reports about campaigns (coordinators)")
async def get_reports(request: Request, _user: Coordinator = Depends(require_viewer)):
    async with request.app.state.pool.connection() as conn:
        rows = await (await conn.execute(
            "SELECT report_id, slug, reason, details, created_at, handled_by FROM campaign_reports "
            "ORDER BY created_at DESC LIMIT 500")).fetchall()
    return {"reports": [{"report_id": r[0], "slug": r[1], "reason": r[2], "details": r[3],
                         "created_at": r[4].isoformat(), "handled_by": r[5]} for r in rows]}


class StatusIn(_In):
    status: Literal["open", "closed"]


@router.post("/api/v1/campaigns/{slug}/status", summary="Open or close a campaign to new donations (coordinators)",
             dependencies=[Depends(same_origin)], responses=errors(404))
async def set_status(slug: str, body: StatusIn, request: Request, _user: Coordinator = Depends(require_coordinator)):
    async with request.app.state.pool.connection() as conn:
        row = await (await conn.execute("UPDATE campaigns SET status = %s WHERE slug = %s RETURNING slug",
                                        (body.status, slug))).fetchone()
    if row is None:
        raise HTTPException(404, "no such campaign")
    return {"slug": slug, "status": body.status}


@router.post("/api/v1/campaign-reports/{report_id}/handled", summary="Mark a report as handled (coordinators)",
             dependencies=[Depends(same_origin)], responses=errors(404))
async def report_handled(report_id: int, request: Request, user: Coordinator = Depends(require_coordinator)):
    async with request.app.state.pool.connection() as conn:
        row = await (await conn.execute(
            "UPDATE campaign_reports SET handled_by = %s, handled_at = now() WHERE report_id = %s "
            "AND handled_by IS NULL RETURNING report_id", (user.username, report_id))).fetchone()
    if row is None:
        raise HTTPException(404, "no such open report")
    return {"report_id": report_id, "handled_by": user.username}
