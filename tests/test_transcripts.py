"""The shipped transcripts pass, and a mismatch is reported as a readable diff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.settings import Settings
from bot.transcripts import TranscriptRunner, transcript_files

from .conftest import REPO

SHIPPED = REPO / "flows" / "transcripts"


@pytest.fixture(scope="module")
def runner(nlu: Any) -> Any:
    r = TranscriptRunner(Settings(hot_reload=False), nlu)
    yield r
    r.close()


SHIPPED_TRANSCRIPTS = Path(__file__).resolve().parent.parent / "flows" / "transcripts"


def test_both_languages_are_covered() -> None:
    names = {p.stem for p in transcript_files(SHIPPED)}
    assert {"quote_zh", "quote_en", "greeting_faq_zh", "greeting_faq_en"} <= names


@pytest.mark.parametrize("path", transcript_files(SHIPPED), ids=lambda p: p.stem)
def test_shipped_transcript(runner: TranscriptRunner, path: Path) -> None:
    report = runner.run_file(path)
    assert report.ok, "\n".join(map(str, report.failures)) or report.error


def test_mismatch_prints_a_diff_and_exits_1(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "wrong.yml").write_text(
        "name: wrong\nnow: '2026-11-23T10:00:00+08:00'\nturns:\n"
        "  - user: 你好\n    bot: 早上好\n"
        "  - user: 下周六搬家，两室，多少钱\n    expect: {slots: {date: '2026-12-06'}}\n",
        encoding="utf-8")
    assert main(["test", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path}/wrong.yml:4: turn 1: user: 你好" in out
    assert "-早上好" in out and "+您好！我是 Careline 客服小助手 😊" in out
    assert "slot date: expected '2026-12-06', got '2026-12-05'" in out
    assert "0 passed, 1 failed" in out


def test_cli_runs_the_shipped_transcripts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test"]) == 0
    shipped = len(list(SHIPPED_TRANSCRIPTS.glob("*.yml")))
    assert f"{shipped} passed, 0 failed" in capsys.readouterr().out
