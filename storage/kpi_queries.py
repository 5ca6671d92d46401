"""The dashboard's aggregate queries: sums per period bucket and dimension, no ratios.

Every function takes contiguous :class:`Bounds` (the current and previous period, or the
weeks of a trend) and answers all buckets in one query, so a dashboard is a handful of
statements whatever its size. Contact figures come from ``kpi_daily`` (the rollup); survey,
complaint, booking and points figures straight from their tables, which are small next to
the event history and indexed by time (migration 0006).

Dimensions of a record (``''`` when unknown):

==========  ==============================================================================
region      the booking's region, else the customer's (contacts: the customer's)
service     the booking's service (contacts: the service talked about, see kpi_contacts)
tier        the customer's tier now (contacts: at the time of the contact)
channel     the channel of the conversation the record came from
==========  ==============================================================================

A dimension a source does not have (points have no channel) answers ``None`` for a filter on it:
the metric is "not available for this filter", never silently unfiltered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, case, func, literal, or_, select
from sqlalchemy.sql import ColumnElement

from storage.conn import Tx, conn_of
from storage.models import Conversation, Customer
from storage.models_business import Booking, SurveyResponse, Ticket
from storage.models_kpi import KpiDaily

DIMENSIONS = ("region", "service", "tier", "channel")
COMPLAINT_CLASSES = ("urgent", "experience")  # suggestions are tickets, not complaints


@dataclass(frozen=True, slots=True)
class Bounds:
    """Buckets ``i`` = [``instants[i]``, ``instants[i+1]``) in UTC, which are the local days
    [``days[i]``, ``days[i+1]``)."""

    instants: tuple[datetime, ...]
    days: tuple[date, ...]

    def __post_init__(self) -> None:
        if len(self.instants) < 2 or len(self.instants) != len(self.days):
            raise ValueError("bounds need at least two matching instants and days")

    @property
    def buckets(self) -> int:
        return len(self.instants) - 1


@dataclass(frozen=True, slots=True)
class Dims:
    """Filter values; ``None`` means all."""

    region: str | None = None
    service: str | None = None
    tier: str | None = None
    channel: str | None = None

    def items(self) -> list[tuple[str, str]]:
        return [(k, v) for k in DIMENSIONS if (v := getattr(self, k)) is not None]


Key = tuple[Any, ...]  # (bucket, *group values)


def bucket_case(column: Any, edges: Sequence[Any]) -> Any:
    return case(*((column < edge, i) for i, edge in enumerate(edges[1:])), else_=len(edges) - 1)


def apply_dims(stmt: Any, exprs: dict[str, Any], dims: Dims) -> Any:
    """``stmt`` filtered by the set dimensions; None when one of them is not in ``exprs``."""
    for name, value in dims.items():
        expr = exprs.get(name)
        if expr is None:
            return None
        stmt = stmt.where(expr == value)
    return stmt


def rows_by_key(tx: Tx, stmt: Any, width: int) -> dict[Key, tuple[Any, ...]] | None:
    if stmt is None:
        return None
    return {tuple(r[:width]): tuple(r[width:]) for r in conn_of(tx).execute(stmt)}


def seconds_between(tx: Tx, later: Any, earlier: Any) -> Any:
    """``later - earlier`` in seconds on either database."""
    if conn_of(tx).dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return func.extract("epoch", later - earlier)


# -- contacts (kpi_daily) ---------------------------------------------------------------------

CONTACT_SUMS = ("contacts", "contained", "handoffs", "frt_n", "frt_sum", "agent_frt_n",
                "agent_frt_sum", "fcr_decided", "fcr_resolved", "messages_in", "fallbacks")


def contacts(tx: Tx, bounds: Bounds, dims: Dims, by: Sequence[str] = ()
             ) -> dict[Key, dict[str, float]]:
    """Sums of ``CONTACT_SUMS`` per bucket (and ``by`` dimensions)."""
    d = KpiDaily
    exprs = {name: getattr(d, name) for name in DIMENSIONS}
    groups = [bucket_case(d.day, bounds.days), *(exprs[b] for b in by)]
    stmt = select(*groups, *(func.sum(getattr(d, n)) for n in CONTACT_SUMS)).where(
        d.day >= bounds.days[0], d.day < bounds.days[-1]).group_by(*groups)
    rows = rows_by_key(tx, apply_dims(stmt, exprs, dims), len(groups)) or {}
    return {k: dict(zip(CONTACT_SUMS, (float(x or 0) for x in v), strict=True))
            for k, v in rows.items()}


# -- surveys ------------------------------------------------------------------------------------

SURVEY_SUMS = ("csat_n", "csat_sum", "satisfied", "nps_n", "promoters", "detractors", "ces_n",
               "ces_sum")


def joined(table: Any, needed: Iterable[str]) -> tuple[Select[Any], dict[str, Any]]:
    """``SELECT … FROM table`` (surveys, tickets, bookings) joined only to what the needed
    dimensions read — an unfiltered dashboard joins nothing — and those dimensions'
    expressions (see the module docstring)."""
    want = set(needed)
    b, cu, cv = Booking, Customer, Conversation
    stmt = select().select_from(table)
    own_booking = table is Booking
    if want & {"region", "tier"}:
        stmt = stmt.join(cu, cu.id == table.customer_id)
    if want & {"region", "service"} and not own_booking:
        stmt = stmt.outerjoin(b, b.id == table.booking_id)
    if "channel" in want:
        stmt = stmt.outerjoin(cv, cv.id == table.conversation_id)
    exprs = {"region": func.coalesce(b.region, cu.region, ""),
             "service": b.service if own_booking else func.coalesce(b.service, ""),
             "tier": func.coalesce(cu.tier, ""), "channel": func.coalesce(cv.channel, "")}
    return stmt, {k: v for k, v in exprs.items() if k in want}


def needs(dims: Dims, by: Sequence[str] = ()) -> set[str]:
    return {k for k, _ in dims.items()} | (set(by) & set(DIMENSIONS))


def surveys(tx: Tx, bounds: Bounds, dims: Dims, by: Sequence[str] = ()
            ) -> dict[Key, dict[str, float]] | None:
    """CSAT, NPS and CES sums per bucket (and ``by``); answers dated by when they were given."""
    r = SurveyResponse
    base, exprs = joined(r, needs(dims, by))
    groups = [bucket_case(r.created_at, bounds.instants), *(exprs[b] for b in by)]
    one = literal(1)
    stmt = base.add_columns(
        *groups, func.count(r.csat), func.coalesce(func.sum(r.csat), 0),
        func.count(case((r.csat >= 4, one))), func.count(r.nps),
        func.count(case((r.nps >= 9, one))), func.count(case((r.nps <= 6, one))),
        func.count(r.ces), func.coalesce(func.sum(r.ces), 0),
    ).where(r.created_at >= bounds.instants[0], r.created_at < bounds.instants[-1]).group_by(*groups)
    rows = rows_by_key(tx, apply_dims(stmt, exprs, dims), len(groups))
    if rows is None:
        return None
    return {k: dict(zip(SURVEY_SUMS, (float(x or 0) for x in v), strict=True))
            for k, v in rows.items()}


# -- complaints and tickets ---------------------------------------------------------------------

TICKET_SUMS = ("tickets", "complaints", "resolved_once", "one_pass", "sla_met", "sla_missed")
RESOLVED_SUMS = ("resolved", "resolution_s")


def sla_conditions(now: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """(met, missed) for a ticket; neither while a deadline is still ahead and not yet met."""
    t = Ticket
    reply_ok = t.acknowledged_at.is_not(None) & (t.acknowledged_at <= t.reply_due_at)
    reply_missed = or_(t.acknowledged_at > t.reply_due_at,
                       t.acknowledged_at.is_(None) & (t.reply_due_at < now))
    fix_ok = t.fix_due_at.is_(None) | (t.resolved_at.is_not(None) & (t.resolved_at <= t.fix_due_at))
    fix_missed = t.fix_due_at.is_not(None) & or_(
        t.resolved_at > t.fix_due_at, t.resolved_at.is_(None) & (t.fix_due_at < now))
    return reply_ok & fix_ok, or_(reply_missed, fix_missed)


def tickets(tx: Tx, bounds: Bounds, dims: Dims, *, now: datetime, by: Sequence[str] = ()
            ) -> dict[Key, dict[str, float]] | None:
    """Tickets opened per bucket: all, complaints (not suggestions), complaints resolved at
    least once (resolved or closed now, or reopened since), those resolved and never reopened,
    and SLA met / missed (all tickets); ``by`` may include ``severity`` and ``topic``."""
    t = Ticket
    base, exprs = joined(t, needs(dims, by))
    exprs_by = {**exprs, "severity": t.severity, "topic": t.topic}
    groups = [bucket_case(t.created_at, bounds.instants), *(exprs_by[b] for b in by)]
    complaint = t.severity.in_(COMPLAINT_CLASSES)
    met, missed = sla_conditions(now)
    one = literal(1)
    stmt = base.add_columns(
        *groups, func.count(), func.count(case((complaint, one))),
        func.count(case((complaint & (t.status.in_(("resolved", "closed")) | (t.reopened > 0)),
                         one))),
        func.count(case((complaint & t.status.in_(("resolved", "closed")) & (t.reopened == 0),
                         one))),
        func.count(case((met, one))), func.count(case((missed, one))),
    ).where(t.created_at >= bounds.instants[0], t.created_at < bounds.instants[-1]).group_by(*groups)
    rows = rows_by_key(tx, apply_dims(stmt, exprs, dims), len(groups))
    if rows is None:
        return None
    return {k: dict(zip(TICKET_SUMS, (float(x or 0) for x in v), strict=True))
            for k, v in rows.items()}


def resolutions(tx: Tx, bounds: Bounds, dims: Dims) -> dict[Key, dict[str, float]] | None:
    """Complaints resolved per bucket (by when they were resolved) and the summed time from
    opening to resolution."""
    t = Ticket
    base, exprs = joined(t, needs(dims))
    groups = [bucket_case(t.resolved_at, bounds.instants)]
    stmt = base.add_columns(*groups, func.count(),
                            func.coalesce(func.sum(seconds_between(tx, t.resolved_at,
                                                                   t.created_at)), 0.0)).where(
        t.severity.in_(COMPLAINT_CLASSES), t.resolved_at >= bounds.instants[0],
        t.resolved_at < bounds.instants[-1]).group_by(*groups)
    rows = rows_by_key(tx, apply_dims(stmt, exprs, dims), 1)
    if rows is None:
        return None
    return {k: dict(zip(RESOLVED_SUMS, (float(x or 0) for x in v), strict=True))
            for k, v in rows.items()}
