"""``python -m bench.nlu``: the table and its verdicts (fake figures), and one real quick job."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench import nlu as bench

REPO = Path(__file__).resolve().parent.parent

FAKE = {
    "own": {"accuracy": {"en": 0.90, "zh": 0.96}, "n_test": {"en": 600, "zh": 640}, "train_seconds": 3.1},
    "banking77": {"accuracy": 0.915, "train_seconds": 13.0, "peak_rss_mb": 280.0},
    "waimai": {"trained": {"accuracy": 0.897, "negative_recall": 0.93},
               "lexicon": {"accuracy": 0.55, "negative_recall": 0.34}},
    "goemotions": {"anger": {"precision": 0.44, "recall": 0.26, "f1": 0.32}},
    "latency": {"n": 2000, "p50_ms": 0.4, "p99_ms": 1.9},
    "memory": {"delta_mb": 95.0, "rss_after_mb": 110.0},
}


def test_table_marks_targets_and_peer_ratios():
    text = bench.render(bench.table(FAKE))
    assert re.search(r"own held-out accuracy \(en, n=600\)\s+0\.900\s+≥ 0\.95\s+FAIL", text)
    lines = {line.split("  ")[0]: line for line in text.splitlines()}
    assert lines["own held-out accuracy (en, n=600)"].split()[-1] == "FAIL"
    assert "PASS" in lines["own held-out accuracy (zh, n=640)"]
    assert "1.027× DIET (0.891)" in text  # 0.915 / 0.891
    assert "40× lower" in text  # DIET p50 16 ms / 0.4 ms
    assert "waimai negative recall (trained)" in text and "0.550 / 0.340" in text


def test_absent_datasets_are_reported_as_skipped():
    results = {**FAKE, "banking77": {"skipped": "banking77: ... not found"},
               "waimai": {"skipped": "x"}, "goemotions": {"skipped": "x"}}
    text = bench.render(bench.table(results))
    assert text.count("skipped (data absent)") == 3


def test_latency_messages_mix_languages():
    messages = bench.latency_messages()
    assert len(messages) == bench.LATENCY_MESSAGES == 2000
    assert any("保洁" in m for m in messages) and any("cancel" in m for m in messages)
    assert len(set(messages)) > 200


@pytest.mark.slow
def test_latency_and_memory_jobs_run(tmp_path):
    out = tmp_path / "nlu.json"
    env_cache = {"CARELINE_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin",
                 "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "bench.nlu", "--only", "latency", "memory",
                           "--json", str(out)], cwd=REPO, capture_output=True, text=True,
                          env=env_cache, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "parse latency p50 (2000 msgs, 1 core)" in done.stdout
    assert "NLU RSS after loading default engine" in done.stdout
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["latency"]["p50_ms"] > 0 and results["memory"]["delta_mb"] > 0
