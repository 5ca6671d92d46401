"""Smoke test of the dashboard benchmark: it seeds, rolls up, times every query and reports.

No timing assertions (machine-dependent); the figures' presence and the rollup's count are.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_dashboard_bench_quick_sqlite(tmp_path: Path) -> None:
    out_json = tmp_path / "dash.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.dashboard", "--quick", "--db", "sqlite", "--json", str(out_json)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    for line in ("rollup caught up with", "p95/500", "dashboard payload, 7 days",
                 "voice of the customer", "slowest p95 / target"):
        assert line in done.stdout, line
    [result] = json.loads(out_json.read_text())
    assert result["seeded"]["events"] > 15_000
    # a customer who came back within 30 minutes makes one contact of two generated ones
    assert 0.9 * result["seeded"]["contacts"] <= result["rollup_contacts"] <= result["seeded"]["contacts"]
    assert all(q["p95_ms"] >= q["p50_ms"] > 0 for q in result["queries"].values())
