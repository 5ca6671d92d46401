"""``careline points ...`` and ``careline loyalty ...``: the ledger and tiers for operators.

    careline points show CUSTOMER_ID
    careline points adjust CUSTOMER_ID DELTA --reason "goodwill after ticket T..."
    careline points expire [--now ISO]
    careline loyalty recompute-tiers [--now ISO]

The numbers come from the live scripts' ``loyalty:`` section (``CARELINE_FLOWS_DIR``).
Wired into bot/cli.py with :func:`register`.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from datetime import datetime
from typing import Any

from bot.cli_args import Progress, UsageError, load_settings, parse_now
from bot.settings import Settings


def register(subparsers: Any) -> None:
    """Add the ``points`` and ``loyalty`` commands to the ``careline`` parser."""
    pts = subparsers.add_parser("points", help="customer points: show, adjust, expire")
    psub = pts.add_subparsers(dest="points_command", metavar="ACTION", required=True)
    sp = psub.add_parser("show", help="balance, tier, expiring points, milestones and the ledger")
    sp.add_argument("customer_id", type=int)
    sp.add_argument("--json", action="store_true", help="print the profile summary as JSON")
    sp.add_argument("--now", help="ISO time to treat as now (default: the real time)")
    sp.set_defaults(func=cmd_points_show)
    sp = psub.add_parser("adjust", help="add (or with a negative DELTA, take) points by hand")
    sp.add_argument("customer_id", type=int)
    sp.add_argument("delta", type=int, help="points, e.g. 100 or -50")
    sp.add_argument("--reason", required=True, help="why, kept in the ledger (e.g. a ticket id)")
    sp.add_argument("--now", help="ISO time to treat as now (default: the real time)")
    sp.set_defaults(func=cmd_points_adjust)
    sp = psub.add_parser("expire", help="write off points past their expiry (run daily)")
    sp.add_argument("--now", help="ISO time to treat as now (default: the real time)")
    sp.set_defaults(func=cmd_points_expire)
    loy = subparsers.add_parser("loyalty", help="member tiers")
    lsub = loy.add_subparsers(dest="loyalty_command", metavar="ACTION", required=True)
    sp = lsub.add_parser("recompute-tiers", help="set every customer's tier from the rolling "
                         "window (run daily: old spend leaves the window)")
    sp.add_argument("--now", help="ISO time to treat as now (default: the real time)")
    sp.add_argument("--batch", type=int, default=500, help="customers per transaction")
    sp.set_defaults(func=cmd_recompute_tiers)


def _config(settings: Settings) -> Any:
    from flows.business.loyalty import config_for
    from flows.loader import load_bundle

    result = load_bundle(settings.flows_dir)
    if result.bundle is None:
        raise UsageError("the scripts do not validate; run `careline flows check` first")
    cfg = config_for(result.bundle)
    if cfg is None:
        raise UsageError(f"no `loyalty:` section in {settings.flows_dir}")
    return cfg


def _run(args: argparse.Namespace, body: Any) -> int:
    from storage.db import Database

    settings = load_settings()
    try:
        now = parse_now(getattr(args, "now", None), settings.tz)
        cfg = _config(settings)
        db = Database(settings.database_url)
        try:
            return int(body(db, cfg, now, settings))
        finally:
            db.dispose()
    except (UsageError, LookupError) as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 2


def cmd_points_show(args: argparse.Namespace) -> int:
    from flows.business.loyalty_profile import profile_summary
    from storage import loyalty as store

    def body(db: Any, cfg: Any, now: datetime, settings: Settings) -> int:
        with db.read() as s:
            summary = profile_summary(s, args.customer_id, now, cfg)
            ledger = store.ledger(s, args.customer_id)
        if args.json:
            print(json.dumps(summary, ensure_ascii=False, indent=2))
            return 0
        tier = cfg.tier(summary["tier"]).name.get("en", summary["tier"])
        soon = summary["expiring"]
        print(f"customer {args.customer_id}: {summary['points']} points, tier {tier}, "
              f"{summary['completed_services']} completed services")
        print(f"expiring within {soon['within_days']} days: {soon['points']}"
              + (f" (first on {soon['first_at']})" if soon["first_at"] else ""))
        print("milestones: " + (", ".join(summary["milestones"]) or "none")
              + f"; referral code: {summary['referral_code'] or '-'}")
        for row in ledger:
            expires = f"  expires {row.expires_at:%Y-%m-%d}" if row.expires_at else ""
            print(f"  {row.created_at.astimezone(settings.tz):%Y-%m-%d %H:%M}  {row.delta:+6d}  "
                  f"{row.reason:<9} {row.ref}{expires}")
        return 0

    return _run(args, body)


def cmd_points_adjust(args: argparse.Namespace) -> int:
    from flows.business.loyalty import award
    from storage import loyalty as store
    from storage.profiles import get_profile

    def body(db: Any, cfg: Any, now: datetime, settings: Settings) -> int:
        if args.delta == 0 or not args.reason.strip():
            raise UsageError("DELTA must not be 0 and --reason must say why")
        ref = f"{now:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}:{args.reason.strip()}"[:64]
        with db.session() as s:
            if get_profile(s, args.customer_id) is None:
                raise LookupError(f"no customer {args.customer_id}")
            if args.delta < 0 and store.balance(s, args.customer_id) + args.delta < 0:
                raise UsageError(f"customer {args.customer_id} has only "
                             f"{store.balance(s, args.customer_id)} points")
            award(s, cfg, args.customer_id, "adjust", ref, now, amount=args.delta)
            left = store.balance(s, args.customer_id)
        print(f"customer {args.customer_id}: {args.delta:+d} points ({args.reason.strip()}); "
              f"balance {left}")
        return 0

    return _run(args, body)


def cmd_points_expire(args: argparse.Namespace) -> int:
    from flows.business.loyalty import expire_points

    def body(db: Any, cfg: Any, now: datetime, settings: Settings) -> int:
        with db.session() as s:
            done = expire_points(s, now)
        print(f"expired {sum(done.values())} points of {len(done)} customers (as of {now.isoformat()})")
        return 0

    return _run(args, body)


def cmd_recompute_tiers(args: argparse.Namespace) -> int:
    from flows.business.loyalty import recompute_tier
    from storage import loyalty as store

    def body(db: Any, cfg: Any, now: datetime, settings: Settings) -> int:
        if args.batch < 1:
            raise UsageError("--batch must be at least 1")
        with db.read() as s:
            total = store.count_customers(s)
        progress = Progress(sys.stderr)
        changed: dict[str, int] = {}
        last = done = 0
        while True:  # one transaction per batch: a long run never holds one lock for long
            with db.session() as s:
                ids = store.customer_ids_after(s, last, args.batch)
                for cid in ids:
                    change = recompute_tier(s, cfg, cid, now)
                    if change.old != change.new:
                        key = f"{change.old}->{change.new}"
                        changed[key] = changed.get(key, 0) + 1
            if not ids:
                break
            last, done = ids[-1], done + len(ids)
            progress("recomputing tiers", done, total)
        progress.finish()
        moves = ", ".join(f"{k}: {v}" for k, v in sorted(changed.items())) or "no changes"
        print(f"recomputed tiers of {done} customers as of {now.isoformat()}: {moves}")
        return 0

    return _run(args, body)
