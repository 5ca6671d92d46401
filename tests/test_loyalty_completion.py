"""A completed booking: spend points, the 1-2-3-5 milestones, tiers from the rolling window,
the lifetime-VIP floor and the referral reward — with the messages customers get."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from flows.business.loyalty import config_for, on_booking_completed, recompute_tier, tier_for
from flows.business.loyalty_config import config_of
from flows.business.loyalty_referral import Outcome, apply_referral, referral_code
from storage import loyalty as store
from storage.db import Database
from storage.models import OutboxMessage

from .conftest import NOW
from .test_loyalty_support import SECTION, Chat, complete_booking, months_ago, new_customer, scripts_dir

CFG = config_of(SECTION)


def messages(db: Database, customer_id: int) -> list[str]:
    with db.read() as s:
        return [p["text"] for p in s.execute(select(OutboxMessage.payload).where(
            OutboxMessage.customer_id == customer_id, OutboxMessage.kind == "loyalty")
            .order_by(OutboxMessage.id)).scalars()]


def state(db: Database, customer_id: int) -> tuple[int, str | None, list[str]]:
    with db.read() as s:
        reached = store.refs_of(s, customer_id, "milestone")
        order = [m.key for m in CFG.milestones if m.key in reached]
        return store.balance(s, customer_id), store.tier_of(s, customer_id), order


@pytest.fixture
def chat(db: Database, nlu: Any, tmp_path: Path) -> Chat:
    return Chat(db, nlu, scripts_dir(tmp_path))


def test_milestones_unlock_at_1_2_3_and_5_services(db: Database, chat: Chat) -> None:
    chat.say("wang", "你好")
    cid = chat.customer("wang")
    expected = [
        (30, "basic", ["priority_scheduling"], ["感谢您第 1 次选择我们！您已解锁：优先预约权益。"]),
        (60, "basic", ["priority_scheduling", "free_addon"],
         ["感谢您第 2 次选择我们！您已解锁：免费增值服务一次。"]),
        (90, "basic", ["priority_scheduling", "free_addon", "discount_package"],
         ["感谢您第 3 次选择我们！您已解锁：折扣服务套餐。"]),
        # 4 services in 12 months reach silver
        (120, "silver", ["priority_scheduling", "free_addon", "discount_package"],
         ["恭喜您升级为银卡会员！"]),
        # the 5th: lifetime VIP, its 500 bonus points, and never below gold
        (650, "gold", ["priority_scheduling", "free_addon", "discount_package", "lifetime_vip"],
         ["感谢您第 5 次选择我们！您已解锁：终身 VIP。", "恭喜您升级为金卡会员！"]),
    ]
    seen = 0
    for n, (points, tier, reached, said) in enumerate(expected, 1):
        with db.session() as s:
            complete_booking(s, cid, 300, months_ago(6 - n))
        assert state(db, cid) == (points, tier, reached), f"after booking {n}"
        assert messages(db, cid)[seen:] == said, f"after booking {n}"
        seen += len(said)


def test_the_same_completion_twice_changes_nothing(db: Database, chat: Chat) -> None:
    chat.say("li", "hello")
    cid = chat.customer("li")
    with db.session() as s:
        public_id = complete_booking(s, cid, 888, NOW)
    first = state(db, cid)
    assert first == (88, "basic", ["priority_scheduling"])
    assert messages(db, cid) == ["Thank you for your service #1 with us! "
                                 "You have unlocked priority scheduling."]
    with db.session() as s:
        on_booking_completed(s, {"customer_id": cid, "public_id": public_id, "total": 888}, NOW,
                             section=SECTION)
    assert state(db, cid) == first
    assert len(messages(db, cid)) == 1


@pytest.mark.parametrize(("spend", "services", "match", "tier"), [
    (8000, 1, "any", "silver"),     # ¥8,000 in 12 months is silver by spend alone
    (4999, 3, "any", "basic"),      # just under both silver thresholds
    (5000, 0, "any", "silver"),     # a threshold is reached at the exact amount
    (1200, 8, "any", "gold"),       # 8 services is gold by activity alone
    (30000, 1, "any", "diamond"),
    (8000, 1, "all", "basic"),      # match: all needs ¥5,000 AND 4 services for silver
    (16000, 8, "all", "gold"),
])
def test_tier_thresholds(spend: float, services: int, match: str, tier: str) -> None:
    cfg = config_for({**SECTION, "tiers": {**SECTION["tiers"], "match": match}})
    assert cfg is not None
    assert tier_for(cfg, spend, services, lifetime_vip=False).key == tier


def test_tier_from_the_rolling_twelve_months(db: Database) -> None:
    with db.session() as s:
        old, recent = new_customer(s), new_customer(s)
        complete_booking(s, old, 8000, months_ago(13))      # silver back then...
        complete_booking(s, recent, 8000, months_ago(11))
        assert store.tier_of(s, old) == "silver"
    with db.session() as s:
        assert recompute_tier(s, CFG, old, NOW).new == "basic"  # ...out of the window now
        assert recompute_tier(s, CFG, recent, NOW).new == "silver"
        assert (store.tier_of(s, old), store.tier_of(s, recent)) == ("basic", "silver")


def test_a_lifetime_vip_never_drops_below_the_floor(db: Database) -> None:
    with db.session() as s:
        vip, regular = new_customer(s), new_customer(s)
        for month in (30, 29, 28, 27, 26):
            complete_booking(s, vip, 200, months_ago(month))
        for month in (30, 29, 28, 27):
            complete_booking(s, regular, 200, months_ago(month))
    with db.session() as s:
        assert recompute_tier(s, CFG, vip, NOW).new == "gold"     # no spend in the window
        assert recompute_tier(s, CFG, regular, NOW).new == "basic"


def test_the_standard_column_default_reads_as_basic(db: Database) -> None:
    with db.session() as s:
        cid = new_customer(s, tier="standard")
        change = recompute_tier(s, CFG, cid, NOW)
        assert (change.old, change.new, change.up) == ("basic", "basic", False)
        assert store.tier_of(s, cid) == "basic"


def test_the_referrer_is_paid_once_when_the_friends_first_service_completes(
        db: Database, chat: Chat) -> None:
    chat.say("zhang", "你好")
    chat.say("friend", "hello")
    referrer, friend = chat.customer("zhang"), chat.customer("friend")
    with db.session() as s:
        code = referral_code(s, referrer, NOW)
        assert referral_code(s, referrer, NOW) == code  # one code per customer
        assert apply_referral(s, friend, code.lower()) is Outcome.APPLIED
    with db.session() as s:
        complete_booking(s, friend, 500, NOW)
        complete_booking(s, friend, 500, NOW)
    assert state(db, referrer)[0] == 200
    assert state(db, friend)[0] == 100 + 50 + 50  # welcome bonus + 1 point per ¥10, twice
    assert messages(db, referrer) == ["您推荐的好友已完成首次服务，200 积分已到账，感谢推荐！"]
    assert "Welcome! 100 referral bonus points have been added to your account." in messages(
        db, friend)


def test_completing_a_booking_through_the_bookings_module_runs_loyalty(db: Database) -> None:
    from sqlalchemy import insert

    from flows.actions import registry
    from flows.business import booking
    from flows.business.loyalty import use_section
    from storage.models_business import Booking

    registry()  # what the app does at start: every business module registers its hooks
    assert on_booking_completed in booking.ON_COMPLETED
    use_section(lambda: SECTION)  # the app passes the live scripts' section the same way
    try:
        with db.transaction() as conn:
            cid = new_customer(conn)
            conn.execute(insert(Booking).values(
                public_id="B2611230077", customer_id=cid, service="cleaning", day=NOW.date(),
                slot="am", status="in_progress", total=460, currency="CNY", details={},
                created_at=NOW, updated_at=NOW))
            booking.complete_booking(conn, "B2611230077", NOW, actor="agent:test")
    finally:
        use_section(None)
    assert state(db, cid) == (46, "basic", ["priority_scheduling"])
