"""Smoke test of the benchmark harness: it runs end to end and prints its report.

No timing assertions: the figures depend on the machine; only the harness is under test.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_bench_quick_sqlite_runs_and_reports(tmp_path: Path) -> None:
    out_json = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--db", "sqlite", "--json", str(out_json)],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    out = done.stdout
    assert "== SQLite ==" in out
    for heading in ("endpoint", "req/s", "p50 ms", "p99 ms", "errors"):
        assert heading in out, heading
    for row in ("floor", "chat"):
        assert re.search(rf"^{row}\s+saturated, 8 conn\s+\d", out, re.M), row
    assert re.search(r"chat/floor throughput ratio: \d+\.\d+ \(target >= 0\.50\): (PASS|FAIL)",
                     out)
    assert re.search(r"p99 at half load .*: (PASS|FAIL)", out)
    assert "vs Rasa moodbot" in out

    results = json.loads(out_json.read_text(encoding="utf-8"))
    (db,) = results["databases"]
    assert db["database"] == "sqlite"
    assert set(db["phases"]) == {"floor", "chat", "chat_half_load", "chat_sequential"}
    assert db["targets"]["chat_floor_ratio"] >= 0
    assert db["phases"]["chat"]["ok"] > 0


def test_quote_bench_runs_every_conversation_to_a_quote(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.quote import main

    assert main(["--rounds", "1", "--postgres", ""]) == 0
    out = capsys.readouterr().out
    for name in ("moving_zh", "moving_en", "cleaning_zh"):
        line = next(row for row in out.splitlines() if row.startswith(name))
        assert line.endswith("yes"), line  # the conversation reached an itemised quote
    assert "PostgreSQL: skipped" in out
