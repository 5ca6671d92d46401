"""SLA timers for complaint tickets, scanned every minute (scheduler/jobs.py).

Each deadline of an unfinished ticket — the reply deadline while it is ``open``, the fix
deadline until it is resolved — gets at most two actions, each once:

* near breach (``warn_at`` of the time used, default 80 %): a ``sla_warning`` conversation
  event, which the console's live stream shows to supervisors;
* breach: escalation — priority + 1, assigned to a supervisor (the first active console
  user with that role), the customer told about the delay in their language (the
  ``messaging.texts.sla_delay`` text) and a ``sla_breached`` event.

Both leave a ``ticket_changes`` row (actor ``system:sla``, the note starts with
``sla_warning:<kind>:<deadline>`` or ``sla_breached:…``), which is also the mark that makes
the scan idempotent: each ticket is handled in its own transaction under
``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite serialises writers), and the mark is looked
for after the lock is taken, so repeated or concurrent scans act once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from flows.business.messaging import live_config
from flows.business.notify import address_of, notify
from storage import tickets as store
from storage.db import Database
from storage.models import ConversationEvent
from storage.models_business import Ticket, TicketChange
from storage.models_console import ConsoleUser
from storage.tickets import OPEN_STATUSES, TicketRow
from storage.types import utcnow

log = logging.getLogger(__name__)

ACTOR = "system:sla"
WARN_AT = 0.8


@dataclass
class SlaReport:
    warned: list[str] = field(default_factory=list)  # "T…:reply"
    escalated: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Due:
    ticket_id: int
    kind: str  # reply | fix
    due_at: datetime
    stage: str  # sla_warning | sla_breached


def _stages(row: Any, now: datetime, warn_at: float) -> list[_Due]:
    found = []
    deadlines = [("reply", row.reply_due_at)] if row.status == "open" else []
    if row.fix_due_at is not None:
        deadlines.append(("fix", row.fix_due_at))
    for kind, due in deadlines:
        if now >= due:
            found.append(_Due(row.id, kind, due, "sla_breached"))
        elif now >= row.created_at + (due - row.created_at) * warn_at:
            found.append(_Due(row.id, kind, due, "sla_warning"))
    return found


def scan(db: Database, now: datetime | None = None, *, warn_at: float = WARN_AT) -> SlaReport:
    """Warn about and escalate every ticket deadline once; safe to run concurrently."""
    now = now or utcnow()
    report = SlaReport()
    t = Ticket
    with db.read() as s:
        rows = s.execute(select(t.id, t.status, t.created_at, t.reply_due_at, t.fix_due_at)
                         .where(t.status.in_(OPEN_STATUSES))).all()
    for row in rows:
        for due in _stages(row, now, warn_at):
            try:
                with db.transaction() as conn:
                    done = _act(conn, due, now)
            except Exception:  # one bad ticket must not stop the others
                log.exception("SLA %s for ticket %s failed", due.stage, due.ticket_id)
                continue
            if done:
                (report.warned if due.stage == "sla_warning" else report.escalated).append(done)
    return report


def _mark(due: _Due) -> str:
    return f"{due.stage}:{due.kind}:{due.due_at.isoformat()}"


def _act(conn: Connection, due: _Due, now: datetime) -> str | None:
    locked = conn.execute(select(Ticket.id, Ticket.status).where(Ticket.id == due.ticket_id)
                          .with_for_update(skip_locked=True)).first()
    if locked is None or locked.status not in OPEN_STATUSES:
        return None  # another scanner holds it, or it was finished meanwhile
    if due.kind == "reply" and locked.status != "open":
        return None
    mark = _mark(due)
    c = TicketChange
    if conn.execute(select(c.id).where(c.ticket_id == due.ticket_id, c.actor == ACTOR,
                                       c.note.like(f"{mark}%")).limit(1)).first():
        return None
    ticket = store.get_by_id(conn, due.ticket_id)
    assert ticket is not None
    label = f"{ticket.public_id}:{due.kind}"
    data: dict[str, Any] = {"ticket_id": ticket.public_id, "deadline": due.kind,
                            "due_at": due.due_at.isoformat()}
    if due.stage == "sla_warning":
        store.record_change(conn, ticket, ticket.status, actor=ACTOR, now=now, values={},
                            note=f"{mark} — {int(WARN_AT * 100)} % of the {due.kind} time used")
        _event(conn, ticket, "sla_warning", data, now)
        return label
    supervisor = _supervisor(conn)
    values: dict[str, Any] = {"priority": Ticket.priority + 1}
    if supervisor is not None:
        values["assigned_to"] = supervisor
    store.record_change(conn, ticket, ticket.status, actor=ACTOR, now=now, values=values,
                        note=f"{mark} — escalated to {supervisor or 'nobody (no supervisor)'}")
    text = {lang: live_config().text("sla_delay", lang, ticket_id=ticket.public_id)
            for lang in ("zh", "en")}
    told = notify(conn, ticket.customer_id, text, kind="ticket", due_at=now,
                  key=f"sla:{ticket.public_id}:{due.kind}:breached",
                  ref=f"ticket:{ticket.public_id}")
    _event(conn, ticket, "sla_breached",
           {**data, "supervisor": supervisor, "customer_told": told is not None}, now)
    return label


def _supervisor(conn: Connection) -> str | None:
    u = ConsoleUser
    name = conn.execute(select(u.username).where(u.role == "supervisor", u.active.is_(True))
                        .order_by(u.id).limit(1)).scalar()
    return str(name) if name is not None else None


def _event(conn: Connection, ticket: TicketRow, type_: str, data: dict[str, Any],
           now: datetime) -> None:
    conv_id = ticket.conversation_id
    if conv_id is None:
        addr = address_of(conn, ticket.customer_id)
        conv_id = addr.conversation_id if addr else None
    if conv_id is None:
        return  # never wrote to us: the ticket_changes row is the record
    conn.execute(insert(ConversationEvent).values(
        conversation_id=conv_id, customer_id=ticket.customer_id, type=type_, actor="system",
        ts=now, data=data))
