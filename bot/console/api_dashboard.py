"""The dashboard API for supervisors and admins (agents get 403): KPI tiles, trends, the
region × service table, drill-down to conversations, voice of the customer.

Parameters shared by the three routes: ``period`` (7d | 30d | 90d, default 7d), ``end``
(last day, ISO date, default today in CARELINE_TIMEZONE) and the filters ``region``,
``service``, ``tier``, ``channel`` (a value the data has, or ``-`` for "unknown"). A bad
period, date or filter value is a 422 with a message saying what is allowed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from bot.console.deps import ApiError, now_of, services
from bot.console.roles import Supervisor
from bot.dashboard import assemble, drill, options, voc
from bot.dashboard.period import InputError, Window, window
from flows.business.dashboard_config import DashboardConfig, config_of
from storage.kpi_queries import Dims

router = APIRouter(tags=["console"])

# One Query object per parameter: FastAPI keeps each parameter's name on its Query.
def _period() -> Any:
    return Query("7d", max_length=8, description="7d, 30d or 90d")


def _end() -> Any:
    return Query(None, max_length=32, description="last day (ISO date); default today")


def _dim() -> Any:
    return Query(None, max_length=64, description="a value the data has, or - for unknown")


def _inputs(request: Request, period: str, end: str | None, filters: dict[str, str | None]
            ) -> tuple[DashboardConfig, Window, Dims, dict[str, list[str]]]:
    svc = services(request)
    cfg = config_of(svc.scripts.bundle.section("dashboard"))
    today = now_of(request).astimezone(svc.settings.tz).date()
    try:
        win = window(period, end, today=today, trend_weeks=cfg.trend_weeks)
        dims, choices = options.checked(svc.db, filters)
    except InputError as exc:
        raise ApiError(422, str(exc)) from None
    return cfg, win, dims, choices


@router.get("/dashboard")
def dashboard(request: Request, who: Supervisor, period: str = _period(), end: str | None = _end(),
              region: str | None = _dim(), service: str | None = _dim(), tier: str | None = _dim(),
              channel: str | None = _dim()) -> dict[str, Any]:
    """KPI tiles (value, previous period, change, red/amber/green against the targets in
    the scripts' ``dashboard:`` section), weekly trends, region × service CSAT with drop
    alerts, complaints by channel, class and topic."""
    filters = {"region": region, "service": service, "tier": tier, "channel": channel}
    cfg, win, dims, choices = _inputs(request, period, end, filters)
    svc = services(request)
    return assemble.build(svc.db, tz=svc.settings.tz, now=now_of(request), cfg=cfg, window=win,
                          dims=dims, options=choices)


@router.get("/dashboard/drill")
def drill_down(request: Request, who: Supervisor, kind: str = Query(..., max_length=32),
               period: str = _period(), end: str | None = _end(), previous: bool = False,
               limit: int = Query(50, ge=1, le=drill.MAX_LIMIT), region: str | None = _dim(),
               service: str | None = _dim(), tier: str | None = _dim(),
               channel: str | None = _dim()) -> dict[str, Any]:
    """The conversations behind a number: ``kind`` is a tile's ``drill`` value (surveys,
    complaints, handoff, repeat, at_risk ...); ``previous=true`` for the previous period."""
    filters = {"region": region, "service": service, "tier": tier, "channel": channel}
    cfg, win, dims, _choices = _inputs(request, period, end, filters)
    svc = services(request)
    try:
        return drill.rows(svc.db, kind, win.previous if previous else win.current, dims,
                          tz=svc.settings.tz, now=now_of(request),
                          churn_days=cfg.churn_after_days, limit=limit)
    except InputError as exc:
        raise ApiError(422, str(exc)) from None


@router.get("/dashboard/voc")
def voice(request: Request, who: Supervisor, period: str = _period(), end: str | None = _end(),
          region: str | None = _dim(), service: str | None = _dim(), tier: str | None = _dim(),
          channel: str | None = _dim()) -> dict[str, Any]:
    """Voice of the customer: top-10 pain points and praise from survey comments and
    complaints, with counts and example quotes."""
    filters = {"region": region, "service": service, "tier": tier, "channel": channel}
    _cfg, win, dims, _choices = _inputs(request, period, end, filters)
    svc = services(request)
    return voc.voice(svc.db, win.current, dims, svc.settings.tz)
