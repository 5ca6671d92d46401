"""The dashboard rollup turns the event history into contacts and daily counts — once per
event, whatever the order of runs, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from storage import kpi_rollup
from storage.db import Database
from storage.models import ConversationEvent
from storage.models_kpi import KpiContact, KpiDaily

from .kpi_support import World, at

LATER = at(30)  # long after everything below: every contact's 72 hours have passed


def contacts(db: Database) -> list[dict[str, Any]]:
    with db.read() as s:
        rows = s.execute(select(KpiContact).order_by(KpiContact.id)).scalars().all()
        return [{c.name: getattr(r, c.name) for c in KpiContact.__table__.columns} for r in rows]


def daily(db: Database) -> dict[tuple[Any, ...], dict[str, Any]]:
    with db.read() as s:
        rows = s.execute(select(KpiDaily)).scalars().all()
        return {(r.day, r.channel, r.region, r.service, r.tier):
                {c.name: getattr(r, c.name) for c in KpiDaily.__table__.columns} for r in rows}


@pytest.fixture
def world(db: Database) -> World:
    return World(db)


def test_a_contact_is_messages_without_a_30_minute_pause(world: World) -> None:
    world.customer("li", region="海淀区", tier="gold")
    world.says("li", at(2, 10, 0), "搬家多少钱", extra=(
        ("flow_started", "bot", {"flow": "quote"}),
        ("slot_set", "bot", {"flow": "quote", "slot": "service_type", "value": "moving"})))
    world.says("li", at(2, 10, 29))          # 29 minutes later: same contact
    world.says("li", at(2, 11, 0))           # 31 minutes after the last: a new one
    world.roll(LATER)
    first, second = contacts(world.db)
    assert (first["messages_in"], second["messages_in"]) == (2, 1)
    assert first["service"] == "moving" and second["service"] == ""
    assert first["region"] == second["region"] == "海淀区" and first["tier"] == "gold"
    assert first["day"] == date(2026, 11, 2) and first["first_response_s"] == 0.0
    # the second came within 72 h of the first: the first was not resolved at first contact
    assert first["repeat"] is True and second["repeat"] is False


def test_handoff_person_and_agent_response_time(world: World) -> None:
    world.customer("wang")
    world.says("wang", at(3, 9, 0), "转人工", extra=(
        ("handoff_requested", "system", {"reason": "asked"}),
        ("handoff_queued", "system", {"position": 1})))
    # 50 minutes in the queue is still the same contact: a handoff keeps it open
    world.events("wang", at(3, 9, 50), ("handoff_claimed", "agent", {"agent": "sue"}))
    world.events("wang", at(3, 9, 52), ("message_out", "agent", {"text": "您好"}))
    world.events("wang", at(3, 10, 0), ("handoff_released", "agent", {}))
    world.says("wang", at(3, 10, 40), "谢谢")  # 40 minutes after the release: a new contact
    world.roll(LATER)
    handed, after = contacts(world.db)
    assert handed["handoff"] and handed["person"] and not handed["pending_handoff"]
    assert handed["agent_first_response_s"] == 52 * 60
    assert handed["messages_in"] == 1
    assert not after["handoff"] and not after["person"]


def test_a_queue_timeout_counts_as_a_person_and_a_cancelled_request_does_not(world: World) -> None:
    world.customer("zhao")
    world.customer("qian")
    world.says("zhao", at(4, 9), extra=(("handoff_requested", "system", {}),))
    world.events("zhao", at(4, 9, 3), ("handoff_timeout", "system", {}))
    world.says("qian", at(4, 9), extra=(("handoff_requested", "system", {}),))
    world.events("qian", at(4, 9, 1), ("handoff_cancelled", "customer", {}))
    world.roll(LATER)
    timed_out, cancelled = contacts(world.db)
    assert timed_out["handoff"] and timed_out["person"]      # a callback is owed: not contained
    assert cancelled["handoff"] and not cancelled["person"]  # finished without a person


def test_an_answer_to_our_survey_is_not_a_repeat_contact(world: World) -> None:
    world.customer("sun")
    world.says("sun", at(5, 10))
    world.events("sun", at(5, 16), ("proactive_started", "system", {"flow": "survey"}),
                 ("message_out", "bot", {"text": "请打分"}))
    world.says("sun", at(5, 16, 5), "5")
    world.roll(LATER)
    first, answer = contacts(world.db)
    assert answer["business_initiated"] and not first["repeat"]


def test_repeat_contacts_are_found_across_the_customers_channels(world: World) -> None:
    world.customer("zhou", channel="wechat")
    world.second_channel("zhou", "telegram")
    world.says("zhou", at(6, 10))
    world.says("zhou@telegram", at(8, 9))   # 47 h later on another channel
    world.says("zhou@telegram", at(12, 9))  # 4 days later: not a repeat of the second
    world.roll(LATER)
    first, second, third = contacts(world.db)
    assert (first["repeat"], second["repeat"], third["repeat"]) == (True, False, False)
    assert (first["channel"], second["channel"]) == ("wechat", "telegram")


def test_daily_counts_and_first_contact_resolution_wait_for_72_hours(world: World) -> None:
    world.customer("a", channel="web", region="朝阳区")
    world.customer("b", channel="wechat", region="朝阳区")
    world.says("a", at(10, 9), extra=(("fallback", "bot", {}),))
    world.says("b", at(10, 11), extra=(("handoff_requested", "system", {}),))
    world.events("b", at(10, 11, 2), ("handoff_claimed", "agent", {}),
                 ("message_out", "agent", {"text": "hi"}))
    world.roll(at(11, 12))  # a day later: neither outcome is known yet
    web = daily(world.db)[(date(2026, 11, 10), "web", "朝阳区", "", "basic")]
    assert (web["contacts"], web["contained"], web["handoffs"], web["fallbacks"]) == (1, 1, 0, 1)
    assert (web["fcr_decided"], web["fcr_resolved"]) == (0, 0)
    world.roll(at(13, 12))  # 72 h later: decided and resolved, without a new event
    web = daily(world.db)[(date(2026, 11, 10), "web", "朝阳区", "", "basic")]
    chat = daily(world.db)[(date(2026, 11, 10), "wechat", "朝阳区", "", "basic")]
    assert (web["fcr_decided"], web["fcr_resolved"]) == (1, 1)
    assert (chat["contacts"], chat["contained"], chat["handoffs"], chat["agent_frt_n"],
            chat["agent_frt_sum"]) == (1, 0, 1, 1, 120.0)


def _story(world: World) -> None:
    world.customer("x", region="丰台区")
    world.customer("y", channel="telegram")
    for day in range(1, 8):
        world.says("x", at(day, 10), extra=(("slot_set", "bot", {"slot": "service_type",
                                                                  "value": "cleaning"}),))
        world.says("x", at(day, 10, 20))
        world.says("y", at(day, 15), extra=(("handoff_requested", "system", {}),))
        if day % 2:
            world.events("y", at(day, 15, 1), ("handoff_claimed", "agent", {}),
                         ("message_out", "agent", {"text": "ok"}),
                         ("handoff_released", "agent", {}))


def test_incremental_runs_give_what_one_run_gives(db: Database, world: World) -> None:
    _story(world)
    reports = []
    while True:  # a few events at a time, as a busy system would see them
        report = world.roll(LATER, batch=7, max_batches=1)
        reports.append(report)
        if report.events == 0:
            break
    assert sum(r.events for r in reports) > 50 and len(reports) > 5
    step_by_step = (contacts(db), daily(db))
    kpi_rollup.reset(db)
    world.roll(LATER)
    assert (contacts(db), daily(db)) == step_by_step
    again = world.roll(LATER)  # nothing new: nothing changes
    assert again.events == 0 and (contacts(db), daily(db)) == step_by_step


def test_new_events_extend_open_contacts_and_mark_earlier_ones(world: World) -> None:
    world.customer("li")
    world.says("li", at(20, 10))
    world.roll(at(20, 10, 5))
    world.says("li", at(20, 10, 10))          # the same contact, in the next run
    world.says("li", at(21, 10))              # next day: a repeat of yesterday's
    report = world.roll(at(30))
    first, second = contacts(world.db)
    assert report.contacts_new == 1 and report.contacts_changed == 1
    assert first["messages_in"] == 2 and first["repeat"] and not second["repeat"]


def test_a_missing_event_id_waits_then_is_skipped(db: Database, world: World) -> None:
    world.customer("li")
    world.says("li", at(2, 10))
    world.roll(LATER)
    person = world.people["li"]
    with db.read() as s:
        top = s.execute(select(ConversationEvent.id).order_by(ConversationEvent.id.desc())).scalar()
    assert top is not None
    row = {"conversation_id": person.conv.id, "customer_id": person.customer_id,
           "type": "message_in", "actor": "customer", "ts": at(2, 12), "data": {}}
    with db.transaction() as conn:  # id top+1 is still "running"; top+2 committed first
        conn.execute(insert(ConversationEvent).values(id=top + 2, **row))
    now = LATER
    report = world.roll(now)
    assert report.events == 0 and report.waiting_for == top + 1
    with db.transaction() as conn:  # it commits after all: read in order
        conn.execute(insert(ConversationEvent).values(id=top + 1, **{**row, "ts": at(2, 11)}))
    report = world.roll(now + timedelta(seconds=5))
    assert report.events == 2 and report.waiting_for is None
    with db.transaction() as conn:  # top+3 never commits (rolled back); top+4 does
        conn.execute(insert(ConversationEvent).values(id=top + 4, **{**row, "ts": at(2, 13)}))
    assert world.roll(now + timedelta(seconds=10)).waiting_for == top + 3
    assert world.roll(now + timedelta(seconds=30)).events == 0  # still patient
    assert world.roll(now + timedelta(seconds=75)).events == 1  # 65 s missing: skipped
    assert [c["messages_in"] for c in contacts(db)] == [1, 1, 1, 1]


def test_two_workers_at_once_count_every_event_once(db: Database, world: World) -> None:
    _story(world)
    errors: list[Exception] = []

    def worker() -> None:
        try:
            while world.roll(LATER, batch=5, max_batches=1).events:
                pass
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    together = (contacts(db), daily(db))
    kpi_rollup.reset(db)
    world.roll(LATER)
    assert (contacts(db), daily(db)) == together
    assert sum(r["messages_in"] for r in together[0]) == 21


def test_the_rollup_status_says_how_far_it_has_read(db: Database, world: World) -> None:
    world.customer("li")
    world.says("li", at(2, 10))
    assert kpi_rollup.status(db)["pending_events"] == 3
    world.roll(LATER)
    state = kpi_rollup.status(db)
    assert state["pending_events"] == 0 and state["last_event_id"] >= 3
