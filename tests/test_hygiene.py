"""Message hygiene at dispatch: quiet hours, the daily cap, opt-out, no channel (both DBs)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from flows.business.messaging import MessagingConfig, config_of, set_opted_out
from scheduler import hygiene
from scheduler.dispatcher import dispatch_due
from storage import repo
from storage.db import Database
from storage.models import OutboxMessage
from storage.repo import NewOutbox

from .test_dispatcher import RecordingChannel

TZ = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ)


def customer(db: Database, user: str = "42") -> int:
    with db.session() as s:
        return repo.ensure_identity(s, "telegram", user).customer_id


def add(db: Database, cid: int, key: str, due: datetime, *, kind: str = "care",
        channel: str = "telegram", recipient: str = "42") -> None:
    with db.session() as s:
        repo.enqueue(s, [NewOutbox(key, cid, channel, recipient, {"text": key}, kind=kind,
                                   due_at=due)])


def row(db: Database, key: str) -> OutboxMessage:
    with db.read() as s:
        return s.execute(select(OutboxMessage)
                         .where(OutboxMessage.idempotency_key == key)).scalar_one()


def run(db: Database, now: datetime, channel: RecordingChannel) -> object:
    return dispatch_due(db, channel, now=now)


def test_quiet_hours_move_a_care_row_to_the_morning(db: Database) -> None:
    cid = customer(db)
    add(db, cid, "care:late", at(23, 22, 30))
    add(db, cid, "reply:late", at(23, 22, 30), kind="reply")
    channel = RecordingChannel()
    report = run(db, at(23, 22, 31), channel)
    assert [k for *_, k in channel.sent] == ["reply:late"]  # a reply is never held
    held = row(db, "care:late")
    assert (held.status, held.attempts) == ("pending", 0)
    assert held.due_at == at(24, 9, 0)
    assert report.deferred == 1  # type: ignore[attr-defined]
    run(db, at(24, 9, 0), channel)
    assert row(db, "care:late").status == "sent"


def test_the_third_proactive_message_of_a_day_moves_to_tomorrow(db: Database) -> None:
    cid = customer(db)
    for i in range(3):
        add(db, cid, f"care:{i}", at(23, 10, i))
    channel = RecordingChannel()
    run(db, at(23, 10, 5), channel)
    assert [k for *_, k in channel.sent] == ["care:0", "care:1"]
    moved = row(db, "care:2")
    assert moved.status == "pending" and moved.due_at == at(24, 9, 0)
    # a later pass the same day keeps it waiting; a reply still goes at once
    add(db, cid, "reply:x", at(23, 11), kind="reply")
    run(db, at(23, 11, 1), channel)
    assert [k for *_, k in channel.sent][-1] == "reply:x"
    run(db, at(24, 9, 1), channel)
    assert row(db, "care:2").status == "sent"


def test_an_opted_out_customer_gets_no_care_rows(db: Database) -> None:
    cid = customer(db)
    add(db, cid, "care:bday", at(23, 10))
    add(db, cid, "flow:survey", at(23, 10), kind="flow")
    add(db, cid, "ticket:update", at(23, 10), kind="ticket")
    with db.session() as s:
        set_opted_out(s, cid, True, at="2026-11-23T09:00:00+08:00")
    channel = RecordingChannel()
    run(db, at(23, 10, 1), channel)
    assert [k for *_, k in channel.sent] == ["ticket:update"]
    for key in ("care:bday", "flow:survey"):
        skipped = row(db, key)
        assert (skipped.status, skipped.last_error) == ("skipped", "opted_out")


def test_a_row_without_a_channel_is_skipped_once(db: Database) -> None:
    cid = customer(db)
    add(db, cid, "care:nowhere", at(23, 10), channel=hygiene.NO_CHANNEL, recipient="")
    channel = RecordingChannel()
    report = run(db, at(23, 10, 1), channel)
    assert channel.sent == [] and report.skipped == 1  # type: ignore[attr-defined]
    skipped = row(db, "care:nowhere")
    assert (skipped.status, skipped.last_error, skipped.attempts) == ("skipped", "no_channel", 1)
    again = run(db, at(25, 10), channel)
    assert again.claimed == 0  # type: ignore[attr-defined]


def test_quiet_hours_arithmetic() -> None:
    cfg = MessagingConfig()
    assert hygiene.quiet_until(at(23, 20, 59), cfg, TZ) is None
    assert hygiene.quiet_until(at(23, 21, 0), cfg, TZ) == at(24, 9)
    assert hygiene.quiet_until(at(24, 3, 0), cfg, TZ) == at(24, 9)
    assert hygiene.quiet_until(at(24, 9, 0), cfg, TZ) is None
    off = config_of({"quiet_hours": "off", "daily_cap": 0})
    assert hygiene.quiet_until(at(23, 23), off, TZ) is None
    assert hygiene.next_morning(at(23, 23), off, TZ) == at(24, 0)
    lunch = config_of({"quiet_hours": {"start": "12:00", "end": "13:30"}})
    assert hygiene.quiet_until(at(23, 12, 15), lunch, TZ) == at(23, 13, 30)
    assert hygiene.send_time(at(23, 22), cfg, TZ) == at(24, 9) - timedelta(0)


def test_proactive_kinds_are_listed_once() -> None:
    assert {"care", "campaign", "flow"} <= hygiene.PROACTIVE_KINDS
    assert not {"reply", "ticket", "survey"} & hygiene.PROACTIVE_KINDS
