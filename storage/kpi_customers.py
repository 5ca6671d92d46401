"""Customer-level dashboard figures: repurchase, churn risk, points redemption; the values
each dimension takes (the dashboard's filter choices).

Sums and counts only; bot/dashboard turns them into rates. See storage/kpi_queries.py for the
dimension rules and :class:`Bounds`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, select

from storage.conn import Tx, conn_of
from storage.kpi_queries import (
    Bounds,
    Dims,
    Key,
    apply_dims,
    bucket_case,
    joined,
    needs,
    rows_by_key,
)
from storage.models import Conversation, Customer
from storage.models_business import Booking, PointsEntry, SurveyResponse, Ticket
from storage.models_kpi import KpiDaily

#: a customer is active with a completed booking in this window before the moment
ACTIVE_WINDOW = timedelta(days=365)
#: the latest survey answer at or below this CSAT makes a customer unhappy
UNHAPPY_CSAT = 2


def repurchases(tx: Tx, bounds: Bounds, dims: Dims) -> dict[Key, dict[str, float]] | None:
    """Per bucket: customers with a completed booking in it, and how many of them had
    completed an earlier one (or completed two in the bucket).

    Reads the bucket's completed bookings by time, then one index probe per buyer
    (ix_bookings_customer_history) for an earlier completion — work grows with the period,
    not with the whole history."""
    b = Booking
    base, exprs = joined(b, needs(dims))
    bucket = bucket_case(b.completed_at, bounds.instants).label("bucket")
    inner = apply_dims(base.add_columns(bucket, b.customer_id.label("cid"), func.count().label("n"),
                                        func.min(b.completed_at).label("first_in"))
                       .where(b.status == "completed", b.completed_at >= bounds.instants[0],
                              b.completed_at < bounds.instants[-1]), exprs, dims)
    if inner is None:
        return None
    x = inner.group_by(bucket, b.customer_id).subquery()
    earlier = Booking.__table__.alias("earlier")
    before = exists().where(earlier.c.customer_id == x.c.cid, earlier.c.status == "completed",
                            earlier.c.completed_at < x.c.first_in)
    repeat = case(((x.c.n >= 2) | before, 1), else_=0)
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


@dataclass(frozen=True, slots=True)
class _Churn:
    source: Any  # FROM: one row per customer with a booking made before the moment
    active: Any
    lapsed: Any
    unhappy: Any
    waiting: Any
    last_done: Any
    cid: Any


def _churn_parts(at: datetime, churn_days: int, dims: Dims) -> _Churn:
    """Each customer's booking history, latest CSAT and overdue complaints at ``at``, as
    grouped subqueries joined once (no per-customer lookups)."""
    b, s, t, cu = Booking, SurveyResponse, Ticket, Customer
    done = (b.status == "completed") & (b.completed_at < at)
    history = (select(b.customer_id.label("cid"),
                      func.max(case((done, b.completed_at))).label("last_done"),
                      func.max(case((b.status != "cancelled", b.created_at))).label("last_made"))
               .where(b.created_at < at).group_by(b.customer_id).subquery())
    ranked = (select(s.customer_id.label("cid"), s.csat.label("csat"), func.row_number().over(
        partition_by=s.customer_id, order_by=(s.created_at.desc(), s.id.desc())).label("rn"))
        .where(s.created_at < at, s.csat.is_not(None)).subquery())
    latest = select(ranked.c.cid, ranked.c.csat).where(ranked.c.rn == 1).subquery()
    overdue = (select(t.customer_id.label("cid"))
               .where(t.severity != "suggestion", t.created_at < at, t.fix_due_at < at,
                      t.resolved_at.is_(None) | (t.resolved_at > at))
               .group_by(t.customer_id).subquery())
    source = (history.outerjoin(latest, latest.c.cid == history.c.cid)
              .outerjoin(overdue, overdue.c.cid == history.c.cid))
    if {k for k, _ in dims.items()} & {"region", "tier"}:
        source = source.join(cu, cu.id == history.c.cid)
    return _Churn(
        source=source, active=history.c.last_done >= at - ACTIVE_WINDOW,
        lapsed=and_(history.c.last_done < at - timedelta(days=churn_days),
                    history.c.last_made <= history.c.last_done),
        unhappy=func.coalesce(latest.c.csat, 5) <= UNHAPPY_CSAT,
        waiting=overdue.c.cid.is_not(None), last_done=history.c.last_done, cid=history.c.cid)


_CHURN_DIMS = {"region": func.coalesce(Customer.region, ""), "tier": func.coalesce(Customer.tier, "")}


def churn(tx: Tx, at: datetime, dims: Dims, *, churn_days: int) -> ChurnCounts | None:
    """At ``at``: customers active (a completed booking in the year before) and those at
    risk — lapsed (last completed booking more than ``churn_days`` ago and nothing booked
    since), unhappy (latest survey CSAT ≤ 2) or waiting on an overdue complaint."""
    c = _churn_parts(at, churn_days, dims)
    flags = [func.sum(case((cond, 1), else_=0)) for cond in
             (c.lapsed | c.unhappy | c.waiting, c.lapsed, c.unhappy, c.waiting)]
    stmt = select(func.count(), *flags).select_from(c.source).where(c.active)
    filtered = apply_dims(stmt, _CHURN_DIMS, dims)
    if filtered is None:
        return None
    row = conn_of(tx).execute(filtered).one()
    return ChurnCounts(*(int(v or 0) for v in row))


def at_risk(tx: Tx, at: datetime, dims: Dims, *, churn_days: int,
            limit: int = 50) -> list[tuple[int, str | None, str | None, datetime, bool, bool, bool]]:
    """The customers :func:`churn` counts as at risk: (customer id, name, latest conversation
    public id, last completed booking, lapsed, unhappy, waiting), longest lapsed first."""
    c = _churn_parts(at, churn_days, dims)
    flags = [case((cond, True), else_=False) for cond in (c.lapsed, c.unhappy, c.waiting)]
    stmt = (select(c.cid, c.last_done, *flags).select_from(c.source)
            .where(c.active, c.lapsed | c.unhappy | c.waiting))
    filtered = apply_dims(stmt, _CHURN_DIMS, dims)
    if filtered is None:
        return []
    rows = list(conn_of(tx).execute(filtered.order_by(c.last_done, c.cid).limit(limit)))
    ids = [int(r[0]) for r in rows]
    names = dict(conn_of(tx).execute(select(Customer.id, Customer.display_name)
                                     .where(Customer.id.in_(ids))).all()) if ids else {}
    cv = Conversation
    latest: dict[int, str] = {}
    for cid, public_id in conn_of(tx).execute(
            select(cv.customer_id, cv.public_id).where(cv.customer_id.in_(ids))
            .order_by(cv.updated_at, cv.id)) if ids else ():
        latest[int(cid)] = public_id  # the most recently active one wins
    return [(int(r[0]), names.get(int(r[0])), latest.get(int(r[0])), r[1], bool(r[2]),
             bool(r[3]), bool(r[4])) for r in rows]


def points(tx: Tx, bounds: Bounds, dims: Dims) -> dict[Key, dict[str, float]] | None:
    """Per bucket: points earned (every positive entry) and redeemed (``redeem`` entries)."""
    p, cu = PointsEntry, Customer
    exprs = {"region": func.coalesce(cu.region, ""), "tier": func.coalesce(cu.tier, "")}
    groups = [bucket_case(p.created_at, bounds.instants)]
    source: Any = p
    if {k for k, _ in dims.items()} & {"region", "tier"}:
        source = p.__table__.join(cu, cu.id == p.customer_id)
    stmt = (select(*groups, func.coalesce(func.sum(case((p.delta > 0, p.delta), else_=0)), 0),
                   func.coalesce(func.sum(case((p.reason == "redeem", -p.delta), else_=0)), 0))
            .select_from(source)
            .where(p.created_at >= bounds.instants[0], p.created_at < bounds.instants[-1])
            .group_by(*groups))
    rows = rows_by_key(tx, apply_dims(stmt, exprs, dims), 1)
    if rows is None:
        return None
    return {k: {"earned": float(v[0] or 0), "redeemed": float(v[1] or 0)} for k, v in rows.items()}


def dimension_values(tx: Tx) -> dict[str, list[str]]:
    """Every value each dimension has in the data (filter choices; unknown values are refused).

    One pass over customers, bookings and conversations each, and the small daily table for
    the services contacts talked about."""
    conn = conn_of(tx)
    cu, b, d, cv = Customer, Booking, KpiDaily, Conversation
    found: dict[str, set[str]] = {"region": set(), "service": set(), "tier": set(),
                                  "channel": set()}
    for region, tier in conn.execute(select(cu.region, cu.tier).distinct()):
        found["region"].add(region or "")
        found["tier"].add(tier or "")
    for region, service in conn.execute(select(b.region, b.service).distinct()):
        found["region"].add(region or "")
        found["service"].add(service or "")
    for region, service, tier in conn.execute(select(d.region, d.service, d.tier).distinct()):
        found["region"].add(region or "")
        found["service"].add(service or "")
        found["tier"].add(tier or "")
    found["channel"].update(c or "" for c in conn.execute(select(cv.channel).distinct()).scalars())
    return {k: sorted(v for v in values if v) for k, values in found.items()}
