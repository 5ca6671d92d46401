"""Deliver due outbox rows exactly once.

Rows are claimed (status ``sending``) and committed before any network call, so two
dispatchers never send the same row: on PostgreSQL claims use ``FOR UPDATE SKIP LOCKED``,
on SQLite the write transaction is exclusive. Message hygiene (scheduler/hygiene.py:
quiet hours, the daily cap, opt-out, no channel) sorts each batch in the claim's own
transaction. Rows are then sent one by one in claim order, and each outcome is recorded
(storage/outbox_claims.py: its own commit, asynchronous on PostgreSQL) before the next row
is sent. A crash after the claim leaves rows in ``sending``; ``recover`` looks at each
claimed batch after ``stale_after``: only the first row still ``sending`` may have reached
the platform (the first ``DURABLE_EVERY`` if the database server itself restarted since
the claim) — it is marked failed with the reason (a duplicate is worse than a visible
failure; ``in_flight="resend"`` chooses at-least-once instead) — and the rows after it were
never tried and go back to ``pending``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from scheduler import hygiene
from scheduler.hygiene import Screen
from scheduler.ratelimit import RateLimiter
from storage import repo
from storage.db import Database
from storage.models import OutboxMessage
from storage.outbox_claims import (
    ClaimToken,
    RowOutcome,
    in_flight_window,
    recorder,
    server_incarnation,
)
from storage.repo import Claimed
from storage.types import utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
_ACTIVE = "status IN ('pending', 'sending')"  # ix_outbox_active's WHERE, verbatim
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
                 sleep: Callable[[float], None] = time.sleep,
                 screen: Screen | None = hygiene.screen,
                 lane: tuple[int, int] | None = None,
                 claimer: str | None = None) -> DispatchReport:
    """Send every pending row due by ``now`` once; returns what happened.

    With a ``limiter`` (one channel's platform limits): when the channel as a whole is at
    its limit the dispatcher waits; when only one recipient is, that row is given back
    with a later due time and the others go first. ``screen``: message hygiene
    (scheduler/hygiene.py), None to send every row as it is. ``claimer``: this process's
    name in the claim tokens (scheduler/claimers.py), so its claims are recovered at once
    if it dies.
    """
    report = DispatchReport()
    while True:
        at = now or utcnow()
        with db.session() as s:
            claimed = repo.claim_due(s, at, limit=batch, channels=channels, exclude=exclude,
                                     lane=lane, claimer=claimer)
            to_send = _screen(s, screen, claimed, at, report)
        if not claimed:
            return report
        report.claimed += len(claimed)
        if to_send and not _send_batch(db, send, to_send, report, now, limiter, sleep):
            return report
        if len(claimed) < batch:
            return report


def _send_batch(db: Database, send: Sender, rows: list[Claimed], report: DispatchReport,
                now: datetime | None, limiter: RateLimiter | None,
                sleep: Callable[[float], None]) -> bool:
    """Send a claimed batch in claim order, recording each row before the next is sent;
    False when the batch was taken back by ``recover`` (this dispatcher stalled too long)."""
    with recorder(db, rows[0].claim_token) as record:
        for row in rows:
            later = _wait_turn(limiter, row, sleep) if limiter is not None else None
            if later is not None:  # recorded at once, like a send: see outbox_claims
                outcome = RowOutcome("pending", due_at=later, give_back=True)
                report.deferred += 1
            else:
                outcome = _deliver_one(send, report, row, now or utcnow())
            if not record(row.id, outcome):
                log.warning("outbox row %s was recovered while this dispatcher still held it; "
                            "stopping the batch", row.id)
                return False
    return True


def _screen(s: Session, screen: Screen | None, claimed: list[Claimed], at: datetime,
            report: DispatchReport) -> list[Claimed]:
    """Apply hygiene in the claim's transaction: held rows go back, dropped rows are done."""
    if screen is None or not claimed:
        return claimed
    verdict = screen(s, claimed, at)
    if verdict.later:
        repo.release_claims(s, verdict.later)
        report.deferred += len(verdict.later)
    for row_id, reason in verdict.skip:
        repo.finish_outbox(s, row_id, status="skipped", error=reason)
    report.skipped += len(verdict.skip)
    return verdict.send


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


def _deliver_one(send: Sender, report: DispatchReport, row: Claimed, at: datetime) -> RowOutcome:
    """Send one row; what to record for it (written before the next row is sent, which is
    what lets ``recover`` tell the row that may have been in flight from those never tried).
    ``at``: the dispatcher's clock (``--now`` when given), so the daily cap counts sends on
    the same clock it compares them with."""
    outcome: SendOutcome | None
    try:
        outcome = send(row)
    except Exception as exc:  # a sender bug is a failed attempt, not a dead dispatcher
        log.exception("sending outbox row %s failed", row.id)
        outcome = _Failure(f"{type(exc).__name__}: {exc}")
    if outcome is None:
        report.skipped += 1
        return RowOutcome("skipped", error=f"channel '{row.channel}' is not configured")
    if outcome.ok:
        report.sent += 1
        return RowOutcome("sent", sent_at=at, external_ref=outcome.external_ref)
    if outcome.skipped:
        report.skipped += 1
        return RowOutcome("skipped", error=outcome.error)
    if outcome.permanent or row.attempts >= MAX_ATTEMPTS:
        report.failed += 1
        return RowOutcome("failed", error=outcome.error)
    delay = outcome.retry_after or BACKOFF_SECONDS[min(row.attempts, len(BACKOFF_SECONDS)) - 1]
    report.retried += 1
    return RowOutcome("pending", error=outcome.error, due_at=at + timedelta(seconds=delay))


@dataclass
class _Failure:
    error: str
    ok: bool = False
    external_ref: str | None = None
    retry_after: float | None = None
    permanent: bool = False
    skipped: bool = False


_INTERRUPTED = "interrupted while sending (process stopped); not resent to avoid a duplicate"
_REQUEUED = "claimed by a process that stopped before trying it; requeued"


def recover(db: Database, *, stale_after: timedelta = timedelta(minutes=10),
            in_flight: str = "fail", channels: Sequence[str] | None = None,
            tokens: Sequence[str] | None = None) -> int:
    """Rows left in ``sending`` by a crashed process (claimed before ``now - stale_after``).

    Per claimed batch (one claim token), in claim order: the first unrecorded row may have
    been sent — or the first ``DURABLE_EVERY`` when the database server restarted since
    the claim (storage/outbox_claims.py) — and is failed with the reason
    (``in_flight="resend"``: back to pending, for a channel that de-duplicates by
    idempotency key); the later rows were never tried and go back to ``pending``.
    ``channels``: only rows of these (a process that has just become the only sender on
    a channel knows every claim of that channel is an earlier sender's: scheduler/delivery.py).
    ``tokens``: only these batches (claims of a process known to be dead: scheduler/claimers.py).
    Returns how many rows were recovered either way.
    """
    if in_flight not in ("fail", "resend"):
        raise ValueError(f"in_flight is 'fail' or 'resend', not {in_flight!r}")
    o = OutboxMessage
    # the literal lets SQLite use the partial index ix_outbox_active (a bound parameter
    # cannot prove the index's WHERE), instead of scanning every scheduled row
    stale: tuple[Any, ...] = (text(_ACTIVE), o.status == "sending",
                              o.claimed_at <= utcnow() - stale_after)
    if channels is not None:
        stale += (o.channel.in_(channels),)
    if tokens is not None:
        stale += (o.claim_token.in_(tokens),)
    with db.read() as s:
        if s.execute(select(o.id).where(*stale).limit(1)).first() is None:
            return 0  # the usual case: nothing to recover, no write lock taken
    with db.session() as s:
        rows = s.execute(
            select(o.id, o.claim_token, o.claimed_at).where(*stale)
            .order_by(o.due_at, o.id).with_for_update(skip_locked=True)).all()
        incarnation = server_incarnation(s)
        batches: dict[object, list[int]] = {}
        for row_id, token, claimed_at in rows:  # rows claimed before claim tokens: by time
            batches.setdefault(token or claimed_at, []).append(int(row_id))
        maybe_sent: list[int] = []
        for key, ids in batches.items():
            claim = ClaimToken.parse(key) if isinstance(key, str) else None
            maybe_sent += ids[:in_flight_window(claim, incarnation)]
        failed = sorted(maybe_sent) if in_flight == "fail" else []
        retry = sorted({int(r[0]) for r in rows} - set(failed))
        if failed:
            s.execute(update(o).where(o.id.in_(failed)).values(
                status="failed", last_error=_INTERRUPTED))
        for start in range(0, len(retry), 1000):
            s.execute(update(o).where(o.id.in_(retry[start:start + 1000])).values(
                status="pending", attempts=o.attempts - 1, last_error=_REQUEUED))
        return len(rows)


def start_background(db: Database, *, tz: Any = None,
                     handoff_scan: float | None = 15.0) -> Any:
    """APScheduler: record sends interrupted by a crash, and every ``handoff_scan`` s time
    out unclaimed handoffs (scheduler/handoff_scan.py; ``tz`` is CARELINE_TIMEZONE for
    working hours, None = read from the environment). Due rows need no timer here: the
    delivery worker's senders look ahead for them (scheduler/delivery.py)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from scheduler.handoff_scan import run_scan

    sched = BackgroundScheduler(timezone="UTC")
    sched.add_job(recover, "interval", minutes=5, args=(db,), id="careline-recover",
                  max_instances=1, coalesce=True)
    if handoff_scan:
        sched.add_job(run_scan, "interval", seconds=handoff_scan, args=(db, tz),
                      id="careline-handoff-timeout", max_instances=1, coalesce=True)
    # SLA timers every minute; care calendar, points expiry and tiers daily; crew briefings.
    from flows.business.care_scans import run_briefings
    from scheduler.jobs import add_daily_jobs

    add_daily_jobs(sched, db, tz=tz)
    sched.add_job(run_briefings, "interval", minutes=5, args=(db,), id="careline-briefings",
                  max_instances=1, coalesce=True)
    sched.start()
    return sched
