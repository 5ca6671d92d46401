"""``careline users``: add (password from stdin or prompted twice), list, disable; and the
demo logins."""

from __future__ import annotations

import argparse
import io

import pytest
from sqlalchemy import select

from bot.cli_users import register
from bot.console_demo import seed_demo_users
from storage.db import Database
from storage.models_console import ConsoleUser


def careline(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="careline")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return int(args.func(args))


@pytest.fixture
def env_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    from .console_support import clean_console_tables

    clean_console_tables(db_url)
    monkeypatch.setenv("CARELINE_DATABASE_URL", db_url)
    return db_url


def users(url: str) -> dict[str, tuple[str, bool, str]]:
    db = Database(url)
    with db.read() as s:
        rows = s.execute(select(ConsoleUser.username, ConsoleUser.role, ConsoleUser.active,
                                ConsoleUser.password_hash)).all()
    db.dispose()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def test_users_add_with_password_stdin_list_and_disable(env_db: str, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("correct-horse-1\n"))
    assert careline("users", "add", "Li", "--role", "supervisor", "--display-name", "李娜",
                    "--password-stdin") == 0
    assert "created supervisor 'li'" in capsys.readouterr().out
    role, active, hashed = users(env_db)["li"]
    assert (role, active) == ("supervisor", True)
    assert hashed.startswith("$argon2id$") and "correct-horse-1" not in hashed
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert careline("users", "add", "wu", "--role", "agent", "--password-stdin") == 1
    assert "at least 10 characters" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("another-pass-9\n"))
    assert careline("users", "add", "li", "--role", "agent", "--password-stdin") == 1
    assert "already exists" in capsys.readouterr().err
    assert careline("users", "list") == 0
    out = capsys.readouterr().out
    assert "li                   supervisor active   李娜" in out and out.endswith("1 user(s)\n")
    assert careline("users", "disable", "li") == 0
    assert users(env_db)["li"][1] is False
    assert careline("users", "disable", "nobody") == 1


def test_users_add_prompts_twice(env_db: str, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    answers = iter(["first-password-1", "other-password-2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert careline("users", "add", "zhao", "--role", "agent") == 1
    assert "differ" in capsys.readouterr().err
    answers = iter(["same-password-1", "same-password-1"])
    assert careline("users", "add", "zhao", "--role", "agent") == 0
    assert users(env_db)["zhao"][0] == "agent"
    with pytest.raises(SystemExit):
        careline("users", "add", "zhao", "--role", "boss")


def test_demo_users_are_seeded_once(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    logins = seed_demo_users(db)
    again = seed_demo_users(db)
    db.dispose()
    assert logins == again == [("agent", "agent-demo-pass", "agent"),
                               ("supervisor", "supervisor-demo-pass", "supervisor"),
                               ("admin", "admin-demo-pass", "admin")]
    assert {k: v[0] for k, v in users(sqlite_url).items()} == {
        "agent": "agent", "supervisor": "supervisor", "admin": "admin"}
