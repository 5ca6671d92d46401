"""The delivery worker: one thread per channel pushing due outbox rows within platform limits.

Woken at once when the pipeline leaves rows to push, and every second by APScheduler (rows
that became due, retries after back-off). Between passes a sender sleeps until its next
row falls due — at least ``min_pause`` (so rows due one after another are claimed in
batches, not one transaction each), at most ``idle_wait``. A channel's rate limit never
holds up another's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import timedelta

from scheduler.dispatcher import Sender, dispatch_due, recover
from scheduler.ratelimit import limiter_for
from scheduler.sender_lock import SenderLock
from storage.db import Database
from storage.outbox import next_due
from storage.types import utcnow

log = logging.getLogger(__name__)
#: How often the one process sending on a globally limited channel looks for rows that the
#: other processes queued (their replies wake only their own delivery worker).
LEADER_POLL = 0.1


class DeliveryWorker:
    """``lanes``: senders per channel that has no platform-wide rate limit (each takes the
    customers with ``customer_id % lanes == i``, so one customer's messages stay in order),
    so one slow platform call does not hold up the rest of the channel's rows. A channel
    with a global limit (Telegram) always has one sender, and across processes (several
    ``serve`` workers) only the one holding its SenderLock sends."""

    def __init__(self, db: Database, send: Sender, channels: Iterable[str], *,
                 idle_wait: float = 1.0, lanes: int = 4, min_pause: float = 0.1) -> None:
        self.db, self.send, self.idle_wait = db, send, idle_wait
        self.min_pause = min(min_pause, idle_wait)
        self._stop = threading.Event()
        self._wakes: list[threading.Event] = []
        self._threads: list[threading.Thread] = []
        for channel in channels:
            n = 1 if limiter_for(channel) is not None else max(1, lanes)
            for i in range(n):
                wake = threading.Event()
                self._wakes.append(wake)
                self._threads.append(threading.Thread(
                    target=self._run, args=(channel, wake, (n, i) if n > 1 else None),
                    name=f"careline-deliver-{channel}-{i}", daemon=True))

    def start(self) -> DeliveryWorker:
        for thread in self._threads:
            thread.start()
        return self

    def wake(self) -> None:
        for event in self._wakes:
            event.set()

    def stop(self) -> None:
        self._stop.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout=10)

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
                if lock is None or lock.held():
                    dispatch_due(self.db, self.send, channels=[channel], limiter=limiter,
                                 sleep=self._pause, lane=lane)
                    wait = self._until_next(channel, lane)
                    if lock is not None:  # other processes' new rows do not wake this one
                        wait = min(wait, LEADER_POLL)
            except Exception:  # the database may be briefly away; never let the thread die
                log.exception("delivery on %s failed; retrying", channel)
            wake.wait(wait)
        if lock is not None:
            lock.release()

    def _until_next(self, channel: str, lane: tuple[int, int] | None) -> float:
        with self.db.read() as s:
            due = next_due(s, channel, lane=lane)
        if due is None:
            return self.idle_wait
        return min(self.idle_wait, max(self.min_pause, (due - utcnow()).total_seconds()))
