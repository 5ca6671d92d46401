"""``careline report monthly``: one self-contained HTML file and CSV files that say the same
as the dashboard; bad months are refused with a clear message."""

from __future__ import annotations

import csv
import re
from datetime import date, datetime, time
from pathlib import Path

import pytest

from bot.cli import main
from bot.dashboard import assemble
from bot.dashboard.period import month_window
from bot.demo_data import seed
from flows.business.dashboard_config import METRICS, config_of
from storage import kpi_customers
from storage.db import Database
from storage.kpi_queries import Dims

from .conftest import TZ

NOW = datetime.combine(date(2026, 12, 3), time(9), tzinfo=TZ)


@pytest.fixture
def demo_db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    db = Database(sqlite_url)
    seed(db, tz=TZ, today=NOW.date(), now=NOW)
    db.dispose()
    monkeypatch.setenv("CARELINE_DATABASE_URL", sqlite_url)
    return sqlite_url


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def test_the_monthly_report_as_html_and_csv(demo_db: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reports"
    assert main(["report", "monthly", "--month", "2026-11", "--out", str(out),
                 "--now", NOW.isoformat()]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out / 'careline-2026-11.html'}" in printed
    names = sorted(p.name for p in out.iterdir())
    assert names == ["careline-2026-11-complaints.csv", "careline-2026-11-kpis.csv",
                     "careline-2026-11-region-service.csv", "careline-2026-11-trends.csv",
                     "careline-2026-11-voice.csv", "careline-2026-11.html"]

    page = (out / "careline-2026-11.html").read_text(encoding="utf-8")
    assert "<script" not in page and not re.search(r'(src|href|url)[=(]"?https?:', page)
    assert "Careline 月度服务报告 · 2026-11" in page and 'id="demo"' in page
    assert "统计期间 2026-11-01 至 2026-11-30，对比 2026-10-01 至 2026-10-31" in page
    assert page.count('<tr data-metric="') == len(METRICS)
    assert page.count("<svg") >= 8 and len(re.findall(r'<path d="M[\d.]+,[\d.]+ L', page)) >= 6
    assert "十大痛点" in page and 'class="voice negative"' in page

    db = Database(demo_db)
    cfg = config_of(None)
    with db.read() as s:
        options = kpi_customers.dimension_values(s)
    data = assemble.build(db, tz=TZ, now=NOW, cfg=cfg, dims=Dims(), options=options,
                          window=month_window("2026-11", today=NOW.date()))
    db.dispose()
    kpis = {r["metric"]: r for r in read_csv(out / "careline-2026-11-kpis.csv")}
    assert set(kpis) == set(METRICS)
    for tile in data["tiles"]:  # the CSV says what the dashboard says
        row = kpis[tile["key"]]
        assert float(row["value"]) == pytest.approx(tile["value"], rel=1e-3)
        assert row["status"] == tile["status"] and int(row["n"]) == tile["n"]
    assert kpis["csat"]["label"] == "满意度 CSAT（1–5）"
    trends = read_csv(out / "careline-2026-11-trends.csv")
    assert len(trends) == 12 and trends[-1]["week_last"] == "2026-11-30"
    voice = read_csv(out / "careline-2026-11-voice.csv")
    pains = [r for r in voice if r["polarity"] == "negative"]
    assert [int(r["rank"]) for r in pains] == list(range(1, len(pains) + 1))
    assert pains and int(pains[0]["mentions"]) >= 2 and pains[0]["quote_1"]
    cells = read_csv(out / "careline-2026-11-region-service.csv")
    assert {c["service"] for c in cells} <= {"moving", "cleaning", ""} and cells


def test_english_report_and_a_rebuilt_rollup_with_progress(demo_db: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "rollup", "--rebuild"]) == 0
    captured = capsys.readouterr()
    assert re.search(r"rolled up \d{5,} events into \d+ new", captured.out)
    assert "rollup: " in captured.err and "(100%)" in captured.err
    assert main(["report", "monthly", "--month", "2026-10", "--out", str(tmp_path),
                 "--lang", "en", "--now", NOW.isoformat()]) == 0
    page = (tmp_path / "careline-2026-10.html").read_text(encoding="utf-8")
    assert "Careline monthly service report · 2026-10" in page and "Top pain points" in page


@pytest.mark.parametrize(("month", "message"), [
    ("2026-13", "month must look like 2026-11 (YYYY-MM), not '2026-13'"),
    ("Nov 2026", "month must look like 2026-11"),
    ("2027-01", "month 2027-01 has not started yet (today is 2026-12-03)"),
])
def test_a_bad_month_is_refused(demo_db: str, tmp_path: Path, month: str, message: str,
                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reports"
    assert main(["report", "monthly", "--month", month, "--out", str(out),
                 "--now", NOW.isoformat()]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
