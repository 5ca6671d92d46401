"""``careline users``: console logins from the shell.

    careline users add li --role agent [--display-name 李娜] [--password-stdin]
    careline users list
    careline users disable li

``add`` prompts twice for the password (or reads one line from stdin with
``--password-stdin``, for scripts) and refuses one shorter than 10 characters. Only the
argon2 hash is stored. The lead wires :func:`register` into bot/cli.py.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from typing import Any

from bot.console import auth


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("users", help="console users (agents, supervisors, admins)")
    sub = p.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    sp = sub.add_parser("add", help="create a console user (prompts for the password)")
    sp.add_argument("name", help="login name (lower-case letters, digits, . _ -)")
    sp.add_argument("--role", required=True, choices=auth.ROLES)
    sp.add_argument("--display-name", help="name shown in the console")
    sp.add_argument("--password-stdin", action="store_true",
                    help="read the password from the first line of stdin")
    sp.set_defaults(func=cmd_add)
    sp = sub.add_parser("list", help="list console users")
    sp.set_defaults(func=cmd_list)
    sp = sub.add_parser("disable", help="disable a user and end their sessions")
    sp.add_argument("name")
    sp.set_defaults(func=cmd_disable)


def _db() -> Any:
    from bot.cli_args import load_settings
    from storage.db import Database
    from storage.migrate import upgrade

    settings = load_settings()
    if settings.database_url.startswith("sqlite"):
        upgrade(settings.database_url)  # as `serve` does for SQLite: the tables must exist
    return Database(settings.database_url)


def _password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        print("careline: the passwords differ", file=sys.stderr)
        return None
    return first


def cmd_add(args: argparse.Namespace) -> int:
    password = _password(args)
    if password is None:
        return 1
    try:
        auth.check_username(args.name)
        auth.check_password(password)
    except auth.UserError as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 1
    db = _db()
    try:
        with db.transaction() as conn:
            user = auth.create_user(conn, args.name, password, args.role, now=datetime.now(UTC),
                                    display_name=args.display_name)
    except auth.UserError as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(f"created {user.role} {user.username!r}; they can log in at /console")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    db = _db()
    try:
        with db.read() as s:
            users = auth.list_users(s)
    finally:
        db.dispose()
    for u in users:
        state = "active" if u.active else "disabled"
        print(f"{u.username:<20} {u.role:<10} {state:<8} {u.display_name or ''}")
    print(f"{len(users)} user(s)")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    db = _db()
    try:
        with db.transaction() as conn:
            user = auth.update_user(conn, args.name, now=datetime.now(UTC), active=False)
    except LookupError as exc:
        print(f"careline: {exc.args[0]}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(f"disabled {user.username!r}; their sessions have ended")
    return 0
