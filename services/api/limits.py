"""Per-client limits on the public write routes (issue 14): a client that sends too much gets
429 with Retry-After, before anything is recorded, instead of filling the outbox. What was
acknowledged before stays acknowledged: the limit only refuses new work.

Moving windows per client address, held in the API process (the `limits` library): with
several API processes each counts its own, which is enough to stop a script or a looping app.
Sign-in attempts and sign-up codes have their own limits in the database (services/auth,
services/signup.py); Twilio's webhooks are signed and come from Twilio's addresses, so a
looping phone is handled by the SMS loop guard instead (services/messaging/inbound.py).

RATE_LIMIT_INTAKE (e.g. "30/minute;600/hour") sets the windows. Many people can share one
address behind a mobile carrier's NAT: keep it generous."""
from __future__ import annotations

import math
import time
from functools import cache

from fastapi import HTTPException, Request
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from siaga.infra.settings import get_settings

_limiter = MovingWindowRateLimiter(MemoryStorage())


@cache
def _items(spec: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(spec))


def client_address(request: Request) -> str:
    # The direct peer: a forwarded-for header is client-controlled unless a proxy we run sets it.
    return request.client.host if request.client else "unknown"


def check(scope: str, who: str, spec: str) -> None:
    """Count one hit of `who` in `scope`; 429 naming the limit when a window is full."""
    for item in _items(spec):
        if not _limiter.hit(item, scope, who):
            reset = _limiter.get_window_stats(item, scope, who).reset_time
            retry = max(1, math.ceil(reset - time.time()))
            raise HTTPException(429, f"too many requests from this address (at most {item.amount} per "
                                     f"{item.get_expiry()} s); nothing was recorded, try again in {retry} s",
                                headers={"Retry-After": str(retry)})


async def intake_limit(request: Request) -> None:
    """FastAPI dependency for the public routes that record something."""
    check("intake", client_address(request), get_settings().rate_limit_intake)
