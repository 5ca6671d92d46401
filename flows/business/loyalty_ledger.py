"""Point lots and expiry: spent points consume the oldest earned points first (FIFO).

Each positive ledger row is a *lot* with its own expiry. Replaying the ledger in order —
spends (redeem, negative adjustments) draw from the oldest open lots, an ``expire`` row
closes the lot it names (``ref = lot:<id>``) — tells how much of every lot is left. Expiry
then writes one negative ``expire`` row per lot that ran out with points left, so the
balance only ever loses points that were really unspent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage import loyalty as store
from storage.conn import Tx
from storage.loyalty import LedgerRow


@dataclass(slots=True)
class Lot:
    id: int
    earned_at: datetime
    expires_at: datetime | None
    left: int
    closed: bool = False


def open_lots(rows: Sequence[LedgerRow]) -> list[Lot]:
    """Replay ``rows`` (oldest first); the lots with points left, oldest first."""
    lots: list[Lot] = []
    by_id: dict[int, Lot] = {}
    for row in rows:
        if row.reason == "expire" and row.ref.startswith("lot:"):
            lot = by_id.get(int(row.ref[4:]))
            if lot is not None:
                lot.left, lot.closed = 0, True
        elif row.delta > 0:
            lot = Lot(row.id, row.created_at, row.expires_at, row.delta)
            lots.append(lot)
            by_id[row.id] = lot
        elif row.delta < 0:
            owed = -row.delta
            for lot in lots:
                if owed == 0:
                    break
                take = min(lot.left, owed)
                lot.left -= take
                owed -= take
    return [lot for lot in lots if lot.left > 0 and not lot.closed]


def expire_customer(tx: Tx, customer_id: int, now: datetime) -> int:
    """Write the expiry rows for one customer; returns the points expired."""
    expired = 0
    for lot in open_lots(store.ledger(tx, customer_id)):
        due = lot.expires_at is not None and lot.expires_at <= now
        if due and store.add_points(tx, customer_id, -lot.left, "expire", f"lot:{lot.id}", now=now):
            expired += lot.left
    return expired


def expire_points(conn: Tx, now: datetime) -> dict[int, int]:
    """Expire every unspent lot whose time has come; {customer id: points expired}.

    Safe to run at any time and more than once: a lot is expired by at most one row.
    """
    done: dict[int, int] = {}
    for customer_id in store.customers_with_expired_lots(conn, now):
        points = expire_customer(conn, customer_id, now)
        if points:
            done[customer_id] = points
    return done


@dataclass(frozen=True, slots=True)
class Expiring:
    points: int
    first_at: datetime | None  # the earliest expiry among them


def points_expiring(conn: Tx, customer_id: int, now: datetime, within_days: int = 30) -> Expiring:
    """Unspent points that expire by ``now + within_days`` (including any overdue ones not yet
    written off) — for 我的积分 and the care calendar's reminder."""
    until = now + timedelta(days=within_days)
    soon = [lot for lot in open_lots(store.ledger(conn, customer_id))
            if lot.expires_at is not None and lot.expires_at <= until]
    if not soon:
        return Expiring(0, None)
    return Expiring(sum(lot.left for lot in soon), min(lot.expires_at for lot in soon
                                                       if lot.expires_at is not None))
