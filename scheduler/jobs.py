"""Cron-style jobs: the SLA scan every minute and the daily scans.

``add_daily_jobs(sched, db)`` registers them on the app's BackgroundScheduler (called from
dispatcher.start_background). Every job is a module-level function taking the database
only and idempotent, so a missed or doubled run (two workers, a restart) does no harm:

===========================  =========================================================
``careline-sla``             every minute: warn about / escalate ticket deadlines
``careline-care-daily``      daily 08:00 local: care calendar scans (birthdays, holidays,
                             points expiring, win-back, campaigns)
``careline-points-expiry``   daily 00:05 local: expire points whose time has come
``careline-tier-recompute``  daily 00:20 local: rolling-window member tiers
``careline-kpi-rollup``      every minute: roll new conversation events up into the
                             dashboard's contacts and daily counts (storage/kpi_rollup.py)
===========================  =========================================================

Care rows are written with their own due times; hygiene (quiet hours, the daily cap) is
applied when they are dispatched, so the scan's hour only decides when they are queued.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, union

from flows.business.handoff_config import default_tz
from scheduler import sla
from storage.db import Database
from storage.models import Customer
from storage.models_business import Booking
from storage.types import utcnow

log = logging.getLogger(__name__)

JOB_IDS = ("careline-sla", "careline-care-daily", "careline-points-expiry",
           "careline-tier-recompute", "careline-kpi-rollup")


def run_sla(db: Database) -> None:
    report = sla.scan(db)
    if report.warned or report.escalated:
        log.info("SLA: warned %s, escalated %s", report.warned, report.escalated)


def run_care(db: Database, now: datetime | None = None) -> Any:
    """The care calendar's daily scans (birthdays, holidays, points expiring, win-back,
    campaigns)."""
    from flows.business.care_scans import run_daily

    return run_daily(db, now or utcnow())


def run_points_expiry(db: Database, now: datetime | None = None) -> dict[int, int]:
    from flows.business.loyalty import expire_points

    with db.transaction() as conn:
        return expire_points(conn, now or utcnow())


def run_tier_recompute(db: Database, now: datetime | None = None, *,
                       chunk: int = 500) -> int:
    """Recompute the tier of every customer who has one above the lowest or completed a
    booking lately (a tier can drop as old bookings leave the window); changed count."""
    from flows.business.loyalty import config_for, recompute_tier
    from flows.business.loyalty_config import add_months

    cfg = config_for()
    if cfg is None:
        return 0
    now = now or utcnow()
    since = add_months(now, -cfg.window_months - 1)
    with db.read() as s:
        ids = sorted(int(i) for i in s.execute(union(
            select(Customer.id).where(Customer.tier != cfg.tiers[0].key),
            select(Booking.customer_id).where(Booking.status == "completed",
                                                        Booking.completed_at >= since),
        )).scalars())
    changed = 0
    for start in range(0, len(ids), chunk):
        with db.transaction() as conn:
            for customer_id in ids[start:start + chunk]:
                change = recompute_tier(conn, cfg, customer_id, now)
                changed += change.old != change.new
    return changed


def run_kpi_rollup(db: Database, tz: ZoneInfo | None = None) -> Any:
    """Bring the dashboard tables up to date with the event history (idempotent; a second
    worker running it at the same time counts nothing twice)."""
    from storage.kpi_rollup import run

    report = run(db, tz=tz or default_tz())
    if report.events:
        log.info("dashboard rollup: %s events, %s new contacts", report.events,
                 report.contacts_new)
    return report


def add_daily_jobs(sched: Any, db: Database, *, tz: ZoneInfo | None = None,
                   sla_seconds: float = 60.0, care_at: str = "08:00") -> list[str]:
    """Register the jobs in the module docstring on an APScheduler 3 scheduler; their ids."""
    tz = tz or default_tz()
    hour, minute = (int(p) for p in care_at.split(":"))
    common: dict[str, Any] = {"args": (db,), "max_instances": 1, "coalesce": True,
                              "replace_existing": True, "misfire_grace_time": 3600}
    sched.add_job(run_sla, "interval", seconds=sla_seconds, id="careline-sla", **common)
    sched.add_job(run_care, "cron", hour=hour, minute=minute, timezone=tz,
                  id="careline-care-daily", **common)
    sched.add_job(run_points_expiry, "cron", hour=0, minute=5, timezone=tz,
                  id="careline-points-expiry", **common)
    sched.add_job(run_tier_recompute, "cron", hour=0, minute=20, timezone=tz,
                  id="careline-tier-recompute", **common)
    sched.add_job(run_kpi_rollup, "interval", seconds=60, id="careline-kpi-rollup",
                  **{**common, "args": (db, tz)})
    return list(JOB_IDS)
