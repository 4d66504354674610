"""The public ledger: entries, signed checkpoints, inclusion and consistency proofs, receipts and
CSV/HXL exports. Everything here is public and carries no personal data (the entries never
hold any: core/ledger/entry.py). `python -m siaga verify-ledger URL` checks it all."""
from __future__ import annotations

import csv
import io
import json

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from siaga.core.ledger import merkle
from siaga.infra.settings import get_settings
from siaga.services.api.openapi import CSVResponse, errors
from siaga.services.ledger.routes_campaigns import SLUG

router = APIRouter(tags=["ledger"])
PAGE = 1000
HXL_SECTOR = {"water": "WASH", "sanitation": "WASH", "food": "Food Security", "medical": "Health",
              "rescue": "Protection", "shelter": "Shelter", "clothing": "Shelter", "baby": "Nutrition",
              "power": "Logistics", "other": "Multi-sector", "operations": "Coordination"}


async def _size(conn) -> int:
    return (await (await conn.execute("SELECT count(*) FROM ledger_entries")).fetchone())[0]


async def _leaves(conn, size: int) -> list[bytes]:
    rows = await (await conn.execute("SELECT leaf_hash FROM ledger_entries ORDER BY seq LIMIT %s", (size,))).fetchall()
    return [bytes(r[0]) for r in rows]


async def _latest(conn):
    return await (await conn.execute(
        "SELECT size, note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1")).fetchone()


@router.get("/api/v1/ledger", summary="The ledger's name, verifier key, size and latest signed checkpoint")
async def ledger_head(request: Request):
    async with request.app.state.pool.connection() as conn:
        keys = [r[0] for r in await (await conn.execute(
            "SELECT vkey FROM ledger_keys ORDER BY created_at")).fetchall()]
        size = await _size(conn)
        latest = await _latest(conn)
    return {"origin": get_settings().ledger_origin, "verifier_key": keys[-1] if keys else None,
            "previous_keys": keys[:-1], "size": size,
            "checkpoint_size": latest[0] if latest else 0, "latest_checkpoint": latest[1] if latest else None,
            "verify": "python -m siaga verify-ledger <this site's URL>"}


@router.get("/api/v1/ledger/entries", summary="Entries in order, as hashed (paged)")
async def ledger_entries(request: Request, start: int = Query(0, ge=0, le=10**12),
                         limit: int = Query(PAGE, ge=1, le=PAGE)):
    async with request.app.state.pool.connection() as conn:
        rows = await (await conn.execute(
            "SELECT seq, entry_hash, body FROM ledger_entries WHERE seq >= %s ORDER BY seq LIMIT %s",
            (start, limit))).fetchall()
        size = await _size(conn)
    last = rows[-1][0] if rows else None
    return {"size": size, "entries": [{"seq": s, "entry_hash": h, "body": json.loads(b)} for s, h, b in rows],
            "next": last + 1 if last is not None and last + 1 < size else None}


@router.get("/api/v1/ledger/checkpoints", summary="Every signed checkpoint, oldest first")
async def ledger_checkpoints(request: Request):
    async with request.app.state.pool.connection() as conn:
        rows = await (await conn.execute("SELECT note FROM ledger_checkpoints ORDER BY size")).fetchall()
    return {"checkpoints": [r[0] for r in rows]}


async def _checked_size(conn, size: int | None) -> int:
    if size is None:
        latest = await _latest(conn)
        if latest is None:
            raise HTTPException(404, "no checkpoint yet: the ledger is empty or not yet signed")
        return latest[0]
    if not await (await conn.execute("SELECT 1 FROM ledger_checkpoints WHERE size = %s", (size,))).fetchone():
        raise HTTPException(404, f"size: no checkpoint of size {size} (GET /api/v1/ledger/checkpoints)")
    return size


@router.get("/api/v1/ledger/proof/inclusion", summary="Audit path of one entry in a checkpointed tree",
            responses=errors(404))
async def inclusion(request: Request, seq: int = Query(ge=0, le=10**12), size: int | None = Query(None, ge=1)):
    async with request.app.state.pool.connection() as conn:
        size = await _checked_size(conn, size)
        if seq >= size:
            raise HTTPException(404, f"seq: entry {seq} is not in the tree of size {size} (not yet checkpointed?)")
        leaves = await _leaves(conn, size)
    return {"seq": seq, "size": size, "leaf_hash": leaves[seq].hex(),
            "path": [h.hex() for h in merkle.inclusion_proof(leaves, seq, size)]}


@router.get("/api/v1/ledger/proof/consistency", summary="Proof that a later checkpoint extends an earlier one",
            responses=errors(404))
async def consistency(request: Request, first: int = Query(ge=1), second: int | None = Query(None, ge=1)):
    async with request.app.state.pool.connection() as conn:
        second = await _checked_size(conn, second)
        if first > second:
            raise HTTPException(422, "first: must not be larger than second")
        leaves = await _leaves(conn, second)
    return {"first": first, "second": second,
            "path": [h.hex() for h in merkle.consistency_proof(leaves, first, second)]}


async def receipt(conn, code: str) -> dict | None:
    """A receipt: the entry, its inclusion proof in the latest checkpoint, that checkpoint."""
    code = code.strip().upper()
    if not code.isalnum() or len(code) > 16:
        return None
    row = await (await conn.execute(
        "SELECT e.seq, e.entry_hash, e.body FROM ledger_receipts r JOIN ledger_entries e USING (entry_id) "
        "WHERE r.code = %s", (code,))).fetchone()
    if row is None:
        return None
    seq, h, body = row
    latest = await _latest(conn)
    out = {"code": code, "seq": seq, "entry_hash": h, "body": json.loads(body), "proof": None, "checkpoint": None}
    if latest and latest[0] > seq:
        leaves = await _leaves(conn, latest[0])
        out["proof"] = {"size": latest[0], "leaf_hash": leaves[seq].hex(),
                        "path": [x.hex() for x in merkle.inclusion_proof(leaves, seq, latest[0])]}
        out["checkpoint"] = latest[1]
    return out


@router.get("/api/v1/ledger/receipts/{code}", summary="A donor's entry and its inclusion proof", responses=errors(404))
async def get_receipt(code: str, request: Request):
    async with request.app.state.pool.connection() as conn:
        found = await receipt(conn, code)
    if found is None:
        raise HTTPException(404, "no receipt with that code")
    return found


_COLUMNS = ("seq", "occurred_at", "kind", "campaign", "organiser", "money_idr", "currency", "goods_category",
            "goods_item", "quantity", "unit", "purpose_category", "area", "requests_served", "donor",
            "source", "actor", "corrects", "entry_id", "entry_hash")
_HXL = ("#meta+seq", "#date", "#meta+kind", "#activity+campaign", "#org", "#value", "#currency",
        "#sector", "#item+name", "#meta+quantity", "#meta+unit", "#sector+purpose", "#adm2+name",
        "#meta+requests", "#org+donor", "#meta+source", "#meta+actor", "#meta+corrects", "#meta+id",
        "#meta+hash")


@router.get("/api/v1/ledger/export.csv", summary="The ledger as CSV (optionally one campaign)",
            response_class=CSVResponse)
@router.get("/api/v1/ledger/export.hxl.csv", summary="The ledger as HXL-tagged CSV", response_class=CSVResponse)
async def export(request: Request, campaign: str | None = Query(None, max_length=60)):
    hxl = request.url.path.endswith(".hxl.csv")
    if campaign is not None and not SLUG.match(campaign):
        raise HTTPException(422, "campaign: not a campaign slug")
    async with request.app.state.pool.connection() as conn:
        rows = await (await conn.execute(
            "SELECT e.seq, e.entry_hash, e.body, o.name FROM ledger_entries e "
            "LEFT JOIN campaigns c ON c.slug = e.body::jsonb ->> 'campaign' LEFT JOIN organisers o USING (organiser_id) "
            "WHERE %s::text IS NULL OR e.body::jsonb ->> 'campaign' = %s ORDER BY e.seq",
            (campaign, campaign))).fetchall()
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(_COLUMNS)
    if hxl:
        w.writerow(_HXL)
    for seq, h, text, org in rows:
        b = json.loads(text)
        g, p = b.get("goods") or {}, b.get("purpose") or {}
        category = g.get("category") or p.get("category")
        w.writerow([seq, b["occurred_at"], b["kind"], b["campaign"], org or "", b.get("money_idr") or "",
                    "IDR" if b.get("money_idr") else "",
                    HXL_SECTOR.get(category, "") if hxl else (g.get("category") or ""),
                    g.get("item") or "", g.get("quantity") or "", g.get("unit") or "", p.get("category") or "",
                    p.get("area") or "", " ".join(p.get("requests") or []), b.get("donor") or "",
                    b["source"], b.get("actor") or "", b.get("corrects") or "", b["entry_id"], h])
    name = f"siaga-ledger{'-' + campaign if campaign else ''}{'.hxl' if hxl else ''}.csv"
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
