"""The outbox: messages to send now or later, each sent at most once.

Rows are claimed (``sending``) in one transaction and finished in another, so the network
call happens outside any lock; see scheduler/dispatcher.py for how they are driven.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, func, select, text, update
from sqlalchemy.orm import Session

from storage.conn import Tx, conn_of
from storage.models import OutboxMessage
from storage.outbox_claims import new_claim_token
from storage.statements import among, for_dialect
from storage.types import utcnow

_ACTIVE_ROWS = text("status IN ('pending', 'sending')")  # = ix_outbox_active's predicate
#: PostgreSQL ``NOTIFY`` channel: payload the outbox channel of rows just queued (delivered
#: when the transaction commits), so delivery workers in other processes wake at once
#: (scheduler/outbox_watch.py) instead of polling for them.
NOTIFY_CHANNEL = "careline_outbox"


@dataclass(frozen=True, slots=True)
class NewOutbox:
    idempotency_key: str
    customer_id: int
    channel: str
    recipient: str
    payload: dict[str, Any]
    conversation_id: int | None = None
    kind: str = "reply"
    due_at: datetime | None = None
    inbound_id: int | None = None
    status: str = "pending"
    ref: str | None = None  # what a scheduled row belongs to ("booking:B...")


def enqueue(tx: Tx, items: Sequence[NewOutbox]) -> None:
    """Add outbox rows; a repeated idempotency key is ignored (the row already exists)."""
    if not items:
        return
    now = utcnow()
    rows = [
        {"idempotency_key": item.idempotency_key, "customer_id": item.customer_id,
         "channel": item.channel, "recipient": item.recipient, "payload": item.payload,
         "conversation_id": item.conversation_id, "kind": item.kind,
         "due_at": item.due_at or now, "inbound_id": item.inbound_id, "status": item.status,
         "ref": item.ref,
         "attempts": 0, "created_at": now, "sent_at": now if item.status == "sent" else None}
        for item in items
    ]
    conn = conn_of(tx)
    conn.execute(for_dialect(conn.dialect.name).enqueue, rows)
    if conn.dialect.name == "postgresql":
        for channel in sorted({item.channel for item in items if item.status == "pending"}):
            conn.execute(text("SELECT pg_notify(:name, :channel)"),
                         {"name": NOTIFY_CHANNEL, "channel": channel})


@dataclass(frozen=True, slots=True)
class Claimed:
    """An outbox row claimed for sending (``attempts`` includes this one)."""

    id: int
    channel: str
    recipient: str
    payload: dict[str, Any]
    idempotency_key: str
    attempts: int
    kind: str
    customer_id: int | None = None
    claim_token: str = ""  # the batch's (storage/outbox_claims.py)


def claim_due(session: Session, now: datetime, *, limit: int = 100,
              channels: Sequence[str] | None = None,
              exclude: Sequence[str] = (), lane: tuple[int, int] | None = None,
              claimer: str | None = None) -> list[Claimed]:
    """Claim pending rows due by ``now`` (status -> sending, attempts + 1), oldest due first,
    under one claim token (storage/outbox_claims.py) — the order they are to be sent in.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` lets several workers claim disjoint rows.
    ``lane=(n, i)``: only customers with ``customer_id % n == i`` — parallel senders on one
    channel, each customer's messages staying in order in one lane. ``claimer``: the
    claiming process's name, written into the claim token (scheduler/claimers.py).
    """
    o = OutboxMessage
    stmt = (
        select(o.id, o.channel, o.recipient, o.payload, o.idempotency_key, o.attempts, o.kind,
               o.customer_id)
        # The partial index's own predicate first: SQLite uses a partial index only when the
        # query repeats its WHERE (else it scans the whole outbox: 0.6 s per claim at 1 M rows).
        # The order is the index's (status, due_at, id): no sort of every due row.
        .where(_ACTIVE_ROWS, o.status == "pending", o.due_at <= now)
        .order_by(o.due_at, o.id).limit(limit)
    )
    if channels is not None:
        stmt = stmt.where(o.channel.in_(channels))
    if exclude:
        stmt = stmt.where(o.channel.not_in(exclude))
    if lane is not None:
        stmt = stmt.where(o.customer_id % lane[0] == lane[1])
    found = session.execute(stmt.with_for_update(skip_locked=True)).all()
    if not found:
        return []
    token = new_claim_token(session, claimer)
    ids = [r.id for r in found]
    session.execute(
        update(o).where(among(o.id, ids, session.get_bind().dialect.name))
        .values(status="sending", attempts=o.attempts + 1, claimed_at=utcnow(),
                claim_token=token)
        .execution_options(synchronize_session=False)
    )
    return [Claimed(r.id, r.channel, r.recipient, dict(r.payload), r.idempotency_key,
                    r.attempts + 1, r.kind, r.customer_id, token) for r in found]


def next_due(tx: Tx, channel: str, *, lane: tuple[int, int] | None = None,
             within: float = 1.0) -> datetime | None:
    """When the earliest pending row of ``channel`` (and ``lane``, see ``claim_due``) falls
    due, if that is within ``within`` seconds (the delivery worker's longest sleep); else
    None. The bound keeps it cheap whatever the plan: without statistics PostgreSQL read
    all 1 M pending rows to sort them (0.6 s a call)."""
    o = OutboxMessage
    before = utcnow() + timedelta(seconds=within)
    stmt = (select(o.due_at).where(_ACTIVE_ROWS, o.status == "pending", o.channel == channel,
                                   o.due_at < before)
            .order_by(o.due_at, o.id).limit(1))
    if lane is not None:
        stmt = stmt.where(o.customer_id % lane[0] == lane[1])
    found: datetime | None = conn_of(tx).execute(stmt).scalar()
    return found


def finish_outbox(
    session: Session, outbox_id: int, *, status: str, error: str | None = None,
    external_ref: str | None = None, retry_at: datetime | None = None,
) -> None:
    """Record a send's outcome; ``retry_at`` puts the row back to pending for later."""
    values: dict[str, Any] = {"last_error": error}
    if retry_at is not None:
        values.update(status="pending", due_at=retry_at)
    else:
        values.update(status=status)
        if status == "sent":
            values.update(sent_at=utcnow(), external_ref=external_ref)
    session.execute(update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(**values))


def release_claims(tx: Tx, rows: Sequence[tuple[int, datetime]]) -> None:
    """Give claimed rows back unsent (a rate limit said later): not counted as attempts."""
    table: Table = OutboxMessage.__table__  # type: ignore[assignment]
    o = table.c
    conn_of(tx).execute(
        update(table).where(o.id == bindparam("row_id")).values(
            status="pending", due_at=bindparam("later"), attempts=o.attempts - 1),
        [{"row_id": row_id, "later": later} for row_id, later in rows])


def expire_interrupted(session: Session, claimed_before: datetime) -> int:
    """Rows left in 'sending' by a process that died mid-send.

    Whether the platform got them is unknown; resending could duplicate, so they are
    marked failed with the reason (at most once), for an agent or ops to follow up.
    """
    result = session.execute(
        update(OutboxMessage)
        .where(_ACTIVE_ROWS, OutboxMessage.status == "sending",
               OutboxMessage.claimed_at <= claimed_before)
        .values(status="failed",
                last_error="interrupted while sending (process stopped); not resent to "
                           "avoid a duplicate")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def count_outbox(session: Session, **where: Any) -> int:
    stmt = select(func.count()).select_from(OutboxMessage)
    for key, value in where.items():
        stmt = stmt.where(getattr(OutboxMessage, key) == value)
    return int(session.execute(stmt).scalar_one())


def web_inbox(tx: Tx, user: str, *, after_id: int = 0, limit: int = 20) -> list[tuple[int, dict[str, Any]]]:
    """Proactive messages delivered to a web-chat user (not replies to their messages), for
    the chat page to fetch: (id, payload) after ``after_id``, oldest first."""
    o = OutboxMessage
    rows = conn_of(tx).execute(
        select(o.id, o.payload).where(o.channel == "web", o.recipient == user, o.id > after_id,
                                      o.inbound_id.is_(None), o.status == "sent")
        .order_by(o.id).limit(limit))
    return [(int(r[0]), dict(r[1] or {})) for r in rows]
