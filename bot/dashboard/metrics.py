"""The service KPIs: what each one means and how it is computed from the stored sums.

Every metric is a ratio of two counts over a period (docs/dashboards.md has the full text):

=========================  ======================================================================
csat                       mean CSAT (1-5) of the survey answers given in the period
csat_satisfied_pct         % of those answers that are 4 or 5
nps                        % of NPS answers 9-10 minus % of answers 0-6 (-100..100)
ces                        mean effort score, 1-7 where 7 = very easy
complaint_rate_pct         complaints (tickets of class urgent or experience) opened, per 100 contacts
resolution_hours           mean hours from opening to resolution of complaints resolved in the period
one_pass_pct               of the complaints opened in the period that have been resolved (at least
                           once), the % resolved and never reopened
sla_pct                    % of tickets opened in the period that met both deadlines (reply and fix),
                           of those whose outcome is known (met, or a deadline already missed)
first_response_s           mean seconds from a contact's first customer message to the first reply
agent_first_response_s     mean seconds from a handoff request to a person's first message
containment_pct            % of contacts finished without a person (no claim, agent message or callback)
handoff_pct                % of contacts in which a person was asked for
fcr_pct                    % of customer-initiated contacts not followed by another from the same
                           customer within 72 h (only contacts whose 72 h have passed, or that
                           already have a follow-up, count)
repurchase_pct             % of customers with a completed booking in the period who had completed
                           one before (or two in the period)
churn_risk_pct             % of active customers (a completed booking in the past year) at the end of
                           the period who are lapsed, unhappy or waiting on an overdue complaint
redemption_pct             points redeemed per 100 points earned in the period
=========================  ======================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flows.business.dashboard_config import METRICS as SCALES
from storage import kpi_customers, kpi_queries
from storage.conn import Tx
from storage.kpi_queries import Bounds, Dims

#: metric -> where its drill-down goes (bot/dashboard/drill.py)
DRILL = {
    "csat": "surveys", "csat_satisfied_pct": "surveys", "nps": "surveys", "ces": "surveys",
    "complaint_rate_pct": "complaints", "resolution_hours": "slow_resolutions",
    "one_pass_pct": "reopened", "sla_pct": "sla_missed",
    "first_response_s": "contacts", "agent_first_response_s": "agent_wait",
    "containment_pct": "person", "handoff_pct": "handoff", "fcr_pct": "repeat",
    "repurchase_pct": "repeat_buyers", "churn_risk_pct": "at_risk",
    "redemption_pct": "redemptions",
}
ORDER = tuple(DRILL)
assert set(ORDER) == set(SCALES), "every metric needs a scale (flows/business/dashboard_config)"


@dataclass(frozen=True, slots=True)
class Figure:
    """A metric's value and how many records it rests on; ``available`` is False when the
    metric cannot be split by one of the filters (points have no channel)."""

    value: float | None
    n: int
    available: bool = True


def _ratio(num: float, den: float, scale: float = 1.0) -> Figure:
    return Figure(num / den * scale if den else None, int(den))


def _na() -> Figure:
    return Figure(None, 0, available=False)


#: what ``compute`` reads; trend charts need only the first three
SOURCES = ("contacts", "surveys", "tickets", "resolutions", "repurchases", "points", "churn")
TREND_SOURCES = frozenset(SOURCES[:3])


def compute(tx: Tx, bounds: Bounds, dims: Dims, *, now: datetime, churn_days: int,
            sources: frozenset[str] = frozenset(SOURCES)) -> list[dict[str, Figure]]:
    """The metrics of ``sources`` for every bucket of ``bounds`` (churn risk at each bucket's
    end, or now if sooner: one query per bucket), plus the plain counts ``contacts`` and
    ``complaints``."""
    contacts = kpi_queries.contacts(tx, bounds, dims)
    surveys = kpi_queries.surveys(tx, bounds, dims) if "surveys" in sources else {}
    tickets = kpi_queries.tickets(tx, bounds, dims, now=now) if "tickets" in sources else {}
    resolved = kpi_queries.resolutions(tx, bounds, dims) if "resolutions" in sources else {}
    buyers = kpi_customers.repurchases(tx, bounds, dims) if "repurchases" in sources else {}
    points = kpi_customers.points(tx, bounds, dims) if "points" in sources else {}
    out: list[dict[str, Figure]] = []
    for i in range(bounds.buckets):
        c = contacts.get((i,), {})
        f: dict[str, Figure] = {"contacts": Figure(c.get("contacts", 0.0), 0)}
        f["containment_pct"] = _ratio(c.get("contained", 0), c.get("contacts", 0), 100)
        f["handoff_pct"] = _ratio(c.get("handoffs", 0), c.get("contacts", 0), 100)
        f["first_response_s"] = _ratio(c.get("frt_sum", 0), c.get("frt_n", 0))
        f["agent_first_response_s"] = _ratio(c.get("agent_frt_sum", 0), c.get("agent_frt_n", 0))
        f["fcr_pct"] = _ratio(c.get("fcr_resolved", 0), c.get("fcr_decided", 0), 100)
        if surveys is None:
            f.update({k: _na() for k in ("csat", "csat_satisfied_pct", "nps", "ces")})
        elif "surveys" in sources:
            s = surveys.get((i,), {})
            f["csat"] = _ratio(s.get("csat_sum", 0), s.get("csat_n", 0))
            f["csat_satisfied_pct"] = _ratio(s.get("satisfied", 0), s.get("csat_n", 0), 100)
            f["nps"] = _ratio(s.get("promoters", 0) - s.get("detractors", 0), s.get("nps_n", 0), 100)
            f["ces"] = _ratio(s.get("ces_sum", 0), s.get("ces_n", 0))
        if tickets is None:
            f.update({k: _na() for k in ("complaint_rate_pct", "one_pass_pct", "sla_pct",
                                         "complaints")})
        elif "tickets" in sources:
            t = tickets.get((i,), {})
            f["complaints"] = Figure(t.get("complaints", 0.0), 0)
            f["complaint_rate_pct"] = _ratio(t.get("complaints", 0), c.get("contacts", 0), 100)
            f["one_pass_pct"] = _ratio(t.get("one_pass", 0), t.get("resolved_once", 0), 100)
            f["sla_pct"] = _ratio(t.get("sla_met", 0), t.get("sla_met", 0) + t.get("sla_missed", 0),
                                  100)
        if "resolutions" in sources:
            r = (resolved or {}).get((i,), {})
            f["resolution_hours"] = (_ratio(r.get("resolution_s", 0), r.get("resolved", 0), 1 / 3600)
                                     if resolved is not None else _na())
        if "repurchases" in sources:
            b = (buyers or {}).get((i,), {})
            f["repurchase_pct"] = (_ratio(b.get("repeat_buyers", 0), b.get("buyers", 0), 100)
                                   if buyers is not None else _na())
        if "points" in sources:
            p = (points or {}).get((i,), {})
            f["redemption_pct"] = (_ratio(p.get("redeemed", 0), p.get("earned", 0), 100)
                                   if points is not None else _na())
        if "churn" in sources:
            at = min(bounds.instants[i + 1], now)
            counts = kpi_customers.churn(tx, at, dims, churn_days=churn_days)
            f["churn_risk_pct"] = (_ratio(counts.at_risk, counts.active, 100)
                                   if counts is not None else _na())
        out.append(f)
    return out


def breakdowns(tx: Tx, bounds: Bounds, dims: Dims, *, now: datetime, bucket: int) -> dict[str, Any]:
    """Complaints of one bucket by channel, by class and by topic, each with its rate per 100
    contacts (of that channel; of all contacts for a class or topic)."""
    by_channel = kpi_queries.tickets(tx, bounds, dims, now=now, by=("channel",)) or {}
    contacts = kpi_queries.contacts(tx, bounds, dims, by=("channel",))
    channels = sorted({k[1] for k in (*by_channel, *contacts) if k[0] == bucket})
    rows = []
    for ch in channels:
        complaints = by_channel.get((bucket, ch), {}).get("complaints", 0)
        seen = contacts.get((bucket, ch), {}).get("contacts", 0)
        rows.append({"channel": ch, "complaints": int(complaints), "contacts": int(seen),
                     "rate_pct": complaints / seen * 100 if seen else None})

    kinds = kpi_queries.tickets(tx, bounds, dims, now=now, by=("severity", "topic")) or {}
    by_class: dict[str, int] = {}
    by_topic: dict[str, int] = {}
    for (i, severity, topic), v in kinds.items():
        if i == bucket and v["complaints"]:
            by_class[severity] = by_class.get(severity, 0) + int(v["complaints"])
            by_topic[topic] = by_topic.get(topic, 0) + int(v["complaints"])

    seen_all = sum(v.get("contacts", 0) for k, v in contacts.items() if k[0] == bucket)

    def ranked(found: dict[str, int], key: str) -> list[dict[str, Any]]:
        return [{key: k, "count": n, "rate_pct": n / seen_all * 100 if seen_all else None}
                for k, n in sorted(found.items(), key=lambda x: (-x[1], x[0]))]

    return {"by_channel": rows, "by_class": ranked(by_class, "severity"),
            "by_topic": ranked(by_topic, "topic")}
