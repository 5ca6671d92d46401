"""Writing care rows: who a batch of customers are, where they are reached, and the outbox.

Every care message is an outbox row keyed ``care:<rule>:<booking or c<customer>>:<occurrence>``
so scheduling the same thing twice never adds a second row. A customer without a channel
gets a row too, recorded ``skipped`` with ``last_error = "no_channel"`` (never retried), so
previews and reports show what could not be sent and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, or_, select, update

from flows.business.care_config import Rule
from storage.conn import Tx, conn_of
from storage.models import ChannelIdentity, Conversation, Customer, OutboxMessage
from storage.statements import insert_ignore
from storage.types import utcnow

NO_CHANNEL = "no_channel"
_outbox: Table = OutboxMessage.__table__  # type: ignore[assignment]
_FALLBACK_NAME = {"zh": "尊敬的客户", "en": "there"}


@dataclass(frozen=True, slots=True)
class Recipient:
    customer_id: int
    name: str | None
    lang: str
    conversation_id: int | None = None
    channel: str | None = None
    address: str | None = None

    def display_name(self) -> str:
        return self.name or _FALLBACK_NAME.get(self.lang, "")


def recipients(tx: Tx, customer_ids: Sequence[int]) -> dict[int, Recipient]:
    """Name, language and last-used conversation of each customer: two queries a batch."""
    conn = conn_of(tx)
    ids = list(dict.fromkeys(customer_ids))
    if not ids:
        return {}
    people = {int(r[0]): (r[1], r[2]) for r in conn.execute(
        select(Customer.id, Customer.display_name, Customer.lang).where(Customer.id.in_(ids)))}
    conv, ident = Conversation, ChannelIdentity
    latest: dict[int, Any] = {}
    for found_row in conn.execute(
            select(conv.customer_id, conv.id, conv.channel, ident.external_id, conv.lang)
            .join(ident, ident.id == conv.identity_id).where(conv.customer_id.in_(ids))
            .order_by(conv.customer_id, conv.updated_at.desc(), conv.id.desc())):
        latest.setdefault(int(found_row[0]), found_row)
    found = {}
    for cid, (name, lang) in people.items():
        row: Any = latest.get(cid)
        if row is None:
            found[cid] = Recipient(cid, name, lang or "zh")
        else:
            found[cid] = Recipient(cid, name, row[4] or lang or "zh", int(row[1]), str(row[2]),
                                   str(row[3]))
    return found


def care_row(rule: Rule, who: Recipient, values: Mapping[str, Any], *, key: str,
             due_at: datetime, ref: str, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One outbox row for ``rule``, rendered in the customer's language."""
    text = rule.render(who.lang, {"name": who.display_name(), **values})
    payload = {"text": text, "rule": rule.id, **(extra or {})}
    reachable = who.channel is not None
    return {"idempotency_key": key[:96], "customer_id": who.customer_id,
            "conversation_id": who.conversation_id, "channel": who.channel or "none",
            "recipient": who.address or "", "kind": rule.kind, "payload": payload,
            "status": "pending" if reachable else "skipped",
            "last_error": None if reachable else NO_CHANNEL, "due_at": due_at, "ref": ref}


def put(tx: Tx, rows: Sequence[Mapping[str, Any]], *, revive: bool = False,
        exact: bool = False) -> list[str]:
    """Insert rows (a key already present is left alone); the keys inserted.

    The keys are exact with ``exact`` (INSERT ... RETURNING, row by row on PostgreSQL: for
    a few rows); otherwise a concurrent writer of the same key may be counted twice.

    ``revive``: a row with the same key that was cancelled (a booking moved away and back)
    becomes pending again with the new time and text.
    """
    if not rows:
        return []
    conn = conn_of(tx)
    now = utcnow()
    full = [{**row, "attempts": 0, "created_at": now, "inbound_id": None} for row in rows]
    # Keys already there are left out first: a plain executemany (no RETURNING) is what
    # PostgreSQL pipelines fast; ON CONFLICT still covers a concurrent scan.
    stmt = insert_ignore(conn.dialect.name, _outbox, ["idempotency_key"])
    inserted: list[str] = []
    for start in range(0, len(full), 1000):
        chunk = full[start:start + 1000]
        there = set(conn.execute(select(_outbox.c.idempotency_key).where(
            _outbox.c.idempotency_key.in_([r["idempotency_key"] for r in chunk]))).scalars())
        fresh = [r for r in chunk if r["idempotency_key"] not in there]
        if fresh and exact:
            returning = stmt.returning(_outbox.c.idempotency_key)
            inserted += [str(k) for k in conn.execute(returning, fresh).scalars()]
        elif fresh:
            conn.execute(stmt, fresh)
            inserted += [r["idempotency_key"] for r in fresh]
    if revive:
        again = [r for r in full if r["idempotency_key"] not in set(inserted)]
        if again:
            conn.execute(update(_outbox).where(
                _outbox.c.idempotency_key == bindparam("k"), _outbox.c.status == "cancelled")
                .values(status=bindparam("s"), due_at=bindparam("d"), payload=bindparam("p"),
                        last_error=bindparam("e"), created_at=now),
                [{"k": r["idempotency_key"], "s": r["status"], "d": r["due_at"],
                  "p": r["payload"], "e": r["last_error"]} for r in again])
    return inserted


def cancel(tx: Tx, ref: str, *, kinds: Iterable[str] = ("care",),
           rules: Iterable[str] | None = None) -> int:
    """Pending care rows of ``ref`` (and no-channel skips, which a change makes moot) are
    cancelled; ``rules``: only these rule ids."""
    o = _outbox.c
    stmt = update(_outbox).where(
        o.ref == ref, o.kind.in_(tuple(kinds)),
        (o.status == "pending") | ((o.status == "skipped") & (o.last_error == NO_CHANNEL)))
    if rules is not None:
        keys = [f"care:{rule}:%" for rule in rules]
        if not keys:
            return 0
        stmt = stmt.where(or_(*[o.idempotency_key.like(pattern) for pattern in keys]))
    result = conn_of(tx).execute(stmt.values(status="cancelled"))
    return int(result.rowcount or 0)
