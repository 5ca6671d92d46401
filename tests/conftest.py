"""Shared fixtures: both databases, the real NLU, an app client, and a network guard."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy.engine import make_url

from storage.db import Database
from storage.migrate import upgrade

TZ = ZoneInfo("Asia/Shanghai")
#: Monday 2026-11-23 10:00 in Shanghai: "下周六" is 2026-12-05.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
REPO = Path(__file__).resolve().parent.parent
SHIPPED_FLOWS = REPO / "flows" / "scripts"
TABLES = ("conversation_events", "outbox", "inbound_messages", "conversations",
          "channel_identities", "customers", "kpi_state", "kpi_contacts", "kpi_daily")


# -- no real internet in tests (PTB's OfflineRequest idea, at the socket) -------------------

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> None:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            ip = None
        if ip is not None and not ip.is_loopback:
            raise OSError(f"test tried to reach the network ({host}); fake it at the HTTP boundary")
    _real_connect(self, address)  # type: ignore[arg-type]


# The web chat API's rate limits (bot/web_limits.py) count per client address, and every
# TestClient request comes from "testclient": suites that post hundreds of messages (the
# fuzzers, the conformance run) would be refused. Off unless a test asks for them
# (tests/test_web_limits.py); subprocess servers inherit this too.
for _rate in ("CHAT_RATE_USER", "CHAT_RATE_IP", "INBOX_RATE_USER", "INBOX_RATE_IP", "PARSE_RATE_IP"):
    os.environ.setdefault(f"CARELINE_{_rate}", "off")


@pytest.fixture(autouse=True, scope="session")
def _offline() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


# -- databases ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test copies it (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A private, migrated PostgreSQL database for this test session, dropped at the end."""
    admin = os.environ.get("CARELINE_TEST_POSTGRES_URL")
    if not admin:
        pytest.skip("CARELINE_TEST_POSTGRES_URL is not set (PostgreSQL half of the contract)")
    admin_url = make_url(admin.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"careline_t_{uuid.uuid4().hex[:10]}"
    conninfo = admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        if os.environ.get("CARELINE_REQUIRE_POSTGRES"):
            raise
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """Each test that takes this runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "careline.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    db = Database(url)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    db.dispose()
    return url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "careline.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


# -- NLU and app ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def nlu():  # type: ignore[no-untyped-def]
    from nlu.builtin import default_nlu

    return default_nlu()


# -- property tests (hypothesis) -------------------------------------------------------------
# "ci" (the default) keeps the fuzz tests in the normal suite quick and reproducible: a bounded
# number of examples, derandomized, no per-example deadline (2 shared cores make timings noisy).
# CARELINE_FUZZ_PROFILE=long explores much further with fresh random examples and remembers
# failures in .hypothesis/ so they replay first next time.
from hypothesis import HealthCheck  # noqa: E402
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile(
    "ci", max_examples=40, deadline=None, derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
_hypothesis_settings.register_profile(
    "long", max_examples=3000, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
_hypothesis_settings.load_profile(os.environ.get("CARELINE_FUZZ_PROFILE", "ci"))
