"""Platform limits on delivery: Telegram's 30/s overall, 1/s per chat, 20/min per group."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from scheduler.delivery import DeliveryWorker
from scheduler.dispatcher import dispatch_due
from scheduler.ratelimit import telegram_limits
from storage import repo
from storage.db import Database
from storage.models import OutboxMessage
from storage.repo import Claimed, NewOutbox
from storage.types import utcnow


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Ok:
    ok: bool = True
    external_ref: str | None = "m"
    error: str | None = None
    retry_after: float | None = None
    permanent: bool = False
    skipped: bool = False


def test_overall_limit_is_30_per_second() -> None:
    clock = FakeClock()
    limiter = telegram_limits(clock)
    granted = 0
    while clock.now < 1010.0:
        wait, scope = limiter.reserve(f"{granted}")  # a new chat each time
        if wait:
            assert scope == "global"
            clock.sleep(wait)
        else:
            granted += 1
    assert 299 <= granted <= 301  # 10 s at 30/s


def test_one_per_second_per_chat_and_twenty_per_minute_per_group() -> None:
    clock = FakeClock()
    limiter = telegram_limits(clock)
    assert limiter.reserve("42") == (0.0, "")
    wait, scope = limiter.reserve("42")
    assert scope == "recipient" and 0.99 < wait <= 1.0
    group = "-100123"
    for _ in range(20):
        assert limiter.reserve(group)[0] == 0.0
        clock.sleep(0.1)
    wait, scope = limiter.reserve(group)
    assert scope == "recipient" and 57 < wait <= 60


def add(db: Database, recipients: list[str]) -> None:
    with db.session() as s:
        ref = repo.ensure_identity(s, "telegram", "x")
        repo.enqueue(s, [NewOutbox(f"k{i}", ref.customer_id, "telegram", r, {"text": str(i)})
                         for i, r in enumerate(recipients)])


def test_dispatch_paces_the_channel_and_defers_a_busy_chat(db: Database) -> None:
    add(db, ["7", "7"] + [str(i) for i in range(100, 190)])
    clock = FakeClock()
    sent: list[str] = []

    def send(row: Claimed) -> Ok:
        sent.append(row.recipient)
        return Ok()

    report = dispatch_due(db, send, limiter=telegram_limits(clock), sleep=clock.sleep)
    # the second message to chat 7 waits its second; the other 90 go at 30/s
    assert (report.sent, report.deferred) == (91, 1)
    assert 2.0 <= clock.now - 1000.0 <= 3.1
    with db.read() as s:
        (later,) = s.execute(select(OutboxMessage).where(OutboxMessage.status == "pending")).scalars()
    assert later.recipient == "7" and later.attempts == 0 and later.due_at > utcnow()
    report = dispatch_due(db, send, now=utcnow() + timedelta(seconds=5),
                          limiter=telegram_limits(clock), sleep=clock.sleep)
    assert report.sent == 1 and sent.count("7") == 2 and len(sent) == 92


def test_worker_delivers_when_woken_and_stops_cleanly(db: Database) -> None:
    delivered = threading.Event()
    got: list[str] = []

    def send(row: Claimed) -> Ok:
        got.append(row.payload["text"])
        if len(got) == 3:
            delivered.set()
        return Ok()

    worker = DeliveryWorker(db, send, ["telegram"], idle_wait=30).start()
    try:
        add(db, ["1", "2", "3"])
        worker.wake()
        assert delivered.wait(10)
    finally:
        started = time.monotonic()
        worker.stop()
        assert time.monotonic() - started < 5
    assert sorted(got) == ["0", "1", "2"]
