"""The delivery worker: one thread per channel pushing due outbox rows within platform limits.

Woken at once when this process queues rows to push (``wake``), and when another process
did (scheduler/outbox_watch.py: PostgreSQL ``LISTEN``/``NOTIFY``, SQLite file changes). Each
pass first asks when the channel's next row is due (one indexed read); only a due row
starts a claim, so an idle sender costs one read per ``idle_wait`` s. Between passes a
sender sleeps until its next row falls due — at least ``min_pause`` (so rows due one after
another are claimed in batches, not one transaction each), at most ``idle_wait``; the
"next due" read looks ``idle_wait`` ahead, so rows falling due (scheduled messages, retries
after back-off) are never late for lack of a poll. A channel's rate limit never holds up
another's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta

from scheduler import claimers
from scheduler.dispatcher import Sender, dispatch_due, recover
from scheduler.outbox_watch import OutboxWatch
from scheduler.ratelimit import limiter_for
from scheduler.sender_lock import SenderLock
from storage.db import Database
from storage.outbox import next_due
from storage.types import utcnow

log = logging.getLogger(__name__)
#: How often a process that does not hold a channel's sender lock tries to take it over.
TAKEOVER_EVERY = 1.0


class DeliveryWorker:
    """``lanes``: senders per channel that has no platform-wide rate limit (each takes the
    customers with ``customer_id % lanes == i``, so one customer's messages stay in order),
    so one slow platform call does not hold up the rest of the channel's rows. A channel
    with a global limit (Telegram) always has one sender, and across processes (several
    ``serve`` workers) only the one holding its SenderLock sends; the others try to take
    the lock over every ``TAKEOVER_EVERY`` s."""

    def __init__(self, db: Database, send: Sender, channels: Iterable[str], *,
                 idle_wait: float = 2.0, lanes: int = 4, min_pause: float = 0.1) -> None:
        self.db, self.send, self.idle_wait = db, send, idle_wait
        self.min_pause = min(min_pause, idle_wait)
        self._stop = threading.Event()
        self._wakes: dict[str, list[threading.Event]] = {}
        self._threads: list[threading.Thread] = []
        for channel in channels:
            n = 1 if limiter_for(channel) is not None else max(1, lanes)
            for i in range(n):
                wake = threading.Event()
                self._wakes.setdefault(channel, []).append(wake)
                self._threads.append(threading.Thread(
                    target=self._run, args=(channel, wake, (n, i) if n > 1 else None),
                    name=f"careline-deliver-{channel}-{i}", daemon=True))
        self._watch = OutboxWatch(db, self._wake_channel)
        self._claimer = claimers.Claimer(db)
        self._threads.append(threading.Thread(target=self._recover_dead, daemon=True,
                                              name="careline-deliver-claims"))

    def start(self) -> DeliveryWorker:
        claimers.sweep_files(self.db)
        self._claimer.confirm()  # before the first claim names this process
        self._watch.start()
        for thread in self._threads:
            thread.start()
        return self

    def wake(self) -> None:
        """Rows were queued by this process: look now (every channel)."""
        for events in self._wakes.values():
            for event in events:
                event.set()

    def _wake_channel(self, channel: str | None) -> None:
        if channel is None:
            self.wake()
            return
        for event in self._wakes.get(channel, ()):
            event.set()

    def stop(self) -> None:
        self._stop.set()
        self.wake()
        self._watch.stop()
        for thread in self._threads:
            thread.join(timeout=10)
        self._claimer.release()

    def _pause(self, seconds: float) -> None:
        self._stop.wait(seconds)  # a rate-limit pause that a shutdown cuts short

    def _run(self, channel: str, wake: threading.Event, lane: tuple[int, int] | None) -> None:
        limiter = limiter_for(channel)
        # A platform-wide limit is counted in this process: only one process sends at a time.
        # Taking over, this process knows the channel's claims are the previous sender's
        # (killed, or cut off from the database and stopping at its next record): recovered
        # now, not after the 10-minute stale period that other channels need.
        lock = SenderLock(self.db, channel, on_acquire=lambda: recover(
            self.db, stale_after=timedelta(0), channels=[channel])) if limiter is not None else None
        while not self._stop.is_set():
            wake.clear()
            wait = self.idle_wait
            try:
                if lock is not None and not lock.taken() and not lock.held():
                    # Another process sends on this channel; wakes are for the sender, so
                    # this one only tries to take the lock over, on its timer.
                    self._stop.wait(min(self.idle_wait, TAKEOVER_EVERY))
                    continue
                due = self._next_due(channel, lane)
                if due is not None and due <= utcnow():
                    # The lock is confirmed (one query on PostgreSQL) only before sending.
                    if lock is None or lock.held():
                        dispatch_due(self.db, self.send, channels=[channel], limiter=limiter,
                                     sleep=self._pause, lane=lane,
                                     claimer=self._claimer.current())
                    due = self._next_due(channel, lane)
                wait = self._wait_for(due)
            except Exception:  # the database may be briefly away; never let the thread die
                log.exception("delivery on %s failed; retrying", channel)
            wake.wait(wait)
        if lock is not None:
            lock.release()

    def _recover_dead(self) -> None:
        """Batches claimed by a process that died: recovered within ``claimers.EVERY`` s
        (scheduler/claimers.py), on every channel — not after the 10-minute stale period."""
        while not self._stop.wait(claimers.EVERY):
            try:
                self._claimer.confirm()  # re-taken if a cut connection lost it
                if claimers.recover_dead(self.db, self._claimer.name):
                    self.wake()
            except Exception:
                log.exception("looking for the claims of stopped processes failed; retrying")

    def _next_due(self, channel: str, lane: tuple[int, int] | None) -> datetime | None:
        with self.db.read() as s:
            return next_due(s, channel, lane=lane, within=self.idle_wait)

    def _wait_for(self, due: datetime | None) -> float:
        if due is None:
            return self.idle_wait
        return min(self.idle_wait, max(self.min_pause, (due - utcnow()).total_seconds()))
