"""The daily jobs are registered on the app's scheduler and each runs on both databases."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler

from scheduler import jobs
from storage.db import Database

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_add_daily_jobs_registers_every_job(db: Database) -> None:
    sched = BackgroundScheduler(timezone="UTC")
    sched.start(paused=True)  # as in the app: jobs go straight to the job store
    ids = jobs.add_daily_jobs(sched, db, tz=ZoneInfo("Asia/Shanghai"))
    assert sorted(j.id for j in sched.get_jobs()) == sorted(ids) == sorted(jobs.JOB_IDS)
    care = sched.get_job("careline-care-daily")
    assert "hour='8'" in repr(care.trigger) and "Asia/Shanghai" in repr(care.trigger)
    assert sched.get_job("careline-sla").trigger.interval.total_seconds() == 60
    # registering again (a second start) replaces rather than duplicates
    jobs.add_daily_jobs(sched, db)
    assert len(sched.get_jobs()) == len(jobs.JOB_IDS)
    sched.shutdown(wait=False)


def test_each_job_runs(db: Database) -> None:
    jobs.run_sla(db)
    assert jobs.run_points_expiry(db, NOW) == {}
    assert jobs.run_tier_recompute(db, NOW) == 0
    jobs.run_care(db, NOW)  # the care calendar's daily scans
