"""SLA timers: a warning near the deadline and one escalation at the breach, exactly once
even when scans repeat or run at the same time (both databases)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from flows.business import complaints
from flows.business.proactive import live_section
from scheduler import sla
from storage import repo
from storage import tickets as store
from storage.db import Database
from storage.models import ConversationEvent, OutboxMessage
from storage.models_business import Ticket, TicketChange
from storage.models_console import ConsoleUser

OPENED = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _clean(db: Database) -> None:
    """The PostgreSQL fixture empties the conversation tables only."""
    if db.is_postgres:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE ticket_changes, tickets, console_users "
                                 "RESTART IDENTITY CASCADE")


def open_urgent(db: Database, *, lang: str = "zh") -> str:
    """An urgent ticket (reply in 1 h, fix in 24 h) from a web customer, and a supervisor."""
    with db.session() as s:
        conv = repo.conversation_for(s, "web", "sla-user", lang=lang)
        repo.save_conversation(s, conv, state={}, lang=lang)
        for name, role in (("agent1", "agent"), ("boss", "supervisor"), ("boss2", "supervisor")):
            s.execute(insert(ConsoleUser).values(username=name, role=role, password_hash="x",
                                                 active=True, created_at=OPENED))
        t = complaints.open_ticket(s, customer_id=conv.customer_id, description="柜子磕坏了",
                                   ticket_class="urgent", topic="damage",
                                   config=live_section("complaints"), now=OPENED,
                                   conversation_id=conv.id)
    return t.public_id


def events(db: Database, type_: str) -> list[dict[str, Any]]:
    with db.read() as s:
        return [dict(d) for d in s.execute(select(ConversationEvent.data)
                                           .where(ConversationEvent.type == type_)).scalars()]


def test_near_breach_warns_once(db: Database) -> None:
    ticket_id = open_urgent(db)
    assert sla.scan(db, OPENED + timedelta(minutes=47)).warned == []
    first = sla.scan(db, OPENED + timedelta(minutes=49))
    assert first.warned == [f"{ticket_id}:reply"] and first.escalated == []
    assert sla.scan(db, OPENED + timedelta(minutes=55)).warned == []
    [warning] = events(db, "sla_warning")
    assert (warning["ticket_id"], warning["deadline"]) == (ticket_id, "reply")


def test_breach_escalates_once_with_priority_supervisor_and_customer_message(
        db: Database) -> None:
    ticket_id = open_urgent(db)
    with db.read() as s:
        before = s.execute(select(Ticket.priority)).scalar_one()
    at = OPENED + timedelta(hours=1, minutes=1)
    assert sla.scan(db, at).escalated == [f"{ticket_id}:reply"]
    assert sla.scan(db, at + timedelta(minutes=1)).escalated == []
    with db.read() as s:
        t = store.get_ticket(s, ticket_id)
        priority = s.execute(select(Ticket.priority)).scalar_one()
        notes = list(s.execute(select(TicketChange.note).where(TicketChange.actor == sla.ACTOR))
                     .scalars())
        told = list(s.execute(select(OutboxMessage.payload["text"].as_string())
                              .where(OutboxMessage.idempotency_key.like("sla:%"))).scalars())
    assert t is not None and t.assigned_to == "boss" and t.status == "open"
    assert priority == before + 1
    assert len(notes) == 1 and str(notes[0]).startswith("sla_breached:reply:")
    assert told == [f"非常抱歉，您的工单 {ticket_id} 处理时间超出了我们的承诺。主管已接手，会尽快联系您。"]
    [breach] = events(db, "sla_breached")
    assert breach["supervisor"] == "boss" and breach["customer_told"] is True
    # the fix deadline is its own: warned near 24 h, escalated after (priority up again)
    assert sla.scan(db, OPENED + timedelta(hours=20)).warned == [f"{ticket_id}:fix"]
    assert sla.scan(db, OPENED + timedelta(hours=25)).escalated == [f"{ticket_id}:fix"]


def test_concurrent_scans_escalate_once(db: Database) -> None:
    ticket_id = open_urgent(db)
    at = OPENED + timedelta(hours=2)
    reports: list[sla.SlaReport] = []
    start = threading.Barrier(4)

    def run() -> None:
        start.wait()
        reports.append(sla.scan(db, at))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(x for r in reports for x in r.escalated) == [f"{ticket_id}:reply"]
    assert len(events(db, "sla_breached")) == 1
    with db.read() as s:
        assert s.execute(select(Ticket.priority)).scalar_one() == 4  # urgent 3, + 1 once
        assert len(list(s.execute(select(OutboxMessage.id).where(
            OutboxMessage.idempotency_key.like("sla:%"))).scalars())) == 1


def test_an_acknowledged_ticket_has_no_reply_deadline(db: Database) -> None:
    ticket_id = open_urgent(db)
    with db.session() as s:
        complaints.change_status(s, ticket_id, "acknowledged", "agent:li", now=OPENED,
                                 config=live_section("complaints"))
    assert sla.scan(db, OPENED + timedelta(hours=2)).escalated == []
