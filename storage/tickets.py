"""Complaint tickets and their change log: the rows, not the rules.

The state machine and its deadlines live in flows/business/complaints.py; this module only
reads and writes ``tickets`` and ``ticket_changes`` in the caller's transaction. Every
status change is one ``ticket_changes`` row, appended and never edited.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, and_, insert, or_, select, update

from storage.conn import Tx, conn_of
from storage.models import ChannelIdentity, Conversation, ConversationEvent, InboundMessage
from storage.models_business import Booking, Ticket, TicketChange
from storage.types import utcnow

OPEN_STATUSES = ("open", "acknowledged", "in_progress")


@dataclass(frozen=True, slots=True)
class TicketRow:
    """One ticket as read from the database (``ticket_class`` is the ``severity`` column)."""

    id: int
    public_id: str
    customer_id: int
    conversation_id: int | None
    booking_id: int | None
    booking_public_id: str | None
    ticket_class: str
    topic: str
    status: str
    source: str
    description: str
    wished_resolution: str | None
    media: list[Any]
    outcome: str | None
    assigned_to: str | None
    reply_due_at: datetime
    fix_due_at: datetime | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopened: int
    resolution_rating: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewTicket:
    customer_id: int
    ticket_class: str
    topic: str
    description: str
    reply_due_at: datetime
    fix_due_at: datetime | None
    conversation_id: int | None = None
    booking_id: int | None = None
    source: str = "chat"
    wished_resolution: str | None = None
    media: list[Any] = field(default_factory=list)
    priority: int = 0


@dataclass(frozen=True, slots=True)
class ChangeRow:
    from_status: str | None
    to_status: str
    actor: str
    note: str | None
    at: datetime


def _columns() -> tuple[Any, ...]:
    t = Ticket
    return (t.id, t.public_id, t.customer_id, t.conversation_id, t.booking_id, Booking.public_id,
            t.severity, t.topic, t.status, t.source, t.description, t.wished_resolution, t.media,
            t.outcome, t.assigned_to, t.reply_due_at, t.fix_due_at, t.acknowledged_at,
            t.resolved_at, t.closed_at, t.reopened, t.resolution_rating, t.created_at,
            t.updated_at)


def _select() -> Any:
    return select(*_columns()).outerjoin(Booking, Booking.id == Ticket.booking_id)


def _row(r: Row[Any]) -> TicketRow:
    values = list(r)
    values[12] = list(values[12] or [])
    return TicketRow(*values)


def new_public_id(tx: Tx, when: datetime) -> str:
    """``T`` + local date + 4 random digits ("T2611234821"): short enough to read out."""
    conn = conn_of(tx)
    while True:
        candidate = f"T{when:%y%m%d}{secrets.randbelow(10_000):04d}"
        if conn.execute(select(Ticket.id).where(Ticket.public_id == candidate)).first() is None:
            return candidate


def insert_ticket(tx: Tx, new: NewTicket, *, public_id: str, now: datetime) -> TicketRow:
    conn = conn_of(tx)
    ticket_id = conn.execute(insert(Ticket).values(
        public_id=public_id, customer_id=new.customer_id, conversation_id=new.conversation_id,
        booking_id=new.booking_id, severity=new.ticket_class, topic=new.topic, status="open",
        priority=new.priority, source=new.source, description=new.description,
        wished_resolution=new.wished_resolution, media=list(new.media),
        reply_due_at=new.reply_due_at, fix_due_at=new.fix_due_at, reopened=0,
        created_at=now, updated_at=now).returning(Ticket.id)).scalar_one()
    conn.execute(insert(TicketChange).values(ticket_id=ticket_id, from_status=None,
                                             to_status="open", actor="customer"
                                             if new.source == "chat" else new.source,
                                             note=None, at=now))
    found = get_by_id(tx, int(ticket_id))
    assert found is not None
    return found


def get_by_id(tx: Tx, ticket_id: int) -> TicketRow | None:
    r = conn_of(tx).execute(_select().where(Ticket.id == ticket_id)).first()
    return _row(r) if r is not None else None


def get_ticket(tx: Tx, public_id: str, *, lock: bool = False) -> TicketRow | None:
    """A ticket by its public id; ``lock`` holds the row until the transaction ends."""
    conn = conn_of(tx)
    public_id = public_id.strip().upper()
    if lock:  # lock the ticket row alone (FOR UPDATE cannot apply to an outer join's null side)
        conn.execute(select(Ticket.id).where(Ticket.public_id == public_id).with_for_update())
    r = conn.execute(_select().where(Ticket.public_id == public_id)).first()
    return _row(r) if r is not None else None


def list_tickets(tx: Tx, *, statuses: Sequence[str] | None = None,
                 customer_id: int | None = None, limit: int = 200) -> list[TicketRow]:
    stmt = _select().order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)
    if statuses:
        stmt = stmt.where(Ticket.status.in_(list(statuses)))
    if customer_id is not None:
        stmt = stmt.where(Ticket.customer_id == customer_id)
    return [_row(r) for r in conn_of(tx).execute(stmt)]


def record_change(tx: Tx, ticket: TicketRow, to_status: str, *, actor: str, note: str | None,
                  now: datetime, values: dict[str, Any]) -> int:
    """Move ``ticket`` to ``to_status`` (plus column ``values``) and log it; the change id."""
    conn = conn_of(tx)
    conn.execute(update(Ticket).where(Ticket.id == ticket.id)
                 .values(status=to_status, updated_at=now, **values))
    return int(conn.execute(insert(TicketChange).values(
        ticket_id=ticket.id, from_status=ticket.status, to_status=to_status, actor=actor[:64],
        note=note, at=now).returning(TicketChange.id)).scalar_one())


def changes_of(tx: Tx, ticket_id: int) -> list[ChangeRow]:
    c = TicketChange
    return [ChangeRow(*r) for r in conn_of(tx).execute(
        select(c.from_status, c.to_status, c.actor, c.note, c.at)
        .where(c.ticket_id == ticket_id).order_by(c.id))]


def set_rating(tx: Tx, ticket_id: int, rating: int, *, now: datetime | None = None) -> None:
    conn_of(tx).execute(update(Ticket).where(Ticket.id == ticket_id)
                        .values(resolution_rating=rating, updated_at=now or utcnow()))


def overdue(tx: Tx, now: datetime) -> list[TicketRow]:
    """Tickets not answered by their reply deadline or not fixed by their fix deadline."""
    t = Ticket
    late_reply = and_(t.status == "open", t.reply_due_at < now)
    late_fix = and_(t.status.in_(OPEN_STATUSES), t.fix_due_at.is_not(None), t.fix_due_at < now)
    stmt = _select().where(or_(late_reply, late_fix)).order_by(t.reply_due_at, t.id)
    return [_row(r) for r in conn_of(tx).execute(stmt)]


def booking_ref(tx: Tx, public_id: str) -> int | None:
    """The row id of a booking by its public id (tickets point at bookings by row id)."""
    return conn_of(tx).execute(select(Booking.id).where(Booking.public_id == public_id)).scalar()


@dataclass(frozen=True, slots=True)
class RecentBooking:
    public_id: str
    service: str
    day: date
    status: str


def recent_booking(tx: Tx, customer_id: int, now: datetime) -> RecentBooking | None:
    """The booking a complaint most likely concerns: the latest completed one, else the
    next upcoming one (public_id, service, day, status)."""
    b = Booking
    conn = conn_of(tx)
    done = conn.execute(
        select(b.public_id, b.service, b.day, b.status)
        .where(b.customer_id == customer_id, b.status == "completed")
        .order_by(b.completed_at.desc(), b.id.desc()).limit(1)).first()
    if done is not None:
        return RecentBooking(*done)
    upcoming = conn.execute(
        select(b.public_id, b.service, b.day, b.status)
        .where(b.customer_id == customer_id, b.status.not_in(("completed", "cancelled")),
               b.day >= now.date())
        .order_by(b.day, b.id).limit(1)).first()
    return RecentBooking(*upcoming) if upcoming is not None else None


def media_since(tx: Tx, conversation_id: int, since: datetime) -> list[dict[str, Any]]:
    """Photos and files the customer sent in a conversation since ``since``: the
    ``media_received`` events already stored, plus the message being handled right now
    (its event is written only after the turn, so it is read from the inbound row)."""
    conn = conn_of(tx)
    e = ConversationEvent
    found: list[dict[str, Any]] = []
    for data in conn.execute(select(e.data).where(
            e.conversation_id == conversation_id, e.type == "media_received",
            e.ts >= since).order_by(e.id)).scalars():
        found.extend(dict(m) for m in (data or {}).get("media", ()))
    ident = conn.execute(select(ChannelIdentity.channel, ChannelIdentity.external_id)
                         .join(Conversation, Conversation.identity_id == ChannelIdentity.id)
                         .where(Conversation.id == conversation_id)).first()
    if ident is not None:
        latest = conn.execute(select(InboundMessage.payload).where(
            InboundMessage.channel == ident[0], InboundMessage.sender == ident[1])
            .order_by(InboundMessage.id.desc()).limit(1)).scalar()
        found.extend(dict(m) for m in (latest or {}).get("_media", ()))
    unique: dict[str, dict[str, Any]] = {}
    for m in found:
        unique.setdefault(str(m.get("ref")), m)
    return list(unique.values())
