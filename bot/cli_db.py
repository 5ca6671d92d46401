"""``careline db upgrade`` and ``careline scheduler run-due``: the schema, and the outbox
rows in it sent once by hand."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.cli_args import load_settings


def register(sub: Any) -> None:
    db = sub.add_parser("db", help="database schema")
    dsub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    sp = dsub.add_parser("upgrade", help="apply migrations to CARELINE_DATABASE_URL")
    sp.set_defaults(func=cmd_db_upgrade)

    sch = sub.add_parser("scheduler", help="scheduled and outbox messages")
    ssub = sch.add_subparsers(dest="scheduler_command", metavar="ACTION", required=True)
    sp = ssub.add_parser("run-due", help="send every due outbox message once, then exit")
    sp.add_argument("--now", help="ISO time to treat as now (default: the real time)")
    sp.set_defaults(func=cmd_run_due)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from storage.migrate import current_revision, upgrade

    url = load_settings().database_url
    upgrade(url)
    print(f"database at revision {current_revision(url)}")
    return 0


def cmd_run_due(args: argparse.Namespace) -> int:
    from bot.cli_args import UsageError, parse_now
    from bot.delivery import ChannelSender
    from bot.proactive import FlowStarter
    from bot.services import make_channels
    from flows.reload import BundleHolder
    from scheduler.dispatcher import DispatchReport, dispatch_due
    from scheduler.ratelimit import limiter_for
    from storage.db import Database

    settings = load_settings()
    try:
        now = parse_now(args.now, settings.tz) if args.now else None
    except UsageError as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 2
    db = Database(settings.database_url)
    channels = make_channels(settings, db)
    starter = FlowStarter(db, BundleHolder(settings.flows_dir), tz=settings.tz,
                          clock=(lambda: now) if now else None)
    sender = ChannelSender(channels, starter=starter)
    total = DispatchReport()
    try:
        for name in channels:
            r = dispatch_due(db, sender, now=now, channels=[name],
                             limiter=limiter_for(name))
            for key in vars(total):
                setattr(total, key, getattr(total, key) + getattr(r, key))
        # rows for channels not configured here are recorded as skipped, with the reason
        r = dispatch_due(db, sender, now=now, exclude=list(channels))
        total.claimed += r.claimed
        total.skipped += r.skipped
    finally:
        for channel in channels.values():
            getattr(channel, "close", lambda: None)()
        db.dispose()
    print(f"claimed {total.claimed}: sent {total.sent}, retried {total.retried}, "
          f"failed {total.failed}, skipped {total.skipped}, deferred {total.deferred}")
    return 0
