"""The bookings repository on SQLite and PostgreSQL: capacity holds, also under a race."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from storage import bookings as repo
from storage import repo as core
from storage.bookings import BookingClosed, NewBooking
from storage.db import Database
from storage.models import OutboxMessage
from storage.outbox import NewOutbox, enqueue

from .conftest import NOW

SAT = date(2026, 12, 5)


def new_customer(db: Database, user: str) -> int:
    with db.transaction() as conn:
        return core.conversation_for(conn, "web", user).customer_id


def booking(customer: int, day: date = SAT, slot: str = "morning", **kw: object) -> NewBooking:
    return NewBooking(customer_id=customer, service="cleaning", day=day, slot=slot, **kw)  # type: ignore[arg-type]


def test_create_numbers_by_day_and_stops_at_capacity(db: Database) -> None:
    alice, bob, carol = (new_customer(db, u) for u in ("alice", "bob", "carol"))
    with db.transaction() as conn:
        first = repo.create_booking(conn, booking(alice, address="朝阳区建国路88号", total=360.0),
                                    capacity=2, now=NOW)
        second = repo.create_booking(conn, booking(bob), capacity=2, now=NOW)
        third = repo.create_booking(conn, booking(carol), capacity=2, now=NOW)
        other_slot = repo.create_booking(conn, booking(carol, slot="afternoon"), capacity=2,
                                         now=NOW)
    assert first is not None and second is not None and other_slot is not None
    assert [first.public_id, second.public_id, other_slot.public_id] == [
        "B2611230001", "B2611230002", "B2611230003"]
    assert third is None  # the morning had two crews
    assert first.status == "confirmed" and first.address == "朝阳区建国路88号"
    assert first.details["history"][0]["action"] == "created"
    with db.transaction() as conn:
        assert repo.count_active(conn, "cleaning", SAT, "morning") == 2
        assert repo.active_counts(conn, "cleaning", SAT, SAT) == {(SAT, "morning"): 2,
                                                                  (SAT, "afternoon"): 1}
        assert repo.get_booking(conn, "b2611230001") == first
        assert [b.public_id for b in repo.list_for_customer(conn, carol)] == ["B2611230003"]


def test_reschedule_respects_the_new_slots_capacity(db: Database) -> None:
    alice, bob = new_customer(db, "alice"), new_customer(db, "bob")
    with db.transaction() as conn:
        a = repo.create_booking(conn, booking(alice), capacity=1, now=NOW)
        b = repo.create_booking(conn, booking(bob, slot="afternoon"), capacity=1, now=NOW)
        assert a is not None and b is not None
        # Bob cannot move into Alice's full morning; moving within his own slot count is fine.
        assert repo.reschedule(conn, b.public_id, SAT, "morning", capacity=1, now=NOW,
                               actor="customer") is None
        moved = repo.reschedule(conn, b.public_id, SAT + timedelta(days=1), "afternoon",
                                capacity=1, now=NOW, actor="customer", fee_pct=20)
    assert moved is not None and moved.day == SAT + timedelta(days=1)
    assert moved.details["history"][-1] == {
        "at": NOW.isoformat(), "actor": "customer", "action": "rescheduled",
        "from": ["2026-12-05", "afternoon"], "to": ["2026-12-06", "afternoon"], "fee_pct": 20}


def test_cancel_frees_the_crew_and_drops_scheduled_messages(db: Database) -> None:
    alice, bob = new_customer(db, "alice"), new_customer(db, "bob")
    with db.transaction() as conn:
        a = repo.create_booking(conn, booking(alice), capacity=1, now=NOW)
        assert a is not None
        enqueue(conn, [NewOutbox("survey-1", alice, "web", "alice", {"text": "How was it?"},
                                 kind="survey", due_at=NOW + timedelta(days=13), ref=a.ref),
                       NewOutbox("other-1", alice, "web", "alice", {"text": "hi"}, ref="x")])
        cancelled = repo.cancel(conn, a.public_id, now=NOW, actor="customer")
        assert cancelled.status == "cancelled" and cancelled.cancelled_at == NOW
        assert repo.create_booking(conn, booking(bob), capacity=1, now=NOW) is not None
        with pytest.raises(BookingClosed):
            repo.cancel(conn, a.public_id, now=NOW, actor="customer")
        rows = dict(conn.execute(select(OutboxMessage.idempotency_key, OutboxMessage.status)).all())
    assert rows == {"survey-1": "cancelled", "other-1": "pending"}


def test_status_eta_and_completion(db: Database) -> None:
    alice = new_customer(db, "alice")
    eta = NOW.replace(hour=14, minute=30)
    with db.transaction() as conn:
        a = repo.create_booking(conn, booking(alice), capacity=1, now=NOW)
        assert a is not None
        on_way = repo.set_status(conn, a.public_id, "on_the_way", now=NOW, actor="ops",
                                 eta_at=eta, note="堵车，稍晚")
        with pytest.raises(ValueError, match="status must be one of"):
            repo.set_status(conn, a.public_id, "lost", now=NOW, actor="ops")
        done = repo.complete(conn, a.public_id, now=NOW, actor="ops")
        with pytest.raises(BookingClosed):
            repo.complete(conn, a.public_id, now=NOW, actor="ops")
    assert on_way.status == "on_the_way" and on_way.eta_at == eta
    assert on_way.status_note == "堵车，稍晚"
    assert done.status == "completed" and done.completed_at == NOW and done.eta_at is None
    assert [h["action"] for h in done.details["history"]] == ["created", "status", "completed"]


def race(dbs: list[Database], customers: list[int], day: date, capacity: int) -> list[str | None]:
    """Every customer presses "book" for (day, morning) at the same moment, in own threads."""
    barrier = threading.Barrier(len(dbs))
    results: list[str | None] = []
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            with dbs[i].transaction() as conn:
                made = repo.create_booking(conn, booking(customers[i], day=day),
                                           capacity=capacity, now=NOW)
            results.append(made.public_id if made else None)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(dbs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


def test_customers_race_for_the_last_crews(db_url: str) -> None:
    """Eight customers, each with an own engine (like separate workers), book the same slot
    at once, five slots in a row; each slot has three crews: exactly three get one."""
    capacity, racers = 3, 8
    dbs = [Database(db_url) for _ in range(racers)]
    customers = [new_customer(dbs[0], f"racer{i}") for i in range(racers)]
    try:
        for offset in range(5):
            day = SAT + timedelta(days=offset)
            results = race(dbs, customers, day, capacity)
            won = [r for r in results if r]
            assert len(results) == racers and len(won) == len(set(won)) == capacity
            with dbs[0].transaction() as conn:
                assert repo.count_active(conn, "cleaning", day, "morning") == capacity
    finally:
        for d in dbs:
            d.dispose()
