"""Customer-level dashboard figures: repurchase, churn risk, points redemption; the values
each dimension takes (the dashboard's filter choices).

Sums and counts only; bot/dashboard turns them into rates. See storage/kpi_queries.py for the
dimension rules and :class:`Bounds`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, select, union

from storage.conn import Tx, conn_of
from storage.kpi_queries import Bounds, Dims, Key, apply_dims, bucket_case, rows_by_key
from storage.models import Conversation, Customer
from storage.models_business import Booking, PointsEntry, SurveyResponse, Ticket
from storage.models_kpi import KpiDaily

#: a customer is active with a completed booking in this window before the moment
ACTIVE_WINDOW = timedelta(days=365)
#: the latest survey answer at or below this CSAT makes a customer unhappy
UNHAPPY_CSAT = 2


def repurchases(tx: Tx, bounds: Bounds, dims: Dims) -> dict[Key, dict[str, float]] | None:
    """Per bucket: customers with a completed booking in it, and how many of them had
    completed an earlier one (or completed two in the bucket)."""
    b, cu, cv = Booking, Customer, Conversation
    exprs = {"region": func.coalesce(b.region, cu.region, ""), "service": b.service,
             "tier": func.coalesce(cu.tier, ""), "channel": func.coalesce(cv.channel, "")}
    earlier = Booking.__table__.alias("earlier")
    first_ever = (select(func.min(earlier.c.completed_at))
                  .where(earlier.c.customer_id == b.customer_id,
                         earlier.c.status == "completed").scalar_subquery())
    bucket = bucket_case(b.completed_at, bounds.instants).label("bucket")
    inner = (select(bucket, b.customer_id, func.count().label("n"),
                    func.min(b.completed_at).label("first_in"), first_ever.label("first_ever"))
             .select_from(b).join(cu, cu.id == b.customer_id)
             .outerjoin(cv, cv.id == b.conversation_id)
             .where(b.status == "completed", b.completed_at >= bounds.instants[0],
                    b.completed_at < bounds.instants[-1])
             .group_by(bucket, b.customer_id))
    filtered = apply_dims(inner, exprs, dims)
    if filtered is None:
        return None
    x = filtered.subquery()
    repeat = case(((x.c.n >= 2) | (x.c.first_in > x.c.first_ever), 1), else_=0)
    stmt = select(x.c.bucket, func.count(), func.sum(repeat)).group_by(x.c.bucket)
    return {(int(r[0]),): {"buyers": float(r[1]), "repeat_buyers": float(r[2] or 0)}
            for r in conn_of(tx).execute(stmt)}


@dataclass(frozen=True, slots=True)
class ChurnCounts:
    active: int
    at_risk: int
    lapsed: int
    unhappy: int
    waiting: int  # a complaint past its fix deadline, not resolved


def _churn_parts(at: datetime, churn_days: int) -> tuple[Any, Any, Any, Any]:
    """(active customers subquery, lapsed, unhappy, waiting conditions) at ``at``."""
    b, s, t = Booking, SurveyResponse, Ticket
    active = (select(b.customer_id.label("cid"), func.max(b.completed_at).label("last_done"))
              .where(b.status == "completed", b.completed_at >= at - ACTIVE_WINDOW,
                     b.completed_at < at).group_by(b.customer_id).subquery())
    later = Booking.__table__.alias("later")
    lapsed = and_(active.c.last_done < at - timedelta(days=churn_days), ~exists().where(
        later.c.customer_id == active.c.cid, later.c.created_at > active.c.last_done,
        later.c.created_at < at, later.c.status != "cancelled"))
    latest_csat = (select(s.csat).where(s.customer_id == active.c.cid, s.created_at < at,
                                        s.csat.is_not(None))
                   .order_by(s.created_at.desc(), s.id.desc()).limit(1).scalar_subquery())
    unhappy = latest_csat <= UNHAPPY_CSAT
    waiting = exists().where(t.customer_id == active.c.cid, t.severity != "suggestion",
                             t.created_at < at, t.fix_due_at < at,
                             t.resolved_at.is_(None) | (t.resolved_at > at))
    return active, lapsed, unhappy, waiting


_CHURN_DIMS = {"region": func.coalesce(Customer.region, ""), "tier": func.coalesce(Customer.tier, "")}


def churn(tx: Tx, at: datetime, dims: Dims, *, churn_days: int) -> ChurnCounts | None:
    """At ``at``: customers active (a completed booking in the year before) and those at
    risk — lapsed (last completed booking more than ``churn_days`` ago and nothing booked
    since), unhappy (latest survey CSAT ≤ 2) or waiting on an overdue complaint."""
    active, lapsed, unhappy, waiting = _churn_parts(at, churn_days)
    flags = [func.sum(case((cond, 1), else_=0)) for cond in
             (lapsed | unhappy | waiting, lapsed, unhappy, waiting)]
    stmt = (select(func.count(), *flags)
            .select_from(active).join(Customer, Customer.id == active.c.cid))
    filtered = apply_dims(stmt, _CHURN_DIMS, dims)
    if filtered is None:
        return None
    row = conn_of(tx).execute(filtered).one()
    return ChurnCounts(*(int(v or 0) for v in row))


def at_risk(tx: Tx, at: datetime, dims: Dims, *, churn_days: int,
            limit: int = 50) -> list[tuple[int, str | None, str | None, datetime, bool, bool, bool]]:
    """The customers :func:`churn` counts as at risk: (customer id, name, latest conversation
    public id, last completed booking, lapsed, unhappy, waiting), longest lapsed first."""
    active, lapsed, unhappy, waiting = _churn_parts(at, churn_days)
    cu, cv = Customer, Conversation
    latest = (select(cv.public_id).where(cv.customer_id == active.c.cid)
              .order_by(cv.updated_at.desc(), cv.id.desc()).limit(1).scalar_subquery())
    stmt = (select(active.c.cid, cu.display_name, latest, active.c.last_done, lapsed, unhappy,
                   waiting)
            .select_from(active).join(cu, cu.id == active.c.cid)
            .where(lapsed | unhappy | waiting))
    filtered = apply_dims(stmt, _CHURN_DIMS, dims)
    if filtered is None:
        return []
    rows = conn_of(tx).execute(filtered.order_by(active.c.last_done, active.c.cid).limit(limit))
    return [(int(r[0]), r[1], r[2], r[3], bool(r[4]), bool(r[5]), bool(r[6])) for r in rows]


def points(tx: Tx, bounds: Bounds, dims: Dims) -> dict[Key, dict[str, float]] | None:
    """Per bucket: points earned (every positive entry) and redeemed (``redeem`` entries)."""
    p, cu = PointsEntry, Customer
    exprs = {"region": func.coalesce(cu.region, ""), "tier": func.coalesce(cu.tier, "")}
    groups = [bucket_case(p.created_at, bounds.instants)]
    stmt = (select(*groups, func.coalesce(func.sum(case((p.delta > 0, p.delta), else_=0)), 0),
                   func.coalesce(func.sum(case((p.reason == "redeem", -p.delta), else_=0)), 0))
            .select_from(p).join(cu, cu.id == p.customer_id)
            .where(p.created_at >= bounds.instants[0], p.created_at < bounds.instants[-1])
            .group_by(*groups))
    rows = rows_by_key(tx, apply_dims(stmt, exprs, dims), 1)
    if rows is None:
        return None
    return {k: {"earned": float(v[0] or 0), "redeemed": float(v[1] or 0)} for k, v in rows.items()}


def dimension_values(tx: Tx) -> dict[str, list[str]]:
    """Every value each dimension has in the data (filter choices; unknown values are refused)."""
    conn = conn_of(tx)
    cu, b, d, cv = Customer, Booking, KpiDaily, Conversation

    def distinct(*columns: Any) -> list[str]:
        query = union(*(select(c.label("v")).where(c.is_not(None), c != literal("")).distinct()
                        for c in columns))
        return sorted(str(v) for v in conn.execute(query).scalars())

    return {"region": distinct(cu.region, b.region), "service": distinct(b.service, d.service),
            "tier": distinct(cu.tier), "channel": distinct(cv.channel)}
