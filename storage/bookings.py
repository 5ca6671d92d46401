"""The bookings repository: create with a capacity check, look up, move, cancel, track.

Capacity is the number of active bookings (not cancelled) in one (service, day, slot); it
must hold when two customers take the last crew at the same moment. Each write that can
add a booking to a slot first takes that slot's lock, then counts, then writes:

* PostgreSQL: ``pg_advisory_xact_lock`` on a key derived from (service, day, slot). There
  is no row to ``SELECT ... FOR UPDATE`` before the first booking of a slot exists, and
  row locks do not stop a concurrent INSERT; the advisory lock does, and is released
  with the transaction.
* SQLite: write transactions start with ``BEGIN IMMEDIATE`` (storage/db.py), so writers
  are already serialised by the database; the count inside the transaction is exact.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from storage.conn import Tx, conn_of
from storage.models import OutboxMessage
from storage.models_business import Booking

_table: Table = Booking.__table__  # type: ignore[assignment]
_outbox: Table = OutboxMessage.__table__  # type: ignore[assignment]

#: Statuses that hold a crew (count against capacity) and can still be changed.
ACTIVE = ("confirmed", "on_the_way", "in_progress")
STATUSES = (*ACTIVE, "completed", "cancelled")


@dataclass(frozen=True, slots=True)
class BookingRow:
    id: int
    public_id: str
    customer_id: int
    conversation_id: int | None
    quote_id: str | None
    service: str
    day: date
    slot: str
    status: str
    region: str | None
    address: str | None
    total: float | None
    currency: str
    details: dict[str, Any]
    eta_at: datetime | None
    status_note: str | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    cancelled_at: datetime | None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def ref(self) -> str:
        """What scheduled outbox rows about this booking carry in ``outbox.ref``."""
        return f"booking:{self.public_id}"


@dataclass(frozen=True, slots=True)
class NewBooking:
    customer_id: int
    service: str
    day: date
    slot: str
    conversation_id: int | None = None
    quote_id: str | None = None
    address: str | None = None
    region: str | None = None
    total: float | None = None
    currency: str = "CNY"
    details: dict[str, Any] = field(default_factory=dict)


class BookingNotFound(LookupError):
    """No booking has that public id."""


class BookingClosed(ValueError):
    """The booking is completed or cancelled and cannot be changed."""


def _row(r: Any) -> BookingRow:
    return BookingRow(**{f.name: getattr(r, f.name) for f in fields(BookingRow)})


def lock_slot(tx: Tx, service: str, day: date, slot: str) -> None:
    """Serialise writers of one (service, day, slot) until the transaction ends."""
    conn = conn_of(tx)
    if conn.dialect.name != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE already serialises every writer
    digest = hashlib.blake2b(f"booking|{service}|{day.isoformat()}|{slot}".encode(),
                             digest_size=8).digest()
    key = int.from_bytes(digest, "big", signed=True)
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def count_active(tx: Tx, service: str, day: date, slot: str, *,
                 excluding: int | None = None) -> int:
    c = _table.c
    stmt = select(func.count()).select_from(_table).where(
        c.service == service, c.day == day, c.slot == slot, c.status.in_(ACTIVE))
    if excluding is not None:
        stmt = stmt.where(c.id != excluding)
    return int(conn_of(tx).execute(stmt).scalar_one())


def active_counts(tx: Tx, service: str, first: date, last: date) -> dict[tuple[date, str], int]:
    """Active bookings per (day, slot) for days ``first``..``last``: one query for a calendar."""
    c = _table.c
    rows = conn_of(tx).execute(
        select(c.day, c.slot, func.count()).where(
            c.service == service, c.day >= first, c.day <= last, c.status.in_(ACTIVE))
        .group_by(c.day, c.slot))
    return {(r[0], r[1]): int(r[2]) for r in rows}


def _next_public_id(conn: Connection, prefix: str) -> str:
    last = conn.execute(select(func.max(_table.c.public_id))
                        .where(_table.c.public_id.like(prefix + "%"))).scalar()
    seq = int(last[len(prefix):]) + 1 if last and last[len(prefix):].isdigit() else 1
    return f"{prefix}{seq:04d}"


def create_booking(tx: Tx, new: NewBooking, *, capacity: int, now: datetime) -> BookingRow | None:
    """Insert a confirmed booking unless its slot already holds ``capacity``; None when full.

    The public id is ``B`` + the local creation date (yymmdd, from ``now``'s time zone) +
    a sequence of that day; two bookings taking the same number at once (different slots
    lock separately) are resolved by retrying inside a savepoint.
    """
    conn = conn_of(tx)
    lock_slot(conn, new.service, new.day, new.slot)
    if count_active(conn, new.service, new.day, new.slot) >= capacity:
        return None
    prefix = "B" + now.strftime("%y%m%d")
    history = [{"at": now.isoformat(), "actor": "customer", "action": "created"}]
    values = {"customer_id": new.customer_id, "conversation_id": new.conversation_id,
              "quote_id": new.quote_id, "service": new.service, "day": new.day,
              "slot": new.slot, "status": "confirmed", "region": new.region,
              "address": new.address, "total": new.total, "currency": new.currency,
              "details": {**new.details, "history": history},
              "created_at": now, "updated_at": now}
    for _ in range(20):
        public_id = _next_public_id(conn, prefix)
        try:
            with conn.begin_nested():
                conn.execute(insert(_table).values(public_id=public_id, **values))
        except IntegrityError:
            continue
        found = get_booking(conn, public_id)
        assert found is not None
        return found
    raise RuntimeError(f"could not allocate a booking id with prefix {prefix}")


def get_booking(tx: Tx, public_id: str) -> BookingRow | None:
    row = conn_of(tx).execute(select(_table).where(_table.c.public_id == public_id.upper())).first()
    return _row(row) if row is not None else None


def require(tx: Tx, public_id: str) -> BookingRow:
    found = get_booking(tx, public_id)
    if found is None:
        raise BookingNotFound(f"no booking {public_id}")
    return found


def list_for_customer(tx: Tx, customer_id: int, *, from_day: date | None = None,
                      statuses: Iterable[str] = ACTIVE) -> list[BookingRow]:
    """The customer's bookings, soonest first (``from_day``: only those on or after it)."""
    c = _table.c
    stmt = select(_table).where(c.customer_id == customer_id, c.status.in_(tuple(statuses)))
    if from_day is not None:
        stmt = stmt.where(c.day >= from_day)
    return [_row(r) for r in conn_of(tx).execute(stmt.order_by(c.day, c.slot, c.id))]


def list_bookings(tx: Tx, *, day: date | None = None, status: str | None = None,
                  limit: int = 100) -> list[BookingRow]:
    """For operations: by day and status, soonest first."""
    c = _table.c
    stmt = select(_table)
    if day is not None:
        stmt = stmt.where(c.day == day)
    if status is not None:
        stmt = stmt.where(c.status == status)
    return [_row(r) for r in conn_of(tx).execute(stmt.order_by(c.day, c.slot, c.id).limit(limit))]


def _change(conn: Connection, booking: BookingRow, now: datetime, entry: dict[str, Any],
            **values: Any) -> BookingRow:
    details = dict(booking.details)
    details["history"] = [*details.get("history", []), {"at": now.isoformat(), **entry}]
    conn.execute(update(_table).where(_table.c.id == booking.id)
                 .values(details=details, updated_at=now, **values))
    changed = get_booking(conn, booking.public_id)
    assert changed is not None
    return changed


def merge_details(tx: Tx, public_id: str, values: dict[str, Any]) -> BookingRow:
    """Add keys to a booking's details (labels, phone, preferences) without a history entry."""
    conn = conn_of(tx)
    booking = require(conn, public_id)
    conn.execute(update(_table).where(_table.c.id == booking.id)
                 .values(details={**booking.details, **values}))
    return require(conn, public_id)


def _open(conn: Connection, public_id: str) -> BookingRow:
    """The booking, locked for this transaction; completed or cancelled ones are closed."""
    row = conn.execute(select(_table).where(_table.c.public_id == public_id.upper())
                       .with_for_update()).first()
    if row is None:
        raise BookingNotFound(f"no booking {public_id}")
    booking = _row(row)
    if not booking.active:
        raise BookingClosed(f"booking {booking.public_id} is {booking.status}")
    return booking


def reschedule(tx: Tx, public_id: str, day: date, slot: str, *, capacity: int, now: datetime,
               actor: str, fee_pct: float = 0.0) -> BookingRow | None:
    """Move an active booking to (day, slot) if a crew is free there; None when full."""
    conn = conn_of(tx)
    booking = _open(conn, public_id)
    lock_slot(conn, booking.service, day, slot)
    if count_active(conn, booking.service, day, slot, excluding=booking.id) >= capacity:
        return None
    entry = {"actor": actor, "action": "rescheduled", "from": [booking.day.isoformat(),
             booking.slot], "to": [day.isoformat(), slot], "fee_pct": fee_pct}
    return _change(conn, booking, now, entry, day=day, slot=slot, status="confirmed",
                   eta_at=None)


def cancel(tx: Tx, public_id: str, *, now: datetime, actor: str, reason: str | None = None,
           fee_pct: float = 0.0) -> BookingRow:
    """Cancel an active booking and every message still scheduled about it."""
    conn = conn_of(tx)
    booking = _open(conn, public_id)
    entry = {"actor": actor, "action": "cancelled", "reason": reason, "fee_pct": fee_pct}
    changed = _change(conn, booking, now, entry, status="cancelled", cancelled_at=now)
    cancel_scheduled(conn, booking.ref)
    return changed


def cancel_scheduled(tx: Tx, ref: str) -> int:
    """Pending outbox rows that belong to ``ref`` ("booking:B...") will not be sent."""
    result = conn_of(tx).execute(update(_outbox).where(
        _outbox.c.ref == ref, _outbox.c.status == "pending").values(status="cancelled"))
    return int(result.rowcount or 0)


def set_status(tx: Tx, public_id: str, status: str, *, now: datetime, actor: str,
               eta_at: datetime | None = None, note: str | None = None) -> BookingRow:
    """Operations' progress: on_the_way (with an ETA), in_progress, or back to confirmed."""
    if status not in ACTIVE:
        raise ValueError(f"status must be one of {', '.join(ACTIVE)} (use complete/cancel for "
                         f"the others), not {status!r}")
    conn = conn_of(tx)
    booking = _open(conn, public_id)
    entry = {"actor": actor, "action": "status", "status": status,
             "eta": eta_at.isoformat() if eta_at else None, "note": note}
    return _change(conn, booking, now, entry, status=status, eta_at=eta_at, status_note=note)


def complete(tx: Tx, public_id: str, *, now: datetime, actor: str) -> BookingRow:
    conn = conn_of(tx)
    booking = _open(conn, public_id)
    return _change(conn, booking, now, {"actor": actor, "action": "completed"},
                   status="completed", completed_at=now, eta_at=None)
