"""The handoff timeout (scheduler/handoff_scan.py): nobody claims in 3 working minutes →
callback promised with a ticket id, ticket opened, back to the bot — exactly once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from scheduler.handoff_scan import scan_timeouts

from .conftest import TZ
from .test_handoff_helpers import Desk, desk_fixture  # noqa: F401  (fixture)


def test_an_unclaimed_conversation_gets_a_callback_ticket_once(desk: Desk) -> None:
    desk.say("amy", "转人工")
    queued_at = desk.now - timedelta(seconds=30)
    assert scan_timeouts(desk.db, queued_at + timedelta(minutes=2, seconds=59), tz=TZ) == 0
    at = queued_at + timedelta(minutes=3, seconds=1)
    assert scan_timeouts(desk.db, at, tz=TZ) == 1
    assert scan_timeouts(desk.db, at + timedelta(seconds=15), tz=TZ) == 0  # the next run
    [ticket] = desk.tickets()
    assert (ticket.severity, ticket.topic, ticket.source, ticket.status) == (
        "experience", "communication", "handoff", "open")
    assert ticket.conversation_id == desk.cid("amy") and "asked" in ticket.description
    [row] = desk.outbox("amy", kind="handoff")
    assert row.payload["text"] == (
        f"抱歉让您久等了，客服暂时都在忙。我们已为您登记回电（工单号 {ticket.public_id}），会尽快联系您。"
        "现在由小助手继续为您服务。")
    conv = desk.conv("amy")
    assert (conv.status, conv.queued_at, conv.handoff_reason) == ("bot", None, None)
    types = [t for t, _, _ in desk.events("amy")]
    assert types[-3:] == ["ticket_opened", "handoff_timeout", "message_out"]
    assert desk.events("amy", "handoff_timeout")[0][2]["ticket_id"] == ticket.public_id
    desk.now = at + timedelta(seconds=30)
    assert desk.say("amy", "你好")[0].startswith("您好！我是 Careline")


def test_the_callback_speaks_english_to_an_english_customer(desk: Desk) -> None:
    desk.say("bob", "human")
    assert scan_timeouts(desk.db, desk.now + timedelta(minutes=4), tz=TZ) == 1
    [row] = desk.outbox("bob", kind="handoff")
    assert row.payload["text"].startswith("Sorry for the wait; all our agents are busy. "
                                          "We've booked a callback for you (ticket T")


def test_a_claimed_or_cancelled_conversation_is_left_alone(desk: Desk) -> None:
    desk.say("amy", "转人工")
    desk.say("ben", "转人工")
    desk.claim("amy")
    desk.say("ben", "算了")
    assert scan_timeouts(desk.db, desk.now + timedelta(minutes=10), tz=TZ) == 0
    assert desk.tickets() == []


def test_concurrent_scans_time_out_each_conversation_once(desk: Desk) -> None:
    for user in ("amy", "ben", "cat", "dan"):
        desk.say(user, "转人工")
    at = desk.now + timedelta(minutes=5)
    results: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def scan() -> None:
        try:
            start.wait()
            results.append(scan_timeouts(desk.db, at, tz=TZ))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and sum(results) == 4
    assert len(desk.tickets()) == 4
    assert len(desk.outbox(kind="handoff")) == 4
    for user in ("amy", "ben", "cat", "dan"):
        assert len(desk.events(user, "handoff_timeout")) == 1


def test_outside_working_hours_the_clock_waits_for_the_next_opening(desk: Desk) -> None:
    desk.now = datetime(2026, 9, 30, 20, 58, tzinfo=TZ)  # Wed; open until 21:00
    desk.say("amy", "转人工")
    assert scan_timeouts(desk.db, datetime(2026, 9, 30, 21, 5, tzinfo=TZ), tz=TZ) == 0  # closed
    assert scan_timeouts(desk.db, datetime(2026, 10, 1, 12, 0, tzinfo=TZ), tz=TZ) == 0  # holiday
    # 2 working minutes that evening; the third is Saturday 10:00-10:01 (Thu, Fri holidays)
    assert scan_timeouts(desk.db, datetime(2026, 10, 3, 10, 0, 45, tzinfo=TZ), tz=TZ) == 0
    assert desk.conv("amy").status == "queued"
    assert scan_timeouts(desk.db, datetime(2026, 10, 3, 10, 1, 15, tzinfo=TZ), tz=TZ) == 1
    assert desk.conv("amy").status == "bot"


@pytest.mark.parametrize("minutes", [2, 4])
def test_queued_inside_hours_uses_plain_minutes(desk: Desk, minutes: int) -> None:
    desk.say("amy", "转人工")
    fired = scan_timeouts(desk.db, desk.now + timedelta(minutes=minutes), tz=TZ)
    assert fired == (1 if minutes == 4 else 0)
