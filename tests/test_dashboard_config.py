"""Dashboard targets live in the scripts (dashboard.yml): checked like every section, with
the file and line of each mistake, and read as red / amber / green the right way round."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.business.dashboard_config import METRICS, Target, config_of, shipped_section
from flows.loader import load_bundle

from .conftest import SHIPPED_FLOWS


def test_the_shipped_targets_cover_every_metric() -> None:
    result = load_bundle(SHIPPED_FLOWS)
    assert result.bundle is not None, result.errors
    cfg = config_of(result.bundle.section("dashboard"))
    assert set(cfg.targets) == set(METRICS)
    assert (cfg.drop_alert_pct, cfg.churn_after_days, cfg.trend_weeks) == (5.0, 90, 12)
    assert set(shipped_section()["targets"]) == set(METRICS)


def test_a_section_that_sets_some_targets_keeps_the_shipped_ones_for_the_rest() -> None:
    cfg = config_of({"targets": {"nps": {"green": 60, "amber": 30}}, "drop_alert_pct": 10})
    assert cfg.targets["nps"] == Target(60, 30) and cfg.targets["csat"] == Target(4.5, 4.2)
    assert cfg.drop_alert_pct == 10 and cfg.churn_after_days == 90
    assert config_of(None) == config_of({})


@pytest.mark.parametrize(("value", "higher", "status"), [
    (4.6, True, "green"), (4.5, True, "green"), (4.3, True, "amber"), (4.2, True, "amber"),
    (4.19, True, "red"), (None, True, None),
    (1.0, False, "green"), (2.0, False, "green"), (3.0, False, "amber"), (4.01, False, "red"),
])
def test_red_amber_green(value: float | None, higher: bool, status: str | None) -> None:
    target = Target(4.5, 4.2) if higher else Target(2.0, 4.0)
    assert target.status(value, higher) == status


def _broken(tmp_path: Path, old: str, new: str) -> list[str]:
    scripts = tmp_path / "scripts"
    shutil.copytree(SHIPPED_FLOWS, scripts)
    path = scripts / "dashboard.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return [str(e) for e in load_bundle(scripts).errors]


@pytest.mark.parametrize(("old", "new", "wanted"), [
    ("csat: {green: 4.5, amber: 4.2}", "csat: {green: 4.0, amber: 4.2}",
     "dashboard.yml:12: csat: green 4 is below amber 4.2 — higher is better"),
    ("handoff_pct: {green: 15, amber: 25}", "handoff_pct: {green: 30, amber: 25}",
     "dashboard.yml:23: handoff_pct: green 30 is above amber 25 — lower is better"),
    ("nps: {green: 40, amber: 20}", "nps: {green: 140, amber: 20}",
     "dashboard.yml:14: nps green 140 is outside -100..100"),
    ("fcr_pct: {green: 75, amber: 60}", "fcr_pct: {green: 75}", "dashboard.yml:24"),
    ("fcr_pct: {green: 75, amber: 60}", "fcr_rate: {green: 75, amber: 60}",
     "unknown key 'fcr_rate' in dashboard/targets"),
    ("drop_alert_pct: 5 ", "drop_alert_pct: -5 ", "dashboard.yml:8"),
])
def test_mistakes_are_reported_with_file_and_line(tmp_path: Path, old: str, new: str,
                                                   wanted: str) -> None:
    errors = _broken(tmp_path, old, new)
    assert any(wanted in e for e in errors), errors
