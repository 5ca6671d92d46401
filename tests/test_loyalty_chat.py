"""我的积分 / my points and referral codes, as customers write them (NLU -> flows -> storage)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from flows.business.loyalty import award
from storage import loyalty as store
from storage.db import Database

from .conftest import NOW, TZ
from .test_loyalty_support import SECTION, Chat, complete_booking, months_ago, scripts_dir


@pytest.fixture
def chat(db: Database, nlu: Any, tmp_path: Path) -> Chat:
    return Chat(db, nlu, scripts_dir(tmp_path))


def code_in(reply: str) -> str:
    found = re.search(r"[：:] ?([A-Z0-9]{6})\n", reply)
    assert found, reply
    return found.group(1)


def test_my_points_for_a_new_customer(chat: Chat) -> None:
    assert chat.say("new", "我的积分") == "您当前有 0 积分，会员等级：普通会员。\n再完成 1 次服务即可获得优先预约权益。"
    assert chat.say("new-en", "my points") == (
        "You have 0 points. Tier: Basic.\n1 more service to unlock priority scheduling.")


def test_my_points_shows_expiring_points_the_next_milestone_and_benefits(
        db: Database, chat: Chat) -> None:
    chat.say("chen", "你好")
    cid = chat.customer("chen")
    with db.session() as s:
        complete_booking(s, cid, 8000, datetime(2025, 12, 3, 15, 0, tzinfo=TZ))  # 800 points, silver
        complete_booking(s, cid, 1000, months_ago(2))                               # 100 points
        award(s, SECTION, cid, "survey", "B1", months_ago(2))                       # 50 points
    assert chat.say("chen", "查一下我的积分") == (
        "您当前有 950 积分，会员等级：银卡会员。\n"
        "其中 800 积分将于 2026-12-03 到期，请尽快使用。\n"
        "再完成 1 次服务即可获得折扣服务套餐。\n"
        "已解锁权益：优先预约权益、免费增值服务一次")
    assert chat.say("chen", "how many points do I have?") == (
        "You have 950 points. Tier: Silver.\n"
        "800 of them expire on 2026-12-03.\n"
        "1 more service to unlock a discount package.\n"
        "Unlocked: priority scheduling, a free add-on")


def test_referral_happy_path(db: Database, chat: Chat) -> None:
    shown = chat.say("amy", "推荐码")
    code = code_in(shown)
    assert shown == (f"您的专属推荐码：{code}\n好友下单时告诉我们这个推荐码，完成首次服务后您可获得 200 积分，"
                     "好友也可获得 100 积分。")
    assert chat.say("amy", "invite a friend").startswith(f"Your referral code: {code}\n")
    assert chat.say("ben", f"我有推荐码 {code}") == "推荐码已登记！完成首次服务后，您将获得 100 积分奖励。"
    with db.read() as s:
        assert store.referred_by(s, chat.customer("ben")) == chat.customer("amy")


def test_a_customer_who_says_they_have_a_code_is_asked_for_it(db: Database, chat: Chat) -> None:
    code = code_in(chat.say("amy", "推荐码"))
    assert chat.say("ben", "I have a referral code") == (
        "Please type your friend's referral code (6 letters and digits).")
    assert chat.say("ben", "??") == (
        "A referral code has 6 letters and digits, like K7M2QX. Please try again.")
    assert chat.say("ben", code.lower()) == (
        "Referral code saved! You'll get 100 bonus points when your first service is completed.")


def test_own_code_second_code_and_unknown_code_are_refused(db: Database, chat: Chat) -> None:
    amy = code_in(chat.say("amy", "我的推荐码"))
    carl = code_in(chat.say("carl", "推荐码"))
    assert chat.say("amy", f"referral code {amy}") == (
        "That's your own code — please give a friend's code instead.")
    assert chat.say("ben", f"推荐码 {amy}").startswith("推荐码已登记")
    assert chat.say("ben", f"推荐码是 {carl}") == "您已经登记过推荐码了，每位客户只能使用一次。"
    with db.read() as s:
        assert store.referred_by(s, chat.customer("ben")) == chat.customer("amy")
    assert chat.say("dan", "推荐码 ZZ99ZZ").startswith("没有找到这个推荐码")


def test_a_customer_with_a_completed_service_cannot_use_a_code(db: Database, chat: Chat) -> None:
    code = code_in(chat.say("amy", "推荐码"))
    chat.say("eve", "你好")
    with db.session() as s:
        complete_booking(s, chat.customer("eve"), 300, NOW)
    assert chat.say("eve", f"推荐码 {code}") == "推荐码仅限首次下单的新客户使用，感谢您一直以来的支持！"
    with db.read() as s:
        assert store.referred_by(s, chat.customer("eve")) is None


def test_profile_summary_for_the_agent_console(db: Database, chat: Chat) -> None:
    from flows.business.loyalty_config import config_of
    from flows.business.loyalty_profile import profile_summary
    from storage.profiles import add_preference

    code = code_in(chat.say("amy", "推荐码"))
    chat.say("ben", f"推荐码 {code}")
    ben = chat.customer("ben")
    with db.session() as s:
        add_preference(s, ben, "不要柠檬味清洁剂")
        complete_booking(s, ben, 2000, datetime(2025, 12, 10, 9, 0, tzinfo=TZ))
        complete_booking(s, ben, 300, months_ago(1))
    with db.read() as s:
        summary = profile_summary(s, ben, NOW, config_of(SECTION))
    assert summary == {
        "customer_id": ben, "tier": "basic", "points": 100 + 200 + 30,
        "expiring": {"points": 300, "within_days": 30, "first_at": "2026-12-10T01:00:00+00:00"},
        "completed_services": 2, "milestones": ["priority_scheduling", "free_addon"],
        "preferences": ["不要柠檬味清洁剂"], "referral_code": None,
        "referred_by": chat.customer("amy"), "region": None, "lang": None,
    }
