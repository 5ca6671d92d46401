"""``careline report monthly|rollup``: the monthly report files and the dashboard rollup."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli_args import load_settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    rep = sub.add_parser("report", help="monthly KPI report (HTML + CSV); dashboard rollup")
    rsub = rep.add_subparsers(dest="report_command", metavar="ACTION", required=True)
    sp = rsub.add_parser("monthly", help="write the month's KPIs, trends, region x service table, "
                                         "complaints and voice of the customer as HTML and CSV")
    sp.add_argument("--month", required=True, help="the month, YYYY-MM (e.g. 2026-11)")
    sp.add_argument("--out", default=".", help="directory to write to (default: here)")
    sp.add_argument("--lang", choices=["zh", "en"], default="zh", help="report language")
    sp.add_argument("--now", help="ISO time to treat as now (default: the real time)")
    sp.set_defaults(func=cmd_monthly)
    sp = rsub.add_parser("rollup", help="bring the dashboard tables up to date with the event "
                                        "history now (the scheduler does it every minute)")
    sp.add_argument("--rebuild", action="store_true",
                    help="forget what was rolled up and start again from the first event "
                         "(after changing CARELINE_TIMEZONE, or restoring a backup)")
    sp.set_defaults(func=cmd_rollup)


def cmd_monthly(args: argparse.Namespace) -> int:
    from bot.cli_args import Progress, UsageError, parse_now
    from bot.dashboard.period import InputError, month_window
    from bot.reports.monthly import monthly
    from flows.business.dashboard_config import config_of
    from flows.loader import load_bundle
    from storage.db import Database

    settings = load_settings()
    try:
        now = parse_now(args.now, settings.tz)
        month_window(args.month, today=now.astimezone(settings.tz).date())
    except (UsageError, InputError) as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 2
    loaded = load_bundle(settings.flows_dir)
    if loaded.bundle is None:
        print(f"careline: the scripts in {settings.flows_dir} have errors "
              "(careline flows check); using the shipped dashboard targets", file=sys.stderr)
    cfg = config_of(loaded.bundle.section("dashboard") if loaded.bundle else None)
    db = Database(settings.database_url)
    progress = Progress(sys.stderr)
    try:
        written = monthly(db, month=args.month, tz=settings.tz, now=now, cfg=cfg,
                          out_dir=Path(args.out), lang=args.lang, progress=progress)
    finally:
        progress.finish()
        db.dispose()
    print(f"wrote {written.html}")
    for path in written.csv:
        print(f"wrote {path}")
    return 0


def cmd_rollup(args: argparse.Namespace) -> int:
    from bot.cli_args import Progress
    from storage import kpi_rollup
    from storage.db import Database

    settings = load_settings()
    db = Database(settings.database_url)
    progress = Progress(sys.stderr)
    try:
        if args.rebuild:
            kpi_rollup.reset(db)
        report = kpi_rollup.run(db, tz=settings.tz, progress=progress)
    finally:
        progress.finish()
        db.dispose()
    waiting = f"; waiting for event {report.waiting_for}" if report.waiting_for else ""
    print(f"rolled up {report.events} events into {report.contacts_new} new and "
          f"{report.contacts_changed} updated contacts ({report.days_rebuilt} days rebuilt); "
          f"up to event {report.last_event_id}{waiting}")
    return 0
