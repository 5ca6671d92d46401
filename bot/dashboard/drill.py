"""Drill-down: the conversations behind a dashboard number, worst first, for the console to
link into its conversation view."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.dashboard.period import InputError, Span
from storage import kpi_customers, kpi_drill
from storage.db import Database
from storage.kpi_drill import DrillRow
from storage.kpi_queries import Dims

KINDS = ("surveys", "complaints", "slow_resolutions", "reopened", "sla_missed", "contacts",
         "agent_wait", "person", "handoff", "repeat", "repeat_buyers", "at_risk", "redemptions")
_CONTACTS = {"contacts": "all", "agent_wait": "agent_wait", "person": "person",
             "handoff": "handoff", "repeat": "repeat"}
_TICKETS = {"complaints": "complaints", "slow_resolutions": "slow", "reopened": "reopened",
            "sla_missed": "sla_missed"}
MAX_LIMIT = kpi_drill.MAX_ROWS


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _row(r: DrillRow) -> dict[str, Any]:
    return {"conversation_id": r.conversation, "customer": r.customer, "channel": r.channel,
            "at": r.at.isoformat(), "detail": {k: _plain(v) for k, v in r.detail.items()}}


def rows(db: Database, kind: str, span: Span, dims: Dims, *, tz: ZoneInfo, now: datetime,
         churn_days: int, limit: int = 50) -> dict[str, Any]:
    """Up to ``limit`` records of ``kind`` in ``span`` (see KINDS)."""
    if kind not in KINDS:
        raise InputError(f"unknown drill-down {kind!r}; one of: {', '.join(KINDS)}")
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"limit must be 1 to {MAX_LIMIT}, not {limit}")
    start, end = span.start(tz), span.end(tz)
    with db.read() as s:
        if kind in _CONTACTS:
            found = kpi_drill.contacts(s, span.first, span.last, dims, _CONTACTS[kind], limit=limit)
        elif kind in _TICKETS:
            found = kpi_drill.tickets(s, start, end, dims, _TICKETS[kind], now=now, limit=limit)
        elif kind == "surveys":
            found = kpi_drill.surveys(s, start, end, dims, limit=limit)
        elif kind == "repeat_buyers":
            found = kpi_drill.repeat_buyers(s, start, end, dims, limit=limit)
        elif kind == "redemptions":
            found = kpi_drill.redemptions(s, start, end, dims, limit=limit)
        else:
            found = [DrillRow(conv, name or f"#{cid}", "", last, {
                "last_completed": last.isoformat(), "lapsed": lapsed, "unhappy": unhappy,
                "waiting": waiting})
                for cid, name, conv, last, lapsed, unhappy, waiting in kpi_customers.at_risk(
                    s, min(end, now), dims, churn_days=churn_days, limit=limit)]
    return {"kind": kind, "period": span.to_dict(), "rows": [_row(r) for r in found]}
