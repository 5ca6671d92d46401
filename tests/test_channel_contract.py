"""One contract for every push channel (Telegram, WeChat): parse the platform's own sample,
store it once, and send a reply with buttons through its fake API — or say why not."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from bot.channels.base import InboundMessage, OutboundMessage
from bot.services import Services, build_services
from bot.settings import Settings

from .conftest import NOW
from .fakes import telegram_api as tg
from .fakes import wechat_api as wx


@dataclass
class Case:
    name: str
    services: Services
    inbound: Callable[[str, str], InboundMessage]  # (text, message id) -> parsed sample
    delivered: Callable[[], list[str]]  # texts the fake platform received
    buttons_seen: Callable[[], list[str]]  # how the last message showed its buttons
    break_platform: Callable[[], None]  # the next send meets a server error
    recipient: str


@pytest.fixture(params=["telegram", "wechat"])
def case(request: pytest.FixtureRequest, sqlite_url: str, nlu: Any) -> Iterator[Case]:
    if request.param == "telegram":
        with tg.FakeTelegram() as fake:
            settings = Settings(database_url=sqlite_url, hot_reload=False,
                                telegram_token=SecretStr(tg.TOKEN),
                                telegram_api_base=fake.base_url)
            svc = build_services(settings, nlu=nlu, clock=lambda: NOW)
            channel = svc.channels["telegram"]

            def tg_inbound(text: str, mid: str) -> InboundMessage:
                parsed = channel.parse(tg.text_update(int(mid), text, chat_id=777))
                return parsed.message  # type: ignore[no-any-return]

            def tg_buttons() -> list[str]:
                markup = fake.sent()[-1].get("reply_markup") or {}
                return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]

            yield Case("telegram", svc, tg_inbound, lambda: [c["text"] for c in fake.sent()],
                       tg_buttons, lambda: fake.fail("sendMessage", tg.server_error()), "777")
            svc.close()
        return
    with wx.FakeWeChatAPI() as fake:
        settings = Settings(database_url=sqlite_url, hot_reload=False,
                            wechat_appid="wx5823bf96d3bd56c7", wechat_secret=SecretStr("sec"),
                            wechat_token=SecretStr("QDG6eK"), wechat_api_base=fake.base_url)
        svc = build_services(settings, nlu=nlu, clock=lambda: NOW)
        channel = svc.channels["wechat"]

        def wx_inbound(text: str, mid: str) -> InboundMessage:
            parsed = channel.parse(wx.text_xml(text, msg_id=int(mid), openid="oUser1"),
                                   wx.signed("QDG6eK"))
            return parsed  # type: ignore[no-any-return]

        def wx_buttons() -> list[str]:
            last = fake.texts()[-1]
            return [line.split(". ", 1)[1] for line in last.splitlines()[1:] if ". " in line]

        yield Case("wechat", svc, wx_inbound, fake.texts, wx_buttons,
                   lambda: fake.fail(wx.CUSTOM_PATH, -1), "oUser1")
        svc.close()


def test_parse_maps_the_sample_to_one_inbound_message(case: Case) -> None:
    msg = case.inbound("你好", "5001")
    assert (msg.channel, msg.sender, msg.text) == (case.name, case.recipient, "你好")
    assert msg.message_id and msg.kind == "text"
    again = case.inbound("你好", "5001")
    assert again.message_id == msg.message_id  # the dedup key is stable


def test_a_message_is_stored_once_and_answered(case: Case) -> None:
    pipeline = case.services.pipeline
    msg = case.inbound("你好", "5002")
    first = pipeline.accept(msg)
    assert first is not None and pipeline.accept(msg) is None
    result = pipeline.process(first)
    assert result is not None and result.replies[0].text.startswith("您好")


def test_send_shows_text_and_buttons_the_platform_way(case: Case) -> None:
    case.services.pipeline.handle(case.inbound("你好", "5003"), inline=0)  # opens WeChat's window
    channel = case.services.channels[case.name]
    result = channel.send(OutboundMessage(case.name, case.recipient, "请选择服务",
                                          ("搬家", "保洁"), f"k-{uuid.uuid4().hex}"))
    assert result.ok  # (WeChat's customer-service API returns no message id)
    assert case.delivered()[-1].startswith("请选择服务")
    assert case.buttons_seen() == ["搬家", "保洁"]


def test_a_platform_error_is_a_retryable_failure(case: Case) -> None:
    case.services.pipeline.handle(case.inbound("你好", "5004"), inline=0)
    case.break_platform()
    result = case.services.channels[case.name].send(
        OutboundMessage(case.name, case.recipient, "稍后再试", (), "k-err"))
    assert not result.ok and not result.permanent and not result.skipped and result.error
