"""The console API's access rules: every route × role, sessions, CSRF, login throttling."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.console import auth
from storage.models_console import ConsoleSession, ConsoleUser

from .console_support import PASSWORDS, Console, make_console
from .routes import all_routes

A, S, D = "ann", "sue", "ada"  # agent, supervisor, admin
NOTE = {"text": "内部备注 internal"}

# (method, path, body, {user: expected status}); {waiting}, {bob}... are seeded conversations.
MATRIX: list[tuple[str, str, Any, dict[str, int]]] = [
    ("GET", "/me", None, {A: 200, S: 200, D: 200}),
    ("GET", "/queue", None, {A: 200, S: 200, D: 200}),
    ("GET", "/conversations", None, {A: 200, S: 200, D: 200}),
    ("GET", "/conversations?status=bot", None, {A: 200, S: 200, D: 200}),
    ("GET", "/conversations/{waiting}", None, {A: 200, S: 200, D: 200}),
    ("GET", "/conversations/{ann}", None, {A: 200, S: 200, D: 200}),
    ("GET", "/conversations/{bob}", None, {A: 403, S: 200, D: 200}),
    ("GET", "/conversations/{vip_bob}", None, {A: 403, S: 200, D: 200}),
    ("GET", "/conversations/{bot}", None, {A: 403, S: 200, D: 200}),
    ("GET", "/conversations/c_missing", None, {A: 404, S: 404, D: 404}),
    ("POST", "/conversations/{bob}/note", NOTE, {A: 403, S: 200, D: 200}),
    ("POST", "/conversations/{ann}/note", NOTE, {A: 200, S: 200, D: 200}),
    ("POST", "/conversations/{bob}/reply", {"text": "hi"}, {A: 403, S: 409, D: 409}),
    ("POST", "/conversations/{bob}/claim", None, {A: 403}),
    ("POST", "/conversations/{vip_bob}/claim", None, {A: 403}),
    ("POST", "/conversations/{bob}/transfer", {"to": "ann"}, {A: 403}),
    ("POST", "/conversations/{bob}/release", {"survey": False}, {A: 403}),
    ("POST", "/conversations/{bob}/close", None, {A: 403}),
    ("POST", "/conversations/{waiting}/release", {}, {A: 409}),
    ("POST", "/conversations/c_missing/claim", None, {A: 404, S: 404, D: 404}),
    ("POST", "/conversations/{ann}/transfer", {"to": "nobody"}, {A: 422, S: 422, D: 422}),
    ("POST", "/conversations/{ann}/reply", {"text": ""}, {A: 422, S: 422, D: 422}),
    ("POST", "/conversations/{ann}/reply", {"text": "x" * 4001}, {A: 422}),
    ("GET", "/canned", None, {A: 200, S: 200, D: 200}),
    ("GET", "/agents", None, {A: 200, S: 200, D: 200}),
    ("GET", "/tickets", None, {A: 403, S: 200, D: 200}),
    ("GET", "/tickets?status=bogus", None, {A: 403, S: 422, D: 422}),
    ("POST", "/tickets/T0000000000/status", {"to": "acknowledged"}, {A: 403, S: 404, D: 404}),
    ("POST", "/tickets/T0000000000/reopen", None, {A: 403, S: 404, D: 404}),
    ("GET", "/dashboard", None, {A: 403, S: 200, D: 200}),
    ("GET", "/dashboard?period=30d&end=2026-11-20&channel=web", None, {A: 403, S: 200, D: 200}),
    ("GET", "/dashboard?period=week", None, {A: 403, S: 422, D: 422}),
    ("GET", "/dashboard?end=yesterday", None, {A: 403, S: 422, D: 422}),
    ("GET", "/dashboard?region=Atlantis", None, {A: 403, S: 422, D: 422}),
    ("GET", "/dashboard/drill?kind=handoff", None, {A: 403, S: 200, D: 200}),
    ("GET", "/dashboard/drill?kind=everything", None, {A: 403, S: 422, D: 422}),
    ("GET", "/dashboard/drill?kind=surveys&limit=5000", None, {A: 403, S: 422, D: 422}),
    ("GET", "/dashboard/voc", None, {A: 403, S: 200, D: 200}),
    ("GET", "/users", None, {A: 403, S: 403, D: 200}),
    ("POST", "/users", {"username": "ann", "password": "0123456789", "role": "agent"},
     {A: 403, S: 403, D: 409}),
    ("PATCH", "/users/nobody", {"active": False}, {A: 403, S: 403, D: 404}),
    ("GET", "/audit", None, {A: 403, S: 403, D: 200}),
    ("GET", "/scripts", None, {A: 403, S: 403, D: 200}),
    ("GET", "/scripts/core.yml", None, {A: 403, S: 403, D: 200}),
    ("GET", "/scripts/core.yml/versions/1", None, {A: 403, S: 403, D: 404}),
    ("POST", "/scripts/core.yml/check", {"content": "version: 1\n"}, {A: 403, S: 403, D: 200}),
    ("PUT", "/scripts/missing.yml", {"content": "x"}, {A: 403, S: 403, D: 404}),
    ("POST", "/scripts/core.yml/rollback", {"version_id": 999}, {A: 403, S: 403, D: 404}),
]


@pytest.fixture
def console(db_url: str, nlu: Any, tmp_path: Path) -> Iterator[Console]:
    yield from make_console(db_url, nlu, tmp_path)


@pytest.fixture
def sqlite_console(sqlite_url: str, nlu: Any, tmp_path: Path) -> Iterator[Console]:
    yield from make_console(sqlite_url, nlu, tmp_path)


def _call(c: TestClient, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    kw: dict[str, Any] = {"headers": headers}
    if body is not None:
        kw["json"] = body
    return c.request(method, "/api/console" + path, **kw)


def test_every_route_and_role(console: Console) -> None:
    clients = {u: console.as_user(u) for u in (A, S, D)}
    for method, template, body, expected in MATRIX:
        path = template.format(**console.convs)
        for user, status in expected.items():
            c, headers = clients[user]
            r = _call(c, method, path, body, headers)
            assert r.status_code == status, (method, template, user, r.text)
            assert "message" in r.json() or r.status_code < 400, r.text


def test_every_console_route_needs_a_session_and_is_in_the_matrix(console: Console) -> None:
    # (all_routes: app.routes keeps included routers nested; read directly it lists none)
    routes = [(m, p) for m, p in all_routes(console.client.app) if p.startswith("/api/console")]
    assert len(routes) >= 30
    covered = {(m, re.sub(r"\{.*?\}", "X", p.split("?")[0])) for m, p, _, _ in MATRIX}
    anon = TestClient(console.client.app)
    for method, path in routes:
        if path == "/api/console/login":
            continue
        concrete = re.sub(r"\{.*?\}", "X", path)
        r = anon.request(method, concrete, json={})
        assert r.status_code == 401, (method, path, r.text)
        assert r.json()["message"]
        short = concrete.removeprefix("/api/console")
        if short not in ("/logout", "/stream"):
            pattern = re.sub(r"X", "X", short)
            assert any(m == method and re.fullmatch(
                re.sub(r"X", "[^/]+", pattern), p) for m, p in covered), (method, path)


def test_csrf_is_required_on_unsafe_methods(console: Console) -> None:
    csrf = console.login(A)
    url = f"/api/console/conversations/{console.convs['ann']}/note"
    assert console.client.post(url, json=NOTE).status_code == 403
    r = console.client.post(url, json=NOTE, headers={"X-CSRF-Token": csrf[:-1] + "x"})
    assert r.status_code == 403
    assert "X-CSRF-Token" in r.json()["message"]
    assert console.client.post(url, json=NOTE, headers={"X-CSRF-Token": csrf}).status_code == 200
    # Reading needs no token.
    assert console.client.get("/api/console/me").json()["csrf_token"] == csrf


def test_login_sets_a_strict_cookie_and_a_new_session_each_time(console: Console) -> None:
    r = console.client.post("/api/console/login", json={"username": "ANN ",
                                                         "password": PASSWORDS[A]})
    assert r.status_code == 200
    assert r.json()["user"] == {"username": "ann", "display_name": "Ann", "role": "agent"}
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=43200" in cookie
    assert "Secure" not in cookie  # plain http in tests; https requests get Secure
    first = console.client.cookies.get(auth.COOKIE)
    console.login(A)  # again, from the same browser
    second = console.client.cookies.get(auth.COOKIE)
    assert first and second and first != second
    old = TestClient(console.client.app, cookies={auth.COOKIE: first})
    assert old.get("/api/console/me").status_code == 401  # the earlier session was revoked
    csrf = console.client.get("/api/console/me").json()["csrf_token"]
    assert console.client.post("/api/console/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    after = TestClient(console.client.app, cookies={auth.COOKIE: second})
    assert after.get("/api/console/me").status_code == 401
    with console.db.read() as s:  # only hashes of tokens are stored
        hashes = list(s.execute(select(ConsoleSession.token_hash)).scalars())
    assert all(len(h) == 64 for h in hashes) and len(hashes) == 2


def test_sessions_expire_after_12_hours_and_forged_cookies_fail(console: Console) -> None:
    console.login(A)
    assert console.client.get("/api/console/me").status_code == 200
    console.clock.advance(hours=12, seconds=1)
    r = console.client.get("/api/console/me")
    assert r.status_code == 401 and "log in" in r.json()["message"]
    forged = TestClient(console.client.app, cookies={auth.COOKIE: "abc.def"})
    assert forged.get("/api/console/queue").status_code == 401


def test_bad_logins_look_alike_and_are_throttled_then_recover(console: Console) -> None:
    c = console.client
    unknown = c.post("/api/console/login", json={"username": "nobody", "password": "whatever-123"})
    wrong = c.post("/api/console/login", json={"username": "ann", "password": "wrong-password"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json() == {"message": "wrong username or password"}
    for _ in range(4):
        assert c.post("/api/console/login", json={"username": "ann",
                                                  "password": "nope-nope-1"}).status_code == 401
    # Five failures for ann: even the right password is refused for a while.
    r = c.post("/api/console/login", json={"username": "ann", "password": PASSWORDS[A]})
    assert r.status_code == 429
    assert 0 < int(r.headers["Retry-After"]) <= 900
    assert "try again" in r.json()["message"]
    assert console.login(S)  # another user is not affected
    console.clock.advance(minutes=15, seconds=1)
    assert console.login(A)


def test_a_disabled_user_cannot_log_in_and_loses_sessions(console: Console) -> None:
    ann, _ = console.as_user(A)
    admin, headers = console.as_user(D)
    r = admin.patch("/api/console/users/ann", json={"active": False}, headers=headers)
    assert r.status_code == 200 and r.json()["user"]["active"] is False
    assert ann.get("/api/console/me").status_code == 401
    r = console.client.post("/api/console/login", json={"username": "ann", "password": PASSWORDS[A]})
    assert r.status_code == 401


def test_passwords_are_stored_as_argon2_hashes(console: Console) -> None:
    with console.db.read() as s:
        rows = dict(s.execute(select(ConsoleUser.username, ConsoleUser.password_hash)).all())
    for name, password in PASSWORDS.items():
        assert rows[name].startswith("$argon2id$")
        assert password not in rows[name]


def test_the_console_page_and_its_security_headers(sqlite_console: Console) -> None:
    r = sqlite_console.client.get("/console")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-content-type-options"] == "nosniff"
    api = sqlite_console.client.get("/api/console/me")
    assert api.status_code == 401 and api.headers["x-frame-options"] == "DENY"
    chat = sqlite_console.client.get("/chat").headers  # its own policy: its inline code by hash
    assert "'sha256-" in chat["content-security-policy"] and "unsafe" not in chat["content-security-policy"]


def test_bad_input_is_a_4xx_with_a_message(sqlite_console: Console) -> None:
    c = sqlite_console.client
    assert c.post("/api/console/login", content=b"{not json",
                  headers={"content-type": "application/json"}).status_code == 422
    assert c.post("/api/console/login", json={"username": "", "password": ""}).status_code == 422
    r = c.post("/api/console/login", json={"username": "a" * 65, "password": "x"})
    assert r.status_code == 422 and r.json()["message"]
    client, _ = sqlite_console.as_user(A)
    r = client.get("/api/console/conversations/" + "x" * 500)
    assert r.status_code == 404
    r = client.get("/api/console/conversations?status=nope")
    assert r.status_code == 422
