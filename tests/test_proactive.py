"""Flow rows in the outbox: started by the starter, kept when no starter runs, refused when
the flow does not exist."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.delivery import ChannelSender
from flows.business.proactive import schedule_flow
from scheduler.dispatcher import dispatch_due
from storage.models import Conversation

from .test_survey_world import World, world_fixture  # noqa: F401  (fixture)


def queue(w: World, flow: str, key: str) -> None:
    with w.db.session() as s:
        schedule_flow(s, w.customer_id, flow, {"ticket_id": "T2611230001"}, key=key,
                      due_at=w.now, ref="ticket:T2611230001", postpone_minutes=10)


def test_a_process_without_a_starter_keeps_the_row_for_later(world: World) -> None:
    world.say("hello")
    queue(world, "ticket_rating", "rate:1")
    report = dispatch_due(world.db, ChannelSender({"web": world.web}), now=world.now)
    [row] = world.outbox(kind="flow")
    assert report.retried == 1 and row.status == "pending"
    assert row.last_error == "no flow starter in this process; retrying later"
    world.dispatch(world.now + timedelta(days=1))  # a process that can start flows
    world.dispatch(world.now)
    assert world.web.texts[-1].startswith("How happy are you with how ticket T2611230001")


def test_an_unknown_flow_fails_for_good(world: World) -> None:
    world.say("hello")
    queue(world, "no_such_flow", "rate:2")
    report = world.dispatch(world.now)
    [row] = world.outbox(kind="flow")
    assert report.failed == 1 and row.status == "failed"
    assert row.last_error == "flow 'no_such_flow' is not in the scripts"


def test_a_conversation_with_an_agent_is_left_alone(world: World) -> None:
    world.say("hello")
    with world.db.transaction() as s:  # an agent has taken the conversation over
        s.execute(update(Conversation).values(status="agent"))
    queue(world, "ticket_rating", "rate:3")
    world.dispatch(world.now)
    [row] = world.outbox(kind="flow")
    assert row.status == "pending"
    assert row.last_error == "postponed: the customer is busy (conversation is with an agent (agent))"
    assert world.events("proactive_started") == []
