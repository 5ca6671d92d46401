"""Business records: bookings, complaint tickets, survey answers, the points ledger.

The conversation tables (storage/models.py) say what was said; these say what was agreed.
Alembic migrations (storage/migrations) are the only way they are created.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import JSONType, UTCDateTime, utcnow


class Booking(Base):
    """A job on a day and time slot. Capacity is counted from the active rows per slot."""

    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_slot", "service", "day", "slot", "status"),
                      # the dashboard's repurchase rate reads completed bookings by time
                      Index("ix_bookings_completed", "completed_at"),
                      # ... and a customer's history (repurchase, churn risk) from the index alone
                      Index("ix_bookings_customer_history", "customer_id", "status",
                            "completed_at", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    quote_id: Mapped[str | None] = mapped_column(String(24))
    service: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    slot: Mapped[str] = mapped_column(String(32))
    #: confirmed | on_the_way | in_progress | completed | cancelled
    status: Mapped[str] = mapped_column(String(16), default="confirmed")
    region: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(Text)
    total: Mapped[float | None] = mapped_column()
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    eta_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Ticket(Base):
    """A complaint (or suggestion) with deadlines from its class."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_open", "status", "fix_due_at"),
                      Index("ix_tickets_created", "created_at"))  # dashboard periods

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    #: urgent | experience | suggestion
    severity: Mapped[str] = mapped_column(String(16))
    #: damage | lateness | attitude | quality | billing | communication | suggestion | other
    topic: Mapped[str] = mapped_column(String(24))
    #: open | acknowledged | in_progress | resolved | closed
    status: Mapped[str] = mapped_column(String(16), default="open")
    priority: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(String(16), default="chat")  # chat | survey | agent | handoff
    description: Mapped[str] = mapped_column(Text, default="")
    wished_resolution: Mapped[str | None] = mapped_column(Text)
    media: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    outcome: Mapped[str | None] = mapped_column(Text)
    assigned_to: Mapped[str | None] = mapped_column(String(64))
    reply_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fix_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopened: Mapped[int] = mapped_column(default=0)
    resolution_rating: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TicketChange(Base):
    """Every status change of a ticket, who made it and why (append-only)."""

    __tablename__ = "ticket_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))  # customer | bot | system | agent:<name>
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SurveyResponse(Base):
    """One answered survey (CSAT 1-5, NPS 0-10, CES 1-7, free-text reason)."""

    __tablename__ = "survey_responses"
    __table_args__ = (Index("ix_survey_responses_created", "created_at"),  # dashboard periods
                      # a customer's latest CSAT (churn risk) from the index alone
                      Index("ix_survey_responses_customer_latest", "customer_id", "created_at",
                            "csat"))

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"), unique=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    csat: Mapped[int | None] = mapped_column()
    nps: Mapped[int | None] = mapped_column()
    ces: Mapped[int | None] = mapped_column()
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PointsEntry(Base):
    """The loyalty ledger. ``customers.points`` is its running balance; (reason, ref) is
    unique per customer so an award is never given twice."""

    __tablename__ = "points_ledger"
    __table_args__ = (UniqueConstraint("customer_id", "reason", "ref", name="uq_points_once"),
                      Index("ix_points_ledger_created", "created_at"))  # dashboard periods

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    delta: Mapped[int] = mapped_column()
    #: survey | referral | spend | redeem | expire | milestone | adjust
    reason: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReferralCode(Base):
    """A customer's own code to invite friends; the friend gives it when they first book."""

    __tablename__ = "referral_codes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
