"""SQL injection attempts through every text input, on SQLite and PostgreSQL: no error and no
effect. Read-only inputs (login, console filters and ids, CLI arguments) leave every table's
row count and the console users exactly as they were; inputs that store text (chat messages,
user ids, notes) store the payload literally, as data.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from bot.channels.base import InboundMessage as Inbound
from bot.cli import main as careline
from storage.models import ChannelIdentity, InboundMessage
from storage.models_console import AgentNote, ConsoleUser

from .console_support import Console, make_console

PAYLOADS = [
    "' OR '1'='1", "' OR 1=1 --", "'; DROP TABLE customers; --", "\"; DROP TABLE outbox; --",
    "1; DELETE FROM console_users", "') UNION SELECT username, password_hash FROM console_users --",
    "%' OR username LIKE '%", "\\'; UPDATE console_users SET role='admin'; --",
    "$$; DROP TABLE tickets; $$", "' || (SELECT pg_sleep(0)) || '", "admin'--", "1' AND '1'='1",
    "x' ; TRUNCATE conversation_events CASCADE; --", "Robert'); DROP TABLE inbound_messages;--",
]


@pytest.fixture
def console(db_url: str, nlu: Any, tmp_path: Path) -> Iterator[Console]:
    yield from make_console(db_url, nlu, tmp_path)


def _snapshot(console: Console) -> dict[str, Any]:
    with console.db.engine.connect() as conn:
        tables = sorted(inspect(conn).get_table_names())
        counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in tables
                  if t != "alembic_version"}
        users = sorted(conn.execute(select(ConsoleUser.username, ConsoleUser.role,
                                           ConsoleUser.password_hash, ConsoleUser.active)).all())
    return {"tables": tables, "counts": counts, "users": users}


def test_read_only_inputs_change_nothing(console: Console, db_url: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    before = _snapshot(console)
    admin, csrf = console.as_user("ada")
    sue, sue_csrf = console.as_user("sue")
    anonymous = console.client
    for p in PAYLOADS:
        r = anonymous.post("/api/console/login", json={"username": p, "password": p + "-password"})
        assert r.status_code in (401, 422, 429), (p, r.text)
        for client, headers, method, path, params in [
            (admin, csrf, "GET", "/api/console/conversations", {"status": p}),
            (admin, csrf, "GET", f"/api/console/conversations/{p}", None),
            (admin, csrf, "GET", "/api/console/tickets", {"status": p}),
            (admin, csrf, "GET", "/api/console/audit", {"actor": p}),
            (admin, csrf, "GET", f"/api/console/scripts/{p}", None),
            (admin, csrf, "PATCH", f"/api/console/users/{p}", None),
            (sue, sue_csrf, "POST", f"/api/console/tickets/{p}/reopen", None),
            (sue, sue_csrf, "GET", "/api/console/dashboard", {"region": p, "service": p, "tier": p,
                                                            "channel": p, "end": p}),
            (sue, sue_csrf, "GET", "/api/console/dashboard/drill", {"kind": p}),
            (anonymous, {}, "GET", "/api/chat/inbox", {"user": p}),
        ]:
            body = {"active": True} if method == "PATCH" else None
            r = client.request(method, path, params=params, json=body, headers=headers)
            assert r.status_code < 500, (method, path, p, r.text)
            assert r.status_code in (200, 404, 409, 422), (method, path, p, r.status_code, r.text)
            if r.status_code == 200 and "items" in r.json():
                assert r.json()["items"] == [] or "audit" in path, (path, p, r.json())
    # The operator's command line takes ids and names as text too.
    monkeypatch.setenv("CARELINE_DATABASE_URL", db_url)
    monkeypatch.setenv("CARELINE_FLOWS_DIR", str(console.flows_dir))
    for p in PAYLOADS[:6]:  # (each command builds the services: a few payloads suffice)
        for argv in (["tickets", "show", p], ["bookings", "show", p], ["users", "disable", p],
                     ["tickets", "reopen", p], ["bookings", "cancel", p]):
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = careline(argv)
                except SystemExit as exc:
                    code = int(exc.code or 0)
            assert code in (1, 2), (argv, code, out.getvalue(), err.getvalue())
            assert "Traceback" not in out.getvalue() + err.getvalue(), argv
    after = _snapshot(console)
    # Logins are recorded (for throttling) and the audit log may record reads: nothing else.
    grew = {t for t in before["counts"] if after["counts"][t] != before["counts"][t]}
    assert grew <= {"login_attempts", "console_sessions"}, grew
    assert after["tables"] == before["tables"]
    assert after["users"] == before["users"]


def test_stored_inputs_keep_the_payload_as_data(console: Console) -> None:
    before = _snapshot(console)
    admin, csrf = console.as_user("ada")
    ann, ann_csrf = console.as_user("ann")
    for i, p in enumerate(PAYLOADS):
        r = console.client.post("/api/chat", json={"user": p, "text": p, "message_id": f"m{i}"})
        assert r.status_code == 200, r.text
        r = ann.post(f"/api/console/conversations/{console.convs['ann']}/note", json={"text": p},
                     headers=ann_csrf)
        assert r.status_code == 200, r.text
        r = admin.post("/api/console/users", json={"username": "x" + str(i), "password": p + p,
                                                   "role": "agent", "display_name": p}, headers=csrf)
        assert r.status_code == 201, r.text
    with console.db.read() as s:
        texts = set(s.execute(select(InboundMessage.text)).scalars())
        senders = set(s.execute(select(ChannelIdentity.external_id)
                                .where(ChannelIdentity.channel == "web")).scalars())
        notes = set(s.execute(select(AgentNote.text)).scalars())
        names = set(s.execute(select(ConsoleUser.display_name)).scalars())
    for p in PAYLOADS:
        assert p in texts and p in senders and p in notes and p.strip()[:128] in names, p
    after = _snapshot(console)
    assert after["tables"] == before["tables"]
    assert after["counts"]["console_users"] == before["counts"]["console_users"] + len(PAYLOADS)
    roles = {u[0]: u[1] for u in after["users"]}
    assert {u: roles[u] for u in ("ann", "bob", "sue", "ada")} == {
        "ann": "agent", "bob": "agent", "sue": "supervisor", "ada": "admin"}


def test_channel_sender_ids_and_names_are_data_too(console: Console) -> None:
    """Telegram and WeChat ids and display names come from outside as well; every channel
    goes through the same pipeline and storage."""
    for channel in ("telegram", "wechat"):
        for i, p in enumerate(PAYLOADS):
            result = console.services.pipeline.handle(Inbound(
                channel=channel, message_id=f"{channel}-{i}", sender=p, text=p, display_name=p))
            assert result.replies
    with console.db.read() as s:
        rows = set(s.execute(select(ChannelIdentity.channel, ChannelIdentity.external_id)).all())
    assert {(c, p) for c in ("telegram", "wechat") for p in PAYLOADS} <= rows
