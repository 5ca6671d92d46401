"""Smoke test of ``python -m bench.console`` at tiny sizes: it runs end to end and reports.

No timing assertions (the figures depend on the machine); only the harness is under test:
angry Telegram messages reach an open console's event stream and the queue, and the queue
endpoint answers over a seeded database.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest


@pytest.mark.slow
def test_console_bench_runs_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench.console import main

    out_json = tmp_path / "console.json"
    assert main(["--messages", "3", "--conversations", "200", "--requests", "3",
                 "--postgres", "", "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^angry message -> SSE handoff event\s+3\s+[\d.]+\s+[\d.]+\s+0$", out, re.M)
    assert re.search(r"^angry message -> listed by GET /queue\s+3\s+[\d.]+\s+[\d.]+\s+0\s+"
                     r"(PASS|FAIL)$", out, re.M)
    assert re.search(r"^queue as supervisor: server_ms \(\d+ rows\)\s+3\s+[\d.]+", out, re.M)
    assert re.search(r"^queue as agent: server_ms \(\d+ rows\)\s+3\s+[\d.]+", out, re.M)
    assert "PostgreSQL: skipped" in out
    assert re.search(r"^console targets: (met|MISSED)$", out, re.M)
    figures = json.loads(out_json.read_text(encoding="utf-8"))["SQLite"]
    assert figures["latency"]["angry message -> listed by GET /queue"]["missed"] == 0
    (server,) = [v for k, v in figures["queue"].items() if k.startswith("queue as supervisor: server_ms")]
    assert server["n"] == 3


def test_seed_makes_the_queue_mix(tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from bench.console import seed
    from storage.db import Database
    from storage.migrate import upgrade
    from storage.models import Conversation, ConversationEvent

    url = f"sqlite:///{tmp_path / 'seed.db'}"
    upgrade(url)
    seed(url, 100, events_each=4)
    db = Database(url)
    try:
        with db.read() as s:
            by_status = dict(s.execute(select(Conversation.status, func.count())
                                       .group_by(Conversation.status)).all())
            events = s.execute(select(func.count()).select_from(ConversationEvent)).scalar_one()
    finally:
        db.dispose()
    assert by_status == {"queued": 5, "agent": 3, "closed": 22, "bot": 70}
    assert events == 400
