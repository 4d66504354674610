"""Live feed for the maps, as server-sent events.

Source of truth is PostgreSQL, not Kafka: situation_log rows and newly stored requests carry a
number from one sequence (`live_seq`, assigned in commit order by a trigger, see
infra/sql/003_map_auth.sql). A stream sends every row above the client's last number, so a
client that reconnects with Last-Event-ID gets exactly what it missed. One LISTEN connection
per API process wakes the streams (NOTIFY from the triggers); a slow poll covers a lost
listener. Offers and volunteers are not numbered: their NOTIFY only tells the map to refresh
those layers (`event: refresh`).
"""
from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

import orjson
import psycopg

log = logging.getLogger("siaga.live")
CHANNEL = "situation"
BATCH = 200
POLL_S = 5.0          # fallback when no notification arrives (listener reconnecting)
KEEPALIVE_S = 15.0    # a comment line keeps proxies from closing an idle stream
RECHECK_S = 60.0      # a stream ends soon after its session was closed or expired
RETRY_MS = 2000       # the browser reconnects after this
MIN_GAP_S = 0.1       # a flood of notifications costs each stream at most 10 reads a second
HINT_GAP_S = 1.0      # and at most one refresh hint a second
HINT_LAYERS = {"dispatches": "dispatches", "volunteers": "volunteers"}

_exiting = threading.Event()


def _end_streams_on_exit() -> None:
    """Streams never end on their own, and uvicorn waits for open responses before it exits.
    Chain onto its SIGTERM/SIGINT handlers so every stream closes when the server stops."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)
        if getattr(previous, "_siaga_live", False):
            continue

        def handler(signum, frame, _previous=previous):
            _exiting.set()
            if callable(_previous):
                _previous(signum, frame)

        handler._siaga_live = True  # type: ignore[attr-defined]
        signal.signal(sig, handler)


class Hub:
    """Wakes every open stream of this process when PostgreSQL notifies a change."""

    def __init__(self, database_url: str):
        self._url = database_url
        self._event = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.changes: Counter[str] = Counter()  # notifications seen, per table

    def start(self) -> None:
        if self._task is None or self._task.done():
            _end_streams_on_exit()
            self._task = asyncio.get_running_loop().create_task(self._listen(), name="siaga-live-listen")

    def current(self) -> asyncio.Event:
        """Take this before reading, wait on it after: a change in between is not lost."""
        return self._event

    def _wake(self, table: str) -> None:
        self.changes[table] += 1
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def _listen(self) -> None:
        delay = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self._url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    delay = 0.5
                    self._wake("situation_log")  # changes while we were away: streams re-read
                    async for note in conn.notifies():
                        self._wake(note.payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database restart: keep trying, streams poll meanwhile
                log.warning("live listener lost the database (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)


def hub_for(app) -> Hub:
    hub = getattr(app.state, "live_hub", None)
    if hub is None:
        from siaga.infra.settings import get_settings

        hub = app.state.live_hub = Hub(get_settings().database_url)
    hub.start()
    return hub


async def current_seq(conn) -> int:
    """The highest committed number: what a snapshot taken now already includes."""
    row = await (await conn.execute(
        "SELECT greatest((SELECT max(seq) FROM situation_log), "
        "(SELECT max(live_seq) FROM requests WHERE live_seq IS NOT NULL), 0)")).fetchone()
    return int(row[0])


_ROWS = """
WITH f AS (
    (SELECT seq, kind, request_id, volunteer_id, status, detail, occurred_at
       FROM situation_log WHERE seq > %(after)s ORDER BY seq LIMIT %(limit)s)
    UNION ALL
    (SELECT live_seq, 'stored', request_id, NULL::uuid, status, '{}'::jsonb, created_at
       FROM requests WHERE live_seq > %(after)s ORDER BY live_seq LIMIT %(limit)s)
    ORDER BY 1 LIMIT %(limit)s
)
SELECT f.seq, f.kind, f.request_id, f.volunteer_id, f.status, f.detail, f.occurred_at,
       r.request_id, r.tracking_code, r.status, round(ST_Y(r.geom::geometry)::numeric, 6),
       round(ST_X(r.geom::geometry)::numeric, 6), r.needs, r.urgency, r.people,
       extract(epoch FROM r.created_at)::bigint, r.priority, r.verified, cardinality(r.vulnerable) > 0,
       r.volunteers_needed, r.volunteers_filled
  FROM f LEFT JOIN requests r ON r.request_id = f.request_id
 ORDER BY f.seq
"""


def need_properties(row) -> dict | None:
    """The map's view of one request, the same shape as the needs GeoJSON properties."""
    rid, code, status, lat, lon, needs, urgency, people, created, priority, verified, vulnerable, crew, filled = row
    if rid is None:
        return None
    return {"id": str(rid), "code": code, "status": status, "needs": needs, "urgency": urgency,
            "people": people, "created": created, "priority": priority, "verified": verified,
            "vulnerable": vulnerable, "lat": float(lat) if lat is not None else None,
            "lon": float(lon) if lon is not None else None, "crew": crew, "filled": filled}


async def rows_after(conn, after: int, limit: int = BATCH) -> list[dict]:
    rows = await (await conn.execute(_ROWS, {"after": after, "limit": limit})).fetchall()
    return [{"seq": r[0], "kind": r[1], "request_id": str(r[2]) if r[2] else None,
             "volunteer_id": str(r[3]) if r[3] else None, "status": r[4], "detail": r[5] or {},
             "at": r[6].isoformat(), "request": need_properties(r[7:])} for r in rows]


def _sse(data: dict | str, event: str | None = None, id_: int | None = None) -> bytes:
    lines = []
    if id_ is not None:
        lines.append(f"id: {id_}")
    if event:
        lines.append(f"event: {event}")
    payload = data if isinstance(data, str) else orjson.dumps(data).decode()
    lines.append(f"data: {payload}")
    return ("\n".join(lines) + "\n\n").encode()


def parse_cursor(last_event_id: str | None, after: int | None) -> int | None:
    """Last-Event-ID (sent by the browser on reconnect) wins over ?after= (first connect)."""
    if last_event_id:
        try:
            value = int(last_event_id.strip())
        except ValueError:
            return None
        return value if 0 <= value < 2**63 else None
    return after


async def stream(pool, hub: Hub, after: int | None,
                 still_allowed: Callable[[], Awaitable[bool]] | None = None) -> AsyncIterator[bytes]:
    """The coordinators' stream: every change with the request's current map properties."""
    yield f"retry: {RETRY_MS}\n\n".encode()
    if after is None:
        async with pool.connection() as conn:
            after = await current_seq(conn)
    yield _sse({"seq": after}, "hello", after)
    seen = Counter(hub.changes)
    now = time.monotonic()
    next_poll, next_beat, next_check = now, now + KEEPALIVE_S, now + RECHECK_S
    last_read = last_hint = 0.0
    woke = True
    while not _exiting.is_set():
        wake = hub.current()
        now = time.monotonic()
        if woke or now >= next_poll:
            try:
                last_read = now
                async with pool.connection() as conn:
                    rows = await rows_after(conn, after)
            except psycopg.OperationalError as exc:  # database restarting: keep the stream, retry
                log.warning("live stream cannot read the database (%s); retrying", exc)
                await asyncio.sleep(2.0)
                continue
            for row in rows:
                after = row["seq"]
                yield _sse(row, "change", after)
            next_poll = now + POLL_S
            if len(rows) == BATCH:  # catching up after a long absence: no waiting
                continue
            layers = sorted({layer for table, layer in HINT_LAYERS.items() if hub.changes[table] != seen[table]})
            if layers and now - last_hint >= HINT_GAP_S:
                seen, last_hint = Counter(hub.changes), now
                yield _sse({"layers": layers}, "refresh")
                next_beat = now + KEEPALIVE_S
            elif layers:  # held back: look again as soon as one may be sent
                next_poll = last_hint + HINT_GAP_S
        if now >= next_beat:
            yield b": keepalive\n\n"
            next_beat = now + KEEPALIVE_S
        if still_allowed is not None and now >= next_check:
            next_check = now + RECHECK_S
            try:
                allowed = await still_allowed()
            except psycopg.OperationalError:
                allowed = True  # cannot tell now; the next check will
            if not allowed:
                yield _sse({"reason": "signed out"}, "signed_out")
                return
        gap = MIN_GAP_S - (time.monotonic() - last_read)
        if gap > 0:
            await asyncio.sleep(gap)  # changes meanwhile are read together
        try:
            await asyncio.wait_for(wake.wait(), timeout=1.0)
            woke = True
        except TimeoutError:
            woke = False


PUBLIC_TABLES = ("situation_log", "requests")


async def public_stream(hub: Hub, min_interval_s: float = 2.0) -> AsyncIterator[bytes]:
    """The public stream says only "something changed" (at most every 2 s): the public map then
    re-reads its coarse aggregates. No identifier leaves the server, and no database query is
    made per public client."""
    yield f"retry: {RETRY_MS}\n\n".encode()
    seen = sum(hub.changes[t] for t in PUBLIC_TABLES)
    next_beat = time.monotonic() + KEEPALIVE_S
    while not _exiting.is_set():
        wake = hub.current()
        total = sum(hub.changes[t] for t in PUBLIC_TABLES)
        now = time.monotonic()
        if total != seen:
            seen = total
            yield _sse({}, "change")
            next_beat = now + KEEPALIVE_S
            await asyncio.sleep(min_interval_s)
            continue
        if now >= next_beat:
            yield b": keepalive\n\n"
            next_beat = now + KEEPALIVE_S
        try:
            await asyncio.wait_for(wake.wait(), timeout=1.0)
        except TimeoutError:
            pass
