"""Complaint tickets: opening one with its deadlines, the status machine, overdue tickets.

    open → acknowledged → in_progress → resolved → closed
                               ↑______________|________|   (reopen: reopened + 1)

Every change is a ``ticket_changes`` row, a conversation event and a message to the
customer in their language with the ticket id — all in the caller's transaction, so the
customer hears of exactly the changes that were committed, once each. Resolving needs an
outcome (it is what the customer is told) and asks the customer to rate the resolution
(the ``rating_flow`` starts through the outbox). Deadlines and texts come from the
``complaints:`` section; classification rules are in complaints_rules.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from flows.business.complaints_rules import CLASS_ORDER, keyword_overlaps
from flows.business.notify import address_of, notify
from flows.business.proactive import schedule_flow
from flows.sections import Problem, SectionRef, register_section
from storage import tickets as store
from storage.conn import Tx, conn_of
from storage.models import ConversationEvent
from storage.tickets import NewTicket, TicketRow

STATUSES = ("open", "acknowledged", "in_progress", "resolved", "closed")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("acknowledged",),
    "acknowledged": ("in_progress",),
    "in_progress": ("resolved",),
    "resolved": ("closed", "in_progress"),
    "closed": ("in_progress",),
}
REOPENABLE = ("resolved", "closed")


class TicketError(ValueError):
    """A change the ticket cannot make; the message says why and what is possible."""


@dataclass(frozen=True, slots=True)
class Breach:
    ticket: TicketRow
    kind: str  # reply | fix
    due_at: datetime
    overdue: timedelta


# -- the section ----------------------------------------------------------------------------


def check_complaints(data: dict[str, Any], ref: SectionRef) -> list[Problem]:
    problems: list[Problem] = []
    classes = data.get("classes", {})
    for cls in CLASS_ORDER:
        if cls not in classes:
            problems.append(Problem(["classes"], f"complaint class '{cls}' has no deadlines",
                                    f"add `{cls}: {{reply_hours: ..., fix_hours: ...}}`"))
    for name, cls in classes.items():
        fix = cls.get("fix_hours")
        if fix is not None and fix < cls["reply_hours"]:
            problems.append(Problem(["classes", name, "fix_hours"],
                                    f"class '{name}' must be fixed ({fix} h) before it is even "
                                    f"answered ({cls['reply_hours']} h)",
                                    "make fix_hours at least reply_hours"))
        if "{fix_due}" in str(cls.get("promise", {})) and fix is None:
            problems.append(Problem(["classes", name, "promise"],
                                    f"class '{name}' promises {{fix_due}} but has no fix_hours",
                                    "add fix_hours or remove {fix_due} from the promise"))
    topics = data.get("topics", {})
    for name, topic in topics.items():
        if topic["class"] not in classes:
            problems.append(Problem(["topics", name, "class"],
                                    f"topic '{name}' uses unknown class '{topic['class']}'",
                                    "known: " + ", ".join(classes)))
    default = data.get("default_topic")
    if default is not None and default not in topics:
        problems.append(Problem(["default_topic"], f"default_topic '{default}' is not a topic",
                                "known: " + ", ".join(topics)))
    for word, topic, other in keyword_overlaps(data):
        problems.append(Problem(["topics", topic, "keywords"],
                                f"keyword '{word}' is listed for topics '{other}' and '{topic}'",
                                f"keep it under one; '{other}' always wins", "warning"))
    missing = [s for s in ("acknowledged", "in_progress", "resolved", "closed", "reopened")
               if s not in data.get("status_messages", {})]
    if missing:
        problems.append(Problem(["status_messages"], "no customer message for status "
                                + ", ".join(missing), "add a {zh, en} text for each"))
    return problems


SECTION = register_section("complaints", schema=Path(__file__).with_name("complaints.schema.json"),
                           check=check_complaints, required_by=("complaint_open",))


# -- deadlines ------------------------------------------------------------------------------


def deadlines(config: Mapping[str, Any], ticket_class: str,
              now: datetime) -> tuple[datetime, datetime | None]:
    cls = config["classes"][ticket_class]
    fix = cls.get("fix_hours")
    return (now + timedelta(hours=float(cls["reply_hours"])),
            now + timedelta(hours=float(fix)) if fix is not None else None)


def local_time(at: datetime, tz: ZoneInfo, lang: str) -> str:
    """A deadline as the customer reads it, in CARELINE_TIMEZONE ("11月24日 10:00")."""
    t = at.astimezone(tz)
    return f"{t.month}月{t.day}日 {t:%H:%M}" if lang == "zh" else f"{t:%b} {t.day}, {t:%H:%M}"


def promise(config: Mapping[str, Any], ticket: TicketRow, tz: ZoneInfo, lang: str) -> str:
    """"We will reply by … and fix it by …" for the ticket's class."""
    text: Mapping[str, str] = config["classes"][ticket.ticket_class].get("promise", {})
    fix = local_time(ticket.fix_due_at, tz, lang) if ticket.fix_due_at else ""
    return (text.get(lang) or text.get("zh") or "").format(
        reply_due=local_time(ticket.reply_due_at, tz, lang), fix_due=fix)


# -- opening --------------------------------------------------------------------------------


def open_ticket(tx: Tx, *, customer_id: int, description: str, ticket_class: str, topic: str,
                config: Mapping[str, Any], now: datetime, source: str = "chat",
                conversation_id: int | None = None, booking_public_id: str | None = None,
                wished_resolution: str | None = None, media: Sequence[Any] = (),
                record_event: bool = False) -> TicketRow:
    """Open a ticket with its class's deadlines. A flow reports ``ticket_opened`` through
    its action result; other callers (the console) pass ``record_event=True``."""
    if ticket_class not in config.get("classes", {}):
        raise TicketError(f"unknown complaint class {ticket_class!r}; known: "
                          + ", ".join(config.get("classes", {})))
    reply_due, fix_due = deadlines(config, ticket_class, now)
    booking = store.booking_ref(tx, booking_public_id) if booking_public_id else None
    new = NewTicket(customer_id=customer_id, ticket_class=ticket_class, topic=topic,
                    description=description[:4000], reply_due_at=reply_due, fix_due_at=fix_due,
                    conversation_id=conversation_id, booking_id=booking, source=source,
                    wished_resolution=wished_resolution, media=list(media),
                    priority=len(CLASS_ORDER) - CLASS_ORDER.index(ticket_class))
    ticket = store.insert_ticket(tx, new, public_id=store.new_public_id(tx, now), now=now)
    if record_event:
        _event(tx, ticket, "ticket_opened", opened_data(ticket), actor=source, now=now)
    return ticket


def opened_data(ticket: TicketRow) -> dict[str, Any]:
    return {"ticket_id": ticket.public_id, "class": ticket.ticket_class, "topic": ticket.topic,
            "source": ticket.source, "booking_id": ticket.booking_public_id,
            "reply_due_at": ticket.reply_due_at.isoformat(),
            "fix_due_at": ticket.fix_due_at.isoformat() if ticket.fix_due_at else None}


# -- the status machine ---------------------------------------------------------------------


def change_status(tx: Tx, public_id: str, to_status: str, actor: str, note: str | None = None,
                  outcome: str | None = None, *, now: datetime,
                  config: Mapping[str, Any]) -> TicketRow:
    """Move a ticket along; raises :class:`TicketError` for a move the machine forbids."""
    ticket = store.get_ticket(tx, public_id, lock=True)
    if ticket is None:
        raise TicketError(f"no ticket {public_id!r}")
    if to_status not in STATUSES:
        raise TicketError(f"unknown status {to_status!r}; statuses: {', '.join(STATUSES)}")
    allowed = TRANSITIONS[ticket.status]
    if to_status not in allowed:
        raise TicketError(f"ticket {ticket.public_id} is {ticket.status}; it can go to "
                          f"{' or '.join(allowed)}, not {to_status}")
    reopening = ticket.status in REOPENABLE and to_status == "in_progress"
    values: dict[str, Any] = {}
    if to_status == "acknowledged":
        values["acknowledged_at"] = now
    elif to_status == "resolved":
        if not (outcome or "").strip():
            raise TicketError(f"resolving {ticket.public_id} needs the outcome the customer "
                              "will be told (--outcome TEXT)")
        values.update(resolved_at=now, outcome=outcome)
    elif to_status == "closed":
        values["closed_at"] = now
    if reopening:
        values.update(reopened=ticket.reopened + 1, resolved_at=None, closed_at=None,
                      resolution_rating=None)
    if actor.startswith("agent:") and ticket.status == "open":
        values["assigned_to"] = actor.removeprefix("agent:")[:64]
    change_id = store.record_change(tx, ticket, to_status, actor=actor, note=note, now=now,
                                    values=values)
    updated = store.get_by_id(tx, ticket.id)
    assert updated is not None
    _event(tx, updated, "ticket_status_changed",
           {"ticket_id": ticket.public_id, "from": ticket.status, "to": to_status,
            "reopened": reopening, "actor": actor, "note": note, "outcome": outcome},
           actor="agent" if actor.startswith("agent:") else "system", now=now)
    _tell_customer(tx, updated, "reopened" if reopening else to_status, change_id, config, now)
    return updated


def reopen(tx: Tx, public_id: str, actor: str, note: str | None = None, *, now: datetime,
           config: Mapping[str, Any]) -> TicketRow:
    ticket = store.get_ticket(tx, public_id)
    if ticket is not None and ticket.status not in REOPENABLE:
        raise TicketError(f"ticket {ticket.public_id} is {ticket.status}; only resolved or "
                          "closed tickets can be reopened")
    return change_status(tx, public_id, "in_progress", actor, note, now=now, config=config)


def rate_resolution(tx: Tx, public_id: str, rating: int, *, now: datetime) -> TicketRow:
    """Store the customer's 1-5 rating of how the ticket was resolved (the flow that asks
    records the ``ticket_rated`` event)."""
    ticket = store.get_ticket(tx, public_id, lock=True)
    if ticket is None:
        raise TicketError(f"no ticket {public_id!r}")
    if not 1 <= rating <= 5:
        raise TicketError(f"a resolution rating is 1 to 5, not {rating}")
    store.set_rating(tx, ticket.id, rating, now=now)
    rated = store.get_by_id(tx, ticket.id)
    assert rated is not None
    return rated


def due_breaches(tx: Tx, now: datetime) -> list[Breach]:
    """Tickets past their reply deadline (still open) or fix deadline (not resolved yet),
    most overdue first; the SLA scheduler escalates these."""
    found = []
    for t in store.overdue(tx, now):
        if t.status == "open" and t.reply_due_at < now:
            found.append(Breach(t, "reply", t.reply_due_at, now - t.reply_due_at))
        if t.fix_due_at is not None and t.fix_due_at < now:
            found.append(Breach(t, "fix", t.fix_due_at, now - t.fix_due_at))
    return sorted(found, key=lambda b: b.overdue, reverse=True)


# -- what the customer and the history see ---------------------------------------------------


def _tell_customer(tx: Tx, ticket: TicketRow, status: str, change_id: int,
                   config: Mapping[str, Any], now: datetime) -> None:
    text: Mapping[str, str] = config.get("status_messages", {}).get(status, {})
    values = {"ticket_id": ticket.public_id, "outcome": ticket.outcome or ""}
    rendered = {lang: t.format(**values) for lang, t in text.items()}
    if rendered:
        notify(tx, ticket.customer_id, rendered, key=f"ticket:{ticket.public_id}:{change_id}",
               kind="ticket", ref=f"ticket:{ticket.public_id}", due_at=now)
    flow = config.get("rating_flow")
    if status == "resolved" and flow:
        due = now + timedelta(minutes=float(config.get("rating_delay_minutes", 0)))
        schedule_flow(tx, ticket.customer_id, str(flow), {"ticket_id": ticket.public_id},
                      key=f"ticket:{ticket.public_id}:{change_id}:rate", due_at=due,
                      ref=f"ticket:{ticket.public_id}",
                      postpone_minutes=config.get("postpone_minutes"))


def _event(tx: Tx, ticket: TicketRow, type_: str, data: dict[str, Any], *, actor: str,
           now: datetime) -> None:
    conv_id = ticket.conversation_id
    if conv_id is None:
        addr = address_of(tx, ticket.customer_id)
        conv_id = addr.conversation_id if addr else None
    if conv_id is None:
        return  # a customer who never wrote to us: the ticket_changes row is the record
    conn_of(tx).execute(insert(ConversationEvent).values(
        conversation_id=conv_id, customer_id=ticket.customer_id, type=type_,
        actor=actor if actor in ("customer", "bot", "agent", "system") else "system",
        ts=now, data=data))
