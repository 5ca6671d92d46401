"""The schema. Alembic migrations (storage/migrations) are the only way it is created."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import BigId, JSONType, UTCDateTime, utcnow


class Base(DeclarativeBase):
    pass


_PENDING = text("status = 'pending'")
_ACTIVE = text("status IN ('pending', 'sending')")


class Customer(Base):
    """A person, possibly reachable on several channels (see ChannelIdentity)."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(128))
    lang: Mapped[str | None] = mapped_column(String(8))
    tier: Mapped[str] = mapped_column(String(16), default="standard", server_default="standard")
    points: Mapped[int] = mapped_column(default=0, server_default="0")
    profile: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    region: Mapped[str | None] = mapped_column(String(64))
    birthday: Mapped[date | None] = mapped_column(Date)
    referred_by: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ChannelIdentity(Base):
    """One customer's address on one channel (Telegram chat id, WeChat openid, web user)."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_identity_channel_ext"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Conversation(Base):
    """Current-state snapshot of the dialogue with one channel identity."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_queue", "status", "priority", "queued_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("channel_identities.id"), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    #: bot | queued | agent | closed (the handoff state machine)
    status: Mapped[str] = mapped_column(String(16), default="bot", server_default="bot")
    lang: Mapped[str | None] = mapped_column(String(8))
    state: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    turns: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: the customer's last message: WeChat allows service messages for 48 h after it
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: service messages pushed since then (WeChat allows 5 per window)
    window_sent: Mapped[int] = mapped_column(default=0, server_default="0")
    # -- handoff (status queued / agent) --------------------------------------------------
    #: the console user handling it, or the dedicated agent a VIP is routed to while queued
    assigned_agent: Mapped[str | None] = mapped_column(String(64))
    handoff_reason: Mapped[str | None] = mapped_column(String(32))
    #: queue order: higher first (urgent, VIP, anger), then the longest waiting
    priority: Mapped[int] = mapped_column(default=0, server_default="0")
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the last message's sentiment score (-1..1) and anger flag, shown in the queue
    sentiment: Mapped[float | None] = mapped_column()
    angry: Mapped[bool] = mapped_column(default=False, server_default="0")


class LinkCode(Base):
    """A one-time code that links a second channel identity to a customer (/link, 绑定)."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ConversationEvent(Base):
    """Append-only history: never updated, never deleted by the application."""

    __tablename__ = "conversation_events"
    # Deliberately one index: every message appends several events, and each index costs a
    # page write per commit. Reports that need more add indexes in their own migration.
    __table_args__ = (Index("ix_events_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    customer_id: Mapped[int] = mapped_column()
    type: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(16))  # customer | bot | agent | system
    ts: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    inbound_id: Mapped[int | None] = mapped_column(BigId)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class InboundMessage(Base):
    """Every message received, stored before it is acknowledged; dedup by external id."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_inbound_channel_ext"),
        # Partial: only messages still waiting to be processed are in it.
        Index("ix_inbound_pending", "id", sqlite_where=_PENDING, postgresql_where=_PENDING),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    sender: Mapped[str] = mapped_column(String(128))
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: pending | processed | failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxMessage(Base):
    """A message to send, now (a reply) or later (due_at). Sent at most once."""

    __tablename__ = "outbox"
    __table_args__ = (
        # Partial: web replies are stored as already sent and never enter it.
        # The claim's order (due_at, id) is the index's, so a claim reads only what it takes.
        Index("ix_outbox_active", "status", "due_at", "id", sqlite_where=_ACTIVE,
              postgresql_where=_ACTIVE),
        # The daily cap counts a customer's proactive messages sent today.
        Index("ix_outbox_customer_sent", "customer_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(96), unique=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    customer_id: Mapped[int] = mapped_column()
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32), default="reply")
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: pending | sending | sent | failed | cancelled | skipped
    status: Mapped[str] = mapped_column(String(16), default="pending")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    inbound_id: Mapped[int | None] = mapped_column(BigId)
    external_ref: Mapped[str | None] = mapped_column(String(128))
    #: what a scheduled row belongs to ("booking:B2611...", "ticket:T..."), so a change to
    #: it can move or cancel the row
    ref: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the claimed batch a ``sending`` row belongs to (scheduler/dispatcher.py ``recover``)
    claim_token: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
