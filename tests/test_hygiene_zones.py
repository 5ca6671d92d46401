"""Quiet hours and the daily cap follow the customer's own local time (both databases)."""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.business.messaging import config_of
from flows.loader import load_bundle
from scheduler import hygiene
from scheduler.dispatcher import dispatch_due
from storage import repo
from storage.db import Database
from storage.profiles import set_customer_fields

from .conftest import SHIPPED_FLOWS
from .test_dispatcher import RecordingChannel
from .test_hygiene import TZ, add, at, customer, row

LONDON = ZoneInfo("Europe/London")
CFG = config_of({"region_timezones": {"伦敦": "Europe/London", "Urumqi": "Asia/Urumqi"}})


def dispatch(db: Database, now: object, channel: RecordingChannel) -> object:
    return dispatch_due(db, channel, now=now,  # type: ignore[arg-type]
                        screen=partial(hygiene.screen, cfg=CFG, tz=TZ))


def test_a_customer_in_london_gets_care_at_london_daytime(db: Database) -> None:
    beijing, london = customer(db, "1"), customer(db, "2")
    with db.session() as s:
        repo.set_profile(s, london, timezone="Europe/London")
    add(db, beijing, "care:bj", at(23, 22, 30), recipient="1")
    add(db, london, "care:ldn", at(23, 22, 30), recipient="2")
    channel = RecordingChannel()
    dispatch(db, at(23, 22, 31), channel)  # 14:31 in London, 22:31 in Beijing
    assert [k for *_, k in channel.sent] == ["care:ldn"]
    assert row(db, "care:bj").due_at == at(24, 9)
    add(db, london, "care:ldn-night", at(24, 6, 0), recipient="2")  # 22:00 in London
    dispatch(db, at(24, 6, 1), channel)
    waiting = row(db, "care:ldn-night")
    assert waiting.status == "pending"
    assert waiting.due_at.astimezone(LONDON).hour == 9  # London's morning, not Beijing's


def test_the_region_names_the_zone_when_the_profile_does_not(db: Database) -> None:
    cid = customer(db, "7")
    with db.session() as s:
        set_customer_fields(s, cid, region="伦敦")
    add(db, cid, "care:region", at(23, 22, 30), recipient="7")
    channel = RecordingChannel()
    dispatch(db, at(23, 22, 31), channel)
    assert [k for *_, k in channel.sent] == ["care:region"]


def test_the_cap_counts_the_customers_own_day(db: Database) -> None:
    """Two messages on a London evening are the 24th in Beijing but the 23rd in London: the
    London customer's 24th starts with none used."""
    cid = customer(db, "3")
    with db.session() as s:
        repo.set_profile(s, cid, timezone="Europe/London")
    channel = RecordingChannel()
    for key, hour in (("evening-1", 1), ("evening-2", 2), ("morning-1", 18), ("morning-2", 19),
                      ("morning-3", 20)):  # Beijing hours on the 24th = London 17, 18, 10...
        add(db, cid, f"care:{key}", at(24, hour), recipient="3")
        dispatch(db, at(24, hour, 1), channel)
    assert [k for *_, k in channel.sent] == ["care:evening-1", "care:evening-2",
                                             "care:morning-1", "care:morning-2"]
    moved = row(db, "care:morning-3").due_at.astimezone(LONDON)
    assert (moved.date().isoformat(), moved.hour) == ("2026-11-25", 9)


def test_an_unknown_zone_in_a_profile_falls_back_to_the_default(db: Database) -> None:
    cid = customer(db, "4")
    with db.session() as s:
        repo.set_profile(s, cid, timezone="Mars/Olympus_Mons")
    add(db, cid, "care:mars", at(23, 22, 30), recipient="4")
    channel = RecordingChannel()
    dispatch(db, at(23, 22, 31), channel)
    assert channel.sent == [] and row(db, "care:mars").due_at == at(24, 9)


def test_flows_check_names_an_unknown_zone_with_file_and_line(tmp_path: Path) -> None:
    for path in SHIPPED_FLOWS.glob("*.yml"):
        shutil.copy(path, tmp_path / path.name)
    sub = tmp_path / "subscription.yml"
    sub.write_text(sub.read_text(encoding="utf-8").replace(
        "  daily_cap: 2", "  daily_cap: 2\n  region_timezones:\n    香港: Asia/HongKong",
        1), encoding="utf-8")
    result = load_bundle(tmp_path)
    assert not result.ok
    (error,) = [e for e in result.errors if "time zone" in str(e)]
    assert "subscription.yml:" in str(error) and "Asia/HongKong" in str(error)
    assert "Asia/Hong_Kong" in str(error)  # the hint
    line = sub.read_text(encoding="utf-8").splitlines()[error.line - 1]
    assert "Asia/HongKong" in line
