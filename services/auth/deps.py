"""FastAPI dependencies: who is signed in, and which role a route needs (401 anonymous, 403 role)."""
from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request

from siaga.services.auth import csrf
from siaga.services.auth.accounts import Coordinator
from siaga.services.auth.sessions import COOKIE, session_user

SIGN_IN = "sign in first: POST /api/v1/auth/login (or open /login)"


async def optional_user(request: Request) -> Coordinator | None:
    if hasattr(request.state, "coordinator"):
        return request.state.coordinator
    token = request.cookies.get(COOKIE)
    user = None
    if token:
        async with request.app.state.pool.connection() as conn:
            user = await session_user(conn, token)
    request.state.coordinator = user
    return user


async def require_viewer(request: Request, user: Coordinator | None = Depends(optional_user)) -> Coordinator:
    """Signed in, whatever the role: what coordinators look at (the map, the queue). Every route
    that needs a coordinator comes through here, so a state change is checked for its CSRF
    token here too (services/auth/csrf.py)."""
    if user is None:
        raise HTTPException(401, SIGN_IN, headers={"WWW-Authenticate": 'Cookie realm="siaga"'})
    await csrf.check(request)
    return user


async def require_coordinator(user: Coordinator = Depends(require_viewer)) -> Coordinator:
    """The dispatcher's role (treasurers and admins have it too): what changes anything."""
    if not user.can_dispatch:
        raise HTTPException(403, "this needs the dispatcher role (a viewer only looks)")
    return user


async def require_admin(user: Coordinator = Depends(require_coordinator)) -> Coordinator:
    if not user.is_admin:
        raise HTTPException(403, "this needs the admin role")
    return user


async def require_treasurer(user: Coordinator = Depends(require_coordinator)) -> Coordinator:
    if not user.is_treasurer:
        raise HTTPException(403, "this needs the treasurer role")
    return user


def same_origin(request: Request) -> None:
    """Refuse state changes sent from another site's page (defence besides SameSite=Lax)."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(403, "cross-site request refused")
