"""Every route of the app, taken from its route table, against every kind of caller.

A route is either public — listed in PUBLIC with the reason it needs no console session —
or has a minimum role in ROLE_OF. A route added without being placed in one of them fails
``test_every_route_is_public_for_a_reason_or_needs_a_role``, so a new endpoint cannot ship
without someone deciding who may call it. Then, generated from the same table:
unauthenticated callers and forged or expired cookies get 401 on every non-public route and
method; a signed-in caller below the route's role gets 403, at or above it never 401/403;
every unsafe method refuses a missing CSRF header even for an admin.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.console import auth

from .console_support import Console, console_on_template_copy
from .routes import all_routes

#: (method, path) -> why anyone may call it. Methods "*" = all of the route's methods.
PUBLIC: dict[tuple[str, str], str] = {
    ("GET", "/"): "redirects to the web chat",
    ("GET", "/chat"): "the customers' web chat page (customers are anonymous)",
    ("POST", "/api/chat"): "web chat messages: a customer is only a client-chosen id",
    ("GET", "/api/chat/inbox"): "a web customer's own proactive messages, by their id",
    ("POST", "/model/parse"): "Rasa-compatible NLU (no customer data; README)",
    ("GET", "/healthz"): "liveness for the orchestrator",
    ("GET", "/metrics"): "Prometheus scrape (counters only)",
    ("POST", "/webhooks/telegram"): "authenticated by the secret token header",
    ("GET", "/webhooks/wechat"): "authenticated by WeChat's signature",
    ("POST", "/webhooks/wechat"): "authenticated by WeChat's signature / msg_signature",
    ("POST", "/api/console/login"): "where a session starts (throttled)",
    ("GET", "/console"): "the console page shell; all data is behind the API",
    ("*", "/console/static"): "the console's static assets",
    ("GET", "/openapi.json"): "the API description (README: OpenAPI page)",
    ("GET", "/docs"): "the OpenAPI page",
    ("GET", "/docs/oauth2-redirect"): "part of the OpenAPI page",
    ("GET", "/redoc"): "the OpenAPI page",
}

#: (method, path) -> the least role that may call it (agent < supervisor < admin).
ROLE_OF: dict[tuple[str, str], str] = {
    ("POST", "/api/console/logout"): "agent",
    ("GET", "/api/console/me"): "agent",
    ("GET", "/api/console/queue"): "agent",
    ("GET", "/api/console/stream"): "agent",
    ("GET", "/api/console/conversations"): "agent",
    ("GET", "/api/console/conversations/{conversation_id}"): "agent",
    ("GET", "/api/console/canned"): "agent",
    ("GET", "/api/console/agents"): "agent",
    ("POST", "/api/console/conversations/{conversation_id}/claim"): "agent",
    ("POST", "/api/console/conversations/{conversation_id}/reply"): "agent",
    ("POST", "/api/console/conversations/{conversation_id}/note"): "agent",
    ("POST", "/api/console/conversations/{conversation_id}/transfer"): "agent",
    ("POST", "/api/console/conversations/{conversation_id}/release"): "agent",
    ("POST", "/api/console/conversations/{conversation_id}/close"): "agent",
    ("GET", "/api/console/tickets"): "supervisor",
    ("POST", "/api/console/tickets/{ticket_id}/status"): "supervisor",
    ("POST", "/api/console/tickets/{ticket_id}/reopen"): "supervisor",
    ("GET", "/api/console/dashboard"): "supervisor",
    ("GET", "/api/console/dashboard/drill"): "supervisor",
    ("GET", "/api/console/dashboard/voc"): "supervisor",
    ("GET", "/api/console/users"): "admin",
    ("POST", "/api/console/users"): "admin",
    ("PATCH", "/api/console/users/{username}"): "admin",
    ("GET", "/api/console/audit"): "admin",
    ("GET", "/api/console/scripts"): "admin",
    ("GET", "/api/console/scripts/{name}"): "admin",
    ("PUT", "/api/console/scripts/{name}"): "admin",
    ("GET", "/api/console/scripts/{name}/versions/{version_id}"): "admin",
    ("POST", "/api/console/scripts/{name}/check"): "admin",
    ("POST", "/api/console/scripts/{name}/rollback"): "admin",
}
#: Open-ended (SSE) or session-ending: checked for refusals only, never called as allowed.
NOT_CALLED_WHEN_ALLOWED = {("GET", "/api/console/stream"), ("POST", "/api/console/logout")}
USERS = {"agent": "ann", "supervisor": "sue", "admin": "ada"}
RANK = {"agent": 1, "supervisor": 2, "admin": 3}
#: Path parameters that name nothing: an allowed caller gets 404/409/422, never 401/403.
PLACEHOLDERS = {"conversation_id": "c_missing", "ticket_id": "T0000000000",
                "username": "nobody", "name": "missing.yml", "version_id": "999"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path,
            nlu: Any) -> Iterator[Console]:
    yield from console_on_template_copy(tmp_path_factory.mktemp("routes"), sqlite_template, nlu)


def _public(method: str, path: str) -> bool:
    return (method, path) in PUBLIC or ("*", path) in PUBLIC


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PLACEHOLDERS.get(m[1], "x"), path)


def _guarded(console: Console) -> list[tuple[str, str]]:
    return [(m, p) for m, p in all_routes(console.client.app) if not _public(m, p)]


def test_every_route_is_public_for_a_reason_or_needs_a_role(console: Console) -> None:
    routes = all_routes(console.client.app)
    assert len(routes) >= 40, routes  # the table was read, not silently empty
    unplaced = [r for r in routes if not _public(*r) and r not in ROLE_OF]
    assert not unplaced, ("routes with neither a reason to be public nor a role — decide who may "
                          f"call them and add them to PUBLIC or ROLE_OF: {unplaced}")
    stale = [r for r in [*ROLE_OF, *(k for k in PUBLIC if k[0] != "*")] if r not in routes]
    assert not stale, f"listed here but no longer in the app: {stale}"


def test_no_session_no_access_on_every_guarded_route(console: Console) -> None:
    anonymous = TestClient(console.client.app)
    forged = TestClient(console.client.app, cookies={auth.COOKIE: "forged.value"})
    foreign = auth._serializer("another-secret-key-0123456789").dumps("some-token")
    other_key = TestClient(console.client.app, cookies={auth.COOKIE: foreign})
    for method, path in _guarded(console):
        for who, client in (("anonymous", anonymous), ("forged", forged), ("other key", other_key)):
            r = client.request(method, _concrete(path), json={}, headers={"X-CSRF-Token": "x"})
            assert r.status_code == 401, (who, method, path, r.status_code, r.text[:200])
            assert r.json()["message"], (method, path)


def test_each_role_gets_exactly_its_routes(console: Console) -> None:
    sessions = {role: console.as_user(user) for role, user in USERS.items()}
    for method, path in _guarded(console):
        need = ROLE_OF[(method, path)]
        for role, (client, csrf) in sessions.items():
            allowed = RANK[role] >= RANK[need]
            if allowed and (method, path) in NOT_CALLED_WHEN_ALLOWED:
                continue
            r = client.request(method, _concrete(path), json={}, headers=csrf)
            if allowed:
                assert r.status_code not in (401, 403), (role, method, path, r.status_code, r.text)
            else:
                assert r.status_code == 403, (role, method, path, r.status_code, r.text)
                assert f"{need} role" in r.json()["message"]


def test_every_unsafe_route_needs_the_csrf_header_even_for_an_admin(console: Console) -> None:
    admin, csrf = console.as_user("ada")
    unsafe = [(m, p) for m, p in _guarded(console) if m in UNSAFE]
    assert len(unsafe) >= 12
    for method, path in unsafe:
        for headers in ({}, {"X-CSRF-Token": csrf["X-CSRF-Token"][:-2] + "zz"},
                        {"X-CSRF-Token": ""}):
            r = admin.request(method, _concrete(path), json={}, headers=headers)
            assert r.status_code == 403, (method, path, headers, r.text)
            assert "X-CSRF-Token" in r.json()["message"]
    assert admin.get("/api/console/me").status_code == 200  # the session itself is fine


def test_a_session_ends_for_every_route_at_logout_and_expiry(console: Console) -> None:
    client, csrf = console.as_user("ada")
    assert client.post("/api/console/logout", headers=csrf).status_code == 200
    for method, path in _guarded(console):
        r = client.request(method, _concrete(path), json={}, headers=csrf)
        assert r.status_code == 401, (method, path)
    client, csrf = console.as_user("ada")
    console.clock.advance(hours=12, seconds=1)
    try:
        for method, path in _guarded(console):
            assert client.request(method, _concrete(path), json={}, headers=csrf).status_code == 401
    finally:
        console.clock.advance(hours=-12, seconds=-1)


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/api/console/audit?before=99999999999999999999", None),
    ("GET", "/api/console/scripts/core.yml/versions/99999999999999999999", None),
    ("POST", "/api/console/scripts/core.yml/rollback", {"version_id": 2**64}),
    ("GET", "/api/console/stream?last_event_id=99999999999999999999", None),
])
def test_ids_beyond_64_bits_are_refused_before_any_query(console: Console, method: str, path: str,
                                                         body: Any) -> None:
    """Found by schemathesis: SQLite raised OverflowError on such ids (a 500)."""
    admin, csrf = console.as_user("ada")
    r = admin.request(method, path, json=body, headers=csrf)
    assert r.status_code == 422, r.text


# -- security headers ----------------------------------------------------------------------

ANY_RESPONSE = [("GET", "/chat"), ("GET", "/healthz"), ("GET", "/metrics"), ("POST", "/api/chat"),
                ("POST", "/model/parse"), ("POST", "/webhooks/telegram"), ("GET", "/webhooks/wechat"),
                ("GET", "/console"), ("GET", "/api/console/me"), ("POST", "/api/console/login"),
                ("GET", "/no-such-page")]


def test_every_response_forbids_sniffing_and_referrers(console: Console) -> None:
    for method, path in ANY_RESPONSE:
        r = console.client.request(method, path, json={})
        assert r.headers.get("x-content-type-options") == "nosniff", (method, path)
        assert r.headers.get("referrer-policy") == "no-referrer", (method, path)


def test_console_responses_carry_a_strict_policy_even_on_errors(console: Console) -> None:
    for method, path in [(m, _concrete(p)) for m, p in _guarded(console)] + [("GET", "/console")]:
        r = console.client.request(method, path, json={})
        csp = r.headers.get("content-security-policy", "")
        assert "default-src 'self'" in csp and "unsafe" not in csp, (method, path)
        assert "frame-ancestors 'none'" in csp and r.headers["x-frame-options"] == "DENY", path


def test_the_chat_page_allows_only_its_own_inline_code(console: Console) -> None:
    import base64
    import hashlib

    r = console.client.get("/chat")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "unsafe" not in csp and "connect-src 'self'" in csp
    script = r.text.split("<script>", 1)[1].split("</script>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp  # the page's script, pinned by its hash


def test_the_session_cookie_is_secure_over_https(console: Console) -> None:
    from .console_support import PASSWORDS

    https = TestClient(console.client.app, base_url="https://careline.example")
    r = https.post("/api/console/login", json={"username": "ann", "password": PASSWORDS["ann"]})
    cookie = r.headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
