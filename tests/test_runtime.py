"""The flow engine, conversation by conversation (transcripts in tests/data/transcripts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from bot.transcripts import TranscriptRunner, transcript_files
from flows.loader import load_bundle

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def runner(nlu: Any) -> Any:
    r = TranscriptRunner(Settings(hot_reload=False, flows_dir=DATA / "scripts"), nlu)
    yield r
    r.close()


def test_test_scripts_are_valid() -> None:
    result = load_bundle(DATA / "scripts")
    assert result.ok, [str(e) for e in result.errors]


@pytest.mark.parametrize("path", transcript_files(DATA / "transcripts"), ids=lambda p: p.stem)
def test_engine_transcript(runner: TranscriptRunner, path: Path) -> None:
    report = runner.run_file(path)
    assert report.ok, "\n".join(map(str, report.failures)) or report.error
