"""Shared pieces of the console tests: an app with console users, logins, seeded queues."""

from __future__ import annotations

import functools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert, update

from bot.app import create_app
from bot.console import auth
from bot.services import Services, build_services
from bot.settings import Settings
from storage import repo
from storage.db import Database
from storage.models import Conversation
from storage.models_console import ConsoleUser
from storage.repo import NewEvent

from .conftest import NOW, SHIPPED_FLOWS

PASSWORDS = {"ann": "ann-password-1", "bob": "bob-password-1", "sue": "sue-password-1",
             "ada": "ada-password-1"}
ROLES = {"ann": "agent", "bob": "agent", "sue": "supervisor", "ada": "admin"}
CONSOLE_TABLES = ("console_sessions", "console_users", "login_attempts", "audit_log",
                  "script_versions", "agent_notes", "ticket_changes", "tickets")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@dataclass
class Console:
    services: Services
    client: TestClient
    clock: Clock
    flows_dir: Path
    convs: dict[str, str] = field(default_factory=dict)  # label -> public id

    @property
    def db(self) -> Database:
        return self.services.db

    def login(self, username: str, client: TestClient | None = None) -> str:
        """Sign ``client`` in; returns the CSRF token."""
        c = client or self.client
        r = c.post("/api/console/login", json={"username": username,
                                                "password": PASSWORDS[username]})
        assert r.status_code == 200, r.text
        return str(r.json()["csrf_token"])

    def as_user(self, username: str) -> tuple[TestClient, dict[str, str]]:
        """A separate signed-in client for ``username`` and its CSRF header."""
        c = TestClient(self.client.app)
        return c, {"X-CSRF-Token": self.login(username, c)}


@functools.cache
def password_hash(password: str) -> str:
    return auth.hash_password(password)


def clean_console_tables(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        return
    db = Database(db_url)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {', '.join(CONSOLE_TABLES)} RESTART IDENTITY CASCADE")
    db.dispose()


def make_console(db_url: str, nlu: Any, tmp_path: Path) -> Iterator[Console]:
    clean_console_tables(db_url)
    flows = tmp_path / "flows"
    shutil.copytree(SHIPPED_FLOWS, flows)
    clock = Clock(NOW)
    settings = Settings(database_url=db_url, hot_reload=False, flows_dir=flows,
                        secret_key="test-secret-key-0123456789")  # type: ignore[arg-type]
    services = build_services(settings, nlu=nlu, clock=clock)
    with services.db.transaction() as conn:
        for name, role in ROLES.items():  # hashed once per test session (argon2 is slow on purpose)
            conn.execute(insert(ConsoleUser).values(
                username=name, display_name=name.title(), role=role, active=True,
                password_hash=password_hash(PASSWORDS[name]), created_at=NOW))
    app = create_app(settings, services)
    with TestClient(app) as client:
        console = Console(services, client, clock, flows)
        console.convs = seed_conversations(services.db, NOW)
        yield console
    services.close()


def console_on_template_copy(tmp: Path, sqlite_template: Path, nlu: Any) -> Iterator[Console]:
    """``make_console`` on a copy of the migrated SQLite template in ``tmp`` (for a console
    shared by a module's tests)."""
    shutil.copy(sqlite_template, tmp / "careline.db")
    yield from make_console(f"sqlite:///{tmp / 'careline.db'}", nlu, tmp)


def seed_conversation(db: Database, external_id: str, *, status: str, agent: str | None = None,
                      priority: int = 0, queued_at: datetime | None = None, text: str = "你好",
                      angry: bool = False, channel: str = "web") -> str:
    with db.transaction() as conn:
        conv = repo.conversation_for(conn, channel, external_id, display_name=external_id)
        repo.append_events(conn, conv, [NewEvent("message_in", "customer",
                                                 {"text": text, "lang": "zh"})],
                           ts=queued_at or NOW)
        conn.execute(update(Conversation).where(Conversation.id == conv.id).values(
            status=status, assigned_agent=agent, priority=priority, angry=angry,
            queued_at=queued_at if status in ("queued", "agent") else None,
            sentiment=-0.8 if angry else 0.0, handoff_reason="angry" if angry else "request"))
        return conv.public_id


def seed_conversations(db: Database, now: datetime) -> dict[str, str]:
    """waiting (queue), vip_bob (queued for bob only), ann (with ann), bob (with bob), bot."""
    return {
        "waiting": seed_conversation(db, "w1", status="queued", queued_at=now - timedelta(minutes=2)),
        "vip_bob": seed_conversation(db, "v1", status="queued", agent="bob", priority=20,
                                     queued_at=now - timedelta(minutes=1)),
        "ann": seed_conversation(db, "a1", status="agent", agent="ann",
                                 queued_at=now - timedelta(minutes=5)),
        "bob": seed_conversation(db, "b1", status="agent", agent="bob",
                                 queued_at=now - timedelta(minutes=6)),
        "bot": seed_conversation(db, "x1", status="bot"),
    }
