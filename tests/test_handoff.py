"""Handoff as the customer meets it: what queues a conversation (explicit request, anger,
a run of negative messages, failed turns, an urgent complaint, VIP routing), the queue
position, and what happens to messages while queued — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from .conftest import TZ
from .test_handoff_helpers import Desk, desk_fixture  # noqa: F401  (fixture)

POSITION_ZH = "您目前排在第 {n} 位，预计等待约 {w} 分钟。您可以先把问题发给我，客服接入后会看到。"


@pytest.mark.parametrize("text", ["转人工", "人工客服", "找客服", "/human", "我要转人工"])
def test_an_explicit_request_in_chinese_queues_with_the_position(desk: Desk, text: str) -> None:
    assert desk.say("amy", text) == [
        "好的，已为您登记转人工，客服会尽快回复您。\n" + POSITION_ZH.format(n=1, w=4)]
    conv = desk.conv("amy")
    assert (conv.status, conv.handoff_reason, conv.priority, conv.assigned_agent) == (
        "queued", "asked", 40, None)
    assert conv.queued_at is not None and conv.claimed_at is None
    types = [t for t, _, _ in desk.events("amy")]
    assert types[:2] == ["message_in", "nlu"]
    assert "handoff_requested" in types and "handoff_queued" in types
    assert "flow_started" not in types  # handled before the flows
    queued = desk.events("amy", "handoff_queued")[0][2]
    assert queued["position"] == 1 and queued["wait_minutes"] == 4


@pytest.mark.parametrize("text", ["human", "agent", "Talk to a person", "I want to talk to a human"])
def test_an_explicit_request_in_english(desk: Desk, text: str) -> None:
    assert desk.say("bob", text) == [
        "Sure, I've asked for an agent to join; they'll reply as soon as possible.\n"
        "You are number 1 in the queue; the expected wait is about 4 min. Feel free to "
        "describe your question meanwhile; the agent will see it."]
    assert desk.conv("bob").status == "queued"


def test_an_agent_word_inside_another_question_does_not_queue(desk: Desk) -> None:
    desk.say("bob", "can your agent come on Tuesday to clean?")
    assert desk.conv("bob").status == "bot"


def test_the_second_customer_is_number_two(desk: Desk) -> None:
    desk.say("amy", "转人工")
    replies = desk.say("ben", "转人工")
    assert replies[0].endswith(POSITION_ZH.format(n=2, w=8))
    assert desk.events("ben", "handoff_queued")[0][2]["position"] == 2


def test_anger_queues_first_in_line(desk: Desk) -> None:
    desk.say("amy", "转人工")
    replies = desk.say("cat", "你们什么破服务！！！气死我了")
    assert replies == ["非常抱歉让您不愉快，我马上为您转接人工客服。\n"
                       + POSITION_ZH.format(n=1, w=4)]
    conv = desk.conv("cat")
    assert (conv.status, conv.handoff_reason, conv.priority, conv.angry) == (
        "queued", "anger", 60, True)
    assert conv.sentiment is not None and conv.sentiment < -0.6
    assert "flow_started" not in [t for t, _, _ in desk.events("cat")]


@pytest.mark.parametrize("texts", [["不要"], ["no"], ["not now"], ["不要", "不要", "不要"],
                                   ["你好", "不要", "no thanks"]])
def test_a_mild_no_never_queues(desk: Desk, texts: list[str]) -> None:
    for text in texts:
        desk.say("dan", text)
    conv = desk.conv("dan")
    assert conv.status == "bot" and conv.angry is False
    assert desk.events("dan", "handoff_requested", "handoff_queued") == []


def test_two_negative_messages_of_three_queue(desk: Desk) -> None:
    # "不行" keeps them refusals: a bare "我不满意" is half complaint (intake, a calm flow).
    desk.say("eve", "不行 我不满意")
    assert desk.conv("eve").status == "bot"  # one is not enough
    replies = desk.say("eve", "不满意 不行")
    assert replies[-1].startswith("抱歉没能让您满意，我为您转接人工客服。")
    assert (desk.conv("eve").status, desk.conv("eve").handoff_reason) == ("queued", "negative")
    assert desk.events("eve", "handoff_requested")[0][2]["recent"] == [-0.625, -0.625]


def test_negative_messages_further_apart_do_not_queue(desk: Desk) -> None:
    for text in ["不行 我不满意", "你好", "多少钱", "不满意 不行"]:
        desk.say("fay", text)
    assert desk.conv("fay").status == "bot"


def test_two_failed_turns_in_a_row_queue(desk: Desk) -> None:
    first = desk.say("gus", "asdfgh")
    assert desk.conv("gus").status == "bot" and len(first) == 1
    replies = desk.say("gus", "qwerty zxc")
    assert replies[0].startswith("Sorry, I didn't quite get that.")  # the fallback answers
    assert replies[1].startswith("Sorry I couldn't understand. I've asked a person to help")
    conv = desk.conv("gus")
    assert (conv.status, conv.handoff_reason, conv.priority) == ("queued", "failed_turns", 20)


def test_an_urgent_complaint_goes_to_the_front(desk: Desk) -> None:
    desk.say("cat", "你们什么破服务！！！气死我了")  # anger: priority 60
    desk.say("hal", "师傅迟到了三个小时还把我的柜子磕坏了")
    desk.say("hal", "跳过")
    replies = desk.say("hal", "赔偿")
    assert "已同时为您转接人工客服" in replies[0]
    assert replies[-1] == POSITION_ZH.format(n=1, w=4)
    conv = desk.conv("hal")
    assert (conv.status, conv.handoff_reason, conv.priority) == ("queued", "urgent_complaint", 100)
    types = [t for t, _, _ in desk.events("hal")]
    assert types.count("handoff_requested") == 1  # the action's own, not a second one
    assert types.index("ticket_opened") < types.index("handoff_queued")


def test_a_vip_is_served_early_and_routed_to_their_dedicated_agent(desk: Desk) -> None:
    desk.say("cat", "你们什么破服务！！！气死我了")  # anger: 60
    desk.say("vic", "你好")
    desk.set_customer("vic", tier="gold", profile={"dedicated_agent": "wang"})
    replies = desk.say("vic", "转人工")
    assert replies[0].endswith(POSITION_ZH.format(n=1, w=4))
    conv = desk.conv("vic")
    assert (conv.priority, conv.handoff_reason, conv.assigned_agent) == (80, "asked", "wang")
    queued = desk.events("vic", "handoff_queued")[0][2]
    assert queued["vip"] is True and queued["assigned_agent"] == "wang"


def test_a_standard_tier_customer_is_not_vip(desk: Desk) -> None:
    desk.say("sam", "你好")
    desk.set_customer("sam", tier="silver", profile={"dedicated_agent": "wang"})
    desk.say("sam", "转人工")
    assert (desk.conv("sam").priority, desk.conv("sam").assigned_agent) == (40, None)


def test_while_queued_messages_go_to_the_agent_with_a_position_at_most_every_2_minutes(
        desk: Desk) -> None:
    desk.say("amy", "转人工")
    first = desk.send("amy", "我想问一下搬家的价格")  # would start the quote flow
    assert first.replies[0].text.startswith("您的消息已转给客服。您目前排在第 1 位")
    assert first.active_flow is None and first.handoff is True
    assert desk.say("amy", "两室一厅") == []  # 30 s later: silent
    assert desk.say("amy", "下周六") == []
    desk.now += timedelta(minutes=2)
    assert desk.say("amy", "在吗")[0].startswith("您的消息已转给客服")
    assert desk.say("amy", "转人工") == [POSITION_ZH.format(n=1, w=4)]  # asked: always told
    types = [t for t, _, _ in desk.events("amy")]
    assert "flow_started" not in types and types.count("message_in") == 6
    texts = [d.get("text") for t, _, d in desk.events("amy", "message_in")]
    assert "两室一厅" in texts  # the console sees everything


def test_with_an_agent_the_bot_is_silent(desk: Desk) -> None:
    desk.say("amy", "转人工")
    desk.claim("amy")
    assert desk.say("amy", "你好，我想改期") == []
    assert desk.say("amy", "你们什么破服务！！！气死我了") == []
    assert desk.conv("amy").status == "agent" and desk.conv("amy").angry is True


@pytest.mark.parametrize(("user", "request_", "cancel", "said"), [
    ("amy", "转人工", "算了", "好的，已取消转人工。还有什么可以帮您？"),
    ("bob", "human", "never mind",
     "OK, I've cancelled the request for an agent. Anything else I can help with?"),
    ("ben", "转人工", "不用了", "好的，已取消转人工。还有什么可以帮您？"),
])
def test_a_cancel_while_queued_returns_to_the_bot(desk: Desk, user: str, request_: str,
                                                  cancel: str, said: str) -> None:
    desk.say(user, request_)
    assert desk.say(user, cancel) == [said]
    conv = desk.conv(user)
    assert (conv.status, conv.handoff_reason, conv.queued_at, conv.priority) == ("bot", None,
                                                                                 None, 0)
    assert desk.events(user, "handoff_cancelled")[0][1] == "customer"
    assert desk.say(user, "你好")[0].startswith("您好！我是 Careline")


def test_outside_working_hours_the_customer_is_told_when_agents_are_back(desk: Desk) -> None:
    desk.now = datetime(2026, 9, 30, 22, 0, tzinfo=TZ)  # Wed night; Thu and Fri are holidays
    assert desk.say("amy", "转人工") == ["好的，已为您登记转人工，客服会尽快回复您。\n"
                                        "现在是非工作时间，客服将于周六 10:00回来，届时会第一时间回复您。您可以先留言。"]
    assert desk.say("bob", "human")[0].endswith(
        "Our agents are away right now; they are back at 10:00 Saturday and will reply to "
        "you first thing. Feel free to leave a message.")
    assert desk.conv("amy").status == "queued"
    desk.now = datetime(2026, 11, 22, 20, 0, tzinfo=TZ)  # Sunday evening
    assert "客服将于明天 09:00回来" in desk.say("cy", "转人工")[0]
