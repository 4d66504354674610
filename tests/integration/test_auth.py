"""Sign-in, sessions, roles, the rate limit and the first-admin command, against a running stack."""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import secrets
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_map_support import PASSWORD, stack  # noqa: E402,F401

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def test_login_sets_a_safe_session_cookie_and_me_answers(stack):
    username, password = stack.account()
    with stack.client() as c:
        r = c.post("/api/v1/auth/login", json={"username": username.upper(), "password": password})
        assert r.status_code == 200, r.text
        assert r.json() == {"username": username, "role": "dispatcher", "display_name": None}
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
        assert c.get("/api/v1/auth/me").json()["username"] == username
    with stack.db() as conn:  # only a hash of the token is stored, and no plain password anywhere
        token = r.cookies["siaga_session"]
        assert conn.execute("SELECT count(*) FROM coordinator_sessions WHERE token_hash = %s",
                            (hashlib.sha256(token.encode()).digest(),)).fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM coordinator_sessions WHERE token_hash = %s",
                            (token.encode(),)).fetchone()[0] == 0
        stored = conn.execute("SELECT password_hash FROM coordinators WHERE username = %s", (username,)).fetchone()[0]
        assert stored.startswith("$argon2id$") and password not in stored


def test_wrong_password_is_401_and_the_sixth_try_in_a_minute_is_429(stack):
    username, password = stack.account()
    with stack.client() as c:
        for _ in range(5):
            r = c.post("/api/v1/auth/login", json={"username": username, "password": "wrong-password-1"})
            assert r.status_code == 401
            assert r.json()["error"] == "wrong username or password"
        r = c.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert r.status_code == 429, "even the right password waits while the limit holds"
        assert 1 <= int(r.headers["retry-after"]) <= 60
        # The limit is per username and address: another account from here still signs in.
        other, other_pw = stack.account()
        assert c.post("/api/v1/auth/login", json={"username": other, "password": other_pw}).status_code == 200


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(stack):
    with stack.client() as c:
        r = c.post("/api/v1/auth/login", json={"username": f"nobody-{secrets.token_hex(3)}", "password": "whatever-123"})
        assert r.status_code == 401 and r.json()["error"] == "wrong username or password"


def test_bad_login_bodies_are_422(stack):
    with stack.client() as c:
        assert c.post("/api/v1/auth/login", json={"username": "x"}).status_code == 422
        assert c.post("/api/v1/auth/login", content=b"not json", headers={"content-type": "application/json"}).status_code == 422
        assert c.post("/api/v1/auth/login", json={"username": "a", "password": "b", "extra": 1}).status_code == 422
        assert c.post("/api/v1/auth/login", json={"username": "a\u0000b", "password": "pw"}).status_code == 422
        assert c.post("/login", data={"username": "a\x00b", "password": "pw"}).status_code == 401


def test_logout_ends_the_session_on_the_server(stack):
    c = stack.signed_in()
    token = c.cookies["siaga_session"]
    assert c.post("/api/v1/auth/logout").status_code == 204
    with stack.client() as other:  # the old cookie, replayed, no longer works
        other.cookies.set("siaga_session", token)
        assert other.get("/api/v1/auth/me").status_code == 401
    c.close()


def test_admin_creates_coordinators_and_coordinators_cannot(stack):
    admin = stack.signed_in("admin")
    coord = stack.signed_in("coordinator")
    new_name = f"new-{secrets.token_hex(3)}"
    body = {"username": new_name, "password": "a-long-password-42", "role": "coordinator", "display_name": "Posko Prambanan"}
    with stack.client() as anon:
        assert anon.post("/api/v1/admin/coordinators", json=body).status_code == 401
        assert anon.get("/api/v1/admin/coordinators").status_code == 401
    assert coord.post("/api/v1/admin/coordinators", json=body).status_code == 403
    assert coord.get("/api/v1/admin/coordinators").status_code == 403
    r = admin.post("/api/v1/admin/coordinators", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["username"] == new_name
    assert admin.post("/api/v1/admin/coordinators", json=body).status_code == 409
    weak = admin.post("/api/v1/admin/coordinators", json={**body, "username": f"w-{secrets.token_hex(3)}", "password": "short"})
    assert weak.status_code == 422 and "password" in weak.json()["error"]
    bad_role = admin.post("/api/v1/admin/coordinators", json={**body, "username": f"r-{secrets.token_hex(3)}", "role": "root"})
    assert bad_role.status_code == 422
    bad_name = admin.post("/api/v1/admin/coordinators", json={**body, "username": "a b"})
    assert bad_name.status_code == 422 and "username" in bad_name.json()["error"]
    assert any(a["username"] == new_name and a["created_by"] == admin.username
               for a in admin.get("/api/v1/admin/coordinators").json())
    with stack.client() as c:
        assert c.post("/api/v1/auth/login", json={"username": new_name, "password": "a-long-password-42"}).status_code == 200
    admin.close()
    coord.close()


def test_login_page_works_without_javascript(stack):
    username, password = stack.account()
    with stack.client() as c:
        page = c.get("/map")
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert "Masuk / Sign in" in c.get("/login?next=/map").text
        bad = c.post("/login", data={"username": username, "password": "nope-nope-nope", "next": "/map"})
        assert bad.status_code == 401 and "wrong username or password" in bad.text
        ok = c.post("/login", data={"username": username, "password": password, "next": "https://evil.example/"})
        assert ok.status_code == 303 and ok.headers["location"] == "/map", "no open redirect"
        page = c.get("/map").text
        assert "Peta Koordinator" in page
        assert c.post("/logout").status_code == 403           # a form without the page's token
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page).group(1)
        out = c.post("/logout", data={"csrf_token": token})   # the sign-out form as the page sends it
        assert out.status_code == 303
        assert c.get("/api/v1/auth/me").status_code == 401


def test_state_changes_need_the_sessions_csrf_token(stack):
    c = stack.signed_in()          # sends X-CSRF-Token from the siaga_csrf cookie, as the map does
    jar = {k: v for k, v in c.cookies.items()}
    assert jar["siaga_csrf"] == c.headers["X-CSRF-Token"]
    rid = stack.post_request()["request_id"]
    stack.wait_stored(rid)           # accepted is not stored yet: the action needs the stored need
    path = f"/api/v1/coordinator/requests/{rid}/actions"
    with stack.client() as forged:  # the browser sends the session cookie, the other site no token
        forged.cookies.set("siaga_session", jar["siaga_session"])
        for headers in ({}, {"X-CSRF-Token": "0" * 40}, {"X-CSRF-Token": jar["siaga_session"]}):
            r = forged.post(path, json={"action": "verify"}, headers=headers)
            assert r.status_code == 403 and "CSRF" in r.json()["error"], (headers, r.text)
        assert forged.get("/api/v1/map/queue").status_code == 200     # reading needs no token
    assert c.post(path, json={"action": "verify"}).status_code == 202
    c.close()


def test_the_csrf_cookie_is_readable_by_scripts_and_strict(stack):
    username, password = stack.account()
    with stack.client() as c:
        r = c.post("/api/v1/auth/login", json={"username": username, "password": password})
        cookies = [v.lower() for k, v in r.headers.multi_items() if k.lower() == "set-cookie"]
        mine = [x for x in cookies if x.startswith("siaga_csrf=")]
        assert len(mine) == 1 and "samesite=strict" in mine[0] and "httponly" not in mine[0]


def test_cross_site_posts_are_refused(stack):
    username, password = stack.account()
    with stack.client() as c:
        r = c.post("/api/v1/auth/login", json={"username": username, "password": password},
                   headers={"Origin": "https://evil.example"})
        assert r.status_code == 403


def test_create_admin_command(stack):
    name = f"adm-{secrets.token_hex(3)}"
    env = {**os.environ, "DATABASE_URL": stack.database_url, "SIAGA_ADMIN_PASSWORD": "first-admin-pass-1"}
    cmd = [sys.executable, "-m", "siaga.services.auth.create_admin", "--username", name]
    r = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    again = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "exists" in again.stderr
    weak = subprocess.run(cmd[:-1] + [name + "x", "--password", "short"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)
    assert weak.returncode == 2 and "at least" in weak.stderr
    with stack.client() as c:
        r = c.post("/api/v1/auth/login", json={"username": name, "password": "first-admin-pass-1"})
        assert r.status_code == 200 and r.json()["role"] == "admin"
    assert PASSWORD  # shared constant imported for the fixture module


def test_a_viewer_sees_the_map_and_the_queue_but_changes_nothing(stack):
    """Roles: a viewer looks (map layers, queue, details, the live stream's door); every change
    (an action on a request, vetting, a group, registering a volunteer) is 403 naming the role."""
    rid = stack.post_request(needs=["water"], location={"lat": -7.80, "lon": 110.37})["request_id"]
    stack.wait_stored(rid)
    viewer = stack.signed_in("viewer")
    try:
        assert viewer.get("/api/v1/auth/me").json()["role"] == "viewer"
        assert viewer.get("/api/v1/map/queue").status_code == 200
        assert viewer.get(f"/api/v1/map/requests/{rid}").status_code == 200
        assert viewer.get("/api/v1/map/needs", params={"bbox": "110.3,-7.9,110.4,-7.7"}).status_code == 200
        refused = [
            viewer.post(f"/api/v1/coordinator/requests/{rid}/actions", json={"action": "verify"}),
            viewer.post("/api/v1/coordinator/volunteers/00000000-0000-0000-0000-000000000001/vetting",
                        json={"level": "verified"}),
            viewer.post("/api/v1/coordinator/groups", json={"name": "x", "leader_id": rid, "member_ids": [rid]}),
            viewer.post("/api/v1/volunteers", json={"name": "X", "phone": "081234567890"}),
        ]
        assert [r.status_code for r in refused] == [403] * 4
        assert all("dispatcher role" in r.json()["error"] for r in refused)
    finally:
        viewer.close()
    with stack.db() as conn:   # nothing the viewer sent was recorded
        assert conn.execute("SELECT count(*) FROM coordinator_actions WHERE request_id = %s", (rid,)).fetchone()[0] == 0
