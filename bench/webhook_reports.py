"""Resident reports through the running stack, as issue 13 checks them: each text is sent to the
signed SMS webhook (oldest first, one phone per report), then where Siaga placed it (the aid
request's place, or the report's in the coordinators' situation log) is compared with where the
reporter stood.

    python -m bench.webhook_reports DIR [HELD_BACK_DIR]

DIR holds GeoJSON reports as for bench/real_reports.py (not in this repository). The settings of
the running stack are read from its env file (RUNTIME_DIR/env, as `make run` writes it). What
the stack learns from these reports (services/active_areas.py) stays in its record for 48 hours,
so a second run starts from what the first one taught it; the requests it creates are real ones
on that stack. Prints totals only, never a text. With HELD_BACK_DIR, also the totals over the
reports whose text is in that folder.
"""
from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg
from twilio.request_validator import RequestValidator

from bench.real_reports import FAR_KM, reports
from siaga.geo.distance import haversine_m
from siaga.infra.settings import RUNTIME_DIR, read_env_file

_PLACED = [
    "SELECT ST_Y(geom::geometry), ST_X(geom::geometry) FROM requests WHERE contact_phone = %s "
    "AND location_source = 'gazetteer' AND geom IS NOT NULL",
    "SELECT (detail ->> 'lat')::float8, (detail ->> 'lon')::float8 FROM situation_log WHERE kind = 'report' "
    "AND detail ->> 'from' = %s AND jsonb_typeof(detail -> 'lat') = 'number'",
]


def fresh_batch(env: dict[str, str], prefix: str) -> int:
    """A block of numbers (prefix + two digits) no earlier run used on this stack's record: a
    phone used before has requests and perhaps a conversation waiting for a reply, which would
    be counted, or answered, as this run's (a random block collided after a few dozen runs)."""
    with psycopg.connect(env["DATABASE_URL"]) as db:
        used = {row[0] for row in db.execute(
            "SELECT DISTINCT substr(phone, 1, %s) FROM inbound_messages WHERE phone LIKE %s",
            (len(prefix) + 2, prefix + "%"))}
    free = [b for b in range(10, 100) if f"{prefix}{b:02d}" not in used]
    if not free:
        raise SystemExit(f"every block of {prefix}NN is used on this stack's record: pass another prefix")
    return free[uuid.uuid4().int % len(free)]


def send(env: dict[str, str], texts: list[str], prefix: str = "+62813") -> list[str]:
    """Each text to the stack's signed SMS webhook from a phone of its own (a fresh block of
    numbers per run, so nothing is taken as a reply to an earlier run); the phones, in order."""
    api = env["API_URL"].rstrip("/")
    signed_url = env["PUBLIC_BASE_URL"].rstrip("/") + "/webhooks/twilio/sms"
    validator = RequestValidator(env["TWILIO_AUTH_TOKEN"])
    batch = fresh_batch(env, prefix)
    phones = []
    with httpx.Client(timeout=30, trust_env=False) as client:
        for i, text in enumerate(texts):
            phone = f"{prefix}{batch:02d}{i:05d}"
            form = {"MessageSid": "SM" + uuid.uuid4().hex, "From": phone, "To": "+15005550006", "Body": text}
            r = client.post(api + "/webhooks/twilio/sms", data=form,
                            headers={"X-Twilio-Signature": validator.compute_signature(signed_url, form)})
            r.raise_for_status()
            phones.append(phone)
    return phones


def placed(env: dict[str, str], sent: list[tuple[str, str, float, float]],
           wait_s: float = 30.0) -> dict[str, tuple[float, float]]:
    """Where each phone's report was placed, once the stream processors have stored it."""
    out: dict[str, tuple[float, float]] = {}
    deadline = time.monotonic() + wait_s
    with psycopg.connect(env["DATABASE_URL"]) as db:
        while True:
            for phone, *_ in sent:
                if phone in out:
                    continue
                for sql in _PLACED:
                    row = db.execute(sql, (phone,)).fetchone()
                    if row is not None:
                        out[phone] = (float(row[0]), float(row[1]))
                        break
            if time.monotonic() > deadline:
                return out
            time.sleep(5)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    env = read_env_file(RUNTIME_DIR / "env")
    rows = reports(Path(argv[0]))
    held = {text for text, *_ in reports(Path(argv[1]))} if len(argv) > 1 else set()
    t0 = time.monotonic()
    phones = send(env, [text for text, *_ in rows])
    sent = [(phone, text, lat, lon) for phone, (text, lat, lon) in zip(phones, rows)]
    print(f"sent {len(sent)} reports through the signed SMS webhook in {time.monotonic() - t0:.0f} s")
    where = placed(env, sent)
    for name, chosen in (("all", sent), ("held-back part", [s for s in sent if s[1] in held])):
        got = [(s, where[s[0]]) for s in chosen if s[0] in where]
        far = sum(haversine_m(s[2], s[3], p[0], p[1]) / 1000.0 > FAR_KM for s, p in got)
        if chosen:
            print(f"{name}: {len(chosen)} sent, {len(got)} placed from the text, "
                  f"{far} more than {FAR_KM:.0f} km from the reporter ({100 * far / max(1, len(got)):.1f}%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
