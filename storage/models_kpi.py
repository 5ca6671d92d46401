"""Dashboard tables: derived from the event history by the rollup (storage/kpi_rollup.py).

Nothing here is a source of truth. ``kpi_contacts`` holds one row per *contact* (a customer's
visit: messages in one conversation with no pause longer than 30 minutes, kept open while a
person handles it), ``kpi_daily`` the contact counts per local day and dimension, and
``kpi_state`` how far the rollup has read the append-only ``conversation_events``. Dropping
all three and running the rollup again rebuilds them.

Dimensions are stored as ``''`` when unknown (not NULL) so they can be part of a key.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import BigId, UTCDateTime


class KpiState(Base):
    """The rollup's high-water mark; one row (``name = 'contacts'``), locked while it runs."""

    __tablename__ = "kpi_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: every event with an id at or below this has been rolled up
    last_event_id: Mapped[int] = mapped_column(BigId, default=0)
    #: a missing event id (a transaction still running, or one rolled back) and when it was
    #: first seen missing; after GAP_PATIENCE it is taken as rolled back and skipped
    gap_id: Mapped[int | None] = mapped_column(BigId)
    gap_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: contacts that ended before (this - the repeat window) count as decided for FCR
    decided_through: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_contact_id: Mapped[int] = mapped_column(BigId, default=1)
    events_done: Mapped[int] = mapped_column(BigId, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class KpiContact(Base):
    """One contact (see the module docstring) with what happened in it."""

    __tablename__ = "kpi_contacts"
    __table_args__ = (
        Index("ix_kpi_contacts_day", "day"),
        Index("ix_kpi_contacts_conversation", "conversation_id", "id"),
        Index("ix_kpi_contacts_customer", "customer_id", "id"),
        Index("ix_kpi_contacts_last", "last_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    conversation_id: Mapped[int] = mapped_column()
    customer_id: Mapped[int] = mapped_column()
    channel: Mapped[str] = mapped_column(String(16), default="")
    region: Mapped[str] = mapped_column(String(64), default="")
    service: Mapped[str] = mapped_column(String(32), default="")
    tier: Mapped[str] = mapped_column(String(16), default="")
    #: the local date (CARELINE_TIMEZONE) the contact started on
    day: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())
    messages_in: Mapped[int] = mapped_column(default=0)
    fallbacks: Mapped[int] = mapped_column(default=0)
    #: the customer (or a trigger) asked for a person
    handoff: Mapped[bool] = mapped_column(default=False)
    #: a person took part: claimed it, wrote in it, or owes a callback (queue timeout)
    person: Mapped[bool] = mapped_column(default=False)
    #: a handoff is under way (requested, not yet released/closed/cancelled/timed out):
    #: the contact stays open however long the pauses
    pending_handoff: Mapped[bool] = mapped_column(default=False)
    handoff_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_response_s: Mapped[float | None] = mapped_column()
    agent_first_response_s: Mapped[float | None] = mapped_column()
    #: the same customer started another contact within the repeat window after this one
    repeat: Mapped[bool] = mapped_column(default=False)
    #: the contact answered a message we started (a survey, a rating request)
    business_initiated: Mapped[bool] = mapped_column(default=False)
    #: last proactive flow started in this conversation after the contact began
    proactive_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class KpiDaily(Base):
    """Contact counts per local day and (channel, region, service, tier); rebuilt per day."""

    __tablename__ = "kpi_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    region: Mapped[str] = mapped_column(String(64), primary_key=True)
    service: Mapped[str] = mapped_column(String(32), primary_key=True)
    tier: Mapped[str] = mapped_column(String(16), primary_key=True)
    contacts: Mapped[int] = mapped_column(default=0)
    contained: Mapped[int] = mapped_column(default=0)
    handoffs: Mapped[int] = mapped_column(default=0)
    frt_n: Mapped[int] = mapped_column(default=0)
    frt_sum: Mapped[float] = mapped_column(default=0.0)
    agent_frt_n: Mapped[int] = mapped_column(default=0)
    agent_frt_sum: Mapped[float] = mapped_column(default=0.0)
    fcr_decided: Mapped[int] = mapped_column(default=0)
    fcr_resolved: Mapped[int] = mapped_column(default=0)
    messages_in: Mapped[int] = mapped_column(default=0)
    fallbacks: Mapped[int] = mapped_column(default=0)
