"""The WeChat Official Account channel as WeChat and the customer see it.

Everything goes through the real app (webhook -> pipeline -> outbox -> dispatcher) against
a loopback fake of the WeChat API; inbound bodies are the samples of the official docs.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from defusedxml.ElementTree import fromstring
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

import bot.wechat_webhook as webhook
from bot.app import create_app
from bot.channels.base import OutboundMessage
from bot.channels.wechat import WeChatChannel
from bot.delivery import ChannelSender
from bot.services import Services, build_services
from bot.settings import Settings
from scheduler.dispatcher import DispatchReport, dispatch_due
from storage import repo
from storage.db import Database
from storage.models import ChannelIdentity, ConversationEvent, Customer, InboundMessage, OutboxMessage
from storage.types import utcnow

from .conftest import NOW, SHIPPED_FLOWS
from .fakes.wechat_api import (
    CUSTOM_PATH,
    DOC_AES_KEY,
    DOC_APPID,
    DOC_TOKEN,
    OA_ID,
    TEMPLATE_PATH,
    TOKEN_PATH,
    FakeWeChatAPI,
    decrypt_reply,
    encrypted,
    event_xml,
    image_xml,
    message_xml,
    signed,
    text_xml,
    voice_xml,
)

APPID, TOKEN, AES_KEY = DOC_APPID, DOC_TOKEN, DOC_AES_KEY
USER = "oUser1"
GREETING = "您好！我是 Careline 客服小助手 😊\n我可以为您估价、解答常见问题，或为您转接人工客服。"
MENU = "1. 获取报价\n2. 常见问题\n3. 转人工"
ASK_SERVICE = "请问您需要哪项服务？\n1. 搬家\n2. 保洁"

# Tencent's WXBizMsgCrypt sample (token QDG6eK, the key and app id above): the encrypted
# callback and its msg_signature, as published with the official sample code.
SAMPLE_QUERY = {"msg_signature": "477715d11cdb4164915debcba66cb864d751f3e6",
                "timestamp": "1409659813", "nonce": "1372623149", "encrypt_type": "aes"}
SAMPLE_BODY = (
    b"<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA["
    b"RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/s"
    b"YYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJ"
    b"YuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGU"
    b"callcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDY"
    b"A5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt></xml>")

TWICE_FLOW = """\
version: 1
flows:
  twice:
    title: {zh: 两条, en: twice}
    triggers:
      commands: [/twice]
    steps:
      - say: {zh: 第一条消息, en: first message}
      - say: {zh: 第二条消息, en: second message}
      - end
"""


# -- harness ------------------------------------------------------------------------------


@dataclass
class WeChat:
    """The app with the WeChat channel configured, the fake API and the database."""

    http: TestClient
    services: Services
    fake: FakeWeChatAPI
    safe: bool

    @property
    def channel(self) -> WeChatChannel:
        channel: WeChatChannel = self.services.channels["wechat"]
        return channel

    @property
    def db(self) -> Database:
        return self.services.db

    def post(self, body: bytes, query: dict[str, str] | None = None) -> httpx.Response:
        if query is None:
            if self.safe:
                body, query = encrypted(body, token=TOKEN, aes_key=AES_KEY, appid=APPID)
            else:
                query = signed(TOKEN)
        response: httpx.Response = self.http.post("/webhooks/wechat", params=query, content=body)
        return response

    def say(self, text: str, msg_id: int, *, openid: str = USER) -> str | None:
        """Send a text; the passive reply's text, or None for ``success``."""
        return self.reply(self.post(text_xml(text, msg_id=msg_id, openid=openid)))

    def reply(self, response: httpx.Response, *, to: str = USER) -> str | None:
        assert response.status_code == 200, response.text
        if response.text == "success":
            return None
        assert response.headers["content-type"].startswith("application/xml")
        xml = response.content
        if self.safe:
            xml = decrypt_reply(xml, token=TOKEN, aes_key=AES_KEY, appid=APPID).encode()
        fields = {child.tag: child.text for child in fromstring(xml)}
        assert fields["MsgType"] == "text"
        assert (fields["ToUserName"], fields["FromUserName"]) == (to, OA_ID)
        return str(fields["Content"])

    def dispatch(self) -> DispatchReport:
        return dispatch_due(self.db, ChannelSender(self.services.channels))

    def rows(self, model: Any) -> list[Any]:
        with self.db.read() as s:
            return list(s.execute(select(model).order_by(model.id)).scalars())

    def customer_id(self, openid: str = USER) -> int:
        with self.db.read() as s:
            return int(s.execute(select(ChannelIdentity.customer_id).where(
                ChannelIdentity.channel == "wechat",
                ChannelIdentity.external_id == openid)).scalar_one())

    def enqueue(self, text: str, *, kind: str = "care", key: str = "care-1") -> None:
        """A proactive message (care calendar, survey) due now."""
        with self.db.transaction() as tx:
            repo.enqueue(tx, [repo.NewOutbox(
                idempotency_key=key, customer_id=self.customer_id(), channel="wechat",
                recipient=USER, payload={"text": text}, kind=kind)])


def _app(settings: Settings, nlu: Any) -> tuple[Services, TestClient]:
    services = build_services(settings, nlu=nlu, clock=lambda: NOW)
    return services, TestClient(create_app(settings, services))


@pytest.fixture
def fake() -> Iterator[FakeWeChatAPI]:
    with FakeWeChatAPI(appid=APPID, secret="sec") as api:
        yield api


def _wechat(db_url: str, nlu: Any, fake: FakeWeChatAPI, *, safe: bool = False,
            flows_dir: Path = SHIPPED_FLOWS) -> Iterator[WeChat]:
    settings = Settings(database_url=db_url, wechat_appid=APPID, wechat_secret=SecretStr("sec"),
                        wechat_token=SecretStr(TOKEN), wechat_api_base=fake.base_url, hot_reload=False,
                        flows_dir=flows_dir, wechat_aes_key=SecretStr(AES_KEY) if safe else None)
    services, http = _app(settings, nlu)
    with http:
        yield WeChat(http, services, fake, safe)
    services.close()


@pytest.fixture
def wx(db_url: str, nlu: Any, fake: FakeWeChatAPI) -> Iterator[WeChat]:
    yield from _wechat(db_url, nlu, fake)


@pytest.fixture
def safe_wx(db_url: str, nlu: Any, fake: FakeWeChatAPI) -> Iterator[WeChat]:
    yield from _wechat(db_url, nlu, fake, safe=True)


@pytest.fixture(params=["plain", "safe"])
def any_wx(request: pytest.FixtureRequest, db_url: str, nlu: Any,
           fake: FakeWeChatAPI) -> Iterator[WeChat]:
    yield from _wechat(db_url, nlu, fake, safe=request.param == "safe")


# -- URL verification and the official crypto sample --------------------------------------


def test_url_verification_echoes_or_refuses(wx: WeChat) -> None:
    ok = wx.http.get("/webhooks/wechat", params={**signed(TOKEN), "echostr": "4812797434"})
    assert (ok.status_code, ok.text) == (200, "4812797434")
    assert ok.headers["content-type"].startswith("text/plain")
    forged = {**signed("not-our-token"), "echostr": "4812797434"}
    refused = wx.http.get("/webhooks/wechat", params=forged)
    assert refused.status_code == 403 and "4812797434" not in refused.text


def test_tencent_sample_vector_decrypts(safe_wx: WeChat) -> None:
    msg = safe_wx.channel.parse(SAMPLE_BODY, SAMPLE_QUERY)
    assert msg is not None
    assert (msg.sender, msg.text, msg.kind, msg.message_id) == (
        "mycreate", "hello", "text", "4561255354251345929")
    assert msg.raw["ToUserName"] == APPID


def test_tencent_sample_through_the_webhook_gets_an_encrypted_reply(safe_wx: WeChat) -> None:
    response = safe_wx.http.post("/webhooks/wechat", params=SAMPLE_QUERY, content=SAMPLE_BODY)
    root = {c.tag: c.text for c in fromstring(response.content)}
    assert root["Nonce"] == "1372623149" and root["TimeStamp"] == "1409659813"
    plain = decrypt_reply(response.content, token=TOKEN, aes_key=AES_KEY, appid=APPID)
    content = {c.tag: c.text for c in fromstring(plain.encode())}["Content"] or ""
    assert content.startswith("Hello! I'm the Careline assistant")
    assert "\n1. Get a quote\n2. FAQ\n3. Talk to a human" in content


def test_sample_with_a_tampered_signature_is_refused(safe_wx: WeChat) -> None:
    query = {**SAMPLE_QUERY, "msg_signature": "0" * 40}
    response = safe_wx.http.post("/webhooks/wechat", params=query, content=SAMPLE_BODY)
    assert response.status_code == 403
    assert safe_wx.rows(InboundMessage) == []


# -- conversations ------------------------------------------------------------------------


def test_hello_gets_a_passive_reply_and_nothing_is_pushed(any_wx: WeChat) -> None:
    assert any_wx.say("你好", 1001) == f"{GREETING}\n{MENU}"
    assert any_wx.dispatch().claimed == 0
    assert [c.path for c in any_wx.fake.calls] == []
    (row,) = any_wx.rows(OutboxMessage)
    assert row.status == "sent" and row.recipient == USER


def test_second_reply_goes_through_the_customer_service_api(
        db_url: str, nlu: Any, fake: FakeWeChatAPI, tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    shutil.copytree(SHIPPED_FLOWS, flows)
    (flows / "twice.yml").write_text(TWICE_FLOW, encoding="utf-8")
    for wx in _wechat(db_url, nlu, fake, flows_dir=flows):
        assert wx.say("/twice", 2001) == "第一条消息"
        assert fake.texts() == []  # the webhook answered before anything was pushed
        report = wx.dispatch()
        assert (report.sent, report.skipped, report.failed) == (1, 0, 0)
        assert fake.texts() == ["第二条消息"]
        (call,) = fake.sent()
        assert call.body == {"touser": USER, "msgtype": "text", "text": {"content": "第二条消息"}}
        assert call.access_token == fake.current_token
        assert [r.status for r in wx.rows(OutboxMessage)] == ["sent", "sent"]


def test_typing_a_number_picks_that_button(wx: WeChat) -> None:
    wx.say("你好", 3001)
    assert wx.say("1", 3002) == ASK_SERVICE
    flows = [e.data.get("flow") for e in wx.rows(ConversationEvent) if e.type == "flow_started"]
    assert flows == ["greeting", "quote"]


def test_the_same_msgid_three_times_is_processed_once_and_answered_each_time(wx: WeChat) -> None:
    # WeChat repeats a MsgId only when our answer did not reach it within 5 s (a worker
    # killed after the commit): the passive reply it never got is given again, not redone.
    answers = [wx.say("你好", 4001) for _ in range(3)]
    assert answers == [f"{GREETING}\n{MENU}"] * 3
    assert len(wx.rows(InboundMessage)) == 1 and len(wx.rows(OutboxMessage)) == 1
    assert [e.type for e in wx.rows(ConversationEvent)].count("message_in") == 1
    assert wx.dispatch().claimed == 0 and wx.fake.calls == []


def test_a_repeat_of_a_message_answered_through_the_api_is_not_answered_twice(
        db_url: str, nlu: Any, fake: FakeWeChatAPI, tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    shutil.copytree(SHIPPED_FLOWS, flows)
    (flows / "twice.yml").write_text(TWICE_FLOW, encoding="utf-8")
    for wx in _wechat(db_url, nlu, fake, flows_dir=flows):
        assert wx.say("/twice", 2101) == "第一条消息"
        assert wx.say("/twice", 2101) == "第一条消息"  # the passive reply, again
        wx.dispatch()
        assert fake.texts() == ["第二条消息"]  # the pushed one once


def test_subscribe_gets_the_welcome(any_wx: WeChat) -> None:
    response = any_wx.post(event_xml("subscribe"))
    assert any_wx.reply(response) == f"{GREETING}\n{MENU}"
    (inbound,) = any_wx.rows(InboundMessage)
    assert inbound.external_id == f"{USER}:123456789:subscribe"
    assert inbound.payload["_event"] == "subscribe"


def test_subscribing_through_a_qr_code_is_a_subscribe_too(wx: WeChat) -> None:
    assert wx.reply(wx.post(event_xml("subscribe", key="qrscene_123123"))) == f"{GREETING}\n{MENU}"


def test_unsubscribe_marks_the_customer_and_says_nothing(wx: WeChat) -> None:
    wx.say("你好", 5001)
    assert wx.reply(wx.post(event_xml("unsubscribe", create_time=123456999))) is None
    (customer,) = wx.rows(Customer)
    assert customer.profile.get("wechat_unsubscribed") is True
    assert len(wx.rows(OutboxMessage)) == 1  # only the greeting before
    assert "channel_unsubscribed" in [e.type for e in wx.rows(ConversationEvent)]


def test_menu_click_starts_the_flow_of_its_key(wx: WeChat) -> None:
    assert wx.reply(wx.post(event_xml("CLICK", key="quote"))) == ASK_SERVICE
    (inbound,) = wx.rows(InboundMessage)
    assert inbound.external_id == f"{USER}:123456789:CLICK" and inbound.text == "/quote"


@pytest.mark.parametrize("event", ["VIEW", "LOCATION", "TEMPLATESENDJOBFINISH", "SCAN"])
def test_other_events_are_acknowledged_and_ignored(wx: WeChat, event: str) -> None:
    assert wx.reply(wx.post(event_xml(event, key="x"))) is None
    assert wx.rows(InboundMessage) == []


def test_image_is_kept_by_reference_with_a_polite_reply(wx: WeChat) -> None:
    reply = wx.reply(wx.post(image_xml()))
    assert reply == "已收到您发送的文件/图片，我们会妥善保存。请用文字告诉我需要什么帮助。"
    (inbound,) = wx.rows(InboundMessage)
    assert inbound.external_id == "1234567890123457" and inbound.text is None
    assert inbound.payload["_media"] == [
        {"kind": "photo", "ref": "media_id", "url": "http://mmbiz.qpic.cn/this-is-a-url"}]


def test_voice_with_recognition_is_handled_as_text(wx: WeChat) -> None:
    assert wx.reply(wx.post(voice_xml("你好"))) == f"{GREETING}\n{MENU}"
    (message_in,) = [e.data for e in wx.rows(ConversationEvent) if e.type == "message_in"]
    assert message_in["text"] == "你好" and message_in["kind"] == "voice"


def test_voice_without_recognition_is_kept_and_answered(wx: WeChat) -> None:
    assert wx.reply(wx.post(voice_xml(None))) == "抱歉，这类消息我暂时看不了，我能读文字和图片。"
    (inbound,) = wx.rows(InboundMessage)
    assert inbound.payload["_kind"] == "unsupported"
    assert inbound.payload["_media"][0]["kind"] == "voice"


@pytest.mark.parametrize(("msg_type", "fields"), [
    ("video", {"MediaId": "media_id", "ThumbMediaId": "thumb_media_id"}),
    ("location", {"Location_X": "23.134521", "Location_Y": "113.358803", "Scale": "20",
                  "Label": "位置信息"}),
    ("link", {"Title": "公众平台官网链接", "Description": "公众平台官网链接",
              "Url": "https://mp.weixin.qq.com"}),
    ("miniprogrampage", {"Title": "小程序"}),
])
def test_other_message_types_are_unsupported_with_a_polite_reply(
        wx: WeChat, msg_type: str, fields: dict[str, str]) -> None:
    reply = wx.reply(wx.post(message_xml(msg_type, **fields)))
    assert reply == "抱歉，这类消息我暂时看不了，我能读文字和图片。"
    (inbound,) = wx.rows(InboundMessage)
    assert inbound.payload["_kind"] == "unsupported" and inbound.text is None


class _BrokenNLU:
    def parse(self, text: str, *, now: Any = None) -> Any:
        raise RuntimeError("the NLU fell over")


def test_a_failing_turn_is_kept_and_acknowledged_never_a_500(
        sqlite_url: str, fake: FakeWeChatAPI, caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(database_url=sqlite_url, wechat_appid=APPID, wechat_secret=SecretStr("sec"),
                        wechat_token=SecretStr(TOKEN), wechat_api_base=fake.base_url, hot_reload=False)
    services, http = _app(settings, _BrokenNLU())
    with http:
        response = http.post("/webhooks/wechat", params=signed(TOKEN), content=text_xml("你好"))
        assert (response.status_code, response.text) == (200, "success")
    with services.db.read() as s:
        (row,) = s.execute(select(InboundMessage)).scalars().all()
    assert row.status == "pending" and row.text == "你好"  # processed again at the next start
    assert "could not be processed" in caplog.text
    services.close()


def test_safe_mode_round_trip(safe_wx: WeChat) -> None:
    body, query = encrypted(text_xml("你好", msg_id=6001), token=TOKEN, aes_key=AES_KEY,
                            appid=APPID, timestamp="1700000000", nonce="abc123")
    response = safe_wx.http.post("/webhooks/wechat", params=query, content=body)
    outer = {c.tag: c.text for c in fromstring(response.content)}
    assert set(outer) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert (outer["TimeStamp"], outer["Nonce"]) == ("1700000000", "abc123")
    assert "Careline" not in response.text  # nothing readable on the wire
    assert safe_wx.reply(response) == f"{GREETING}\n{MENU}"


# -- what is refused ----------------------------------------------------------------------


def test_forged_signature_is_refused_and_nothing_stored(wx: WeChat) -> None:
    body = text_xml("你好", msg_id=7001)
    assert wx.post(body, signed("forged")).status_code == 403
    assert wx.post(body, {"timestamp": "1", "nonce": "2"}).status_code == 403
    assert wx.rows(InboundMessage) == []


def test_forged_msg_signature_in_safe_mode_is_refused(safe_wx: WeChat) -> None:
    body, query = encrypted(text_xml("你好"), token="forged", aes_key=AES_KEY, appid=APPID)
    assert safe_wx.post(body, query).status_code == 403
    wrong_app, query = encrypted(text_xml("你好"), token=TOKEN, aes_key=AES_KEY,
                                 appid="wx0000000000000000")
    assert safe_wx.post(wrong_app, query).status_code == 403
    assert safe_wx.rows(InboundMessage) == []


@pytest.mark.parametrize("body", [
    b"", b"not xml at all", b"<xml><ToUserName>a</xml>", b"<message><MsgType>text</MsgType></message>",
    b"<xml><FromUserName>o</FromUserName></xml>", b"<xml>&undefined;</xml>",
    "<?xml version='1.0' encoding='gbk'?><xml><Content>\udcff</Content></xml>".encode("utf-8", "surrogateescape"),
])
def test_malformed_xml_is_a_400(wx: WeChat, body: bytes) -> None:
    response = wx.post(body)
    assert response.status_code == 400, response.text
    assert wx.rows(InboundMessage) == []


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE xml [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<xml><ToUserName>gh</ToUserName><FromUserName>oUser1</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol9;</Content><MsgId>1</MsgId></xml>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh</ToUserName><FromUserName>oUser1</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>"""
PARAMETER_XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<xml><MsgType>text</MsgType></xml>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE, PARAMETER_XXE],
                         ids=["billion-laughs", "xxe", "parameter-entity"])
def test_entity_attacks_are_refused_unexpanded(any_wx: WeChat, body: bytes) -> None:
    response = any_wx.post(body)
    assert response.status_code == 400
    assert "lol" not in response.text and "root:" not in response.text
    assert any_wx.rows(InboundMessage) == [] and any_wx.fake.calls == []


def test_body_over_one_megabyte_is_a_413(wx: WeChat) -> None:
    body = text_xml("搬" * 400_000)  # 1.2 MB of UTF-8
    assert wx.post(body).status_code == 413
    assert wx.rows(InboundMessage) == []


def test_not_configured_answers_404(sqlite_url: str, nlu: Any) -> None:
    settings = Settings(database_url=sqlite_url, hot_reload=False)
    services, http = _app(settings, nlu)
    with http:
        assert http.get("/webhooks/wechat", params={**signed(TOKEN), "echostr": "1"}).status_code == 404
        assert http.post("/webhooks/wechat", params=signed(TOKEN),
                         content=text_xml("你好")).status_code == 404
    services.close()


# -- pushing: tokens, errors, the 48-hour window and its quota ------------------------------


def _send(wx: WeChat, text: str = "您的保洁预约在明天上午 9 点。", kind: str = "care") -> Any:
    return wx.channel.send(OutboundMessage("wechat", USER, text, kind=kind))


def test_expired_token_is_refreshed_once_then_the_message_goes(wx: WeChat) -> None:
    wx.say("你好", 8001)
    assert _send(wx).ok
    wx.fake.expire_token()
    result = _send(wx, "第二条")
    assert result.ok, result.error
    assert wx.fake.tokens_issued == 2
    paths = [(c.path, c.access_token, c.ok) for c in wx.fake.calls]
    assert paths[-3:] == [(CUSTOM_PATH, "ACCESS_TOKEN_1", False), (TOKEN_PATH, None, True),
                          (CUSTOM_PATH, "ACCESS_TOKEN_2", True)]


def test_a_token_rejected_again_is_not_refreshed_in_a_loop(wx: WeChat) -> None:
    wx.say("你好", 8101)
    wx.fake.fail(CUSTOM_PATH, 40001, times=None)
    result = _send(wx)
    assert not result.ok and not result.permanent and not result.skipped
    assert "40001" in (result.error or "")
    assert wx.fake.tokens_issued == 2  # the first fetch and exactly one refresh
    assert [c.path for c in wx.fake.calls].count(CUSTOM_PATH) == 2


@pytest.mark.parametrize(("errcode", "status", "permanent"), [
    (-1, 200, False), (None, 502, False), (40003, 200, True), (43004, 200, True)])
def test_errcodes_map_to_retry_or_give_up(wx: WeChat, errcode: int | None, status: int,
                                          permanent: bool) -> None:
    wx.say("你好", 8201)
    wx.enqueue("明天上午 9 点见。")
    wx.fake.fail(CUSTOM_PATH, errcode, status=status)
    report = wx.dispatch()
    (row,) = [r for r in wx.rows(OutboxMessage) if r.kind == "care"]
    if permanent:
        assert report.failed == 1 and row.status == "failed"
        assert str(errcode) in row.last_error
    else:
        assert report.retried == 1 and row.status == "pending"  # tried again later


def test_out_of_time_limit_45015_is_skipped_with_the_reason(wx: WeChat) -> None:
    wx.say("你好", 8301)
    wx.enqueue("明天上午 9 点见。")
    wx.fake.fail(CUSTOM_PATH, 45015)
    assert wx.dispatch().skipped == 1
    (row,) = [r for r in wx.rows(OutboxMessage) if r.kind == "care"]
    assert row.status == "skipped" and "48-hour service window" in row.last_error
    assert "45015" in row.last_error and wx.fake.texts() == []


def test_out_of_time_limit_45015_falls_back_to_the_template(wx: WeChat) -> None:
    wx.say("你好", 8401)
    wx.channel.templates = {"care": "TPL_CARE"}
    wx.fake.fail(CUSTOM_PATH, 45015)
    result = _send(wx)
    assert result.ok and result.external_ref is not None
    (call,) = wx.fake.sent(TEMPLATE_PATH)
    assert call.body == {"touser": USER, "template_id": "TPL_CARE",
                         "data": {"content": {"value": "您的保洁预约在明天上午 9 点。"}}}


def test_outside_the_48_hour_window_never_goes_as_a_customer_service_message(wx: WeChat) -> None:
    wx.say("你好", 8501)
    wx.channel.clock = lambda: utcnow() + timedelta(hours=48, minutes=1)
    wx.enqueue("好久不见，家里需要保洁吗？", kind="care")
    assert wx.dispatch().skipped == 1
    (row,) = [r for r in wx.rows(OutboxMessage) if r.kind == "care"]
    assert row.status == "skipped"
    assert row.last_error.startswith("outside the WeChat 48-hour service window")
    wx.channel.templates = {"survey": "TPL_SURVEY"}
    assert _send(wx, "请为本次服务打分", kind="survey").ok
    assert wx.fake.texts() == [] and len(wx.fake.sent(TEMPLATE_PATH)) == 1


def test_inside_the_window_just_before_48_hours_it_is_sent(wx: WeChat) -> None:
    wx.say("你好", 8601)
    wx.channel.clock = lambda: utcnow() + timedelta(hours=47, minutes=59)
    assert _send(wx).ok and len(wx.fake.texts()) == 1


def test_never_contacted_recipient_is_outside_the_window(wx: WeChat) -> None:
    result = wx.channel.send(OutboundMessage("wechat", "oStranger", "hi"))
    assert result.skipped and "48-hour" in (result.error or "") and wx.fake.calls == []


def test_the_sixth_message_in_one_window_is_skipped(wx: WeChat) -> None:
    wx.say("你好", 8701)
    results = [_send(wx, f"第 {i} 条") for i in range(1, 7)]
    assert [r.ok for r in results] == [True] * 5 + [False]
    assert results[5].skipped and "quota" in (results[5].error or "")
    assert len(wx.fake.texts()) == 5
    wx.say("还在吗", 8702)  # the customer writes again: a new window
    assert _send(wx, "第 7 条").ok


def test_out_of_response_count_45047_is_skipped(wx: WeChat) -> None:
    wx.say("你好", 8801)
    wx.fake.fail(CUSTOM_PATH, 45047)
    result = _send(wx)
    assert result.skipped and "45047" in (result.error or "")


# -- configuration and the 5-second deadline ----------------------------------------------


def test_templates_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, sqlite_url: str,
                                             fake: FakeWeChatAPI) -> None:
    settings = Settings(database_url=sqlite_url, wechat_appid=APPID, wechat_secret=SecretStr("sec"),
                        wechat_token=SecretStr(TOKEN), wechat_api_base=fake.base_url)
    db = Database(sqlite_url)
    monkeypatch.setenv("CARELINE_WECHAT_TEMPLATES", '{"care": "TPL_CARE", "survey": "TPL_S"}')
    channel = WeChatChannel.from_settings(settings, db)
    assert channel.templates == {"care": "TPL_CARE", "survey": "TPL_S"}
    channel.close()
    monkeypatch.setenv("CARELINE_WECHAT_TEMPLATES", "care=TPL")
    with pytest.raises(ValueError, match="CARELINE_WECHAT_TEMPLATES must be a JSON object"):
        WeChatChannel.from_settings(settings, db)
    db.dispose()


def test_a_wrong_aes_key_is_named(sqlite_url: str) -> None:
    settings = Settings(database_url=sqlite_url, wechat_appid=APPID, wechat_secret=SecretStr("sec"),
                        wechat_token=SecretStr(TOKEN), wechat_aes_key=SecretStr("too-short"))
    db = Database(sqlite_url)
    with pytest.raises(ValueError, match="CARELINE_WECHAT_AES_KEY must be the 43-character"):
        WeChatChannel.from_settings(settings, db)
    db.dispose()


class _GatedNLU:
    """The real NLU, held until the test opens the gate (a slow turn, without sleeping)."""

    def __init__(self, nlu: Any) -> None:
        self.nlu, self.gate = nlu, threading.Event()

    def parse(self, text: str, *, now: Any = None) -> Any:
        assert self.gate.wait(10), "the test never opened the gate"
        return self.nlu.parse(text, now=now)


def test_a_slow_turn_answers_success_in_time_then_pushes_the_reply(
        sqlite_url: str, nlu: Any, fake: FakeWeChatAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhook, "ANSWER_WITHIN", 0.05)
    gated = _GatedNLU(nlu)
    settings = Settings(database_url=sqlite_url, wechat_appid=APPID, wechat_secret=SecretStr("sec"),
                        wechat_token=SecretStr(TOKEN), wechat_api_base=fake.base_url, hot_reload=False)
    services, http = _app(settings, gated)
    with http:
        response = http.post("/webhooks/wechat", params=signed(TOKEN), content=text_xml("你好"))
        assert (response.status_code, response.text) == (200, "success")
        gated.gate.set()
        # The reply is committed with the message for the delivery worker (no hand-made
        # push after the commit, which a crash in between would lose).
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with services.db.read() as s:
                rows = s.execute(select(OutboxMessage.status)).scalars().all()
            if rows:
                break
            time.sleep(0.05)
        assert rows == ["pending"]
        dispatch_due(services.db, ChannelSender(services.channels))
        assert fake.texts() == [f"{GREETING}\n{MENU}"]
        dispatch_due(services.db, ChannelSender(services.channels))
        assert len(fake.texts()) == 1  # once
    services.close()


def test_template_ids_come_from_the_scripts_and_follow_hot_reload(tmp_path: Any) -> None:
    import shutil

    from bot.services import ScriptTemplates
    from flows.reload import BundleHolder

    from .conftest import SHIPPED_FLOWS

    scripts = tmp_path / "scripts"
    shutil.copytree(SHIPPED_FLOWS, scripts)
    core = scripts / "core.yml"
    core.write_text(core.read_text(encoding="utf-8").replace(
        "  intent_threshold: 0.5\n",
        "  intent_threshold: 0.5\n  wechat_templates: {care: TPL_YAML_CARE}\n"), encoding="utf-8")
    holder = BundleHolder(scripts)
    templates = ScriptTemplates(holder, {"care": "TPL_ENV", "survey": "TPL_ENV_SURVEY"})
    assert dict(templates) == {"care": "TPL_YAML_CARE", "survey": "TPL_ENV_SURVEY"}
    core.write_text(core.read_text(encoding="utf-8").replace("TPL_YAML_CARE", "TPL_NEW"),
                    encoding="utf-8")
    assert holder.check_now() is not None
    assert templates["care"] == "TPL_NEW"
