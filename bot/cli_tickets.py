"""``careline tickets``: list, show and move complaint tickets from the shell.

    careline tickets list [--status open]
    careline tickets show T2611230042
    careline tickets status T2611230042 --to resolved --outcome "已退款 200 元" --actor li
    careline tickets reopen T2611230042 --actor li

Status changes go through flows.business.complaints like the console's, so the customer is
told in their language and the change is logged. The lead wires :func:`register` into
bot/cli.py.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from flows.business import complaints
from flows.business.complaints import STATUSES, TicketError
from storage import tickets as store
from storage.tickets import TicketRow

TARGETS = ("acknowledged", "in_progress", "resolved", "closed")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("tickets", help="list, show and change complaint tickets")
    sub = p.add_subparsers(dest="tickets_command", required=True)
    sp = sub.add_parser("list", help="tickets, newest first")
    sp.add_argument("--status", choices=STATUSES, action="append",
                    help="only this status (repeat for several)")
    sp.set_defaults(func=cmd_list)
    sp = sub.add_parser("show", help="one ticket with its history")
    sp.add_argument("ticket_id")
    sp.set_defaults(func=cmd_show)
    sp = sub.add_parser("status", help="move a ticket to another status (tells the customer)")
    sp.add_argument("ticket_id")
    sp.add_argument("--to", required=True, choices=TARGETS, dest="to_status")
    sp.add_argument("--outcome", help="what was done (required for resolved; sent to the customer)")
    sp.add_argument("--note", help="internal note for the history")
    sp.add_argument("--actor", default="ops", help="who makes the change (default: ops)")
    sp.set_defaults(func=cmd_status)
    sp = sub.add_parser("reopen", help="reopen a resolved or closed ticket")
    sp.add_argument("ticket_id")
    sp.add_argument("--note")
    sp.add_argument("--actor", default="ops")
    sp.set_defaults(func=cmd_reopen)


def _context() -> tuple[Any, Any, dict[str, Any]]:
    from bot.cli_args import load_settings
    from flows.reload import BundleHolder
    from storage.db import Database

    settings = load_settings()  # read now: the environment may have changed since start-up
    config = BundleHolder(settings.flows_dir).bundle.section("complaints")
    return settings, Database(settings.database_url), config


def _when(at: datetime | None, tz: Any) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if at else "-"


def _line(t: TicketRow, tz: Any) -> str:
    return (f"{t.public_id}  {t.status:<12} {t.ticket_class:<10} {t.topic:<13} "
            f"reply by {_when(t.reply_due_at, tz)}  fix by {_when(t.fix_due_at, tz)}  "
            f"{t.description[:40].replace(chr(10), ' ')}")


def cmd_list(args: argparse.Namespace) -> int:
    settings, db, _ = _context()
    try:
        with db.read() as s:
            found = store.list_tickets(s, statuses=args.status)
    finally:
        db.dispose()
    for t in found:
        print(_line(t, settings.tz))
    print(f"{len(found)} ticket(s)")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    settings, db, _ = _context()
    try:
        with db.read() as s:
            t = store.get_ticket(s, args.ticket_id)
            history = store.changes_of(s, t.id) if t else []
    finally:
        db.dispose()
    if t is None:
        print(f"careline: no ticket {args.ticket_id!r}", file=sys.stderr)
        return 1
    tz = settings.tz
    print(_line(t, tz))
    for label, value in (("booking", t.booking_public_id), ("wished", t.wished_resolution),
                         ("photos", len(t.media)), ("outcome", t.outcome),
                         ("reopened", t.reopened), ("rating", t.resolution_rating)):
        print(f"  {label}: {value if value not in (None, '') else '-'}")
    print(f"  description: {t.description}")
    for c in history:
        note = f" — {c.note}" if c.note else ""
        print(f"  {_when(c.at, tz)}  {c.from_status or '-'} → {c.to_status}  by {c.actor}{note}")
    return 0


def _change(args: argparse.Namespace, to_status: str, outcome: str | None) -> int:
    settings, db, config = _context()
    actor = args.actor if ":" in args.actor else f"agent:{args.actor}"
    try:
        with db.session() as s:
            t = complaints.change_status(s, args.ticket_id, to_status, actor, args.note,
                                         outcome, now=datetime.now(settings.tz), config=config)
    except TicketError as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(f"{t.public_id} is now {t.status}; the customer has been told")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    return _change(args, args.to_status, args.outcome)


def cmd_reopen(args: argparse.Namespace) -> int:
    settings, db, config = _context()
    actor = args.actor if ":" in args.actor else f"agent:{args.actor}"
    try:
        with db.session() as s:
            t = complaints.reopen(s, args.ticket_id, actor, args.note,
                                  now=datetime.now(settings.tz), config=config)
    except TicketError as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(f"{t.public_id} reopened ({t.reopened}x); the customer has been told")
    return 0
