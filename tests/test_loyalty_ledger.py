"""The points ledger on SQLite and PostgreSQL: once per award, FIFO expiry, expiring soon."""

from __future__ import annotations

import threading
from datetime import datetime

from flows.business.loyalty import award, expire_points, points_expiring
from storage import loyalty as store
from storage.db import Database

from .conftest import NOW, TZ
from .test_loyalty_support import SECTION, new_customer


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 12, 0, tzinfo=TZ)


def rows(db: Database, customer_id: int) -> list[tuple[int, str, str]]:
    with db.read() as s:
        return [(r.delta, r.reason, r.ref) for r in store.ledger(s, customer_id)]


def test_an_award_is_made_once_per_reference(db: Database) -> None:
    with db.session() as s:
        cid = new_customer(s)
        assert award(s, SECTION, cid, "survey", "B2611230001", NOW) == 50
        assert award(s, SECTION, cid, "survey", "B2611230001", NOW) is None
        assert award(s, SECTION, cid, "survey", "B2611230002", NOW) == 50
        assert award(s, SECTION, cid, "spend", "B2611230001", NOW, amount=1234.5) == 123
    with db.read() as s:
        assert store.balance(s, cid) == 223
        (first, *_) = store.ledger(s, cid)
        assert first.expires_at == datetime(2027, 11, 23, 10, 0, tzinfo=TZ)  # 12 months later
    assert rows(db, cid) == [(50, "survey", "B2611230001"), (50, "survey", "B2611230002"),
                             (123, "spend", "B2611230001")]


def test_two_workers_awarding_the_same_survey_pay_once(db: Database) -> None:
    with db.session() as s:
        cid = new_customer(s)
    start = threading.Barrier(2)
    results: list[int | None] = []

    def worker() -> None:
        start.wait()
        with db.session() as s:
            results.append(award(s, SECTION, cid, "survey", "B2611230009", NOW))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results, key=str) == [50, None]
    with db.read() as s:
        assert store.balance(s, cid) == 50
    assert rows(db, cid) == [(50, "survey", "B2611230009")]


def test_expiry_takes_only_unspent_points_oldest_first(db: Database) -> None:
    with db.session() as s:
        cid = new_customer(s)
        award(s, SECTION, cid, "spend", "B1", at(2025, 1, 10), amount=1000)   # lot 1: 100, to 2026-01-10
        award(s, SECTION, cid, "spend", "B2", at(2025, 6, 1), amount=600)     # lot 2: 60, to 2026-06-01
        store.add_points(s, cid, -120, "redeem", "Q1", now=at(2025, 8, 1))    # lot 1 -100, lot 2 -20
        award(s, SECTION, cid, "survey", "B2", at(2025, 12, 1))               # lot 3: 50, to 2026-12-01
    with db.session() as s:
        assert expire_points(s, at(2026, 1, 15)) == {}  # lot 1 was spent in full
        assert store.balance(s, cid) == 90
    with db.session() as s:
        assert points_expiring(s, cid, at(2026, 5, 10), 30).points == 40
        assert expire_points(s, at(2026, 6, 2)) == {cid: 40}
        assert expire_points(s, at(2026, 6, 2)) == {}  # a second run changes nothing
        assert store.balance(s, cid) == 50
    with db.read() as s:
        assert points_expiring(s, cid, at(2026, 10, 1), 30).points == 0
        soon = points_expiring(s, cid, at(2026, 11, 5), 30)
        assert (soon.points, soon.first_at) == (50, at(2026, 12, 1))
    with db.session() as s:
        assert expire_points(s, at(2026, 12, 2)) == {cid: 50}
    assert rows(db, cid)[-2:] == [(-40, "expire", _lot_ref(db, cid, 2)),
                                  (-50, "expire", _lot_ref(db, cid, 3))]
    with db.read() as s:
        assert store.balance(s, cid) == 0


def _lot_ref(db: Database, customer_id: int, nth_earned: int) -> str:
    with db.read() as s:
        earned = [r for r in store.ledger(s, customer_id) if r.delta > 0]
    return f"lot:{earned[nth_earned - 1].id}"


def test_a_spend_after_the_expiry_date_but_before_the_run_never_goes_negative(db: Database) -> None:
    with db.session() as s:
        cid = new_customer(s)
        award(s, SECTION, cid, "survey", "B1", at(2025, 1, 10))            # 50, to 2026-01-10
        award(s, SECTION, cid, "survey", "B2", at(2025, 9, 1))             # 50, to 2026-09-01
        store.add_points(s, cid, -70, "redeem", "Q1", now=at(2026, 2, 1))  # the old lot first
    with db.session() as s:
        assert expire_points(s, at(2026, 2, 2)) == {}  # lot 1 spent; lot 2 not due
        assert expire_points(s, at(2026, 9, 2)) == {cid: 30}
        assert store.balance(s, cid) == 0
