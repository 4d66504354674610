"""Cross-site request forgery: a state change by a signed-in coordinator must carry a token that
a page on another site cannot know.

The token is derived from the session (so it needs no table and dies with the session) and is
given to the browser in a cookie of its own that scripts may read (`siaga_csrf`, SameSite=Strict).
The map's scripts send it back in the `X-CSRF-Token` header; HTML forms in a hidden `csrf_token`
field. Another site can make the browser send the session cookie (SameSite=Lax lets top-level
navigations through, and older browsers send it always), but it cannot read our cookie, so it
cannot send the token. The same-origin check (deps.same_origin) stays as a second wall.
"""
from __future__ import annotations

import hashlib
import hmac

from fastapi import HTTPException, Request, Response

from siaga.services.auth.sessions import COOKIE as SESSION_COOKIE

COOKIE = "siaga_csrf"
HEADER = "X-CSRF-Token"
FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REFUSED = f"missing or wrong CSRF token: send the {HEADER} header with the {COOKIE} cookie's value"


def token_for(session: str) -> str:
    return hashlib.sha256(f"siaga-csrf:{session}".encode()).hexdigest()[:40]


def set_cookie(response: Response, session: str, *, max_age: int, secure: bool) -> None:
    response.set_cookie(COOKIE, token_for(session), max_age=max_age, httponly=False,
                        samesite="strict", path="/", secure=secure)


def attach(client) -> None:
    """After an httpx client signed in: send the token as the map's scripts do (tools, demo)."""
    client.headers[HEADER] = client.cookies[COOKIE]


def form_token(request: Request) -> str | None:
    """The token for a page's forms (None when not signed in)."""
    session = request.cookies.get(SESSION_COOKIE)
    return token_for(session) if session else None


async def check(request: Request) -> None:
    """Refuse a state change that carries the session cookie but not the token (403)."""
    if request.method in SAFE_METHODS:
        return
    session = request.cookies.get(SESSION_COOKIE)
    if not session:
        return            # no session sent: nothing to forge (the route's own check answers 401)
    sent = request.headers.get(HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = (await request.form()).get(FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(sent, token_for(session)):
        raise HTTPException(403, REFUSED)
