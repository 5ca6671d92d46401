"""The careline command line, as an operator uses it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from bot.cli import build_parser, main
from storage.migrate import alembic_config, current_revision

COMMANDS = ["demo", "serve", "chat", "flows", "test", "nlu", "db", "scheduler"]


def test_help_lists_every_command() -> None:
    text = build_parser().format_help()
    for command in COMMANDS:
        assert command in text


def test_nlu_parse_prints_the_contract_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nlu", "parse", "两室一厅搬家多少钱"]) == 0
    parsed = json.loads(capsys.readouterr().out)
    assert parsed["intent"]["name"] == "quote"
    assert {"text", "intent", "intent_ranking", "entities", "sentiment"} <= set(parsed)


def test_nlu_eval_reports_scores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "labelled.csv"
    data.write_text("text,intent\n你好,greet\n转人工,human\n搬家多少钱,quote\nhow much for cleaning,"
                    "quote\n我要投诉,complain\n", encoding="utf-8")
    assert main(["nlu", "eval", str(data)]) == 0
    out = capsys.readouterr()
    assert "accuracy" in out.out and "macro-F1" in out.out and "F1 per intent" in out.out
    assert "5/5" in out.err  # progress
    assert main(["nlu", "eval", str(tmp_path / "missing.csv")]) == 2


def test_db_upgrade(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                    capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"
    monkeypatch.setenv("CARELINE_DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert f"database at revision {head}" in capsys.readouterr().out
    assert current_revision(url) == head


def test_bad_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARELINE_TIMEZONE", "Mars/Olympus")
    with pytest.raises(SystemExit) as exc:
        main(["db", "upgrade"])
    assert "CARELINE_TIMEZONE" in str(exc.value) and "Mars/Olympus" in str(exc.value)


def test_terminal_chat(tmp_path: Path) -> None:
    env = {"CARELINE_DATABASE_URL": f"sqlite:///{tmp_path}/chat.db", "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path), "CARELINE_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "chat", "--lang", "en"],
                          input="hello\n1\n2\n2\ntomorrow\n1\n1\n/quit\n", capture_output=True,
                          text=True, env=env, timeout=120, check=True)
    out = done.stdout
    assert "Chat with Careline" in out
    assert "bot> Hello! I'm the Careline assistant" in out and "[1] Get a quote" in out
    assert "bot> Which service do you need?" in out  # "1" picked the first button
    assert "Total: ¥" in out
