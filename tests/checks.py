"""What every end-to-end scenario checks at its end, in one place: every request settled, nobody
double-booked, no SMS sent twice."""
from __future__ import annotations

from collections import Counter, defaultdict

from siaga.schemas.events import OFFER_CLOSED

SETTLED = ("done", "escalated", "duplicate")


def unsettled(db, rids: list[str]) -> tuple[bool, tuple]:
    """(all settled, detail): every request stored, and each done, escalated or merged."""
    rows = db.execute(
        "SELECT r.status, count(*) FROM requests r WHERE r.request_id = ANY(%s::uuid[]) "
        "AND NOT (r.status = ANY(%s) OR EXISTS (SELECT 1 FROM situation_log s "
        "WHERE s.request_id = r.request_id AND s.kind = 'escalation')) GROUP BY 1",
        (rids, list(SETTLED))).fetchall()
    stored = db.execute("SELECT count(*) FROM requests WHERE request_id = ANY(%s::uuid[])", (rids,)).fetchone()[0]
    return stored == len(set(rids)) and not rows, (stored, rows)


def double_bookings(db, vids: set[str]) -> tuple[list[str], int]:
    """Replay every volunteer's offer history in time order: (violations, history length)."""
    hist = db.execute(
        "SELECT d.volunteer_id::text, h.offer_id::text, h.status, h.occurred_at FROM dispatch_history h "
        "JOIN dispatches d USING (offer_id) WHERE d.volunteer_id = ANY(%s::uuid[]) "
        # A desk that lets a lapsed offer go and grants the next in one step stamps both with
        # the same instant: replay the release first, or a tie reads as a double booking.
        "ORDER BY h.occurred_at, h.status = 'offered', h.event_id", (list(vids),)).fetchall()
    live: dict[str, set[str]] = defaultdict(set)
    bad = []
    for vid, oid, status, _at in hist:
        if status == "offered":
            if live[vid] - {oid}:
                bad.append(f"{vid} offered {oid} while holding {live[vid]}")
            live[vid].add(oid)
        elif status in OFFER_CLOSED:
            live[vid].discard(oid)
    return bad, len(hist)


def sent_twice(messages: list[dict], phones: set[str]) -> list[tuple[str, str]]:
    """Messages the local Twilio server recorded twice for the same phone and text."""
    counts = Counter((m["to"], m["body"]) for m in messages if m["to"] in phones)
    return [k for k, n in counts.items() if n > 1]


def volunteers_on_duty(coordinator, run: str, n: int, point, skills: list[list[str]], phone) -> tuple[set[str], set[str]]:
    """Register n volunteers through the JSON API (signed in) and check each in, available, at
    point(); skills cycle through `skills`, phone() gives each number. Returns (ids, phones)."""
    vids, phones = set(), set()
    for i in range(n):
        number = phone()
        r = coordinator.post("/api/v1/volunteers", json={"name": f"Relawan {run}-{i}", "phone": number,
                                                         "skills": skills[i % len(skills)], "vehicle": "motorbike"})
        r.raise_for_status()
        vid = r.json()["volunteer_id"]
        lat, lon = point()
        coordinator.post(f"/api/v1/volunteers/{vid}/checkins", json={
            "location": {"lat": lat, "lon": lon}, "available": True, "capacity": 4}).raise_for_status()
        vids.add(vid)
        phones.add(number)
    return vids, phones
