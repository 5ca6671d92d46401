"""The points ledger: every award or spend is a row; ``customers.points`` is the balance."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from storage.conn import Tx, conn_of
from storage.models import Customer
from storage.models_business import PointsEntry
from storage.statements import insert_ignore
from storage.types import utcnow


def add_points(tx: Tx, customer_id: int, delta: int, reason: str, ref: str, *,
               expires_at: datetime | None = None, now: datetime | None = None) -> bool:
    """Record ``delta`` points once per (customer, reason, ref); False if already recorded."""
    conn = conn_of(tx)
    stmt = insert_ignore(conn.dialect.name, PointsEntry.__table__, ["customer_id", "reason", "ref"])
    done = conn.execute(stmt, {"customer_id": customer_id, "delta": delta, "reason": reason,
                               "ref": ref, "expires_at": expires_at,
                               "created_at": now or utcnow()}).rowcount
    if not done:
        return False
    conn.execute(update(Customer).where(Customer.id == customer_id)
                 .values(points=Customer.points + delta, updated_at=utcnow()))
    return True


def balance(tx: Tx, customer_id: int) -> int:
    return int(conn_of(tx).execute(select(Customer.points).where(Customer.id == customer_id))
               .scalar() or 0)
