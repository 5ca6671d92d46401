"""``careline care preview | scan | campaign`` as an operator uses them."""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime

import pytest

from bot import cli_care
from flows.business import booking as biz
from storage.models import Customer

from .conftest import TZ
from .test_care_world import CareWorld, care_world_fixture  # noqa: F401  (fixture)


def careline(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="careline")
    cli_care.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return int(args.func(args))


@pytest.fixture
def world(care_world: CareWorld, db_url: str, monkeypatch: pytest.MonkeyPatch) -> CareWorld:
    monkeypatch.setenv("CARELINE_DATABASE_URL", db_url)
    return care_world


def test_preview_lists_what_the_customer_will_receive(world: CareWorld,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    cid = world.customer(birthday=date(1990, 12, 1))
    made = world.book(cid, date(2026, 12, 5))
    done = world.book(cid, date(2026, 11, 24), "afternoon", "cleaning")
    with world.db.transaction() as conn:
        biz.complete_booking(conn, done.public_id, datetime(2026, 11, 24, 22, 0, tzinfo=TZ), "ops")
    assert careline("care", "preview", str(cid), "--now", "2026-11-25T09:00:00+08:00") == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"customer {cid}: 10 scheduled or planned (times in Asia/Shanghai)"
    assert lines[1].split() == ["2026-11-27", "22:00", "→", "09:00", "followup_72h", "web",
                                "pending,", "held", "for", "quiet", "hours"]
    assert lines[3].split()[:5] == ["2026-12-01", "10:00", "birthday", "web", "planned"]
    assert "2026-12-02 10:00" in out and "reminder_3d" in out
    assert f"订单 {made.public_id}" in out
    assert "2027-02-05 10:00         spring_festival" in out  # the eve of the lunar new year
    assert "2027-02-22 10:00         care_90d" in out
    assert lines[-2].split()[:4] == ["when", "completed", "goods_check_1w", "web"]
    assert lines[-2].endswith(f"planned (+1w after {made.public_id} is completed)")


def test_preview_as_json_shows_skips(world: CareWorld, capsys: pytest.CaptureFixture[str]) -> None:
    cid = world.unreachable()
    world.book(cid, date(2026, 12, 5))
    assert careline("care", "preview", str(cid), "--json", "--now", "2026-11-23T10:00:00+08:00") == 0
    items = json.loads(capsys.readouterr().out)
    reminder = next(i for i in items if i["rule"] == "reminder_3d")
    assert reminder["status"] == "skipped" and reminder["outcome"] == "skipped: no_channel"
    assert reminder["channel"] is None and reminder["due"] == "2026-12-02T10:00:00+08:00"
    assert {i["outcome"] for i in items} == {"skipped: no_channel"}


def test_preview_of_an_opted_out_customer(world: CareWorld, capsys: pytest.CaptureFixture[str]) -> None:
    cid = world.customer()
    with world.db.transaction() as conn:
        conn.execute(Customer.__table__.update().where(Customer.id == cid)
                     .values(profile={"opted_out": True}))
    world.book(cid, date(2026, 12, 5))
    assert careline("care", "preview", str(cid), "--json", "--now", "2026-11-23T10:00:00+08:00") == 0
    items = json.loads(capsys.readouterr().out)
    assert {i["outcome"] for i in items if i["kind"] == "care"} == {"skipped: opted_out"}


def test_preview_of_an_unknown_customer(world: CareWorld, capsys: pytest.CaptureFixture[str]) -> None:
    assert careline("care", "preview", "999") == 2
    assert "no customer 999" in capsys.readouterr().err


def test_scan_shows_progress_and_counts(world: CareWorld, capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(3):
        world.customer(f"u{i}", birthday=date(1990, 11, 23))
    assert careline("care", "scan", "--now", "2026-11-23T08:00:00+08:00") == 0
    captured = capsys.readouterr()
    assert "birthday: 3 customers" in captured.err
    assert captured.out.startswith("care scan as of 2026-11-23T08:00:00+08:00: 3 rows created "
                                   "(birthday 3, holiday 0")
    assert careline("care", "scan", "--now", "2026-11-23T08:00:00+08:00") == 0
    assert ": 0 rows created" in capsys.readouterr().out


def test_campaign_dry_run_send_and_empty_segment(world: CareWorld,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert careline("care", "campaign", "gold_winter_deep_clean") == 1
    assert "matches no customer; nothing queued" in capsys.readouterr().err
    cid = world.customer(tier="gold")
    world.book(cid, date(2026, 12, 10), service="cleaning")
    assert careline("care", "campaign", "gold_winter_deep_clean", "--dry-run") == 0
    assert "1 customers in segment" in capsys.readouterr().out and world.rows(kind="campaign") == []
    assert careline("care", "campaign", "gold_winter_deep_clean",
                    "--now", "2026-11-23T10:00:00+08:00") == 0
    captured = capsys.readouterr()
    assert "1 messages queued for 2026-12-15T10:00" in captured.out
    assert "gold_winter_deep_clean: 1/1 (100%)" in captured.err
    assert len(world.rows(kind="campaign")) == 1
    assert careline("care", "campaign", "nope") == 2
    assert "campaigns: gold_winter_deep_clean" in capsys.readouterr().err


def test_preview_holds_for_the_customers_own_quiet_hours(
        world: CareWorld, capsys: pytest.CaptureFixture[str]) -> None:
    cid = world.customer()
    with world.db.transaction() as conn:
        conn.execute(Customer.__table__.update().where(Customer.id == cid)
                     .values(profile={"timezone": "Europe/London"}))
    done = world.book(cid, date(2026, 11, 24), "afternoon", "cleaning")
    with world.db.transaction() as conn:
        biz.complete_booking(conn, done.public_id, datetime(2026, 11, 24, 22, 0, tzinfo=TZ), "ops")
    assert careline("care", "preview", str(cid), "--now", "2026-11-25T09:00:00+08:00") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("(times in Asia/Shanghai; the customer's own: Europe/London)")
    # 22:00 in Beijing is 14:00 in London: not held
    followup = next(line for line in lines if "followup_72h" in line)
    assert followup.split()[:4] == ["2026-11-27", "22:00", "followup_72h", "web"]
    assert "held" not in followup
