"""The daily scans: birthdays, lunar holidays, expiring points, win-back, campaigns (both DBs)."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any

from flows.business import booking as biz
from flows.business.care_config import config_of
from flows.business.care_scans import (
    count_segment,
    holiday_date,
    next_birthday,
    run_campaign,
    run_daily,
    scan_birthdays,
)
from storage.loyalty import add_points
from storage.profiles import get_profile

from .conftest import TZ
from .test_care_world import CARE, CareWorld, care_world_fixture  # noqa: F401  (fixture)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def only(*rule_ids: str, **settings: Any) -> dict[str, Any]:
    section = copy.deepcopy(CARE)
    section["rules"] = [r for r in section["rules"] if r["id"] in rule_ids]
    section.update(settings)
    return section


def test_lunar_holidays_and_leap_day_birthdays() -> None:
    assert holiday_date("spring_festival", 2027) == date(2027, 2, 6)
    assert holiday_date("spring_festival", 2028) == date(2028, 1, 26)
    assert holiday_date("mid_autumn", 2027) == date(2027, 9, 15)
    assert holiday_date("10-01", 2027) == date(2027, 10, 1)
    assert holiday_date("02-29", 2027) == date(2027, 2, 28)
    assert next_birthday(date(1992, 2, 29), date(2027, 1, 1)) == date(2027, 2, 28)
    assert next_birthday(date(1992, 2, 29), date(2028, 1, 1)) == date(2028, 2, 29)
    assert next_birthday(date(1990, 11, 23), date(2026, 11, 24)) == date(2027, 11, 23)


def test_birthdays_today_and_tomorrow_once(care_world: CareWorld) -> None:
    today = care_world.customer("a", birthday=date(1990, 11, 23))
    tomorrow = care_world.customer("b", birthday=date(1985, 11, 24), lang="en", name="Bea")
    care_world.customer("c", birthday=date(1985, 11, 25))
    care_world.customer("d")
    section = only("birthday")
    first = run_daily(care_world.db, care_world.now, section=section, tz=TZ)
    again = run_daily(care_world.db, care_world.now, section=section, tz=TZ)
    assert first["birthday"] == 2 and again["birthday"] == 0
    rows = care_world.rows(kind="care")
    assert [(r.customer_id, r.due_at, r.idempotency_key) for r in rows] == [
        (today, care_world.now, f"care:birthday:c{today}:2026"),
        (tomorrow, local(2026, 11, 24, 10, 0), f"care:birthday:c{tomorrow}:2026")]
    assert rows[1].payload == {"text": "Happy birthday, Bea! 🎂 All the best for the year ahead.",
                               "rule": "birthday"}
    assert rows[0].ref == f"customer:{today}"


def test_a_feb_29_birthday_is_celebrated_on_feb_28_in_other_years(care_world: CareWorld) -> None:
    leap = care_world.customer("leap", birthday=date(1992, 2, 29))
    feb28 = care_world.customer("feb28", birthday=date(1990, 2, 28))
    cfg = config_of(only("birthday", scan_ahead_days=0))
    scan_birthdays(care_world.db, cfg, local(2027, 2, 28, 8, 0), TZ)
    assert sorted(r.customer_id for r in care_world.rows(kind="care")) == sorted([leap, feb28])
    scan_birthdays(care_world.db, cfg, local(2028, 2, 28, 8, 0), TZ)
    assert [r.customer_id for r in care_world.rows(kind="care") if "2028" in r.idempotency_key] \
        == [feb28]
    scan_birthdays(care_world.db, cfg, local(2028, 2, 29, 8, 0), TZ)
    assert [r.customer_id for r in care_world.rows(kind="care") if "2028" in r.idempotency_key] \
        == [feb28, leap]


def test_spring_festival_greeting_the_day_before(care_world: CareWorld) -> None:
    zh = care_world.customer("zh")
    en = care_world.customer("en", lang="en", name="Eve")
    section = only("spring_festival", scan_ahead_days=0)
    assert run_daily(care_world.db, local(2027, 2, 4, 8, 0), section=section, tz=TZ)["holiday"] == 0
    counts = run_daily(care_world.db, local(2027, 2, 5, 8, 0), section=section, tz=TZ)
    assert counts["holiday"] == 2
    assert run_daily(care_world.db, local(2027, 2, 5, 9, 0), section=section, tz=TZ)["holiday"] == 0
    texts = {r.customer_id: (r.payload["text"], r.due_at) for r in care_world.rows(kind="care")}
    assert texts[zh] == ("王女士您好，春节将至，祝您和家人新春快乐、阖家幸福！", local(2027, 2, 5, 10, 0))
    assert texts[en][0] == "Hi Eve, Spring Festival is almost here. Happy New Year to you and your family!"


def test_points_expiring_within_30_days(care_world: CareWorld) -> None:
    soon = care_world.customer("soon")
    later = care_world.customer("later")
    now = care_world.now
    with care_world.db.transaction() as conn:
        add_points(conn, soon, 120, "survey", "B1", expires_at=now + timedelta(days=20), now=now)
        add_points(conn, later, 80, "survey", "B2", expires_at=now + timedelta(days=40), now=now)
    section = only("points_expiring")
    assert run_daily(care_world.db, now, section=section, tz=TZ)["points_expiring"] == 1
    assert run_daily(care_world.db, now, section=section, tz=TZ)["points_expiring"] == 0
    [row] = care_world.rows(kind="care")
    assert row.customer_id == soon
    assert row.payload["text"] == "王女士您好，您有 120 积分将于 2026-12-13 到期，下单时可抵扣，别浪费哦。"


def _completed(world: CareWorld, cid: int, days_ago: int, service: str = "cleaning") -> None:
    when = world.now - timedelta(days=days_ago)
    made = world.book(cid, when.date(), "afternoon", service)
    with world.db.transaction() as conn:
        biz.complete_booking(conn, made.public_id, when, "ops")


def test_winback_after_90_days_without_an_order(care_world: CareWorld) -> None:
    lapsed = care_world.customer("lapsed")
    booked_again = care_world.customer("booked")
    recent = care_world.customer("recent")
    _completed(care_world, lapsed, 100)
    _completed(care_world, booked_again, 120)
    care_world.book(booked_again, date(2026, 12, 10))
    _completed(care_world, recent, 30)
    section = only("winback")
    assert run_daily(care_world.db, care_world.now, section=section, tz=TZ)["winback"] == 1
    assert run_daily(care_world.db, care_world.now, section=section, tz=TZ)["winback"] == 0
    [row] = [r for r in care_world.rows(kind="care") if r.payload["rule"] == "winback"]
    code = row.payload["offer_code"]
    assert row.customer_id == lapsed and code.startswith("WB") and len(code) == 8
    assert row.payload["text"] == f"王女士您好，好久不见！送您一张回归优惠券 {code}，2026-12-07 前下单可用。"
    with care_world.db.read() as s:
        profile = get_profile(s, lapsed)
    assert profile is not None
    assert [(v["code"], v["kind"], v["valid_until"]) for v in profile.data["vouchers"]] == [
        (code, "winback", "2026-12-07")]
    # 100 days on, 'recent' has lapsed too; 'lapsed' is within the 180-day cooldown.
    later = care_world.now + timedelta(days=100)
    assert run_daily(care_world.db, later, section=section, tz=TZ)["winback"] == 1
    offered = [r.customer_id for r in care_world.rows(kind="care") if r.payload["rule"] == "winback"]
    assert offered == [lapsed, recent]


def test_campaign_segment_selection(care_world: CareWorld) -> None:
    gold = care_world.customer("gold", tier="gold")
    moving_only = care_world.customer("mover", tier="gold")
    silver = care_world.customer("silver", tier="silver")
    far = care_world.unreachable(tier="diamond")
    for cid in (gold, silver, far):
        care_world.book(cid, date(2026, 12, 10), service="cleaning")
    care_world.book(moving_only, date(2026, 12, 10), service="moving")
    rule = config_of(CARE).rule("gold_winter_deep_clean")
    assert rule is not None
    with care_world.db.read() as s:
        assert count_segment(s, rule) == 2
    seen: list[tuple[str, int, int]] = []
    assert run_campaign(care_world.db, rule, care_world.now, TZ, dry_run=True) == (2, 0)
    assert run_campaign(care_world.db, rule, care_world.now, TZ,
                        progress=lambda *a: seen.append(a)) == (2, 2)
    assert run_campaign(care_world.db, rule, care_world.now, TZ) == (2, 0)
    assert seen == [("gold_winter_deep_clean", 2, 2)]
    rows = care_world.rows(kind="campaign")
    assert [(r.customer_id, r.status, r.due_at) for r in rows] == [
        (gold, "pending", local(2026, 12, 15, 10, 0)), (far, "skipped", local(2026, 12, 15, 10, 0))]
    assert rows[1].last_error == "no_channel"


def test_an_empty_segment_queues_nothing(care_world: CareWorld) -> None:
    care_world.customer("plain")
    section = only("gold_winter_deep_clean")
    rule = config_of(section).rules[0]
    assert run_campaign(care_world.db, rule, care_world.now, TZ) == (0, 0)
    assert care_world.rows() == []


def test_campaigns_are_queued_by_the_daily_scan_on_their_day(care_world: CareWorld) -> None:
    care_world.customer("gold", tier="diamond")
    section = only("gold_winter_deep_clean")
    section["rules"][0]["segment"] = {"tiers": ["diamond"]}
    assert run_daily(care_world.db, local(2026, 12, 13, 8, 0), section=section, tz=TZ)["campaign"] == 0
    assert run_daily(care_world.db, local(2026, 12, 14, 8, 0), section=section, tz=TZ)["campaign"] == 1
    assert run_daily(care_world.db, local(2026, 12, 15, 8, 0), section=section, tz=TZ)["campaign"] == 0


def test_the_whole_daily_scan_is_idempotent(care_world: CareWorld) -> None:
    for i in range(5):
        cid = care_world.customer(f"u{i}", birthday=date(1990, 11, 23 + i % 2), tier="gold")
        with care_world.db.transaction() as conn:
            add_points(conn, cid, 10, "survey", f"B{i}", expires_at=care_world.now + timedelta(days=3),
                       now=care_world.now)
    first = run_daily(care_world.db, care_world.now, section=CARE, tz=TZ)
    rows = len(care_world.rows())
    second = run_daily(care_world.db, care_world.now, section=CARE, tz=TZ)
    assert sum(first.values()) == rows == 10 and sum(second.values()) == 0
    assert len(care_world.rows()) == rows
