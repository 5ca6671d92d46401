"""A delivery worker with nothing to send costs little, and still sends at once.

The Telegram sender used to look for other processes' rows every 0.1 s — about 20 queries a
second on an idle bot. Now another process's rows wake it (PostgreSQL NOTIFY, SQLite file
changes: scheduler/outbox_watch.py) and an idle sender reads once per ``idle_wait``.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, select

from bench.load_fake import LoadFake
from bot.channels.telegram import TelegramChannel
from bot.delivery import ChannelSender
from scheduler.delivery import DeliveryWorker
from storage import repo
from storage.db import Database
from storage.models import OutboxMessage
from storage.repo import NewOutbox

from .fakes.telegram_api import TOKEN


def _count_statements(db: Database) -> list[str]:
    seen: list[str] = []

    def _on(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    for engine in {db.engine, db.read_engine}:
        event.listen(engine, "before_cursor_execute", _on)
    return seen


def _offer(db: Database, key: str) -> None:
    with db.session() as s:
        ref = repo.ensure_identity(s, "telegram", "campaign")
        repo.enqueue(s, [NewOutbox(key, ref.customer_id, "telegram", "7001", {"text": key})])


def test_an_idle_sender_barely_queries_and_another_process_s_row_goes_out_at_once(
        db_url: str) -> None:
    db = Database(db_url)  # "another process": its own engine, as far as the database knows
    with LoadFake() as fake:
        wdb = Database(db_url)
        channel = TelegramChannel(TOKEN, api_base=fake.base_url)
        worker = DeliveryWorker(wdb, ChannelSender({"telegram": channel}), ["telegram"],
                                idle_wait=2.0).start()
        try:
            _offer(db, "warm-up")  # the sender has taken its lock and sent once
            deadline = time.monotonic() + 10
            while not fake.arrivals and time.monotonic() < deadline:
                time.sleep(0.05)
            assert [a.text for a in fake.arrivals] == ["warm-up"]

            # Three idle seconds: a look every 2 s (a read and its BEGIN) and one for dead
            # claimers' batches every 5 s (scheduler/claimers.py) — the 0.1 s poll made ~120.
            statements = _count_statements(wdb)
            time.sleep(3.0)
            idle = len(statements)
            assert idle <= 10, statements

            # The other process queues a reply: it reaches Telegram well before a poll would.
            queued = time.monotonic()
            _offer(db, "your quote is ready")
            while len(fake.arrivals) < 2 and time.monotonic() < queued + 5:
                time.sleep(0.01)
            took = time.monotonic() - queued
        finally:
            worker.stop()
            channel.close()
            wdb.dispose()
    with db.read() as s:
        statuses = s.execute(select(OutboxMessage.status)).scalars().all()
    db.dispose()
    assert [a.text for a in fake.arrivals] == ["warm-up", "your quote is ready"]
    assert statuses == ["sent", "sent"]
    assert took < 0.5, f"took {took:.2f} s"
