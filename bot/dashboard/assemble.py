"""The dashboard as data: KPI tiles against targets with the change since the previous
period, weekly trends, the region × service satisfaction table with its drop alerts, and
the complaint breakdowns. The console draws it; the monthly report prints it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.dashboard.metrics import DRILL, ORDER, TREND_SOURCES, Figure, breakdowns, compute
from bot.dashboard.period import Window
from flows.business.dashboard_config import METRICS as SCALES
from flows.business.dashboard_config import DashboardConfig
from storage import bulk, kpi_queries, kpi_rollup
from storage.db import Database
from storage.kpi_queries import Dims

#: a region x service cell needs this many answers in both periods before it can raise a
#: drop alert (one unhappy customer in a quiet cell is not a trend)
MIN_CELL_ANSWERS = 3
#: trend series shown besides the metrics: contacts and complaints per week
TREND_EXTRA = ("contacts", "complaints")


def _change(now: float | None, before: float | None) -> tuple[float | None, float | None]:
    if now is None or before is None:
        return None, None
    return now - before, ((now - before) / abs(before) * 100 if before else None)


def tile(key: str, current: Figure, previous: Figure, cfg: DashboardConfig) -> dict[str, Any]:
    scale = SCALES[key]
    target = cfg.targets.get(key)
    change, change_pct = _change(current.value, previous.value)
    better = None
    if change:
        better = (change > 0) == scale.higher_is_better
    return {
        "key": key, "value": current.value, "n": current.n, "previous": previous.value,
        "previous_n": previous.n, "change": change, "change_pct": change_pct, "better": better,
        "available": current.available, "unit": scale.unit,
        "higher_is_better": scale.higher_is_better,
        "status": target.status(current.value, scale.higher_is_better) if target else None,
        "target": {"green": target.green, "amber": target.amber} if target else None,
        "drill": DRILL[key],
    }


def matrix(cells: dict[tuple[Any, ...], dict[str, float]] | None, cfg: DashboardConfig
           ) -> dict[str, Any]:
    """CSAT per (region, service) now and in the previous period; a cell whose mean fell by
    ``drop_alert_pct`` percent or more (with enough answers on both sides) is flagged."""
    if cells is None:
        return {"regions": [], "services": [], "cells": [], "available": False}
    pairs = sorted({(k[1], k[2]) for k in cells})
    out = []
    for region, service in pairs:
        now = cells.get((1, region, service), {})
        before = cells.get((0, region, service), {})
        n_now, n_before = int(now.get("csat_n", 0)), int(before.get("csat_n", 0))
        mean_now = now["csat_sum"] / n_now if n_now else None
        mean_before = before["csat_sum"] / n_before if n_before else None
        change, change_pct = _change(mean_now, mean_before)
        alert = bool(change_pct is not None and change_pct <= -cfg.drop_alert_pct
                     and min(n_now, n_before) >= MIN_CELL_ANSWERS)
        out.append({"region": region, "service": service, "csat": mean_now, "n": n_now,
                    "previous": mean_before, "previous_n": n_before, "change": change,
                    "change_pct": change_pct, "alert": alert})
    return {"regions": sorted({p[0] for p in pairs}), "services": sorted({p[1] for p in pairs}),
            "cells": out, "available": True, "drop_alert_pct": cfg.drop_alert_pct,
            "min_answers": MIN_CELL_ANSWERS}


def build(db: Database, *, tz: ZoneInfo, now: datetime, cfg: DashboardConfig, window: Window,
          dims: Dims, options: dict[str, list[str]]) -> dict[str, Any]:
    """Everything the dashboard page shows for ``window`` and ``dims``."""
    bounds, weekly = window.bounds(tz), window.trend_bounds(tz)
    with db.read() as s:
        figures = compute(s, bounds, dims, now=now, churn_days=cfg.churn_after_days)
        trend = compute(s, weekly, dims, now=now, churn_days=cfg.churn_after_days,
                        sources=TREND_SOURCES)
        cells = kpi_queries.surveys(s, bounds, dims, by=("region", "service"))
        split = breakdowns(s, bounds, dims, now=now, bucket=1)
        demo = bulk.demo_until(s) is not None
    # weekly: the metrics of contacts, surveys and complaints (the rest are period figures)
    series: dict[str, list[float | None]] = {k: [f[k].value for f in trend]
                                             for k in (*ORDER, *TREND_EXTRA) if k in trend[0]}
    return {
        "period": {"key": window.key, "current": window.current.to_dict(),
                   "previous": window.previous.to_dict()},
        "filters": {k: getattr(dims, k) for k in ("region", "service", "tier", "channel")},
        "options": options,
        "tiles": [tile(k, figures[1][k], figures[0][k], cfg) for k in ORDER],
        "trends": {"weeks": [w.to_dict() for w in window.weeks], "series": series},
        "matrix": matrix(cells, cfg),
        "complaints": split,
        "rollup": rollup_status(db),
        "demo": demo,  # the database holds generated demo activity (careline demo)
        "generated_at": now.isoformat(),
    }


def rollup_status(db: Database) -> dict[str, Any]:
    state = kpi_rollup.status(db)
    updated = state["updated_at"]
    return {**state, "updated_at": updated.isoformat() if updated else None}
