"""Sign-in for coordinators: JSON API, a plain HTML login page, and admin account creation."""
from __future__ import annotations

import logging
from pathlib import Path

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field, field_validator

from siaga.infra.settings import get_settings
from siaga.services.auth import csrf, ratelimit
from siaga.services.auth.accounts import (
    AccountError,
    Coordinator,
    authenticate,
    create_coordinator,
    list_coordinators,
)
from siaga.services.auth.deps import optional_user, require_admin, require_viewer, same_origin
from siaga.services.auth.sessions import COOKIE, LIFETIME, close_session, open_session
from siaga.services.api.openapi import errors
from siaga.services.api.limits import client_address

log = logging.getLogger("siaga.auth")
router = APIRouter(tags=["sign-in"])
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "web" / "templates")
WRONG = "wrong username or password"


def _no_nul(value: str | None) -> str | None:
    # PostgreSQL text cannot hold NUL: refuse it here as bad input rather than fail later.
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)

    no_nul = field_validator("username", "password")(_no_nul)


class NewCoordinatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)
    role: str = "dispatcher"
    display_name: str | None = Field(default=None, max_length=120)

    no_nul = field_validator("username", "password", "role", "display_name")(_no_nul)


def _set_cookie(response: Response, token: str) -> None:
    secure = get_settings().public_base_url.startswith("https://")
    response.set_cookie(COOKIE, token, max_age=int(LIFETIME.total_seconds()), httponly=True,
                        samesite="lax", path="/", secure=secure)
    csrf.set_cookie(response, token, max_age=int(LIFETIME.total_seconds()), secure=secure)


def _clear_cookies(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")
    response.delete_cookie(csrf.COOKIE, path="/")


async def _sign_in(request: Request, username: str, password: str) -> tuple[Coordinator, str]:
    """Check the rate limit and the password; raises HTTPException 401/429."""
    ip = client_address(request)
    name = username.strip().lower().replace("\x00", "")  # the HTML form is not validated by a model
    async with request.app.state.pool.connection() as conn:
        try:
            await ratelimit.check(conn, name, ip)
        except ratelimit.RateLimited as exc:
            log.warning("sign-in rate limited for %r from %s", name[:40], ip)
            raise HTTPException(429, f"too many failed sign-in attempts; try again in {exc.retry_after} s",
                                headers={"Retry-After": str(exc.retry_after)}) from None
        user = await authenticate(conn, name, password)
        if user is None:
            await ratelimit.record_failure(conn, name, ip)
            raise HTTPException(401, WRONG)
        token = await open_session(conn, user.username)
    log.info("coordinator %s signed in", user.username)
    return user, token


@router.post("/api/v1/auth/login", summary="Sign in (sets an HttpOnly session cookie)",
             dependencies=[Depends(same_origin)],
             responses=errors(401, 429, e401="wrong username or password"))
async def login(body: LoginIn, request: Request):
    user, token = await _sign_in(request, body.username, body.password)
    response = JSONResponse(user.public())
    _set_cookie(response, token)
    return response


@router.post("/api/v1/auth/logout", status_code=204, summary="Sign out",
             dependencies=[Depends(same_origin), Depends(csrf.check)], responses=errors(403))
async def logout(request: Request):
    async with request.app.state.pool.connection() as conn:
        await close_session(conn, request.cookies.get(COOKIE))
    response = Response(status_code=204)
    _clear_cookies(response)
    return response


@router.get("/api/v1/auth/me", summary="Who is signed in")
async def me(user: Coordinator = Depends(require_viewer)):
    return user.public()


@router.get("/api/v1/admin/coordinators", summary="List coordinator accounts (admin)")
async def get_coordinators(request: Request, _admin: Coordinator = Depends(require_admin)):
    async with request.app.state.pool.connection() as conn:
        return await list_coordinators(conn)


@router.post("/api/v1/admin/coordinators", status_code=201, summary="Create a coordinator account (admin)",
             dependencies=[Depends(same_origin)], responses=errors(409, e409="an account with that name exists"))
async def post_coordinator(body: NewCoordinatorIn, request: Request, admin: Coordinator = Depends(require_admin)):
    try:
        async with request.app.state.pool.connection() as conn:
            user = await create_coordinator(conn, body.username, body.password, body.role,
                                            body.display_name, created_by=admin.username)
    except AccountError as exc:
        status = 409 if "already exists" in exc.message else 422
        return JSONResponse({"error": f"invalid input: {exc.field}: {exc.message}",
                             "detail": [{"field": exc.field, "message": exc.message}]}, status_code=status)
    log.info("admin %s created account %s (%s)", admin.username, user.username, user.role)
    return user.public()


# ------------------------------------------------------------------ HTML (works without JS)

def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect after sign-in would help phishing.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target[:200]
    return "/map"


@router.get("/login", include_in_schema=False)
async def login_page(request: Request, next: str | None = None, user=Depends(optional_user)):
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return templates.TemplateResponse(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", include_in_schema=False, dependencies=[Depends(same_origin)])
async def login_form(request: Request, username: str = Form("", max_length=100),
                     password: str = Form("", max_length=200), next: str = Form("/map", max_length=200)):
    try:
        _user, token = await _sign_in(request, username, password)
    except HTTPException as exc:
        headers = exc.headers or {}
        return templates.TemplateResponse(
            request, "login.html", {"next": _safe_next(next), "error": exc.detail, "username": username[:100]},
            status_code=exc.status_code, headers=headers)
    response = RedirectResponse(_safe_next(next), status_code=303)
    _set_cookie(response, token)
    return response


@router.post("/logout", include_in_schema=False, dependencies=[Depends(same_origin), Depends(csrf.check)])
async def logout_form(request: Request):
    async with request.app.state.pool.connection() as conn:
        await close_session(conn, request.cookies.get(COOKIE))
    response = RedirectResponse("/login", status_code=303)
    _clear_cookies(response)
    return response
