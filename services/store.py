"""Writes events into PostGIS. Every write is keyed by event id or guarded by event time, so
replaying a topic changes nothing and late, out-of-order events never move state backwards."""
from __future__ import annotations

from psycopg.types.json import Jsonb

from siaga.core.codes import task_token
from siaga.core.dispatch.crew import volunteers_needed
from siaga.infra.settings import get_settings
from siaga.schemas import events as ev

POINT = "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography"


def _pt(loc) -> tuple:
    return (loc.lon, loc.lat) if loc is not None else (None, None)


async def save_request(conn, e: ev.AidRequest) -> None:
    loc = e.location
    c = e.contact
    status = "open" if loc is not None else "needs_location"
    await conn.execute(
        f"""INSERT INTO requests (request_id, event_id, tracking_code, channel, status, needs, people,
            households, vulnerable, urgency, text, language, contact_phone, contact_name,
            preferred_channel, geom, location_source, accuracy_m, place_name, admin_code,
            location_confidence, created_at, status_at, volunteers_needed)
        VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,
                CASE WHEN %s::float8 IS NULL THEN NULL ELSE {POINT} END,
                %s,%s,%s,%s,%s,%s,%s,%s)
        ON CONFLICT (request_id) DO NOTHING""",
        (e.request_id, e.event_id, e.tracking_code, e.channel.value, status,
         [n.value for n in e.needs], e.people, e.households, [v.value for v in e.vulnerable],
         e.urgency.value, e.text, e.language, c.phone if c else None, c.name if c else None,
         c.preferred_channel if c else None, loc.lat if loc else None, *_pt(loc),
         loc.source if loc else None, loc.accuracy_m if loc else None,
         loc.place_name if loc else None, loc.admin_code if loc else None,
         loc.confidence if loc else None, e.occurred_at, e.occurred_at, volunteers_needed(e)),
    )
    await conn.execute(
        "INSERT INTO request_reports (event_id, request_id, channel, phone, text, reported_at) "
        "VALUES (%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING",
        (e.event_id, e.request_id, e.channel.value, c.phone if c else None, e.text, e.occurred_at),
    )
    # Situation updates that were stored before the request itself (another sink agent got
    # there first): the newest one is its status.
    latest = await (await conn.execute(
        "SELECT status, occurred_at, volunteer_id, detail FROM situation_log WHERE request_id = %s "
        "AND kind = 'request' ORDER BY occurred_at DESC LIMIT 1", (e.request_id,))).fetchone()
    if latest is not None:
        status, at, volunteer_id, detail = latest
        await _set_status(conn, e.request_id, status, at, None, volunteer_id, detail or {})


async def save_located(conn, e: ev.AidRequestLocated) -> None:
    loc = e.location
    await conn.execute(
        f"""UPDATE requests SET geom = {POINT}, location_source = %s, accuracy_m = %s,
               place_name = COALESCE(%s, place_name), admin_code = COALESCE(%s, admin_code),
               location_confidence = %s,
               status = CASE WHEN status = 'needs_location' THEN 'open' ELSE status END,
               updated_at = now()
           WHERE request_id = %s""",
        (loc.lon, loc.lat, loc.source, loc.accuracy_m, loc.place_name, loc.admin_code, loc.confidence,
         e.request_id),
    )


async def _lock(conn, events) -> None:
    """What arrives on different topics about one thing is stored by different sink agents:
    serialise it per thing. A volunteer's registration and check-ins (or a check-in stored
    beside its registration is lost); a request and its situation updates (or an update that
    came first finds no row, and the request is then stored as "open" for ever). A batch
    takes all its locks first, in one global order: locking one by one in different orders
    deadlocked two batches (seen under load)."""
    keys = sorted({f"v:{e.volunteer_id}" for e in events
                   if isinstance(e, (ev.VolunteerRegistered, ev.VolunteerCheckIn))}
                  | {f"r:{e.request_id}" for e in events
                     if isinstance(e, ev.AidRequest) or (isinstance(e, ev.SituationUpdate)
                                                         and e.kind == "request" and e.request_id)})
    if keys:
        await conn.execute(
            "SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(v, 42) AS h "
            "FROM unnest(%s::text[]) AS v ORDER BY h) AS ordered", (keys,))


async def save_volunteer(conn, e: ev.VolunteerRegistered) -> None:
    home = e.home_location
    await conn.execute(
        f"""INSERT INTO volunteers (volunteer_id, event_id, name, phone, skills, vehicle, home_area,
            organisation, preferred_channel, language, geom, registered_at)
        VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,
                CASE WHEN %s::float8 IS NULL THEN NULL ELSE {POINT} END, %s)
        ON CONFLICT (volunteer_id) DO UPDATE SET
            event_id = EXCLUDED.event_id, name = EXCLUDED.name, phone = EXCLUDED.phone,
            skills = EXCLUDED.skills, vehicle = EXCLUDED.vehicle, home_area = EXCLUDED.home_area,
            organisation = EXCLUDED.organisation, preferred_channel = EXCLUDED.preferred_channel,
            language = EXCLUDED.language, geom = COALESCE(volunteers.geom, EXCLUDED.geom),
            registered_at = EXCLUDED.registered_at
        WHERE volunteers.registered_at <= EXCLUDED.registered_at""",
        (e.volunteer_id, e.event_id, e.name, e.phone, [s.value for s in e.skills], e.vehicle.value,
         e.home_area, e.organisation, e.preferred_channel, e.language,
         home.lat if home else None, *_pt(home), e.occurred_at),
    )
    # A check-in may have been stored before the registration arrived (different topics).
    await conn.execute(
        """UPDATE volunteers v SET geom = c.geom, available = c.available, capacity = c.capacity,
               last_seen = c.occurred_at
           FROM (SELECT * FROM checkins WHERE volunteer_id = %s ORDER BY occurred_at DESC LIMIT 1) c
           WHERE v.volunteer_id = c.volunteer_id AND (v.last_seen IS NULL OR v.last_seen < c.occurred_at)""",
        (e.volunteer_id,),
    )


async def save_checkin(conn, e: ev.VolunteerCheckIn) -> None:
    loc = e.location
    await conn.execute(
        f"""INSERT INTO checkins (event_id, volunteer_id, geom, available, capacity, occurred_at)
        VALUES (%s,%s, CASE WHEN %s::float8 IS NULL THEN NULL ELSE {POINT} END, %s,%s,%s)
        ON CONFLICT DO NOTHING""",
        (e.event_id, e.volunteer_id, loc.lat if loc else None, *_pt(loc), e.available, e.capacity,
         e.occurred_at),
    )
    await conn.execute(
        f"""UPDATE volunteers SET
            geom = CASE WHEN %s::float8 IS NULL THEN geom ELSE {POINT} END,
            available = %s, capacity = %s, last_seen = %s,
            skills = COALESCE(%s, skills), vehicle = COALESCE(%s, vehicle)
        WHERE volunteer_id = %s AND (last_seen IS NULL OR last_seen <= %s)""",
        (loc.lat if loc else None, *_pt(loc), e.available, e.capacity, e.occurred_at,
         [s.value for s in e.skills] if e.skills else None, e.vehicle.value if e.vehicle else None,
         e.volunteer_id, e.occurred_at),
    )


async def save_group(conn, e: ev.GroupMembership) -> None:
    """The latest membership wins; role "none" leaves the group."""
    left = e.role == "none"
    await conn.execute(
        "UPDATE volunteers SET group_id = %s, group_name = %s, group_role = %s, grouped_at = %s "
        "WHERE volunteer_id = %s AND (grouped_at IS NULL OR grouped_at <= %s)",
        (None if left else e.group_id, None if left else e.group_name, None if left else e.role,
         e.occurred_at, e.volunteer_id, e.occurred_at))


async def save_vetting(conn, e: ev.VolunteerVetted) -> None:
    """The latest vetting wins (a replay or a late older one changes nothing)."""
    await conn.execute(
        "UPDATE volunteers SET vetting = %s, vetted_by = %s, vetted_at = %s, vetting_note = %s "
        "WHERE volunteer_id = %s AND (vetted_at IS NULL OR vetted_at <= %s)",
        (e.level, e.actor, e.occurred_at, e.note, e.volunteer_id, e.occurred_at))


async def save_offer(conn, e: ev.DispatchOffer) -> None:
    # The token of the task link the desk sent (core/dispatch/desk.py): same secret, same token.
    secret = get_settings().task_link_secret.encode()
    token = task_token(secret, e.offer_id) if secret else None
    await conn.execute(
        """INSERT INTO dispatches (offer_id, offer_code, request_id, volunteer_id, status, distance_m,
            radius_m, expires_at, created_at, status_at, link_token)
        VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)
        ON CONFLICT (offer_id) DO UPDATE SET status = EXCLUDED.status, status_at = EXCLUDED.status_at,
            link_token = COALESCE(dispatches.link_token, EXCLUDED.link_token)
        WHERE dispatches.status_at <= EXCLUDED.status_at""",
        (e.offer_id, e.offer_code, e.request_id, e.volunteer_id, e.status, e.distance_m, e.radius_m,
         e.expires_at, e.occurred_at, e.occurred_at, token),
    )
    await conn.execute(
        "INSERT INTO dispatch_history (event_id, offer_id, status, actor, occurred_at) "
        "VALUES (%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING",
        (e.event_id, e.offer_id, e.status, e.actor, e.occurred_at),
    )


async def save_situation(conn, e: ev.SituationUpdate) -> None:
    await conn.execute(
        "INSERT INTO situation_log (event_id, kind, request_id, volunteer_id, status, detail, occurred_at) "
        "VALUES (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING",
        (e.event_id, e.kind, e.request_id, e.volunteer_id, e.status, Jsonb(e.detail), e.occurred_at),
    )
    if e.kind == "request" and e.request_id is not None:
        await _set_status(conn, e.request_id, e.status, e.occurred_at, e.priority, e.volunteer_id, e.detail)
    elif e.kind == "volunteer" and e.volunteer_id is not None:
        # The desk's word on duty: SIAP/LIBUR by SMS change it without a check-in, and an SMS
        # sign-up places the volunteer at home. Busy volunteers are on duty (the map shows busy).
        await conn.execute(
            f"""UPDATE volunteers SET available = %s,
                   geom = CASE WHEN %s::float8 IS NULL THEN geom ELSE {POINT} END
               WHERE volunteer_id = %s""",
            (e.status != "unavailable", e.lat, e.lon, e.lat, e.volunteer_id))


async def _set_status(conn, request_id, status, at, priority, volunteer_id, detail: dict) -> None:
    """A request's status from a situation update, unless a newer one is stored already."""
    await conn.execute(
        """UPDATE requests SET status = %s, status_at = %s, priority = COALESCE(%s, priority),
               volunteer_id = CASE WHEN %s IN ('matched','on_the_way','done') THEN %s
                                   WHEN %s IN ('open','escalated') THEN NULL ELSE volunteer_id END,
               duplicate_of = COALESCE(%s, duplicate_of),
               volunteers_needed = COALESCE(%s, volunteers_needed),
               volunteers_filled = COALESCE(%s, CASE WHEN %s IN ('matched','on_the_way','done') THEN 1 ELSE 0 END),
               verified = verified OR %s, updated_at = now()
           WHERE request_id = %s AND status_at <= %s""",
        (status, at, priority, status, volunteer_id, status, detail.get("duplicate_of"),
         _count(detail.get("slots")) or None, _count(detail.get("filled")), status,
         bool(detail.get("verified")), request_id, at),
    )


def _count(v) -> int | None:
    """A slot count from a situation's detail (only the matcher writes it; a bad one is ignored)."""
    return v if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 50 else None


async def save_action(conn, e: ev.CoordinatorAction) -> None:
    await conn.execute(
        "INSERT INTO coordinator_actions (event_id, action, request_id, volunteer_id, duplicate_of, "
        "actor, note, occurred_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING",
        (e.event_id, e.action, e.request_id, e.volunteer_id, e.duplicate_of, e.actor, e.note, e.occurred_at),
    )


async def save_dead_letter(conn, e: ev.DeadLetter) -> None:
    await conn.execute(
        'INSERT INTO dead_letters (event_id, topic, partition, "offset", reason, payload, occurred_at) '
        "VALUES (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING",
        (e.event_id, e.topic, e.partition, e.offset, e.reason, e.payload, e.occurred_at),
    )


SAVERS = {
    ev.AidRequest: save_request,
    ev.AidRequestLocated: save_located,
    ev.VolunteerRegistered: save_volunteer,
    ev.VolunteerVetted: save_vetting,
    ev.GroupMembership: save_group,
    ev.VolunteerCheckIn: save_checkin,
    ev.DispatchOffer: save_offer,
    ev.SituationUpdate: save_situation,
    ev.CoordinatorAction: save_action,
    ev.DeadLetter: save_dead_letter,
}


async def save_batch(conn, events: list) -> None:
    """Store a batch in the caller's transaction, holding its locks (see _lock) until it ends."""
    await _lock(conn, events)
    for event in events:
        saver = SAVERS.get(type(event))
        if saver is not None:
            await saver(conn, event)
