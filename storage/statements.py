"""Hot-path SQL built once per dialect and executed with parameters.

Building a SQLAlchemy statement (``insert(t).values(**kw)``) costs more than running it on
SQLite; the pipeline runs about eight per message, so they are prepared here once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, any_, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from storage.models import ChannelIdentity, Conversation, ConversationEvent, InboundMessage, OutboxMessage

_inbound: Table = InboundMessage.__table__  # type: ignore[assignment]
_outbox: Table = OutboxMessage.__table__  # type: ignore[assignment]
_conv: Table = Conversation.__table__  # type: ignore[assignment]
_ident: Table = ChannelIdentity.__table__  # type: ignore[assignment]
_events: Table = ConversationEvent.__table__  # type: ignore[assignment]


def among(column: Any, ids: Sequence[int], dialect: str) -> Any:
    """``column IN ids``; on PostgreSQL ``column = ANY(:array)``, one parameter: binding and
    planning an ``IN`` list of a batch's 200 ids cost 5 ms there, the array 0.7 ms."""
    if dialect == "postgresql":
        return column == any_(bindparam("ids", list(ids), type_=ARRAY(column.type)))
    return column.in_(ids)


def insert_ignore(dialect: str, table: Any, conflict: list[str]) -> Any:
    """INSERT ... ON CONFLICT (conflict) DO NOTHING on either database."""
    builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return builder(table).on_conflict_do_nothing(index_elements=conflict)


@dataclass(frozen=True)
class Statements:
    record_inbound: Any
    find_identity: Any
    insert_identity: Any
    insert_conversation: Any
    lock_conversation: Any
    lock_by_address: Any
    save_conversation: Any
    append_events: Any
    enqueue: Any
    mark_inbound: Any


@lru_cache(maxsize=4)
def for_dialect(dialect: str) -> Statements:
    c = _conv.c
    return Statements(
        record_inbound=insert_ignore(dialect, _inbound, ["channel", "external_id"])
        .returning(_inbound.c.id),
        find_identity=select(_ident.c.customer_id, _ident.c.id).where(
            _ident.c.channel == bindparam("channel"),
            _ident.c.external_id == bindparam("external_id")),
        insert_identity=insert_ignore(dialect, _ident, ["channel", "external_id"])
        .returning(_ident.c.id),
        insert_conversation=insert_ignore(dialect, _conv, ["identity_id"]),
        lock_conversation=select(c.id, c.public_id, c.customer_id, c.channel, c.status, c.lang,
                                 c.state, c.turns)
        .where(c.identity_id == bindparam("identity_id")).with_for_update(),
        lock_by_address=select(c.id, c.public_id, c.customer_id, c.channel, c.status, c.lang,
                               c.state, c.turns)
        .select_from(_conv.join(_ident, c.identity_id == _ident.c.id))
        .where(_ident.c.channel == bindparam("channel"),
               _ident.c.external_id == bindparam("external_id"))
        .with_for_update(of=_conv),
        save_conversation=update(_conv).where(c.id == bindparam("conv_id")).values(
            state=bindparam("state"), lang=bindparam("lang"), status=bindparam("status"),
            turns=c.turns + bindparam("turns_delta"), updated_at=bindparam("updated_at"),
            last_inbound_at=bindparam("updated_at"), window_sent=0),
        append_events=insert(_events),
        enqueue=insert_ignore(dialect, _outbox, ["idempotency_key"]),
        mark_inbound=update(_inbound).where(_inbound.c.id == bindparam("inbound_id")).values(
            status=bindparam("status"), conversation_id=bindparam("conversation_id"),
            error=bindparam("error"), processed_at=bindparam("processed_at")),
    )
