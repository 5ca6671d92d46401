"""The ``dashboard:`` section: KPI targets (red / amber / green), the drop alert and the churn
window, as typed values with their semantic check.

Targets live in the scripts so supervisors' thresholds are edited like any other script —
in the console's script editor (with versions and rollback) or a file, checked by
``careline flows check`` with ``file:line`` errors. Every metric has a direction: for
"higher is better" metrics green must be at least amber, for "lower is better" at most.
A value at or beyond ``green`` is green, at or beyond ``amber`` amber, anything else red.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flows.sections import Problem, SectionRef, register_section


@dataclass(frozen=True, slots=True)
class MetricScale:
    higher_is_better: bool
    low: float
    high: float
    unit: str  # score | pct | points | hours | seconds


#: every metric the dashboard shows, with its direction and possible range
METRICS: dict[str, MetricScale] = {
    "csat": MetricScale(True, 1, 5, "score"),
    "csat_satisfied_pct": MetricScale(True, 0, 100, "pct"),
    "nps": MetricScale(True, -100, 100, "points"),
    "ces": MetricScale(True, 1, 7, "score"),
    "complaint_rate_pct": MetricScale(False, 0, 100, "pct"),
    "resolution_hours": MetricScale(False, 0, 24 * 365, "hours"),
    "one_pass_pct": MetricScale(True, 0, 100, "pct"),
    "sla_pct": MetricScale(True, 0, 100, "pct"),
    "first_response_s": MetricScale(False, 0, 86400 * 7, "seconds"),
    "agent_first_response_s": MetricScale(False, 0, 86400 * 7, "seconds"),
    "containment_pct": MetricScale(True, 0, 100, "pct"),
    "handoff_pct": MetricScale(False, 0, 100, "pct"),
    "fcr_pct": MetricScale(True, 0, 100, "pct"),
    "repurchase_pct": MetricScale(True, 0, 100, "pct"),
    "churn_risk_pct": MetricScale(False, 0, 100, "pct"),
    "redemption_pct": MetricScale(True, 0, 100, "pct"),
}
SHIPPED = Path(__file__).resolve().parent.parent / "scripts" / "dashboard.yml"


@dataclass(frozen=True, slots=True)
class Target:
    green: float
    amber: float

    def status(self, value: float | None, higher_is_better: bool) -> str | None:
        """``green`` / ``amber`` / ``red`` for ``value``; None without a value."""
        if value is None:
            return None
        sign = 1 if higher_is_better else -1
        if sign * value >= sign * self.green:
            return "green"
        if sign * value >= sign * self.amber:
            return "amber"
        return "red"


@dataclass(frozen=True, slots=True)
class DashboardConfig:
    targets: Mapping[str, Target]
    #: a region x service cell is flagged when its CSAT fell by at least this many percent
    drop_alert_pct: float
    #: an active customer without a booking for this long is lapsed (churn risk)
    churn_after_days: int
    trend_weeks: int


def check_dashboard(data: dict[str, Any], ref: SectionRef) -> list[Problem]:
    problems = []
    for key, raw in (data.get("targets") or {}).items():
        scale = METRICS[key]  # the schema allows known keys only
        for level in ("green", "amber"):
            value = float(raw[level])
            if not scale.low <= value <= scale.high:
                problems.append(Problem(["targets", key, level],
                                        f"{key} {level} {value:g} is outside {scale.low:g}..{scale.high:g}",
                                        f"{key} is measured in {scale.unit} from {scale.low:g} to "
                                        f"{scale.high:g}"))
        green, amber = float(raw["green"]), float(raw["amber"])
        if scale.higher_is_better and green < amber:
            problems.append(Problem(["targets", key],
                                    f"{key}: green {green:g} is below amber {amber:g}",
                                    "higher is better for this metric, so green must be at least "
                                    "amber (swap the two?)"))
        if not scale.higher_is_better and green > amber:
            problems.append(Problem(["targets", key],
                                    f"{key}: green {green:g} is above amber {amber:g}",
                                    "lower is better for this metric, so green must be at most "
                                    "amber (swap the two?)"))
    return problems


SPEC = register_section("dashboard", schema=Path(__file__).with_name("dashboard.schema.json"),
                        check=check_dashboard)


def config_of(section: Mapping[str, Any] | None) -> DashboardConfig:
    """Typed values of a validated section; what it leaves out (targets included) comes from
    the shipped flows/scripts/dashboard.yml."""
    base, own = shipped_section(), section or {}
    targets = {**base["targets"], **(own.get("targets") or {})}
    return DashboardConfig(
        targets={k: Target(float(v["green"]), float(v["amber"])) for k, v in targets.items()},
        drop_alert_pct=float(own.get("drop_alert_pct", base["drop_alert_pct"])),
        churn_after_days=int(own.get("churn_after_days", base["churn_after_days"])),
        trend_weeks=int(own.get("trend_weeks", base["trend_weeks"])))


@cache
def shipped_section() -> dict[str, Any]:
    from flows.yamlio import load_yaml, plain

    data: dict[str, Any] = plain(load_yaml(SHIPPED))["dashboard"]
    return data
