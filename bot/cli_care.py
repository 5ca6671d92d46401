"""``careline care``: the care calendar from a terminal.

    careline care preview 42 [--json] [--now ISO]   what customer 42 will receive, when, where
    careline care scan [--now ISO]                  run the daily scans once (with progress)
    careline care campaign NAME [--now ISO] [--dry-run]   queue one campaign for its segment

The preview applies message hygiene the way the dispatcher will: a message due in quiet
hours is shown at the time it will really go out, an opted-out customer's messages as
skipped, and a customer without a channel as skipped with ``no_channel``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from bot.cli_args import Progress, UsageError, load_settings, parse_now
from bot.settings import Settings


def register(subparsers: Any) -> None:
    """Add ``care`` and its sub-commands to the ``careline`` parser."""
    care = subparsers.add_parser("care", help="care calendar: preview, daily scans, campaigns")
    sub = care.add_subparsers(dest="care_command", metavar="ACTION", required=True)
    sp = sub.add_parser("preview", help="what a customer will receive, when and on which channel")
    sp.add_argument("customer_id", type=int, metavar="CUSTOMER")
    sp.add_argument("--json", action="store_true", help="print the items as JSON")
    sp.add_argument("--now", help="ISO time to treat as now (default: the real time)")
    sp.set_defaults(func=cmd_preview)
    sp = sub.add_parser("scan", help="run the daily scans once (birthdays, holidays, points "
                        "expiring, win-back, campaigns, crew briefings)")
    sp.add_argument("--now", help="ISO time to treat as now (default: the real time)")
    sp.set_defaults(func=cmd_scan)
    sp = sub.add_parser("campaign", help="queue a campaign (a `trigger: campaign` rule) now")
    sp.add_argument("name", metavar="NAME", help="the campaign rule's id")
    sp.add_argument("--now", help="ISO time to treat as now (default: the real time)")
    sp.add_argument("--dry-run", action="store_true", help="only count the segment")
    sp.set_defaults(func=cmd_campaign)


def _run(args: argparse.Namespace, body: Any) -> int:
    from flows.actions import registry
    from flows.business.care_config import config_of
    from flows.business.proactive import live_section
    from storage.db import Database

    registry()  # the business modules: sections and booking hooks
    settings = load_settings()
    try:
        now = parse_now(getattr(args, "now", None), settings.tz)
        try:
            section = live_section("care")
        except RuntimeError as exc:
            raise UsageError(str(exc)) from None
        if not section:
            raise UsageError("no `care:` section in the scripts; add flows/scripts/care.yml "
                         "(docs/care-calendar.md)")
        db = Database(settings.database_url)
        try:
            return int(body(db, config_of(section), section, now, settings))
        finally:
            db.dispose()
    except (UsageError, LookupError) as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 2


def cmd_preview(args: argparse.Namespace) -> int:
    from flows.business.care_preview import preview

    def body(db: Any, cfg: Any, section: Any, now: datetime, settings: Settings) -> int:
        with db.read() as s:
            local = _local_zone(s, args.customer_id, settings.tz)
            items = [_hygiene(s, args.customer_id, item, now, settings.tz, local)
                     for item in preview(s, args.customer_id, cfg, now, settings.tz)]
        if args.json:
            print(json.dumps(items, ensure_ascii=False, indent=2))
            return 0
        if not items:
            print(f"customer {args.customer_id}: nothing scheduled")
            return 0
        theirs = "" if local == settings.tz else f"; the customer's own: {local.key}"
        print(f"customer {args.customer_id}: {len(items)} scheduled or planned "
              f"(times in {settings.tz.key}{theirs})")
        for item in items:
            due = item["due"][:16].replace("T", " ") if item["due"] else "when completed"
            shown = f"{due} → {item['sends_at'][11:16]}" if item["sends_at"] != item["due"] \
                and item["sends_at"] else due
            where = item["channel"] or "-"
            print(f"  {shown:<24} {item['rule']:<22} {where:<9} {item['outcome']}")
            print(f"      {item['text']}")
        return 0

    return _run(args, body)


def _local_zone(session: Any, customer_id: int, tz: Any) -> Any:
    """The zone hygiene uses for this customer (their profile's, their region's, or ``tz``)."""
    from flows.business.messaging import live_config, zone_for
    from storage.profiles import get_profile

    profile = get_profile(session, customer_id)
    if profile is None:
        return tz
    return zone_for(profile.data, profile.region, live_config(), tz)


def _hygiene(session: Any, customer_id: int, item: Any, now: datetime, tz: Any,
             local: Any) -> dict[str, Any]:
    """The item as JSON plus what the dispatcher's hygiene will do with it (quiet hours in
    the customer's ``local`` zone; times shown in ``tz``)."""
    from flows.business.messaging import is_opted_out, live_config
    from scheduler.hygiene import is_proactive, send_time
    from storage.profiles import get_profile

    data: dict[str, Any] = item.as_json(tz)
    data["sends_at"] = data["due"]
    if item.status == "skipped" or item.note == "no_channel":
        data["outcome"] = f"skipped: {item.note or 'no_channel'}"
        return data
    profile = get_profile(session, customer_id)
    if is_proactive(item.kind) and is_opted_out(profile.data if profile else None):
        data["outcome"] = "skipped: opted_out"
        return data
    if item.due is not None and is_proactive(item.kind):
        at = send_time(max(item.due, now), live_config(), local)
        data["sends_at"] = at.astimezone(tz).isoformat()
        if at != max(item.due, now):
            data["outcome"] = f"{item.status}, held for quiet hours"
            return data
    data["outcome"] = item.status if not item.note else f"{item.status} ({item.note})"
    return data


def cmd_scan(args: argparse.Namespace) -> int:
    from flows.business.care_scans import run_daily

    def body(db: Any, cfg: Any, section: Any, now: datetime, settings: Settings) -> int:
        progress = Progress(sys.stderr)
        counts = run_daily(db, now, section=section, tz=settings.tz, progress=progress)
        progress.finish()
        made = ", ".join(f"{k} {v}" for k, v in counts.items())
        print(f"care scan as of {now.isoformat()}: {sum(counts.values())} rows created ({made})")
        return 0

    return _run(args, body)


def cmd_campaign(args: argparse.Namespace) -> int:
    from flows.business.care_scans import run_campaign

    def body(db: Any, cfg: Any, section: Any, now: datetime, settings: Settings) -> int:
        rule = cfg.rule(args.name)
        campaigns = [r.id for r in cfg.by_trigger("campaign")]
        if rule is None or rule.trigger != "campaign":
            raise UsageError(f"no campaign {args.name!r}; campaigns: {', '.join(campaigns) or 'none'}")
        progress = Progress(sys.stderr)
        total, created = run_campaign(db, rule, now, settings.tz, dry_run=args.dry_run,
                                      progress=progress)
        progress.finish()
        seg = json.dumps({k: list(v) for k, v in rule.segment.items()}, ensure_ascii=False)
        if total == 0:
            print(f"warning: campaign {rule.id}: the segment {seg} matches no customer; "
                  "nothing queued", file=sys.stderr)
            return 1
        when = rule.send_at.isoformat() if rule.send_at else "?"
        if args.dry_run:
            print(f"campaign {rule.id}: {total} customers in segment {seg} (dry run, nothing "
                  f"queued; would send at {when})")
        else:
            print(f"campaign {rule.id}: {total} customers in segment {seg}; {created} messages "
                  f"queued for {when} ({total - created} already queued or earlier)")
        return 0

    return _run(args, body)
