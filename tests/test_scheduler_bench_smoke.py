"""Smoke test of the scheduler benchmark: it runs end to end at tiny sizes and reports.

No timing assertions (machine-dependent); the correctness figures are asserted: across a
kill -9 nothing is lost silently and nothing reaches the customer twice.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_scheduler_bench_quick_sqlite(tmp_path: Path) -> None:
    out_json = tmp_path / "sched.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.scheduler", "--quick", "--db", "sqlite",
         "--json", str(out_json)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    for line in ("create 2,000 scheduled rows", "start to first dispatch", "lateness at",
                 "p99 per second of due time |", "peak RSS", "kill -9 mid-dispatch", "APScheduler, one job per message"):
        assert line in done.stdout, line
    [result] = json.loads(out_json.read_text())
    assert result["lateness"]["delivered"] == result["lateness"]["messages"]
    assert len(result["lateness"]["p99_by_second"]) == 2  # --quick: 2 s of due messages
    for kill in result["kill"]:
        assert kill["lost_and_not_marked_failed"] == 0
        assert kill["delivered_unique"] + kill["lost"] == kill["rows"]
        if kill["policy"] == "fail":
            assert kill["wire_duplicates"] == 0  # at most once: never sent twice
        else:
            assert kill["lost"] == 0  # at least once: never lost
