"""Bulk inserts for generated history: the demo database (bot/demo_data.py) and the
dashboard benchmark write months of customers, conversations, events and business records
in a few statements instead of running every message through the pipeline.

Rows are plain dicts with the model's column names. ``insert_rows(..., ids=True)`` returns
the new primary keys in the order of the rows (one INSERT ... RETURNING per chunk).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from storage.conn import Tx, conn_of
from storage.models import ChannelIdentity, Conversation, ConversationEvent, Customer
from storage.models_business import Booking, PointsEntry, SurveyResponse, Ticket, TicketChange
from storage.models_kpi import KpiState
from storage.statements import insert_ignore

MODELS: dict[str, Any] = {m.__tablename__: m for m in (
    Customer, ChannelIdentity, Conversation, ConversationEvent, Booking, Ticket, TicketChange,
    SurveyResponse, PointsEntry)}
CHUNK = 2000
#: ``kpi_state`` row that marks a database holding generated demo activity; its
#: ``updated_at`` is the end of the last day generated
DEMO_MARK = "demo"


def insert_rows(tx: Tx, table: str, rows: Sequence[dict[str, Any]], *, ids: bool = False
                ) -> list[int]:
    """Insert ``rows`` into ``table`` (one of MODELS); their ids if ``ids``."""
    model = MODELS[table]
    conn = conn_of(tx)
    out: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = list(rows[start:start + CHUNK])
        if ids:
            stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
            out.extend(int(r[0]) for r in conn.execute(stmt, chunk))
        else:
            conn.execute(insert(model), chunk)
    return out


def set_conversation_times(tx: Tx, values: Sequence[dict[str, Any]]) -> None:
    """``updated_at`` / ``last_inbound_at`` of conversations after their history was written
    (dicts with ``id``, ``updated_at``)."""
    c = Conversation
    if values:
        conn_of(tx).execute(update(c).where(c.id == bindparam("b_id")).values(
            updated_at=bindparam("b_at"), last_inbound_at=bindparam("b_at")),
            [{"b_id": v["id"], "b_at": v["updated_at"]} for v in values])


def add_points(tx: Tx, deltas: dict[int, int]) -> None:
    """Move customers' running balances by the ledger rows just inserted for them."""
    if deltas:
        conn_of(tx).execute(update(Customer).where(Customer.id == bindparam("b_id")).values(
            points=Customer.points + bindparam("b_delta")),
            [{"b_id": k, "b_delta": v} for k, v in deltas.items()])


def demo_until(tx: Tx) -> date | None:
    """The last day of generated demo activity, or None for a database without any."""
    at = conn_of(tx).execute(select(KpiState.updated_at).where(KpiState.name == DEMO_MARK)).scalar()
    return at.date() if at is not None else None


def mark_demo(tx: Tx, last_day: date) -> None:
    conn = conn_of(tx)
    moment = datetime.combine(last_day, time(12), tzinfo=UTC)
    conn.execute(insert_ignore(conn.dialect.name, KpiState, ["name"]).values(
        name=DEMO_MARK, last_event_id=0, next_contact_id=1, events_done=0))
    conn.execute(update(KpiState).where(KpiState.name == DEMO_MARK).values(updated_at=moment))


def demo_customers(tx: Tx) -> list[dict[str, Any]]:
    """The generated customers (identities ``demo-…``) with their conversation."""
    cu, i, c = Customer, ChannelIdentity, Conversation
    rows = conn_of(tx).execute(
        select(cu.id, c.id, c.channel, cu.lang, cu.region, cu.tier, cu.display_name)
        .join(i, i.customer_id == cu.id).join(c, c.identity_id == i.id)
        .where(i.external_id.like("demo-%")).order_by(cu.id))
    keys = ("customer_id", "conversation_id", "channel", "lang", "region", "tier", "name")
    return [dict(zip(keys, r, strict=True)) for r in rows]
