"""``careline points ...`` and ``careline loyalty recompute-tiers`` for operators."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli_loyalty import register
from storage import loyalty as store
from storage.db import Database

from .conftest import NOW
from .test_loyalty_support import complete_booking, months_ago, new_customer, scripts_dir


def careline(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="careline")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return int(args.func(args))


@pytest.fixture
def db(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("CARELINE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CARELINE_FLOWS_DIR", str(scripts_dir(tmp_path)))
    database = Database(sqlite_url)
    yield database
    database.dispose()


def test_adjust_show_and_expire(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    with db.session() as s:
        cid = new_customer(s)
    now = NOW.isoformat()
    assert careline("points", "adjust", str(cid), "100", "--reason", "goodwill T1", "--now", now) == 0
    assert capsys.readouterr().out == f"customer {cid}: +100 points (goodwill T1); balance 100\n"
    assert careline("points", "adjust", str(cid), "-500", "--reason", "oops", "--now", now) == 2
    assert capsys.readouterr().err == f"careline: customer {cid} has only 100 points\n"
    assert careline("points", "show", str(cid), "--now", "2027-11-01T10:00:00+08:00") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [f"customer {cid}: 100 points, tier Basic, 0 completed services",
                       "expiring within 30 days: 100 (first on 2027-11-23T02:00:00+00:00)",
                       "milestones: none; referral code: -"]
    assert out[3].startswith("  2026-11-23 10:00    +100  adjust    ")
    assert out[3].endswith(":goodwill T1  expires 2027-11-23")
    assert careline("points", "expire", "--now", "2027-11-24T00:00:00+08:00") == 0
    assert capsys.readouterr().out == (
        "expired 100 points of 1 customers (as of 2027-11-24T00:00:00+08:00)\n")
    with db.read() as s:
        assert store.balance(s, cid) == 0


def test_recompute_tiers_reports_progress_and_moves(db: Database,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with db.session() as s:
        ids = [new_customer(s) for _ in range(5)]
        complete_booking(s, ids[0], 8000, months_ago(11), hooks=False)
        complete_booking(s, ids[1], 8000, months_ago(2))  # silver now, hook ran
    assert careline("loyalty", "recompute-tiers", "--now", NOW.isoformat(), "--batch", "2") == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == ["recomputing tiers: 2/5 (40%)", "recomputing tiers: 4/5 (80%)",
                                         "recomputing tiers: 5/5 (100%)"]
    assert captured.out == (f"recomputed tiers of 5 customers as of {NOW.isoformat()}: "
                            "basic->silver: 1\n")
    with db.read() as s:
        assert [store.tier_of(s, c) for c in ids] == ["silver", "silver", "basic", "basic", "basic"]


def test_mistakes_exit_2_with_the_reason(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert careline("points", "expire", "--now", "tomorrow") == 2
    assert "is not an ISO time like 2026-12-01T09:00:00+08:00" in capsys.readouterr().err
    assert careline("points", "show", "999") == 2
    assert capsys.readouterr().err == "careline: no customer 999\n"
    assert careline("points", "adjust", "999", "0", "--reason", "x") == 2
    assert "DELTA must not be 0" in capsys.readouterr().err
