"""Who may do what, route by route. Every route of the API either needs a signed-in role or is
listed here as public with the reason it may be, so a new route cannot go public by oversight."""
from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from siaga.services.api.app import app
from siaga.services.api.openapi import dependency_calls, flat_routes
from siaga.services.auth import deps

NEEDS_ROLE = {deps.require_viewer, deps.require_coordinator, deps.require_admin, deps.require_treasurer}
# The role each signed-in route needs, the strongest its dependencies ask for: viewer (looks),
# coordinator (the dispatcher: changes requests and volunteers), treasurer (the ledger), admin.
ROLE_OF = [(deps.require_admin, "admin"), (deps.require_treasurer, "treasurer"),
           (deps.require_coordinator, "dispatcher"), (deps.require_viewer, "viewer")]
EXPECTED_ROLES = {
    "viewer": {"GET /api/v1/map/needs", "GET /api/v1/map/volunteers", "GET /api/v1/map/dispatches",
               "GET /api/v1/map/summary", "GET /api/v1/map/queue", "GET /api/v1/map/areas", "GET /api/v1/map/requests/{request_id}",
               "GET /api/v1/map/requests/{request_id}/candidates", "GET /api/v1/live", "GET /api/v1/auth/me",
               "GET /api/v1/campaign-reports"},
    "dispatcher": {"POST /api/v1/coordinator/requests/{request_id}/actions",
                    "POST /api/v1/coordinator/volunteers/{volunteer_id}/vetting", "POST /api/v1/coordinator/groups",
                    "POST /api/v1/volunteers", "POST /api/v1/volunteers/{volunteer_id}/checkins",
                    "POST /api/v1/checkins", "POST /api/v1/organisers", "POST /api/v1/campaigns",
                    "POST /api/v1/campaigns/{slug}/status", "POST /api/v1/campaign-reports/{report_id}/handled"},
}
PUBLIC = {
    # people asking for help, and what they may see of their own request (by its code)
    "GET /", "POST /request", "GET /status", "GET /status/{code}", "POST /api/v1/requests",
    "GET /api/v1/requests/{ref}", "GET /api/v1/statuses",
    # volunteers answering an offer: the offer id in their link is its secret (registering and
    # checking in through the JSON API is for coordinators; volunteers use /relawan/daftar or SMS)
    "GET /api/v1/offers/{offer_id}", "POST /api/v1/offers/{offer_id}/{action}",
    # the volunteer's task page: the unguessable token in the offer's link is the secret
    "GET /t/{token}", "POST /t/{token}/{action}", "GET /t/{token}/mine", "POST /t/{token}/mine/available",
    "POST /t/{token}/mine/checkin",
    # volunteer sign-up: registers only once the code sent to the phone comes back
    "GET /relawan/daftar", "POST /relawan/daftar", "POST /relawan/daftar/{signup_id}",
    # signed by Twilio or by the payment gateway (checked in the handler: 403 otherwise)
    "POST /webhooks/twilio/sms", "POST /webhooks/twilio/whatsapp", "POST /webhooks/twilio/status",
    "POST /api/v1/payments/midtrans/notification", "POST /api/v1/payments/xendit/callback",
    # donors: start a payment (nothing counts until the gateway says so), report a campaign
    "POST /api/v1/campaigns/{slug}/donate", "POST /api/v1/campaigns/{slug}/reports", "POST /campaigns/{slug}/report",
    # public views without personal data
    "GET /public", "GET /api/v1/public/needs", "GET /api/v1/public/summary", "GET /api/v1/public/live",
    "GET /campaigns", "GET /campaigns/{slug}", "GET /api/v1/campaigns", "GET /api/v1/campaigns/{slug}",
    "GET /ledger/receipt", "GET /ledger/receipt/{code}", "GET /api/v1/ledger", "GET /api/v1/ledger/entries",
    "GET /api/v1/ledger/checkpoints", "GET /api/v1/ledger/proof/inclusion", "GET /api/v1/ledger/proof/consistency",
    "GET /api/v1/ledger/receipts/{code}", "GET /api/v1/ledger/export.csv", "GET /api/v1/ledger/export.hxl.csv",
    # signing in and out; operations
    "POST /api/v1/auth/login", "POST /api/v1/auth/logout", "POST /login", "POST /logout",
    "GET /healthz", "GET /metrics",
}
# Routes that look at who is signed in and decide inside (their integration tests check it).
DECIDES_INSIDE = {"GET /login", "GET /map", "GET /treasurer", "POST /treasurer", "POST /api/v1/donations"}


def _routes() -> dict[str, set]:
    return {f"{m} {r.path}": dependency_calls(r.dependant) for r in flat_routes(app.routes) if isinstance(r, APIRoute)
            for m in r.methods if m != "HEAD"}


def test_every_route_needs_a_role_or_is_public_on_purpose():
    routes = _routes()
    unclassified = sorted(k for k, calls in routes.items()
                          if not calls & NEEDS_ROLE and k not in PUBLIC and k not in DECIDES_INSIDE)
    assert not unclassified, f"routes with no access rule: {unclassified}"
    assert not (PUBLIC | DECIDES_INSIDE) - set(routes), "listed routes that no longer exist"


def test_nothing_listed_public_also_asks_for_a_role():
    routes = _routes()
    both = sorted(k for k in PUBLIC if routes.get(k, set()) & NEEDS_ROLE)
    assert not both, both


def test_decides_inside_routes_do_read_the_session():
    routes = _routes()
    assert all(deps.optional_user in routes[k] for k in DECIDES_INSIDE)


def test_each_signed_in_route_needs_the_role_listed_for_it():
    """Looking never needs more than a viewer; changing requests, volunteers, groups and
    campaigns needs a coordinator; the ledger and accounts their own roles (asserted by name)."""
    roles = {k: next(role for dep, role in ROLE_OF if dep in calls)
             for k, calls in _routes().items() if calls & NEEDS_ROLE}
    for role, expected in EXPECTED_ROLES.items():
        got = {k for k, r in roles.items() if r == role}
        assert got == expected, (role, sorted(got ^ expected))
    # (treasurers write through POST /api/v1/donations and /treasurer, which decide inside)
    assert {r for r in roles.values()} == {"viewer", "dispatcher", "admin"}
    assert all(k.startswith("GET ") for k in EXPECTED_ROLES["viewer"])


def test_roles_are_named_as_the_coordinators_side_names_them():
    from siaga.services.auth import accounts

    assert accounts.ROLES == ("viewer", "dispatcher", "treasurer", "admin")
    assert accounts._prepare("posko-1", "a-long-password-42", "coordinator")[2] == "dispatcher"   # old name
    with pytest.raises(accounts.AccountError, match="role must be one of viewer, dispatcher"):
        accounts._prepare("posko-1", "a-long-password-42", "root")
    assert accounts.Coordinator("x", "dispatcher").can_dispatch and not accounts.Coordinator("x", "viewer").can_dispatch
