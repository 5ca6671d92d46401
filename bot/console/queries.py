"""The console's read queries: the queue, conversation lists, one conversation in full.

The queue is two index-backed selects (waiting, with an agent), each limited, then the last
customer text for just those rows in one grouped query — so it stays fast however many
conversations the database holds (10 000: see bench/console.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select

from bot.console.auth import User
from bot.console.deps import iso
from storage.conn import Tx, conn_of
from storage.models import ChannelIdentity, Conversation, ConversationEvent, Customer
from storage.models_console import AgentNote
from storage.tickets import TicketRow

#: amber when less than this share of a ticket's allowed time is left
SLA_AMBER_SHARE = 0.25
QUEUE_LIMIT = 200


@dataclass(frozen=True, slots=True)
class ConvRef:
    """Just enough of a conversation to decide who may touch it."""

    id: int
    public_id: str
    customer_id: int
    channel: str
    status: str
    assigned_agent: str | None


def conv_ref(tx: Tx, public_id: str) -> ConvRef | None:
    c = Conversation
    row = conn_of(tx).execute(select(c.id, c.public_id, c.customer_id, c.channel, c.status,
                                     c.assigned_agent).where(c.public_id == public_id[:32])).first()
    return ConvRef(*row) if row is not None else None


def may_view(user: User, status: str, assigned_agent: str | None) -> bool:
    """Supervisors and admins see everything; an agent sees the queue (except conversations
    routed to another agent) and conversations assigned to them."""
    if user.role in ("supervisor", "admin"):
        return True
    if assigned_agent == user.username:
        return True
    return status == "queued" and assigned_agent is None


def _visible(user: User) -> Any:
    c = Conversation
    if user.role in ("supervisor", "admin"):
        return c.status.in_(("queued", "agent"))
    return or_(and_(c.status == "queued", c.assigned_agent.is_(None)),
               and_(c.status.in_(("queued", "agent")), c.assigned_agent == user.username))


def _row_select() -> Any:
    c, cu, i = Conversation, Customer, ChannelIdentity
    return (select(c.id, c.public_id, c.customer_id, func.coalesce(cu.display_name, i.display_name),
                   c.channel, c.lang, c.status, c.priority, c.handoff_reason, c.queued_at,
                   c.sentiment, c.angry, cu.tier, c.assigned_agent, c.updated_at, c.claimed_at)
            .join(cu, cu.id == c.customer_id).join(i, i.id == c.identity_id))


def _last_texts(tx: Tx, conv_ids: list[int]) -> dict[int, str]:
    if not conv_ids:
        return {}
    e = ConversationEvent
    conn = conn_of(tx)
    last = (select(func.max(e.id)).where(e.conversation_id.in_(conv_ids), e.type == "message_in")
            .group_by(e.conversation_id))
    rows = conn.execute(select(e.conversation_id, e.data).where(e.id.in_(last.scalar_subquery())))
    return {int(r[0]): str((r[1] or {}).get("text") or "") for r in rows}


def _items(tx: Tx, rows: list[Any], now: datetime) -> list[dict[str, Any]]:
    texts = _last_texts(tx, [int(r[0]) for r in rows])
    out = []
    for r in rows:
        queued_at = r[9]
        out.append({
            "conversation_id": r[1], "customer_id": r[2], "customer_name": r[3],
            "channel": r[4], "lang": r[5], "status": r[6], "priority": r[7], "reason": r[8],
            "waiting_seconds": max(0, int((now - queued_at).total_seconds())) if queued_at else 0,
            "queued_at": iso(queued_at), "sentiment": r[10], "angry": bool(r[11]),
            "tier": r[12], "assigned_agent": r[13], "updated_at": iso(r[14]),
            "claimed_at": iso(r[15]), "last_text": texts.get(int(r[0]), "")[:300],
        })
    return out


def queue(tx: Tx, user: User, now: datetime, *, limit: int = QUEUE_LIMIT) -> list[dict[str, Any]]:
    """Waiting conversations then those with agents (each: priority desc, then longest
    waiting first), as the caller may see them."""
    c = Conversation
    conn = conn_of(tx)
    order = (c.priority.desc(), c.queued_at, c.id)
    waiting = _row_select().where(c.status == "queued", _visible(user)).order_by(*order).limit(limit)
    engaged = _row_select().where(c.status == "agent", _visible(user)).order_by(*order).limit(limit)
    rows = list(conn.execute(waiting)) + list(conn.execute(engaged))
    return _items(tx, rows, now)


def queue_counts(tx: Tx, user: User) -> dict[str, int]:
    """How many conversations the caller's queue holds by status (the list is limited)."""
    c = Conversation
    rows = conn_of(tx).execute(select(c.status, func.count()).where(_visible(user))
                               .group_by(c.status))
    found = {str(r[0]): int(r[1]) for r in rows}
    return {"queued": found.get("queued", 0), "agent": found.get("agent", 0)}


def conversations(tx: Tx, user: User, now: datetime, *, status: str | None, mine: bool,
                  limit: int = 200) -> list[dict[str, Any]]:
    c = Conversation
    stmt = _row_select()
    if status:
        stmt = stmt.where(c.status == status)
    if mine:
        stmt = stmt.where(c.assigned_agent == user.username)
    if user.role == "agent":
        stmt = stmt.where(or_(c.assigned_agent == user.username,
                              and_(c.status == "queued", c.assigned_agent.is_(None))))
    rows = list(conn_of(tx).execute(stmt.order_by(c.updated_at.desc(), c.id.desc()).limit(limit)))
    return _items(tx, rows, now)


def conversation_row(tx: Tx, conv_id: int, now: datetime) -> dict[str, Any]:
    row = conn_of(tx).execute(_row_select().where(Conversation.id == conv_id)).one()
    return _items(tx, [row], now)[0]


def identities(tx: Tx, customer_id: int) -> list[dict[str, Any]]:
    i, c = ChannelIdentity, Conversation
    rows = conn_of(tx).execute(
        select(i.channel, i.display_name, i.last_inbound_at, c.public_id, c.status)
        .outerjoin(c, c.identity_id == i.id).where(i.customer_id == customer_id).order_by(i.id))
    return [{"channel": r[0], "display_name": r[1], "last_inbound_at": iso(r[2]),
             "conversation_id": r[3], "status": r[4]} for r in rows]


def history(tx: Tx, customer_id: int, *, limit: int = 500) -> list[dict[str, Any]]:
    """The customer's events on every channel, oldest first (the latest ``limit``)."""
    e, c = ConversationEvent, Conversation
    rows = list(conn_of(tx).execute(
        select(e.id, e.ts, e.type, e.actor, e.data, c.channel, c.public_id)
        .join(c, c.id == e.conversation_id).where(e.customer_id == customer_id)
        .order_by(e.id.desc()).limit(limit)))
    rows.reverse()
    return [{"id": r[0], "ts": iso(r[1]), "type": r[2], "actor": r[3], "data": r[4] or {},
             "channel": r[5], "conversation_id": r[6]} for r in rows]


def notes(tx: Tx, customer_id: int) -> list[dict[str, Any]]:
    n, c = AgentNote, Conversation
    rows = conn_of(tx).execute(
        select(n.id, n.author, n.text, n.at, c.public_id).join(c, c.id == n.conversation_id)
        .where(c.customer_id == customer_id).order_by(n.id))
    return [{"id": r[0], "author": r[1], "text": r[2], "at": iso(r[3]), "conversation_id": r[4]}
            for r in rows]


def sla_of(t: TicketRow, now: datetime) -> dict[str, Any]:
    """The running deadline: reply while open, fix until resolved; red past it, amber with
    less than a quarter of the allowed time left, green otherwise (None when done)."""
    due = t.reply_due_at if t.status == "open" else t.fix_due_at
    if t.status in ("resolved", "closed") or due is None:
        return {"sla": None, "sla_kind": None, "seconds_left": None}
    allowed = max(1.0, (due - t.created_at).total_seconds())
    left = (due - now).total_seconds()
    colour = "red" if left < 0 else "amber" if left < SLA_AMBER_SHARE * allowed else "green"
    return {"sla": colour, "sla_kind": "reply" if t.status == "open" else "fix",
            "seconds_left": int(left)}


def ticket_dict(t: TicketRow, now: datetime, *, conversation: str | None = None) -> dict[str, Any]:
    return {"ticket_id": t.public_id, "customer_id": t.customer_id, "severity": t.ticket_class,
            "topic": t.topic, "status": t.status, "source": t.source,
            "description": t.description, "wished_resolution": t.wished_resolution,
            "outcome": t.outcome, "assigned_to": t.assigned_to,
            "booking_id": t.booking_public_id, "conversation_id": conversation,
            "reply_due_at": iso(t.reply_due_at), "fix_due_at": iso(t.fix_due_at),
            "created_at": iso(t.created_at), "updated_at": iso(t.updated_at),
            "reopened": t.reopened, "resolution_rating": t.resolution_rating, **sla_of(t, now)}


def public_ids(tx: Tx, conv_ids: set[int]) -> dict[int, str]:
    if not conv_ids:
        return {}
    c = Conversation
    return {int(r[0]): str(r[1]) for r in conn_of(tx).execute(
        select(c.id, c.public_id).where(c.id.in_(list(conv_ids))))}
