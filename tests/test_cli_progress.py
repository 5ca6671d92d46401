"""Progress of long CLI jobs: a redrawn line on a terminal, a few milestone lines in a log."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli_args import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_log_gets_the_start_each_quarter_and_the_end_not_every_update() -> None:
    log, clock = io.StringIO(), Clock()
    progress = Progress(log, clock=clock)
    for done in range(1, 1001):
        progress("rollup", done, 1000)
        clock.now += 0.01
    progress.finish()
    assert log.getvalue().splitlines() == [
        "rollup: 1/1000 (0%)", "rollup: 250/1000 (25%)", "rollup: 500/1000 (50%)",
        "rollup: 750/1000 (75%)", "rollup: 1000/1000 (100%)"]


def test_a_slow_job_without_a_total_says_where_it_is_every_half_minute_and_at_the_end() -> None:
    log, clock = io.StringIO(), Clock()
    progress = Progress(log, clock=clock)
    for batch in range(1, 25):  # 24 batches of 500 customers, 5 s each
        progress("birthday", batch * 500, 0)
        clock.now += 5
    progress("holiday", 200, 0)  # the next scan: the last count of the first is kept
    progress.finish()
    assert log.getvalue().splitlines() == [
        "birthday: 500 customers", "birthday: 3500 customers", "birthday: 6500 customers",
        "birthday: 9500 customers", "birthday: 12000 customers", "holiday: 200 customers"]


def test_a_terminal_gets_one_line_redrawn_in_place() -> None:
    tty, clock = Terminal(), Clock()
    progress = Progress(tty, clock=clock)
    for done in range(1, 101):
        progress("campaign winter", done, 100)
        clock.now += 0.02  # 50 updates a second: redrawn at most ten times a second
    progress.finish()
    out = tty.getvalue()
    assert out.count("\n") == 1 and out.endswith("\n")
    draws = out.rstrip("\n").split("\r")[1:]
    assert 15 <= len(draws) <= 25, len(draws)
    assert draws[-1].startswith("campaign winter: 100/100 (100%), ") and draws[-1].endswith("/s")


def test_nlu_eval_in_a_pipe_prints_a_few_bar_lines(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "labelled.csv"
    rows = ["你好,greet", "转人工,human", "搬家多少钱,quote", "how much for cleaning,quote"] * 30
    data.write_text("text,intent\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert main(["nlu", "eval", str(data)]) == 0
    bars = [line for line in capsys.readouterr().err.splitlines() if line.startswith("[#")
            or line.startswith("[.")]
    assert bars[-1] == f"[{'#' * 30}] 120/120"
    assert len(bars) == 5, bars  # the first, each quarter, the end: not one per example
