"""Telegram's limits hold for the bot as a whole, however many processes deliver.

``careline serve --workers 2`` runs a delivery worker in each process, and each counts
Telegram's 30 messages per second in memory. Two workers here (separate database engines,
as two processes have) deliver one campaign burst through the real Telegram adapter to a
loopback Bot API: only one sends at a time, so the platform never sees more than 30 in a
second, and every message arrives once. When the sender stops, the other takes over.
"""

from __future__ import annotations

import time
from collections import Counter

from sqlalchemy import select, text

from bench.load_fake import LoadFake, window_peak
from bot.channels.telegram import TelegramChannel
from bot.delivery import ChannelSender
from scheduler.delivery import DeliveryWorker
from scheduler.sender_lock import SenderLock
from storage import repo
from storage.db import Database
from storage.models import OutboxMessage
from storage.repo import NewOutbox
from storage.types import utcnow

from .fakes.telegram_api import TOKEN


def _burst(db: Database, n: int, start: int = 0) -> None:
    with db.session() as s:
        ref = repo.ensure_identity(s, "telegram", "campaign")
        repo.enqueue(s, [NewOutbox(f"burst:{i}", ref.customer_id, "telegram",
                                   str(7_000 + i), {"text": f"offer {i}"})
                         for i in range(start, start + n)])


def _worker(url: str, fake: LoadFake) -> tuple[DeliveryWorker, Database, TelegramChannel]:
    db = Database(url)  # its own engine and pool: another process, as far as locks go
    channel = TelegramChannel(TOKEN, api_base=fake.base_url)
    return DeliveryWorker(db, ChannelSender({"telegram": channel}), ["telegram"],
                          idle_wait=0.2), db, channel


def _wait_sent(db: Database, n: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.read() as s:
            sent = s.execute(select(OutboxMessage.id).where(
                OutboxMessage.status == "sent")).all()
        if len(sent) >= n:
            return
        time.sleep(0.2)


def test_two_delivering_processes_keep_to_thirty_a_second_together(db_url: str) -> None:
    db = Database(db_url)
    with LoadFake() as fake:
        parts = [_worker(db_url, fake) for _ in range(2)]
        for worker, _, _ in parts:
            worker.start()
        try:
            # Two waves: while one sender works through the first, the second wave is due,
            # so without a shared count each process would send a wave at 30/s at once.
            _burst(db, 45)
            time.sleep(0.4)
            _burst(db, 45, start=45)
            _wait_sent(db, 90, timeout=30)
        finally:
            for worker, wdb, channel in parts:
                worker.stop()
                channel.close()
                wdb.dispose()
    db.dispose()
    texts = Counter(a.text for a in fake.arrivals)
    assert len(texts) == 90 and set(texts.values()) == {1}
    # 30 per second by Telegram's count; a few ms of arrival jitter can squeeze one more in
    assert window_peak([a.t for a in fake.arrivals]) <= 31


def test_when_the_sending_process_stops_another_takes_over(db_url: str) -> None:
    db = Database(db_url)
    with LoadFake() as fake:
        (first, first_db, first_channel), (second, second_db, second_channel) = (
            _worker(db_url, fake), _worker(db_url, fake))
        first.start()
        _burst(db, 5)
        _wait_sent(db, 5, timeout=10)
        second.start()
        first.stop()  # a killed process's lock goes with it (session / file descriptor)
        _burst(db, 5, start=5)
        _wait_sent(db, 10, timeout=10)
        second.stop()
        for channel, wdb in ((first_channel, first_db), (second_channel, second_db)):
            channel.close()
            wdb.dispose()
    db.dispose()
    assert sorted(a.text for a in fake.arrivals) == sorted(f"offer {i}" for i in range(10))


def test_the_lock_is_one_holder_at_a_time(db_url: str) -> None:
    a_db, b_db = Database(db_url), Database(db_url)
    a, b = SenderLock(a_db, "telegram"), SenderLock(b_db, "telegram")
    try:
        assert a.held() and a.held()  # kept, not taken twice
        assert not b.held()
        with b_db.transaction() as conn, conn.begin_nested():  # the pool is unharmed by
            conn.execute(text("SELECT 1"))  # the attempt (savepoints need a transaction)
        other = SenderLock(b_db, "wechat")
        assert other.held()  # one lock per channel
        other.release()
        a.release()
        assert b.held() and not a.held()
    finally:
        a.release()
        b.release()
        a_db.dispose()
        b_db.dispose()


def test_a_new_sender_recovers_what_a_killed_one_had_claimed_at_once(db_url: str) -> None:
    """A sender killed with a batch claimed leaves it 'sending'. The process that takes
    over knows those claims are the dead one's, so it does not wait the 10-minute stale
    period: the row that may have been in flight is failed (at most once), the rest go."""
    db = Database(db_url)
    _burst(db, 3)
    with db.session() as s:  # the dead sender's claim: nothing recorded after it
        claimed = repo.claim_due(s, utcnow(), channels=["telegram"])
    assert len(claimed) == 3
    with LoadFake() as fake:
        worker, wdb, channel = _worker(db_url, fake)
        worker.start()
        try:
            _wait_sent(db, 2, timeout=10)
        finally:
            worker.stop()
            channel.close()
            wdb.dispose()
    with db.read() as s:
        rows = s.execute(select(OutboxMessage.idempotency_key, OutboxMessage.status)
                         .order_by(OutboxMessage.id)).all()
    db.dispose()
    assert [status for _, status in rows] == ["failed", "sent", "sent"]
    assert sorted(a.text for a in fake.arrivals) == ["offer 1", "offer 2"]
