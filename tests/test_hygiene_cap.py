"""The daily cap holds when dispatchers run at the same time (both databases)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime

from scheduler.dispatcher import dispatch_due
from storage import repo
from storage.db import Database
from storage.repo import Claimed, NewOutbox

from .test_dispatcher import Outcome, RecordingChannel
from .test_hygiene import add, at, customer, row


def test_a_second_dispatcher_counts_the_message_the_first_is_still_sending(
        db: Database) -> None:
    cid = customer(db)
    add(db, cid, "care:morning", at(23, 9, 30))
    dispatch_due(db, RecordingChannel(), now=at(23, 9, 31))  # 1 of 2 today
    add(db, cid, "care:noon", at(23, 12))
    add(db, cid, "care:noon-too", at(23, 12), channel="wechat", recipient="o42")
    second = RecordingChannel()

    class Slow(RecordingChannel):
        """While the platform takes this dispatcher's message (the 2nd today), another
        dispatcher — another channel's thread, or another process — runs."""

        def __call__(self, claimed: Claimed) -> Outcome | None:
            dispatch_due(db, second, now=at(23, 12, 1), channels=["wechat"])
            return super().__call__(claimed)

    first = Slow()
    dispatch_due(db, first, now=at(23, 12, 1), channels=["telegram"])
    assert [k for *_, k in first.sent] == ["care:noon"] and second.sent == []
    held = row(db, "care:noon-too")
    assert held.status == "pending" and held.due_at == at(24, 9)  # tomorrow morning


def _due_for_many(db: Database, customers: int, when: datetime) -> list[int]:
    ids = []
    with db.session() as s:
        for n in range(customers):
            cid = repo.ensure_identity(s, "telegram", f"t{n}").customer_id
            ids.append(cid)
            repo.enqueue(s, [
                NewOutbox(f"c{cid}:{channel}:{i}", cid, channel, f"t{n}", {"text": "hi"},
                          kind="care", due_at=when)
                for channel in ("telegram", "wechat") for i in range(2)])
    return ids


def test_two_dispatchers_racing_never_send_a_customer_over_the_cap(db: Database) -> None:
    customers = _due_for_many(db, 30, at(23, 10))
    channels = {"telegram": RecordingChannel(), "wechat": RecordingChannel()}
    start = threading.Barrier(2)

    def run(name: str) -> None:
        start.wait()
        for _ in range(40):  # small batches: many claim transactions interleave
            dispatch_due(db, channels[name], now=at(23, 10, 1), channels=[name], batch=3)

    threads = [threading.Thread(target=run, args=(name,)) for name in channels]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    per_customer = Counter(int(key.split(":")[0][1:])
                           for channel in channels.values() for *_, key in channel.sent)
    assert set(per_customer) == set(customers)
    assert max(per_customer.values()) == 2 == min(per_customer.values())  # the cap, exactly
