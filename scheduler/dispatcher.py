"""Deliver due outbox rows exactly once.

Rows are claimed (status ``sending``) and committed before any network call, so two
dispatchers never send the same row: on PostgreSQL claims use ``FOR UPDATE SKIP LOCKED``,
on SQLite the write transaction is exclusive. A crash after the claim leaves the row in
``sending``; ``recover`` marks such rows failed with the reason after ``stale_after``:
whether the platform got them is unknown, and a duplicate is worse than a visible failure.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from scheduler.ratelimit import RateLimiter
from storage import repo
from storage.db import Database
from storage.repo import Claimed
from storage.types import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = (2, 10, 60, 300)


class SendOutcome(Protocol):
    """What a channel says about one send (bot.channels.base.SendResult has this shape)."""

    @property
    def ok(self) -> bool: ...
    @property
    def external_ref(self) -> str | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def retry_after(self) -> float | None: ...
    @property
    def permanent(self) -> bool: ...
    @property
    def skipped(self) -> bool: ...


#: Sends one claimed row; returns None when the row's channel is not configured here.
Sender = Callable[[Claimed], "SendOutcome | None"]


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0  # given back because one recipient was at its rate limit


def dispatch_due(db: Database, send: Sender, *, now: datetime | None = None,
                 batch: int = 200, channels: Sequence[str] | None = None,
                 exclude: Sequence[str] = (), limiter: RateLimiter | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> DispatchReport:
    """Send every pending row due by ``now`` once; returns what happened.

    With a ``limiter`` (one channel's platform limits): when the channel as a whole is at
    its limit the dispatcher waits; when only one recipient is, that row is given back
    with a later due time and the others go first.
    """
    report = DispatchReport()
    while True:
        at = now or utcnow()
        with db.session() as s:
            claimed = repo.claim_due(s, at, limit=batch, channels=channels, exclude=exclude)
        if not claimed:
            return report
        report.claimed += len(claimed)
        held: list[tuple[int, datetime]] = []
        for row in claimed:
            later = _wait_turn(limiter, row, sleep) if limiter is not None else None
            if later is not None:
                held.append((row.id, later))
                continue
            _deliver_one(db, send, report, row)
        if held:  # one transaction for all rows given back, not one per row
            with db.session() as s:
                repo.release_claims(s, held)
            report.deferred += len(held)
        if len(claimed) < batch:
            return report


def _wait_turn(limiter: RateLimiter, row: Claimed,
               sleep: Callable[[float], None]) -> datetime | None:
    """None when the row may be sent now; else when its recipient's next slot opens."""
    while True:
        wait, scope = limiter.reserve(row.recipient)
        if wait <= 0:
            return None
        if scope == "global":
            sleep(wait)
            continue
        return utcnow() + timedelta(seconds=wait)


def _deliver_one(db: Database, send: Sender, report: DispatchReport, row: Claimed) -> None:
    row_id, channel, attempts = row.id, row.channel, row.attempts
    outcome: SendOutcome | None
    try:
        outcome = send(row)
    except Exception as exc:  # a sender bug is a failed attempt, not a dead dispatcher
        log.exception("sending outbox row %s failed", row_id)
        outcome = _Failure(f"{type(exc).__name__}: {exc}")
    with db.session() as s:
        if outcome is None:
            repo.finish_outbox(s, row_id, status="skipped",
                               error=f"channel '{channel}' is not configured")
            report.skipped += 1
        elif outcome.ok:
            repo.finish_outbox(s, row_id, status="sent", external_ref=outcome.external_ref)
            report.sent += 1
        elif outcome.skipped:
            repo.finish_outbox(s, row_id, status="skipped", error=outcome.error)
            report.skipped += 1
        elif outcome.permanent or attempts >= MAX_ATTEMPTS:
            repo.finish_outbox(s, row_id, status="failed", error=outcome.error)
            report.failed += 1
        else:
            delay = outcome.retry_after or BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1]
            repo.finish_outbox(s, row_id, status="pending", error=outcome.error,
                               retry_at=utcnow() + timedelta(seconds=delay))
            report.retried += 1


@dataclass
class _Failure:
    error: str
    ok: bool = False
    external_ref: str | None = None
    retry_after: float | None = None
    permanent: bool = False
    skipped: bool = False


def recover(db: Database, *, stale_after: timedelta = timedelta(minutes=10)) -> int:
    """Rows left in ``sending`` by a crashed process: recorded as failed, never resent."""
    with db.session() as s:
        return repo.expire_interrupted(s, utcnow() - stale_after)


def start_background(db: Database, wake: Callable[[], None], *,
                     interval: float = 1.0) -> Any:
    """APScheduler: wake the delivery worker every ``interval`` s (rows that became due,
    retries after back-off) and record sends interrupted by a crash."""
    from apscheduler.schedulers.background import BackgroundScheduler

    sched = BackgroundScheduler(timezone="UTC")
    sched.add_job(wake, "interval", seconds=interval, id="careline-outbox",
                  max_instances=1, coalesce=True)
    sched.add_job(recover, "interval", minutes=5, args=(db,), id="careline-recover",
                  max_instances=1, coalesce=True)
    sched.start()
    return sched
