"""Repositories: the few statements the pipeline, delivery and scheduler need.

Every function takes the caller's transaction — an ORM ``Session`` or, on the message hot
path, a Core ``Connection`` (``Database.transaction()``) — so several of them form one
transaction (the pipeline writes state, events and outbox rows atomically).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from storage.conn import Tx
from storage.conn import conn_of as _conn
from storage.models import (
    ChannelIdentity,
    Conversation,
    ConversationEvent,
    Customer,
    InboundMessage,
    LinkCode,
    OutboxMessage,
)
from storage.models_business import Booking, PointsEntry, ReferralCode, SurveyResponse, Ticket
from storage.models_kpi import KpiContact
from storage.outbox import (  # re-exported: callers keep one repository module
    Claimed as Claimed,
)
from storage.outbox import (
    NewOutbox as NewOutbox,
)
from storage.outbox import (
    claim_due as claim_due,
)
from storage.outbox import (
    count_outbox as count_outbox,
)
from storage.outbox import (
    enqueue as enqueue,
)
from storage.outbox import (
    expire_interrupted as expire_interrupted,
)
from storage.outbox import (
    finish_outbox as finish_outbox,
)
from storage.outbox import (
    release_claims as release_claims,
)
from storage.statements import for_dialect
from storage.types import utcnow

# --- customers and identities -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IdentityRef:
    customer_id: int
    identity_id: int
    created: bool


def ensure_identity(
    tx: Tx, channel: str, external_id: str, *, display_name: str | None = None,
    lang: str | None = None,
) -> IdentityRef:
    """Find or create the customer behind a channel address (safe under concurrency)."""
    conn = _conn(tx)
    st = for_dialect(conn.dialect.name)
    row = conn.execute(st.find_identity, {"channel": channel, "external_id": external_id}).first()
    if row is not None:
        return IdentityRef(row[0], row[1], False)
    now = utcnow()
    customer_id = conn.execute(
        insert(Customer).values(
            display_name=display_name, lang=lang, profile={}, created_at=now, updated_at=now
        ).returning(Customer.id)
    ).scalar_one()
    identity_id = conn.execute(st.insert_identity, {
        "customer_id": customer_id, "channel": channel, "external_id": external_id,
        "display_name": display_name, "created_at": now}).scalar()
    if identity_id is None:  # another transaction created it first: use theirs
        conn.execute(delete(Customer).where(Customer.id == customer_id))
        return ensure_identity(tx, channel, external_id, display_name=display_name)
    return IdentityRef(customer_id, identity_id, True)


# --- inbound ------------------------------------------------------------------------------


def record_inbound(
    tx: Tx, *, channel: str, external_id: str, sender: str, text: str | None,
    payload: dict[str, Any] | None = None, received_at: datetime | None = None,
    status: str = "pending", conversation_id: int | None = None,
) -> int | None:
    """Store an inbound message; None when (channel, external_id) was seen before."""
    conn = _conn(tx)
    now = utcnow()
    return conn.execute(for_dialect(conn.dialect.name).record_inbound, {
        "channel": channel, "external_id": external_id, "sender": sender, "text": text,
        "payload": payload or {}, "status": status, "received_at": received_at or now,
        "conversation_id": conversation_id,
        "processed_at": now if status == "processed" else None},
    ).scalar()


def replay_of(tx: Tx, channel: str, external_id: str) -> tuple[int | None, str, list[dict[str, Any]]]:
    """For a repeated message: its inbound id, conversation public id and the replies sent."""
    conn = _conn(tx)
    row = conn.execute(
        select(InboundMessage.id, InboundMessage.conversation_id, Conversation.public_id)
        .select_from(InboundMessage)
        .outerjoin(Conversation, Conversation.id == InboundMessage.conversation_id)
        .where(InboundMessage.channel == channel, InboundMessage.external_id == external_id)
    ).first()
    if row is None:
        return None, "", []
    e = ConversationEvent
    payloads = conn.execute(
        select(e.data).where(e.conversation_id == row[1], e.inbound_id == row[0],
                             e.type == "message_out").order_by(e.id)).scalars()
    return row[0], row[2] or "", [dict(p) for p in payloads]


def inline_reply_of(tx: Tx, inbound_id: int) -> dict[str, Any] | None:
    """The reply that went back inside the webhook's own HTTP answer (WeChat's passive
    reply: recorded sent without ever being claimed for the platform API), if there was one."""
    o = OutboxMessage
    payload = _conn(tx).execute(
        select(o.payload).where(o.idempotency_key == f"in{inbound_id}:0", o.status == "sent",
                                o.attempts == 0)).scalar()
    return dict(payload) if payload is not None else None


def inbound_to_process(tx: Tx, inbound_id: int) -> Row[Any] | None:
    """A stored inbound message, row-locked, if it is still pending."""
    return _conn(tx).execute(
        select(InboundMessage.id, InboundMessage.channel, InboundMessage.external_id,
               InboundMessage.sender, InboundMessage.text, InboundMessage.payload,
               InboundMessage.received_at)
        .where(InboundMessage.id == inbound_id, InboundMessage.status == "pending")
        .with_for_update()
    ).first()


def find_inbound(session: Session, channel: str, external_id: str) -> InboundMessage | None:
    return session.execute(
        select(InboundMessage).where(
            InboundMessage.channel == channel, InboundMessage.external_id == external_id
        )
    ).scalar_one_or_none()


def mark_inbound(
    tx: Tx, inbound_id: int, *, status: str, conversation_id: int | None = None,
    error: str | None = None,
) -> None:
    conn = _conn(tx)
    conn.execute(for_dialect(conn.dialect.name).mark_inbound, {
        "inbound_id": inbound_id, "status": status, "conversation_id": conversation_id,
        "error": error, "processed_at": utcnow()})


def pending_inbound_ids(session: Session, limit: int = 100, *,
                        received_before: datetime | None = None) -> list[int]:
    """Inbound messages stored but never processed (e.g. the process died in between, or
    the database went away before processing); ``received_before``: only those older."""
    stmt = select(InboundMessage.id).where(InboundMessage.status == "pending")
    if received_before is not None:
        stmt = stmt.where(InboundMessage.received_at < received_before)
    return list(session.execute(stmt.order_by(InboundMessage.id).limit(limit)).scalars())


# --- conversations ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConversationRow:
    """The snapshot of one conversation as read (and locked) by the pipeline."""

    id: int
    public_id: str
    customer_id: int
    channel: str
    status: str
    lang: str | None
    state: dict[str, Any]
    turns: int


def lock_conversation(tx: Tx, ref: IdentityRef, channel: str) -> ConversationRow:
    """The conversation of this identity, row-locked until the transaction ends.

    On PostgreSQL this is ``SELECT ... FOR UPDATE``: a second worker handling the same
    conversation waits here. SQLite transactions are already serialised (BEGIN IMMEDIATE).
    """
    conn = _conn(tx)
    st = for_dialect(conn.dialect.name)
    row = conn.execute(st.lock_conversation, {"identity_id": ref.identity_id}).first()
    if row is None:
        now = utcnow()
        conn.execute(st.insert_conversation, {
            "public_id": "c_" + secrets.token_hex(10), "customer_id": ref.customer_id,
            "identity_id": ref.identity_id, "channel": channel, "status": "bot", "state": {},
            "turns": 0, "created_at": now, "updated_at": now})
        row = conn.execute(st.lock_conversation, {"identity_id": ref.identity_id}).one()
    return ConversationRow(*row)


def conversation_for(
    tx: Tx, channel: str, external_id: str, *, display_name: str | None = None,
    lang: str | None = None,
) -> ConversationRow:
    """The locked conversation of a channel address, creating customer and conversation
    on first contact. One round trip when both exist (the common case)."""
    conn = _conn(tx)
    row = conn.execute(for_dialect(conn.dialect.name).lock_by_address,
                       {"channel": channel, "external_id": external_id}).first()
    if row is not None:
        return ConversationRow(*row)
    ref = ensure_identity(tx, channel, external_id, display_name=display_name, lang=lang)
    return lock_conversation(tx, ref, channel)


def save_conversation(
    tx: Tx, conv: ConversationRow, *, state: dict[str, Any], lang: str | None,
    status: str | None = None, turns_delta: int = 1,
) -> None:
    """Store the snapshot after a customer's message (which also opens a new WeChat
    48-hour service window: last_inbound_at = now, window_sent = 0)."""
    conn = _conn(tx)
    conn.execute(for_dialect(conn.dialect.name).save_conversation, {
        "conv_id": conv.id, "state": state, "lang": lang, "status": status or conv.status,
        "turns_delta": turns_delta, "updated_at": utcnow()})


def service_window(tx: Tx, channel: str, recipient: str) -> tuple[datetime | None, int]:
    """(the customer's last message time, service messages sent since) for an address."""
    c, i = Conversation, ChannelIdentity
    row = _conn(tx).execute(
        select(c.last_inbound_at, c.window_sent).join(i, i.id == c.identity_id)
        .where(i.channel == channel, i.external_id == recipient)).first()
    return (row[0], int(row[1])) if row is not None else (None, 0)


def count_window_message(tx: Tx, channel: str, recipient: str) -> None:
    """One more service message sent inside the current window."""
    ident = select(ChannelIdentity.id).where(ChannelIdentity.channel == channel,
                                             ChannelIdentity.external_id == recipient)
    _conn(tx).execute(update(Conversation).where(Conversation.identity_id.in_(ident.scalar_subquery()))
                      .values(window_sent=Conversation.window_sent + 1))


def set_profile(tx: Tx, customer_id: int, **values: Any) -> None:
    """Merge keys into a customer's profile (e.g. wechat_unsubscribed=True)."""
    conn = _conn(tx)
    profile = conn.execute(select(Customer.profile).where(Customer.id == customer_id)).scalar()
    conn.execute(update(Customer).where(Customer.id == customer_id)
                 .values(profile={**(profile or {}), **values}, updated_at=utcnow()))


def create_link_code(tx: Tx, code: str, customer_id: int, channel: str, *,
                     expires_at: datetime) -> None:
    conn = _conn(tx)
    # A code is single-use; an old unused one with the same digits is simply replaced.
    conn.execute(delete(LinkCode).where(LinkCode.code == code))
    conn.execute(insert(LinkCode).values(code=code, customer_id=customer_id, channel=channel,
                                         created_at=utcnow(), expires_at=expires_at))


def redeem_link_code(tx: Tx, code: str, *, now: datetime) -> tuple[int, str] | None:
    """(customer id, channel) of a valid unused code, marking it used; else None."""
    conn = _conn(tx)
    row = conn.execute(select(LinkCode.id, LinkCode.customer_id, LinkCode.channel).where(
        LinkCode.code == code, LinkCode.used_at.is_(None),
        LinkCode.expires_at > now)).first()
    if row is None:
        return None
    conn.execute(update(LinkCode).where(LinkCode.id == row[0]).values(used_at=now))
    return int(row[1]), str(row[2])


def merge_customers(tx: Tx, *, keep: int, drop: int) -> None:
    """Make ``drop``'s identities, conversations, history and points ``keep``'s.

    Re-keying ``customer_id`` on events is the one change ever made to the event table: the
    events themselves stay as they were, now filed under the surviving customer.
    """
    conn = _conn(tx)
    for table in (ChannelIdentity, Conversation, ConversationEvent, OutboxMessage, LinkCode,
                  Booking, Ticket, SurveyResponse, KpiContact):
        conn.execute(update(table).where(table.customer_id == drop).values(customer_id=keep))
    # The ledger: an award both customers already got (same reason and ref) is kept once;
    # the balance below is recomputed from what moves.
    mine = select(PointsEntry.reason, PointsEntry.ref).where(PointsEntry.customer_id == keep)
    dup_points = conn.execute(select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
        PointsEntry.customer_id == drop,
        tuple_(PointsEntry.reason, PointsEntry.ref).in_(mine))).scalar() or 0
    conn.execute(delete(PointsEntry).where(PointsEntry.customer_id == drop,
                                           tuple_(PointsEntry.reason, PointsEntry.ref).in_(mine)))
    conn.execute(update(PointsEntry).where(PointsEntry.customer_id == drop)
                 .values(customer_id=keep))
    # One referral code per customer: the survivor keeps theirs if they have one.
    has_code = conn.execute(select(ReferralCode.code).where(ReferralCode.customer_id == keep)).first()
    if has_code:
        conn.execute(delete(ReferralCode).where(ReferralCode.customer_id == drop))
    else:
        conn.execute(update(ReferralCode).where(ReferralCode.customer_id == drop)
                     .values(customer_id=keep))
    old = conn.execute(select(Customer.points, Customer.profile, Customer.tier)
                       .where(Customer.id == drop)).first()
    if old is not None:
        profile = conn.execute(select(Customer.profile).where(Customer.id == keep)).scalar()
        conn.execute(update(Customer).where(Customer.id == keep).values(
            points=Customer.points + old[0] - int(dup_points), profile={**(old[1] or {}), **(profile or {})},
            updated_at=utcnow()))
        conn.execute(delete(Customer).where(Customer.id == drop))


def customer_events(tx: Tx, customer_id: int, *, limit: int = 1000) -> list[Any]:
    """A customer's history across all channels, oldest first."""
    e = ConversationEvent
    return list(_conn(tx).execute(
        select(e.type, e.data, e.ts, Conversation.channel)
        .join(Conversation, Conversation.id == e.conversation_id)
        .where(e.customer_id == customer_id).order_by(e.id).limit(limit)))


def conversation_by_public_id(session: Session, public_id: str) -> Conversation | None:
    return session.execute(
        select(Conversation).where(Conversation.public_id == public_id)
    ).scalar_one_or_none()


# --- events -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewEvent:
    type: str
    actor: str
    data: dict[str, Any] = field(default_factory=dict)


def append_events(
    tx: Tx, conv: ConversationRow, events: Iterable[NewEvent], *,
    inbound_id: int | None = None, ts: datetime | None = None,
) -> None:
    ts = ts or utcnow()
    rows = [
        {"conversation_id": conv.id, "customer_id": conv.customer_id, "type": e.type,
         "actor": e.actor, "ts": ts, "inbound_id": inbound_id, "data": e.data}
        for e in events
    ]
    if rows:
        conn = _conn(tx)
        conn.execute(for_dialect(conn.dialect.name).append_events, rows)


def events_of(session: Session, conversation_id: int, *, after_id: int = 0,
              limit: int = 1000) -> list[ConversationEvent]:
    return list(session.execute(
        select(ConversationEvent)
        .where(ConversationEvent.conversation_id == conversation_id,
               ConversationEvent.id > after_id)
        .order_by(ConversationEvent.id).limit(limit)
    ).scalars())
