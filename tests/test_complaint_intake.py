"""Complaint intake beyond the transcripts: photos, the booking it concerns, and the rules."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.base import Media
from flows.business.complaints_rules import classify, strip_words
from flows.loader import load_bundle
from storage import tickets as store

from .conftest import NOW, SHIPPED_FLOWS
from .test_survey_world import World, world_fixture  # noqa: F401  (fixture)


def test_photos_sent_during_the_complaint_are_kept_on_the_ticket(world: World) -> None:
    world.say("阿姨打扫得不干净，厨房都没擦")
    world.say(None, media=(Media("photo", "file-1", url="https://img/1.jpg"),))
    # a photo with a caption reaches the flow: it answers the photo question
    caption = world.say("这是厨房", media=(Media("photo", "file-2"),))
    assert [r.text for r in caption.replies] == ["您希望我们如何处理？"]
    world.say("重新服务")
    [opened] = world.events("ticket_opened")
    with world.db.read() as s:
        t = store.get_ticket(s, opened["ticket_id"])
    assert t is not None and [m["ref"] for m in t.media] == ["file-1", "file-2"]
    assert (t.ticket_class, t.topic, t.wished_resolution) == ("experience", "quality", "re_service")
    assert world.events("complaint_photos") == [{"count": 2}]


def test_without_photos_more_words_are_added_to_the_description(world: World) -> None:
    world.say("我要投诉")
    world.say("阿姨态度很差")
    world.say("她还说我们家太乱")  # answered the photo question with more of the story
    world.say("道歉")
    [opened] = world.events("ticket_opened")
    with world.db.read() as s:
        t = store.get_ticket(s, opened["ticket_id"])
    assert t is not None and t.media == []
    assert t.description == "阿姨态度很差\n她还说我们家太乱"


def test_the_customers_booking_is_offered(world: World) -> None:
    world.say("你好")
    public_id = world.book_and_complete()
    replies = world.replies("师傅把我的花瓶打碎了")
    assert replies == [f"是关于这个订单吗？\n{public_id} · 保洁 · 11月23日"]
    assert world.say("是这个订单").replies[0].text.startswith("收到。如有照片")
    world.say("跳过")
    world.say("赔偿")
    [opened] = world.events("ticket_opened")
    assert opened["booking_id"] == public_id and opened["class"] == "urgent"


@pytest.fixture(scope="module")
def rules() -> dict[str, Any]:
    result = load_bundle(SHIPPED_FLOWS)
    assert result.bundle is not None
    return result.bundle.section("complaints")


@pytest.mark.parametrize(("text", "cls", "topic"), [
    ("师傅迟到了三个小时还把我的柜子磕坏了", "urgent", "damage"),
    ("师傅迟到了半小时", "experience", "lateness"),
    ("师傅迟到了两个半小时", "urgent", "lateness"),
    ("约好的师傅根本没来", "urgent", "lateness"),
    ("阿姨态度很差", "experience", "attitude"),
    ("建议你们可以提供晚上的时段", "suggestion", "suggestion"),
    ("账单多收了两百块", "experience", "billing"),
    ("电话打不通，一直没人接", "experience", "communication"),
    ("搬家工人搬柜子时我妈被砸受伤了", "urgent", "quality"),
    ("感觉不太好", "experience", "quality"),
    ("The movers were 3 hours late and broke my table", "urgent", "damage"),
    ("The crew was 30 minutes late", "experience", "lateness"),
    ("The cleaner was rude to me", "experience", "attitude"),
    ("You could offer evening slots", "suggestion", "suggestion"),
    ("I was overcharged", "experience", "billing"),
    ("nobody came, a no-show", "urgent", "lateness"),
])
def test_classification(rules: dict[str, Any], text: str, cls: str, topic: str) -> None:
    found = classify(text, rules, now=NOW)
    assert (found.ticket_class, found.topic) == (cls, topic), found


def test_a_bare_intro_is_not_a_description(rules: dict[str, Any]) -> None:
    words = [w for ws in rules["intro_words"].values() for w in ws]
    assert strip_words("我要投诉！", words) == ""
    assert strip_words("I want to file a complaint", words) == ""
    assert strip_words("I have a complaint: they were late", words) == "they were late"
