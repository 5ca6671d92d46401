"""Booking care rows follow the booking: created, moved, cancelled, completed (both databases)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from flows.business import booking as biz
from flows.business.care_rules import brief_crews
from storage.models import ConversationEvent

from .conftest import TZ
from .test_care_world import BOOKING, CareWorld, care_world_fixture  # noqa: F401  (fixture)

MOVE_DAY = date(2026, 12, 5)  # Saturday; the morning slot starts at 08:00


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def test_a_booking_schedules_its_reminder_three_days_before(care_world: CareWorld) -> None:
    cid = care_world.customer()
    made = care_world.book(cid, MOVE_DAY)
    [row] = care_world.rows(kind="care")
    assert (row.payload["rule"], row.status, row.due_at) == (
        "reminder_3d", "pending", local(2026, 12, 2, 10, 0))
    assert row.ref == f"booking:{made.public_id}" and row.channel == "web"
    assert row.idempotency_key == f"care:reminder_3d:{made.public_id}:20261205morning"
    assert row.payload["text"].startswith("王女士您好，提醒您：12月5日（周六） 上午 08:00–12:00 的搬家")
    assert row.payload["booking_id"] == made.public_id


def test_the_reminder_is_in_the_customer_language(care_world: CareWorld) -> None:
    cid = care_world.customer("bob", lang="en", name="Bob")
    care_world.book(cid, MOVE_DAY)
    [row] = care_world.rows(kind="care")
    assert row.payload["text"].startswith("Hi Bob, a reminder: your Moving (booking B")
    assert "on Sat Dec 5, Morning 08:00–12:00, at 浦东新区世纪大道1号." in row.payload["text"]


def test_reschedule_moves_the_rows_and_moving_back_revives_them(care_world: CareWorld) -> None:
    cid = care_world.customer()
    made = care_world.book(cid, MOVE_DAY)
    with care_world.db.transaction() as conn:
        biz.reschedule_booking(conn, BOOKING, made.public_id, date(2026, 12, 12), "afternoon",
                               care_world.now, "customer")
    assert care_world.care_rows() == [
        ("reminder_3d", "cancelled", local(2026, 12, 2, 10, 0)),
        ("reminder_3d", "pending", local(2026, 12, 9, 10, 0))]
    with care_world.db.transaction() as conn:
        biz.reschedule_booking(conn, BOOKING, made.public_id, MOVE_DAY, "morning",
                               care_world.now, "customer")
    assert care_world.care_rows() == [
        ("reminder_3d", "pending", local(2026, 12, 2, 10, 0)),
        ("reminder_3d", "cancelled", local(2026, 12, 9, 10, 0))]


def test_cancel_drops_the_rows(care_world: CareWorld) -> None:
    cid = care_world.customer()
    made = care_world.book(cid, MOVE_DAY)
    with care_world.db.transaction() as conn:
        biz.cancel_booking(conn, made.public_id, care_world.now, "customer")
    assert [status for _, status, _ in care_world.care_rows()] == ["cancelled"]


def test_completion_starts_the_follow_ups(care_world: CareWorld) -> None:
    cid = care_world.customer()
    made = care_world.book(cid, date(2026, 11, 26))  # Thursday: the reminder is already past
    assert care_world.care_rows() == []
    done_at = local(2026, 11, 26, 15, 30)
    with care_world.db.transaction() as conn:
        biz.complete_booking(conn, made.public_id, done_at, "ops")
    assert care_world.care_rows() == [
        ("followup_72h", "pending", local(2026, 11, 29, 15, 30)),
        ("goods_check_1w", "pending", local(2026, 12, 3, 10, 0)),
        ("care_90d", "pending", local(2027, 2, 24, 10, 0))]
    [row] = care_world.rows(kind="care", due_at=local(2026, 12, 3, 10, 0))
    assert row.idempotency_key == f"care:goods_check_1w:{made.public_id}:done"


def test_completion_cancels_a_reminder_still_pending(care_world: CareWorld) -> None:
    cid = care_world.customer()
    made = care_world.book(cid, MOVE_DAY, service="cleaning")
    with care_world.db.transaction() as conn:
        biz.complete_booking(conn, made.public_id, local(2026, 11, 24, 12, 0), "ops")
    rules = {(rule, status) for rule, status, _ in care_world.care_rows()}
    assert ("reminder_3d", "cancelled") in rules and ("care_30d", "pending") in rules
    assert ("goods_check_1w", "pending") not in rules  # moving only


def test_a_customer_without_a_channel_is_recorded_as_skipped(care_world: CareWorld) -> None:
    cid = care_world.unreachable()
    care_world.book(cid, MOVE_DAY)
    [row] = care_world.rows(kind="care")
    assert (row.status, row.last_error, row.channel, row.recipient) == (
        "skipped", "no_channel", "none", "")


def test_the_crew_is_briefed_the_day_before_once(care_world: CareWorld) -> None:
    cid = care_world.customer()
    with care_world.db.transaction() as conn:
        from storage.profiles import add_preference

        add_preference(conn, cid, "不要柠檬味清洁剂")
    made = care_world.book(cid, MOVE_DAY, preferences=["请带鞋套"])
    with care_world.db.transaction() as conn:
        assert brief_crews(conn, local(2026, 12, 4, 15, 59)) == []
        assert len(brief_crews(conn, local(2026, 12, 4, 16, 0))) == 1
        assert brief_crews(conn, local(2026, 12, 4, 17, 0)) == []
    [row] = care_world.rows(kind="briefing")
    assert (row.status, row.channel, row.recipient) == ("sent", "console", "crew")
    with care_world.db.read() as s:
        [event] = s.execute(select(ConversationEvent).where(
            ConversationEvent.type == "crew_briefing")).scalars()
    assert event.data["booking_id"] == made.public_id
    assert event.data["preferences"] == ["请带鞋套", "不要柠檬味清洁剂"]
    assert event.data["text"] == (f"明日搬家：订单 {made.public_id}，12月5日（周六） 上午 08:00–12:00，"
                                  "浦东新区世纪大道1号。客户偏好：请带鞋套；不要柠檬味清洁剂")


def test_rows_follow_the_booking_to_an_earlier_slot_on_the_same_day(care_world: CareWorld) -> None:
    cid = care_world.customer()
    made = care_world.book(cid, MOVE_DAY, slot="afternoon")
    with care_world.db.transaction() as conn:
        biz.reschedule_booking(conn, BOOKING, made.public_id, MOVE_DAY, "morning",
                               care_world.now + timedelta(hours=1), "customer")
    assert [s for _, s, _ in care_world.care_rows()] == ["cancelled", "pending"]
