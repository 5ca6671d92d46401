"""Telegram as a customer and as ops see it: webhook in, outbox, sendMessage out (a loopback fake).

Each test drives the real app (webhook -> pipeline -> NLU -> flows -> outbox) and the real
dispatcher; only the Bot API is faked, at the HTTP boundary, with the documented payloads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.app import create_app
from bot.channels.telegram import TelegramChannel
from bot.delivery import ChannelSender
from bot.services import Services, build_services
from bot.settings import Settings
from bot.telegram_polling import TelegramPoller
from scheduler.dispatcher import DispatchReport, dispatch_due
from storage.models import ConversationEvent, InboundMessage, OutboxMessage
from storage.types import utcnow

from .conftest import NOW
from .fakes.telegram_api import (
    FakeTelegram,
    blocked,
    callback_update,
    document_update,
    edited_message_update,
    photo_update,
    server_error,
    slow,
    sticker_update,
    text_update,
    too_many_requests,
    voice_update,
)

SECRET = "s3cret"
GREETING_BUTTONS = ["获取报价", "常见问题", "转人工"]


class Bot:
    """The app with Telegram configured, seen from Telegram's side and from the database."""

    def __init__(self, services: Services, client: TestClient, fake: FakeTelegram) -> None:
        self.services, self.client, self.fake = services, client, fake

    def post(self, update: Any, *, secret: str | None = SECRET, **kw: Any) -> Any:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        if "content" not in kw:
            kw["json"] = update
        return self.client.post("/webhooks/telegram", headers=headers, **kw)

    def customer(self, update: dict[str, Any]) -> None:
        response = self.post(update)
        assert response.status_code == 200, response.text
        assert response.json() == {"ok": True}

    def deliver(self, **kw: Any) -> DispatchReport:
        return dispatch_due(self.services.db, ChannelSender(self.services.channels), **kw)

    def replies(self) -> list[str]:
        return [p["text"] for p in self.fake.sent()]

    def outbox(self) -> list[OutboxMessage]:
        with self.services.db.read() as s:
            return list(s.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())

    def events(self) -> list[tuple[str, dict[str, Any]]]:
        with self.services.db.read() as s:
            rows = s.execute(select(ConversationEvent).order_by(ConversationEvent.id)).scalars()
            return [(e.type, e.data) for e in rows]

    def stored_messages(self) -> int:
        with self.services.db.read() as s:
            return int(s.execute(select(func.count()).select_from(InboundMessage)).scalar_one())


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@contextmanager
def running(url: str, fake: FakeTelegram, nlu: Any, **options: Any) -> Iterator[Bot]:
    settings = Settings(database_url=url, hot_reload=False, **options)
    services = build_services(settings, nlu=nlu, clock=lambda: NOW)
    try:
        with TestClient(create_app(settings, services)) as client:
            yield Bot(services, client, fake)
    finally:
        services.close()


@pytest.fixture
def bot(db_url: str, fake: FakeTelegram, nlu: Any) -> Iterator[Bot]:
    """Over SQLite and PostgreSQL."""
    with running(db_url, fake, nlu, telegram_token="123:ABC", telegram_secret=SECRET,
                 telegram_api_base=fake.base_url) as b:
        yield b


@pytest.fixture
def lite(sqlite_url: str, fake: FakeTelegram, nlu: Any) -> Iterator[Bot]:
    """SQLite only, for what does not depend on the database."""
    with running(sqlite_url, fake, nlu, telegram_token="123:ABC", telegram_secret=SECRET,
                 telegram_api_base=fake.base_url) as b:
        yield b


# -- conversations ---------------------------------------------------------------------------


def test_hello_gets_the_greeting_with_inline_buttons(bot: Bot) -> None:
    bot.customer(text_update(1, "你好"))
    assert bot.fake.sent() == []  # acknowledged first; the delivery worker sends
    assert bot.deliver().sent == 1
    (sent,) = bot.fake.sent()
    assert sent["chat_id"] == "777" and sent["text"].startswith("您好！我是 Careline 客服小助手")
    keyboard = sent["reply_markup"]["inline_keyboard"]
    assert [b["text"] for row in keyboard for b in row] == GREETING_BUTTONS
    assert [b["callback_data"] for row in keyboard for b in row] == ["1", "2", "3"]
    (row,) = bot.outbox()
    assert (row.status, row.external_ref) == ("sent", "1")


def test_pressing_buttons_continues_the_flow(bot: Bot) -> None:
    bot.customer(text_update(1, "你好"))
    bot.deliver()
    bot.customer(callback_update(2, "1", GREETING_BUTTONS))  # 获取报价
    bot.deliver()
    assert bot.replies()[-1] == "请问您需要哪项服务？"
    asked = bot.fake.sent()[-1]["reply_markup"]["inline_keyboard"]
    labels = [b["text"] for row in asked for b in row]
    bot.customer(callback_update(3, "1", labels))  # 搬家
    bot.deliver()
    assert bot.replies()[-1] == "您家是什么户型？"
    answered = [c.params["callback_query_id"] for c in bot.fake.calls("answerCallbackQuery")]
    assert answered == ["4382bfdwdsb323b2d92", "4382bfdwdsb323b2d93"]
    said = [(d["text"], d["kind"]) for t, d in bot.events() if t == "message_in"]
    assert said == [("你好", "text"), ("获取报价", "callback"), (labels[0], "callback")]


@pytest.mark.parametrize(("command", "language", "start"), [
    ("/start", "zh-hans", "您好！我是 Careline"),
    ("/help@CarelineBot", "zh-hans", "您好！我是 Careline"),
    ("/start", "en", "Hello! I'm the Careline assistant"),
])
def test_start_and_help_commands(lite: Bot, command: str, language: str, start: str) -> None:
    lite.customer(text_update(1, command, language_code=language))
    lite.deliver()
    (reply,) = lite.replies()
    assert reply.startswith(start)
    assert [d["kind"] for t, d in lite.events() if t == "message_in"] == ["command"]


def test_the_same_update_three_times_gets_one_reply(bot: Bot) -> None:
    for _ in range(3):  # Telegram resends when it misses our 200
        bot.customer(text_update(7, "你好"))
    bot.deliver()
    bot.deliver()
    assert len(bot.replies()) == 1 and bot.stored_messages() == 1


def test_a_photo_with_caption_is_kept_by_reference(bot: Bot) -> None:
    bot.customer(photo_update(1, "我想做个保洁，多少钱"))
    bot.deliver()
    media = [d["media"] for t, d in bot.events() if t == "media_received"]
    assert media == [[{"kind": "photo", "ref": "AgACAgQAAxkBAAIBLargest"}]]
    assert bot.replies() == ["您家是什么户型？"]  # the caption is read like text


def test_a_file_without_words_is_kept_and_acknowledged(lite: Bot) -> None:
    lite.customer(document_update(1))
    lite.deliver()
    media = [d["media"] for t, d in lite.events() if t == "media_received"]
    assert media == [[{"kind": "document", "ref": "BQACAgQAAxkBAAIBDoc",
                       "mime": "application/pdf", "name": "floor-plan.pdf"}]]
    assert lite.replies() == ["已收到您发送的文件/图片，我们会妥善保存。请用文字告诉我需要什么帮助。"]


@pytest.mark.parametrize(("language", "reply"), [
    ("en", "Sorry, I can't read this kind of message; I can read text and photos."),
    ("zh-hans", "抱歉，这类消息我暂时看不了，我能读文字和图片。"),
])
def test_a_sticker_gets_the_polite_reply(lite: Bot, language: str, reply: str) -> None:
    lite.customer(sticker_update(1, language_code=language))
    lite.deliver()
    assert lite.replies() == [reply]
    assert ("bad_input", {"reason": "unsupported_type"}) in lite.events()


def test_an_edit_is_acknowledged_and_ignored(lite: Bot) -> None:
    lite.customer(edited_message_update(1, "你好"))
    assert lite.stored_messages() == 0 and lite.deliver().claimed == 0


# -- what the webhook refuses ----------------------------------------------------------------


@pytest.mark.parametrize("secret", [None, "wrong", ""])
def test_wrong_or_missing_secret_is_403_and_nothing_is_stored(lite: Bot,
                                                              secret: str | None) -> None:
    response = lite.post(text_update(1, "你好"), secret=secret)
    assert response.status_code == 403
    assert "X-Telegram-Bot-Api-Secret-Token" in response.json()["message"]
    assert lite.stored_messages() == 0


@pytest.mark.parametrize(("body", "message"), [
    (b'{"update_id": 1, "message": ', "not valid JSON"),
    (b"\xff\xfe", "not valid JSON"),
    (b"[1, 2]", "is a JSON object, not list"),
    (b'"hello"', "is a JSON object, not str"),
    (b'{"message": {"text": "hi"}}', "'update_id' (an integer) is missing"),
    (b'{"update_id": 5, "message": "hi"}', "not a Telegram update"),
])
def test_a_body_that_is_not_an_update_is_400(lite: Bot, body: bytes, message: str) -> None:
    response = lite.post(None, content=body)
    assert response.status_code == 400 and message in response.json()["message"]
    assert lite.stored_messages() == 0


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_over_one_megabyte_is_413(lite: Bot, chunked: bool) -> None:
    body = b'{"update_id": 1, "pad": "' + b"x" * 1_500_000 + b'"}'
    content: Any = iter([body[i:i + 65536] for i in range(0, len(body), 65536)]) if chunked \
        else body
    assert lite.post(None, content=content).status_code == 413


def test_without_a_token_the_webhook_is_404(sqlite_url: str, fake: FakeTelegram,
                                            nlu: Any) -> None:
    with running(sqlite_url, fake, nlu) as plain:
        response = plain.post(text_update(1, "你好"))
        assert response.status_code == 404 and "CARELINE_TELEGRAM_TOKEN" in response.text
        assert plain.stored_messages() == 0


# -- delivery when Telegram pushes back ------------------------------------------------------


def test_flood_control_waits_retry_after_then_sends_once(bot: Bot) -> None:
    bot.customer(text_update(1, "你好"))
    bot.fake.fail("sendMessage", too_many_requests(retry_after=3))
    before = utcnow()
    assert bot.deliver().retried == 1
    (row,) = bot.outbox()
    assert row.status == "pending" and "Retry in" in (row.last_error or "")
    assert before + timedelta(seconds=3) <= row.due_at <= utcnow() + timedelta(seconds=3)
    assert bot.deliver(now=utcnow()).claimed == 0  # not before Telegram allows
    assert bot.deliver(now=utcnow() + timedelta(seconds=4)).sent == 1
    assert bot.deliver(now=utcnow() + timedelta(minutes=10)).claimed == 0
    assert len(bot.replies()) == 2  # the refused attempt and the one that went through
    (row,) = bot.outbox()
    assert row.status == "sent" and row.attempts == 2


def test_a_customer_who_blocked_the_bot_fails_with_the_reason(bot: Bot) -> None:
    bot.customer(text_update(1, "你好"))
    bot.fake.fail("sendMessage", blocked())
    assert bot.deliver().failed == 1
    (row,) = bot.outbox()
    assert row.status == "failed" and "bot was blocked by the user" in (row.last_error or "")
    assert bot.deliver(now=utcnow() + timedelta(hours=1)).claimed == 0


@pytest.mark.parametrize(("failure", "reason"), [(slow(5), "TimedOut"),
                                                 (server_error(), "Internal Server Error")])
def test_a_network_failure_is_retried_later(lite: Bot, failure: Any, reason: str) -> None:
    channel = lite.services.channels["telegram"]
    channel.request_timeout = 0.3  # the fake answers after 5 s: a timeout without waiting 10 s
    lite.customer(text_update(1, "你好"))
    lite.fake.fail("sendMessage", failure)
    assert lite.deliver().retried == 1
    (row,) = lite.outbox()
    assert row.status == "pending" and reason in (row.last_error or "")
    assert lite.deliver(now=utcnow() + timedelta(minutes=1)).sent == 1
    assert lite.outbox()[0].status == "sent"


# -- long polling ----------------------------------------------------------------------------


def test_polling_deletes_the_webhook_then_handles_updates(lite: Bot) -> None:
    fake = lite.fake
    fake.set_webhook_url("https://old.example/webhooks/telegram")
    fake.fail("getUpdates", server_error())  # a hiccup: the poller backs off and goes on
    fake.queue_updates(text_update(11, "你好", chat_id=777),
                       callback_update(12, "3", GREETING_BUTTONS, chat_id=888))
    poller = TelegramPoller(lite.services, timeout=1, backoff=(0.0,))
    poller.start()
    try:
        assert fake.wait_for("getUpdates", 3)  # the 3rd call comes after the batch is handled
    finally:
        poller.stop(timeout=10)
    assert not poller.is_alive()
    methods = [c.method for c in fake.calls()]
    assert methods[:3] == ["deleteWebhook", "getUpdates", "getUpdates"]
    assert fake.calls("getUpdates")[2].params["offset"] == "13"
    assert [c.params["callback_query_id"] for c in fake.calls("answerCallbackQuery")] == \
        ["4382bfdwdsb323b2d912"]
    assert lite.deliver().sent == 2
    by_chat = {p["chat_id"]: p["text"] for p in fake.sent()}
    assert by_chat["777"].startswith("您好！我是 Careline")
    assert by_chat["888"].startswith("好的，已为您登记转人工")


# -- the adapter on its own ------------------------------------------------------------------


@pytest.fixture
def channel(fake: FakeTelegram) -> Iterator[TelegramChannel]:
    ch = TelegramChannel("123:ABC", api_base=fake.base_url, secret=SECRET)
    yield ch
    ch.close()


@pytest.mark.parametrize(("update", "expected"), [
    (text_update(1, "hello", language_code="en-US"), ("text", "hello", "en", ())),
    (text_update(1, "/quote@CarelineBot now"), ("command", "/quote now", "zh", ())),
    (callback_update(1, "9", ["A"]), ("callback", "9", "zh", ())),
    (photo_update(1), ("image", None, "zh", (("photo", "AgACAgQAAxkBAAIBLargest"),))),
    (voice_update(1), ("unsupported", None, "zh", (("voice", "AwACAgQAAxkBAAIBVoice"),))),
    (text_update(1, "привет", language_code="ru"), ("text", "привет", None, ())),
])
def test_parse_maps_updates_at_the_edge(channel: TelegramChannel, update: dict[str, Any],
                                        expected: tuple[Any, ...]) -> None:
    parsed = channel.parse(update)
    assert parsed is not None
    msg = parsed.message
    assert (msg.kind, msg.text, msg.lang_hint, tuple((m.kind, m.ref) for m in msg.media)) == expected
    assert (msg.channel, msg.message_id, msg.sender, msg.display_name) == \
        ("telegram", "1", "777", "Wei Zhang")


def test_parse_ignores_what_a_customer_did_not_say(channel: TelegramChannel) -> None:
    joined = text_update(1, "x")
    del joined["message"]["text"]
    joined["message"]["new_chat_members"] = [{"id": 5, "is_bot": False, "first_name": "A"}]
    member = {"update_id": 2, "my_chat_member": {
        "chat": {"id": 777, "type": "private"}, "from": {"id": 777, "is_bot": False,
                                                         "first_name": "Wei"},
        "date": 1, "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True,
                                                                    "first_name": "C"}},
        "new_chat_member": {"status": "kicked", "until_date": 0,
                            "user": {"id": 1, "is_bot": True, "first_name": "C"}}}}
    assert channel.parse(joined) is None and channel.parse(member) is None


def test_set_webhook_registers_the_secret(channel: TelegramChannel, fake: FakeTelegram) -> None:
    assert channel.set_webhook("https://care.example/webhooks/telegram")
    (call,) = fake.calls("setWebhook")
    assert call.params == {"url": "https://care.example/webhooks/telegram", "secret_token": SECRET}
    assert channel.verify(SECRET) and not channel.verify("s3cre") and not channel.verify(None)
    assert channel.delete_webhook() and fake.webhook_url == ""


@pytest.mark.parametrize(("options", "names"), [
    ({"secret": "has spaces!"}, "CARELINE_TELEGRAM_SECRET"),
    ({"api_base": "api.telegram.org"}, "CARELINE_TELEGRAM_API_BASE"),
])
def test_impossible_settings_are_refused_when_built(options: dict[str, Any], names: str) -> None:
    with pytest.raises(ValueError, match=names):
        TelegramChannel("123:ABC", **options)
