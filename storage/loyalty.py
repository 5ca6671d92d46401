"""The points ledger, referral codes and the completed-booking figures loyalty is computed from.

Every award or spend is a row; ``customers.points`` is the running balance. Rows are unique
per (customer, reason, ref), so an award is recorded once however often it is attempted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.conn import Tx, conn_of
from storage.models import Customer
from storage.models_business import Booking, PointsEntry, ReferralCode
from storage.statements import insert_ignore
from storage.types import utcnow


@dataclass(frozen=True, slots=True)
class LedgerRow:
    id: int
    delta: int
    reason: str
    ref: str
    expires_at: datetime | None
    created_at: datetime


def add_points(tx: Tx, customer_id: int, delta: int, reason: str, ref: str, *,
               expires_at: datetime | None = None, now: datetime | None = None) -> bool:
    """Record ``delta`` points once per (customer, reason, ref); False if already recorded."""
    conn = conn_of(tx)
    stmt = insert_ignore(conn.dialect.name, PointsEntry.__table__, ["customer_id", "reason", "ref"])
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT that did nothing
    done = conn.execute(stmt.returning(PointsEntry.id), {
        "customer_id": customer_id, "delta": delta, "reason": reason, "ref": ref,
        "expires_at": expires_at, "created_at": now or utcnow()}).first()
    if done is None:
        return False
    if delta:
        conn.execute(update(Customer).where(Customer.id == customer_id)
                     .values(points=Customer.points + delta, updated_at=utcnow()))
    return True


def balance(tx: Tx, customer_id: int) -> int:
    return int(conn_of(tx).execute(select(Customer.points).where(Customer.id == customer_id))
               .scalar() or 0)


def ledger(tx: Tx, customer_id: int) -> list[LedgerRow]:
    """The customer's rows in the order they happened (FIFO expiry replays them)."""
    p = PointsEntry
    rows = conn_of(tx).execute(
        select(p.id, p.delta, p.reason, p.ref, p.expires_at, p.created_at)
        .where(p.customer_id == customer_id).order_by(p.created_at, p.id))
    return [LedgerRow(*row) for row in rows]


def refs_of(tx: Tx, customer_id: int, reason: str) -> set[str]:
    """The refs already recorded for one reason (e.g. the milestones a customer reached)."""
    p = PointsEntry
    return set(conn_of(tx).execute(select(p.ref).where(
        p.customer_id == customer_id, p.reason == reason)).scalars())


def customers_with_expired_lots(tx: Tx, now: datetime) -> list[int]:
    """Customers owning an earned row past its expiry that has no ``expire`` row yet."""
    p = PointsEntry
    closed = PointsEntry.__table__.alias("closed")
    lot_ref = literal("lot:", String) + cast(p.id, String)  # the ref an expire row carries
    no_expire_row = ~select(closed.c.id).where(
        closed.c.customer_id == p.customer_id, closed.c.reason == "expire",
        closed.c.ref == lot_ref).exists()
    return list(conn_of(tx).execute(
        select(p.customer_id).where(p.delta > 0, p.expires_at.is_not(None), p.expires_at <= now,
                                    no_expire_row)
        .distinct().order_by(p.customer_id)).scalars())


# -- completed bookings ---------------------------------------------------------------------


def completed_count(tx: Tx, customer_id: int) -> int:
    b = Booking
    return int(conn_of(tx).execute(select(func.count()).where(
        b.customer_id == customer_id, b.status == "completed")).scalar() or 0)


def completed_since(tx: Tx, customer_id: int, since: datetime,
                    until: datetime) -> tuple[float, int]:
    """(spend, services) of bookings completed in [since, until] — the rolling tier window."""
    b = Booking
    row = conn_of(tx).execute(select(func.coalesce(func.sum(b.total), 0), func.count()).where(
        b.customer_id == customer_id, b.status == "completed", b.completed_at >= since,
        b.completed_at <= until)).one()
    return float(row[0] or 0), int(row[1] or 0)


# -- customers ------------------------------------------------------------------------------


def customer_ids_after(tx: Tx, after: int, limit: int = 500) -> list[int]:
    """The next ``limit`` customer ids above ``after`` (keyset pagination, for big tables)."""
    return list(conn_of(tx).execute(select(Customer.id).where(Customer.id > after)
                                    .order_by(Customer.id).limit(limit)).scalars())


def count_customers(tx: Tx) -> int:
    return int(conn_of(tx).execute(select(func.count()).select_from(Customer)).scalar() or 0)


def tier_of(tx: Tx, customer_id: int) -> str | None:
    return conn_of(tx).execute(select(Customer.tier).where(Customer.id == customer_id)).scalar()


def set_tier(tx: Tx, customer_id: int, tier: str) -> None:
    conn_of(tx).execute(update(Customer).where(Customer.id == customer_id)
                        .values(tier=tier, updated_at=utcnow()))


def referred_by(tx: Tx, customer_id: int) -> int | None:
    return conn_of(tx).execute(select(Customer.referred_by).where(Customer.id == customer_id)
                               ).scalar()


def set_referred_by_once(tx: Tx, customer_id: int, referrer_id: int) -> bool:
    """Set ``referred_by`` if it is still empty; False if another code got there first."""
    done = conn_of(tx).execute(
        update(Customer).where(Customer.id == customer_id, Customer.referred_by.is_(None))
        .values(referred_by=referrer_id, updated_at=utcnow())).rowcount
    return bool(done)


# -- referral codes -------------------------------------------------------------------------


def referral_code_of(tx: Tx, customer_id: int) -> str | None:
    return conn_of(tx).execute(select(ReferralCode.code)
                               .where(ReferralCode.customer_id == customer_id)).scalar()


def owner_of_code(tx: Tx, code: str) -> int | None:
    return conn_of(tx).execute(select(ReferralCode.customer_id)
                               .where(ReferralCode.code == code)).scalar()


def insert_referral_code(tx: Tx, customer_id: int, code: str, now: datetime) -> bool:
    """False when the code is taken or the customer already has one (either constraint)."""
    conn = conn_of(tx)
    builder = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = builder(ReferralCode).on_conflict_do_nothing().returning(ReferralCode.code)
    return conn.execute(stmt, {"code": code, "customer_id": customer_id,
                               "created_at": now}).first() is not None
