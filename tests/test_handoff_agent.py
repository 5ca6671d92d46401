"""The agent's actions as the console API calls them (bot/handoff.py): claim, reply on the
customer's own channel (Telegram through the fake Bot API; WeChat's 48-hour window),
transfer, release with and without the survey, close — and the refusals, by code."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import update

from bot import handoff
from bot.delivery import ChannelSender
from bot.handoff import HandoffError
from bot.services import build_services
from bot.settings import Settings
from scheduler.dispatcher import dispatch_due
from storage.models import Conversation

from .fakes.telegram_api import FakeTelegram
from .test_handoff_helpers import Desk, desk_fixture  # noqa: F401  (fixture)


def queued(desk: Desk, user: str = "amy", text: str = "转人工") -> None:
    desk.say(user, text)
    assert desk.conv(user).status == "queued"


def error_code(fn: Any) -> str:
    with pytest.raises(HandoffError) as caught:
        fn()
    return caught.value.code


def test_claim_tells_the_customer_who_joined(desk: Desk) -> None:
    queued(desk)
    desk.claim("amy", "li")
    conv = desk.conv("amy")
    assert (conv.status, conv.assigned_agent, conv.claimed_at is not None) == ("agent", "li", True)
    [(_, actor, data)] = desk.events("amy", "handoff_claimed")
    assert actor == "agent" and data["agent"] == "li" and data["waited_seconds"] == 30
    assert desk.outbox("amy", kind="handoff")[-1].payload == {"text": "客服 小李 已接入，请问有什么可以帮您？"}
    assert desk.events("amy", "message_out")[-1][2]["text"].startswith("客服 小李 已接入")


def test_claim_in_english_uses_the_display_name(desk: Desk) -> None:
    queued(desk, "bob", "human")
    desk.claim("bob", "wang")
    assert desk.outbox("bob", kind="handoff")[-1].payload["text"] == (
        "Wang from our team has joined. How can I help?")


def test_claim_refusals(desk: Desk) -> None:
    desk.say("amy", "你好")
    assert error_code(lambda: desk.claim("amy")) == "not_queued"
    queued(desk, "ben")
    desk.claim("ben", "li")
    desk.claim("ben", "li")  # one's own: nothing happens
    assert error_code(lambda: desk.claim("ben", "wang")) == "already_claimed"
    with desk.db.transaction() as conn:
        assert error_code(lambda: handoff.claim(conn, 999_999, "li", desk.now)) == "not_found"
    assert len(desk.events("ben", "handoff_claimed")) == 1


def test_a_vip_routed_to_a_dedicated_agent_is_theirs_unless_forced(desk: Desk) -> None:
    desk.say("vic", "你好")
    desk.set_customer("vic", tier="diamond", profile={"dedicated_agent": "wang"})
    queued(desk, "vic")
    assert error_code(lambda: desk.claim("vic", "li")) == "not_yours"
    desk.claim("vic", "zhao", force=True)  # a supervisor
    assert desk.conv("vic").assigned_agent == "zhao"
    assert desk.events("vic", "handoff_claimed")[0][2]["routed_to"] == "wang"


def test_agent_reply_goes_out_on_the_web_channel_once_per_key(desk: Desk) -> None:
    queued(desk)
    desk.claim("amy")
    result = desk.reply("amy", "您好，我是小李，请问要改到哪天？", key="c1")
    assert result == {"queued": True, "window_open": True, "window_expires_at": None,
                      "skipped_reason": None}
    desk.reply("amy", "您好，我是小李，请问要改到哪天？", key="c1")  # a double submit
    [row] = desk.outbox("amy", kind="agent")
    assert (row.channel, row.recipient, row.status) == ("web", "amy", "pending")
    assert row.payload == {"text": "您好，我是小李，请问要改到哪天？"}
    out = [(a, d) for _, a, d in desk.events("amy", "message_out") if a == "agent"]
    assert out[0] == ("agent", {"text": "您好，我是小李，请问要改到哪天？", "agent": "li"})


def test_agent_reply_refusals(desk: Desk) -> None:
    queued(desk)
    assert error_code(lambda: desk.reply("amy", "hi")) == "bad_state"  # not claimed yet
    desk.claim("amy", "li")
    assert error_code(lambda: desk.reply("amy", "hi", agent="wang")) == "not_yours"
    assert error_code(lambda: desk.reply("amy", "   ")) == "bad_state"
    desk.reply("amy", "hi", agent="wang", force=True)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def test_agent_reply_reaches_telegram_send_message(db_url: str, nlu: Any,
                                                   fake: FakeTelegram) -> None:
    settings = Settings(database_url=db_url, hot_reload=False, telegram_token=SecretStr("123:ABC"),
                        telegram_api_base=fake.base_url)
    services = build_services(settings, nlu=nlu)
    try:
        desk = Desk(services.db, nlu)
        desk.send("4242", "你们什么破服务！！！气死我了", channel="telegram")
        desk.claim("4242", "li", channel="telegram")
        result = desk.act(handoff.agent_reply, "4242", "li", "非常抱歉，我来帮您处理。",
                          channel="telegram")
        assert result["window_open"] is True and result["skipped_reason"] is None
        report = dispatch_due(services.db, ChannelSender(services.channels))
        assert report.sent == 3 and report.failed == 0
        sent = [(p["chat_id"], p["text"]) for p in fake.sent()]
        assert {chat for chat, _ in sent} == {"4242"}
        assert any(t.startswith("非常抱歉让您不愉快，我马上为您转接人工客服。") for _, t in sent)
        assert [t for _, t in sent if "小李" in t or "处理" in t] == [
            "客服 小李 已接入，请问有什么可以帮您？", "非常抱歉，我来帮您处理。"]
    finally:
        services.close()


def test_wechat_replies_report_the_48_hour_window(desk: Desk) -> None:
    desk.send("oWx1", "转人工", channel="wechat")
    desk.claim("oWx1", channel="wechat")
    window = desk.act(lambda conn, cid, now: handoff.window_of(conn, cid, now), "oWx1",
                      channel="wechat")
    assert window["channel"] == "wechat" and window["window_open"] is True
    last = desk.conv("oWx1", "wechat").last_inbound_at
    assert last is not None and window["window_expires_at"] == (last + timedelta(hours=48)).isoformat()
    desk.now = last + timedelta(hours=49)
    result = desk.act(handoff.agent_reply, "oWx1", "li", "还在吗？", channel="wechat")
    assert result["window_open"] is False and result["skipped_reason"] == "outside_48h_window"
    assert desk.outbox("oWx1", kind="agent")[0].channel == "wechat"  # delivery decides
    with desk.db.session() as s:
        s.execute(update(Conversation).values(window_sent=5))
    desk.now = last + timedelta(hours=1)
    result = desk.act(handoff.agent_reply, "oWx1", "li", "hi", channel="wechat")
    assert result["skipped_reason"] == "window_quota_used"


def test_transfer_moves_the_conversation_and_tells_the_customer(desk: Desk) -> None:
    queued(desk)
    desk.claim("amy", "li")
    assert error_code(lambda: desk.act(handoff.transfer, "amy", "li", "nobody")) == "unknown_agent"
    assert error_code(lambda: desk.act(handoff.transfer, "amy", "wang", "zhao")) == "not_yours"
    desk.act(handoff.transfer, "amy", "li", "wang")
    assert (desk.conv("amy").status, desk.conv("amy").assigned_agent) == ("agent", "wang")
    assert desk.events("amy", "handoff_transferred")[0][2]["to"] == "wang"
    assert desk.outbox("amy", kind="handoff")[-1].payload["text"] == "已为您转接给客服 Wang，请稍候。"
    desk.reply("amy", "我是 Wang", agent="wang")


def test_transfer_of_a_queued_conversation_routes_it(desk: Desk) -> None:
    queued(desk)
    desk.act(handoff.transfer, "amy", "li", "zhao")
    assert (desk.conv("amy").status, desk.conv("amy").assigned_agent) == ("queued", "zhao")
    assert error_code(lambda: desk.claim("amy", "li")) == "not_yours"


def test_release_without_survey_returns_to_the_bot(desk: Desk) -> None:
    desk.say("amy", "我想搬家")  # a quote flow in progress
    queued(desk)
    desk.claim("amy")
    desk.act(handoff.release, "amy", "li")
    conv = desk.conv("amy")
    assert (conv.status, conv.assigned_agent, conv.handoff_reason, conv.queued_at) == (
        "bot", None, None, None)
    assert conv.state["stack"] == []
    assert desk.events("amy", "handoff_released")[0][2] == {"agent": "li", "from_status": "agent",
                                                            "survey": None}
    assert desk.outbox("amy", kind="handoff")[-1].payload["text"].startswith("人工服务已结束")
    assert desk.outbox("amy", kind="flow") == []
    assert desk.say("amy", "你好")[0].startswith("您好！我是 Careline")


def test_release_with_survey_starts_it_through_the_outbox(desk: Desk) -> None:
    queued(desk)
    desk.claim("amy")
    assert error_code(lambda: desk.act(handoff.release, "amy", "wang")) == "not_yours"
    desk.act(handoff.release, "amy", "li", start_survey=True)
    [row] = desk.outbox("amy", kind="flow")
    assert row.payload["flow"] == "survey" and row.due_at <= desk.now
    assert desk.events("amy", "handoff_released")[0][2]["survey"] == "survey"
    assert error_code(lambda: desk.act(handoff.release, "amy", "li")) == "bad_state"


def test_close_ends_the_conversation_and_a_new_message_reopens_it(desk: Desk) -> None:
    queued(desk)
    desk.claim("amy")
    desk.act(handoff.close, "amy", "li")
    desk.act(handoff.close, "amy", "li")  # closing twice does nothing
    assert desk.conv("amy").status == "closed"
    assert len(desk.events("amy", "handoff_closed")) == 1
    assert desk.outbox("amy", kind="handoff")[-1].payload["text"].startswith("本次服务已结束")
    assert desk.say("amy", "你好")[0].startswith("您好！我是 Careline")
    assert desk.conv("amy").status == "bot"


def test_request_handoff_from_the_console_is_idempotent(desk: Desk) -> None:
    desk.say("amy", "你好")
    desk.act(handoff.request_handoff, "amy", "asked", agent="li")
    desk.act(handoff.request_handoff, "amy", "asked")
    conv = desk.conv("amy")
    assert (conv.status, conv.assigned_agent, conv.priority) == ("queued", "li", 40)
    assert len(desk.events("amy", "handoff_queued")) == 1
    assert desk.outbox("amy", kind="handoff")[0].payload["text"].startswith("好的，已为您登记转人工")
    desk.say("ben", "你好")
    assert error_code(lambda: desk.act(handoff.request_handoff, "ben", "asked",
                                       agent="nobody")) == "unknown_agent"
