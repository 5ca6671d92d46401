"""The records behind a dashboard number (drill-down) and the texts voice-of-the-customer
reads. Every query is limited and runs on an index (contacts by day, the business tables by
time); the worst records come first (lowest scores, longest waits)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, literal, select

from storage.conn import Tx, conn_of
from storage.kpi_queries import (
    COMPLAINT_CLASSES,
    Dims,
    apply_dims,
    joined,
    needs,
    seconds_between,
    sla_conditions,
)
from storage.models import ChannelIdentity, Conversation, Customer
from storage.models_business import Booking, PointsEntry, SurveyResponse, Ticket
from storage.models_kpi import KpiContact

#: the most rows one drill-down returns
MAX_ROWS = 200


@dataclass(frozen=True, slots=True)
class DrillRow:
    conversation: str | None  # public id, for the console's conversation view
    customer: str
    channel: str
    at: datetime
    detail: dict[str, Any]


def _customer_name(customer_id: int, name: str | None) -> str:
    return name or f"#{customer_id}"


def contacts(tx: Tx, first: date, last: date, dims: Dims, which: str, *,
             limit: int = 50) -> list[DrillRow]:
    """Contacts started on local days [first, last] matching ``which``."""
    k, cv, cu = KpiContact, Conversation, Customer
    cond = {"all": None, "handoff": k.handoff.is_(True), "person": k.person.is_(True),
            "contained": k.person.is_(False), "repeat": k.repeat.is_(True),
            "agent_wait": k.agent_first_response_s.is_not(None)}[which]
    stmt = (select(cv.public_id, k.customer_id, cu.display_name, k.channel, k.started_at,
                   k.messages_in, k.handoff, k.person, k.first_response_s,
                   k.agent_first_response_s, k.service, k.region)
            .join(cv, cv.id == k.conversation_id).outerjoin(cu, cu.id == k.customer_id)
            .where(k.day >= first, k.day <= last))
    if cond is not None:
        stmt = stmt.where(cond)
    order = (k.agent_first_response_s.desc() if which == "agent_wait" else k.started_at.desc())
    stmt = apply_dims(stmt, {n: getattr(k, n) for n in ("region", "service", "tier", "channel")},
                      dims).order_by(order, k.id.desc()).limit(min(limit, MAX_ROWS))
    return [DrillRow(r[0], _customer_name(r[1], r[2]), r[3], r[4], {
        "messages": r[5], "handoff": bool(r[6]), "person": bool(r[7]),
        "first_response_s": r[8], "agent_first_response_s": r[9], "service": r[10],
        "region": r[11]}) for r in conn_of(tx).execute(stmt)]


def _dims_of(b: Any, cu: Any, cv: Any) -> dict[str, Any]:
    return {"region": func.coalesce(b.region, cu.region, ""), "service": func.coalesce(b.service, ""),
            "tier": func.coalesce(cu.tier, ""), "channel": func.coalesce(cv.channel, "")}


def surveys(tx: Tx, start: datetime, end: datetime, dims: Dims, *, limit: int = 50,
            with_comment: bool = False) -> list[DrillRow]:
    """Survey answers given in [start, end), lowest CSAT first."""
    r, b, cu, cv = SurveyResponse, Booking, Customer, Conversation
    stmt = (select(cv.public_id, r.customer_id, cu.display_name, func.coalesce(cv.channel, ""),
                   r.created_at, r.csat, r.nps, r.ces, r.comment, b.service, b.region, cu.region)
            .select_from(r).join(cu, cu.id == r.customer_id).outerjoin(b, b.id == r.booking_id)
            .outerjoin(cv, cv.id == r.conversation_id)
            .where(r.created_at >= start, r.created_at < end))
    if with_comment:
        stmt = stmt.where(r.comment.is_not(None), r.comment != "")
    stmt = apply_dims(stmt, _dims_of(b, cu, cv), dims).order_by(
        r.csat.is_(None), r.csat, r.created_at.desc(), r.id.desc()).limit(min(limit, 5000))
    return [DrillRow(x[0], _customer_name(x[1], x[2]), x[3], x[4], {
        "csat": x[5], "nps": x[6], "ces": x[7], "comment": x[8], "service": x[9] or "",
        "region": x[10] or x[11] or ""}) for x in conn_of(tx).execute(stmt)]


def tickets(tx: Tx, start: datetime, end: datetime, dims: Dims, which: str, *, now: datetime,
            limit: int = 50) -> list[DrillRow]:
    """Tickets opened in [start, end): complaints, reopened ones, SLA misses, or the slowest
    resolved first."""
    t, b, cu, cv = Ticket, Booking, Customer, Conversation
    stmt = (select(cv.public_id, t.customer_id, cu.display_name, func.coalesce(cv.channel, ""),
                   t.created_at, t.public_id, t.severity, t.topic, t.status, t.reopened,
                   t.description, t.reply_due_at, t.acknowledged_at, t.fix_due_at, t.resolved_at)
            .select_from(t).join(cu, cu.id == t.customer_id).outerjoin(b, b.id == t.booking_id)
            .outerjoin(cv, cv.id == t.conversation_id)
            .where(t.created_at >= start, t.created_at < end))
    order: list[Any] = [t.created_at.desc()]
    if which != "all":
        stmt = stmt.where(t.severity.in_(COMPLAINT_CLASSES))
    if which == "reopened":
        stmt = stmt.where(t.reopened > 0)
    elif which == "sla_missed":
        stmt = stmt.where(sla_conditions(now)[1])
    elif which == "slow":
        stmt = stmt.where(t.resolved_at.is_not(None))
        order = [seconds_between(tx, t.resolved_at, t.created_at).desc()]
    stmt = apply_dims(stmt, _dims_of(b, cu, cv), dims).order_by(*order, t.id.desc()).limit(
        min(limit, 5000))
    return [DrillRow(x[0], _customer_name(x[1], x[2]), x[3], x[4], {
        "ticket_id": x[5], "severity": x[6], "topic": x[7], "status": x[8], "reopened": x[9],
        "description": x[10], "reply_due_at": x[11], "acknowledged_at": x[12],
        "fix_due_at": x[13], "resolved_at": x[14]}) for x in conn_of(tx).execute(stmt)]


def _latest_conversation(customer_id: Any) -> Any:
    c = Conversation.__table__.alias("latest")
    return (select(c.c.public_id).where(c.c.customer_id == customer_id)
            .order_by(c.c.updated_at.desc(), c.c.id.desc()).limit(1).scalar_subquery())


def repeat_buyers(tx: Tx, start: datetime, end: datetime, dims: Dims, *,
                  limit: int = 50) -> list[DrillRow]:
    """Completed bookings in [start, end) by customers who had completed one before."""
    b, cu, cv = Booking, Customer, Conversation
    earlier = Booking.__table__.alias("earlier")
    before = (select(func.count()).where(earlier.c.customer_id == b.customer_id,
                                         earlier.c.status == "completed",
                                         earlier.c.completed_at < b.completed_at)
              .scalar_subquery())
    stmt = (select(func.coalesce(cv.public_id, _latest_conversation(b.customer_id)),
                   b.customer_id, cu.display_name, func.coalesce(cv.channel, ""), b.completed_at,
                   b.public_id, b.service, b.total, before)
            .select_from(b).join(cu, cu.id == b.customer_id)
            .outerjoin(cv, cv.id == b.conversation_id)
            .where(b.status == "completed", b.completed_at >= start, b.completed_at < end,
                   before > 0))
    stmt = apply_dims(stmt, _dims_of(b, cu, cv), dims).order_by(b.completed_at.desc()).limit(
        min(limit, MAX_ROWS))
    return [DrillRow(x[0], _customer_name(x[1], x[2]), x[3], x[4], {
        "booking_id": x[5], "service": x[6], "total": x[7], "earlier_bookings": x[8]})
        for x in conn_of(tx).execute(stmt)]


def redemptions(tx: Tx, start: datetime, end: datetime, dims: Dims, *,
                limit: int = 50) -> list[DrillRow]:
    """Points redeemed in [start, end), largest first."""
    p, cu = PointsEntry, Customer
    channel = (select(ChannelIdentity.channel).where(ChannelIdentity.customer_id == p.customer_id)
               .order_by(ChannelIdentity.id).limit(1).scalar_subquery())
    stmt = (select(_latest_conversation(p.customer_id), p.customer_id, cu.display_name,
                   func.coalesce(channel, ""), p.created_at, -p.delta, p.ref)
            .select_from(p).join(cu, cu.id == p.customer_id)
            .where(p.reason == "redeem", p.created_at >= start, p.created_at < end))
    stmt = apply_dims(stmt, {"region": func.coalesce(cu.region, ""),
                             "tier": func.coalesce(cu.tier, "")}, dims)
    if stmt is None:
        return []
    stmt = stmt.order_by(p.delta, p.created_at.desc()).limit(min(limit, MAX_ROWS))
    return [DrillRow(x[0], _customer_name(x[1], x[2]), x[3], x[4], {"points": x[5], "ref": x[6]})
            for x in conn_of(tx).execute(stmt)]


@dataclass(frozen=True, slots=True)
class Said:
    """A customer's own words: a survey comment (with its CSAT) or a complaint description."""

    source: str  # survey | complaint
    text: str
    at: datetime
    conversation: str | None
    csat: int | None
    ticket_id: str | None


def texts(tx: Tx, start: datetime, end: datetime, dims: Dims, *, limit: int) -> list[Said]:
    """Survey comments and complaint descriptions of [start, end), the most recent ``limit``
    of each; joined only to what the filters need (and the conversation, for its link)."""
    conn = conn_of(tx)
    r, t = SurveyResponse, Ticket
    out: list[Said] = []
    for table, kind in ((r, "survey"), (t, "complaint")):
        base, exprs = joined(table, needs(dims))
        cols = ((r.comment, r.csat, literal(None)) if table is r
                else (t.description, literal(None), t.public_id))
        link = Conversation.__table__.alias("link")
        stmt = apply_dims(
            base.add_columns(*cols, table.created_at, link.c.public_id)
            .outerjoin(link, link.c.id == table.conversation_id)
            .where(table.created_at >= start, table.created_at < end), exprs, dims)
        if stmt is None:
            continue
        if table is r:
            stmt = stmt.where(r.comment.is_not(None), r.comment != "")
        else:
            stmt = stmt.where(t.severity.in_(COMPLAINT_CLASSES))
        stmt = stmt.order_by(table.created_at.desc(), table.id.desc()).limit(limit)
        out += [Said(kind, x[0] or "", x[3], x[4], x[1], x[2]) for x in conn.execute(stmt)]
    return out
