"""``careline bookings``: what operations do with bookings from a terminal.

    careline bookings list [--day 2026-12-05] [--status confirmed]
    careline bookings show B2611230001
    careline bookings status B2611230001 --status on_the_way --eta 14:30 [--note "堵车"]
    careline bookings complete B2611230001
    careline bookings cancel B2611230001 [--reason "客户来电取消"]

Changes go through flows.business.booking, like the chat and the console, so the history,
the customer's notification and the hooks (survey, points) are the same.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from storage.bookings import ACTIVE, BookingClosed, BookingNotFound, BookingRow


def register(subparsers: Any) -> None:
    """Add ``bookings`` and its sub-commands to the ``careline`` parser."""
    bookings = subparsers.add_parser("bookings", help="list, show and update bookings")
    sub = bookings.add_subparsers(dest="bookings_command", required=True)
    sp = sub.add_parser("list", help="bookings by day and status, soonest first")
    sp.add_argument("--day", type=date.fromisoformat, help="only this day (YYYY-MM-DD)")
    sp.add_argument("--status", choices=(*ACTIVE, "completed", "cancelled"))
    sp.add_argument("--limit", type=int, default=100)
    sp.set_defaults(func=cmd_list)
    sp = sub.add_parser("show", help="one booking with its history, as JSON")
    sp.add_argument("id")
    sp.set_defaults(func=cmd_show)
    sp = sub.add_parser("status", help="set progress and ETA; the customer is told")
    sp.add_argument("id")
    sp.add_argument("--status", required=True, choices=ACTIVE)
    sp.add_argument("--eta", help="expected arrival, local HH:MM on the booking's day (or ISO)")
    sp.add_argument("--note", help="shown to the customer with the status")
    sp.set_defaults(func=cmd_status)
    sp = sub.add_parser("complete", help="mark done (schedules the survey, awards points)")
    sp.add_argument("id")
    sp.set_defaults(func=cmd_complete)
    sp = sub.add_parser("cancel", help="cancel for the customer (they are told)")
    sp.add_argument("id")
    sp.add_argument("--reason")
    sp.set_defaults(func=cmd_cancel)


def _line(b: BookingRow, tz: Any) -> str:
    eta = f" eta {b.eta_at.astimezone(tz):%H:%M}" if b.eta_at else ""
    return (f"{b.public_id}  {b.day.isoformat()} {b.slot:<10} {b.service:<9} {b.status:<11}"
            f" customer {b.customer_id}{eta}  {b.address or ''}").rstrip()


def _with_db(work: Callable[[Any, Any], int]) -> int:
    from bot.cli_args import load_settings
    from flows.actions import registry
    from storage.db import Database

    registry()  # imports the business modules, so their hooks are in place
    settings = load_settings()
    db = Database(settings.database_url)
    try:
        with db.transaction() as conn:
            return work(conn, settings)
    except (BookingNotFound, BookingClosed, ValueError) as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()


def cmd_list(args: argparse.Namespace) -> int:
    from storage.bookings import list_bookings

    def work(conn: Any, settings: Any) -> int:
        rows = list_bookings(conn, day=args.day, status=args.status, limit=args.limit)
        for row in rows:
            print(_line(row, settings.tz))
        print(f"{len(rows)} booking{'s' if len(rows) != 1 else ''}")
        return 0

    return _with_db(work)


def cmd_show(args: argparse.Namespace) -> int:
    from storage.bookings import require

    def work(conn: Any, _settings: Any) -> int:
        b = require(conn, args.id)
        data = {"id": b.public_id, "customer_id": b.customer_id, "service": b.service,
                "day": b.day.isoformat(), "slot": b.slot, "status": b.status,
                "address": b.address, "total": b.total, "currency": b.currency,
                "quote_id": b.quote_id, "eta": b.eta_at.isoformat() if b.eta_at else None,
                "note": b.status_note, "details": b.details}
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return 0

    return _with_db(work)


def cmd_status(args: argparse.Namespace) -> int:
    from flows.business.booking import set_status

    def work(conn: Any, settings: Any) -> int:
        row = set_status(conn, args.id, args.status, args.eta, args.note, "cli",
                         now=datetime.now(settings.tz), tz=settings.tz)
        print(_line(row, settings.tz))
        return 0

    return _with_db(work)


def cmd_complete(args: argparse.Namespace) -> int:
    from flows.business.booking import complete_booking

    def work(conn: Any, settings: Any) -> int:
        done = complete_booking(conn, args.id, datetime.now(settings.tz), "cli")
        print(_line(done, settings.tz))
        return 0

    return _with_db(work)


def cmd_cancel(args: argparse.Namespace) -> int:
    from flows.business.booking import cancel_booking

    def work(conn: Any, settings: Any) -> int:
        row = cancel_booking(conn, args.id, datetime.now(settings.tz), "cli",
                             reason=args.reason, tell_customer=True)
        print(_line(row, settings.tz))
        return 0

    return _with_db(work)
