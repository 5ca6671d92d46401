"""What reaches the logs while customers talk on every channel: no phone number in clear,
no secret — the Telegram token (PTB and httpx print request URLs, and the token is part of
them), the WeChat app secret, AES key and access tokens, CARELINE_SECRET_KEY, console
passwords and session cookies — at any level, tracebacks included.

Everything runs for real at DEBUG: the app with its delivery worker, Telegram and WeChat
against their loopback fakes (one Telegram send fails first, so the retry path logs too),
the web chat, a console login with a wrong and a right password, and an agent's reply.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.app import create_app
from bot.console import auth
from bot.redact import mask_phones, redact
from bot.services import build_services
from bot.settings import Settings
from storage import repo
from storage.types import utcnow

from .fakes.telegram_api import FakeTelegram, server_error, text_update
from .fakes.wechat_api import FakeWeChatAPI, signed, text_xml

TG_TOKEN = "7012345678:AAHfakeTelegramToken_0123456789abcdef"
TG_SECRET = "tg-webhook-secret-0123"
WX_APPID, WX_SECRET = "wx5823bf96d3bd56c7", "3f6b1c0d9e8a7b6c5d4e3f2a1b0c9d8e"
WX_TOKEN, WX_AES = "QDG6eKtoken", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
SECRET_KEY = "console-secret-key-never-logged-42"
PASSWORD = "agent-password-never-logged"
PHONES = ["13812345678", "139 1234 5678", "+86 186-1234-5678", "+44 20 7946 0958"]


class Everything(logging.Handler):
    """Every record of every logger, formatted with its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def logs() -> Iterator[Everything]:
    handler = Everything()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def _wait(predicate: Any, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)  # polling a live server's side effect, not timing anything
    raise AssertionError(f"timed out waiting for {what}")


def test_a_day_of_conversations_logs_no_phone_and_no_secret(
        logs: Everything, sqlite_template: Path, tmp_path: Path, nlu: Any) -> None:
    db = tmp_path / "careline.db"
    shutil.copy(sqlite_template, db)
    with FakeTelegram(TG_TOKEN) as tg, FakeWeChatAPI(appid=WX_APPID, secret=WX_SECRET) as wx:
        settings = Settings(database_url=f"sqlite:///{db}", hot_reload=False,
                            telegram_token=SecretStr(TG_TOKEN), telegram_secret=SecretStr(TG_SECRET),
                            telegram_api_base=tg.base_url, wechat_appid=WX_APPID,
                            wechat_secret=SecretStr(WX_SECRET), wechat_token=SecretStr(WX_TOKEN),
                            wechat_api_base=wx.base_url, secret_key=SecretStr(SECRET_KEY))
        services = build_services(settings, nlu=nlu)
        with services.db.transaction() as conn:
            auth.create_user(conn, "wei", PASSWORD, "agent", now=utcnow())
        tg.fail("sendMessage", server_error())
        with TestClient(create_app(settings, services, scheduler=True)) as http:
            # web chat, Telegram and WeChat customers leave their numbers
            for i, phone in enumerate(PHONES):
                r = http.post("/api/chat", json={"user": f"web-{i}", "text": f"我的电话是{phone}，明天搬家"})
                assert r.status_code == 200
            for i, phone in enumerate(PHONES):
                update = text_update(100 + i, f"call me on {phone} please", chat_id=5000 + i,
                                     language_code="en")
                r = http.post("/webhooks/telegram", json=update,
                              headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET})
                assert r.status_code == 200
            r = http.post("/webhooks/wechat", params=signed(WX_TOKEN),
                          content=text_xml(f"转人工，电话{PHONES[0]}", msg_id=42, openid="oWx1"))
            assert r.status_code == 200
            with services.db.transaction() as tx:  # a proactive WeChat message: token + send API
                customer = repo.ensure_identity(tx, "wechat", "oWx1").customer_id
                repo.enqueue(tx, [repo.NewOutbox(
                    idempotency_key="care-log-1", customer_id=customer, channel="wechat",
                    recipient="oWx1", payload={"text": f"师傅电话 {PHONES[1]}"}, kind="care")])
            services.pipeline.on_outbox()
            _wait(lambda: len(tg.sent()) >= len(PHONES), "the Telegram replies")
            _wait(lambda: wx.sent(), "the WeChat service message")
            # the console: a wrong password, then the right one, then a reply with a number
            assert http.post("/api/console/login", json={"username": "wei",
                                                         "password": PASSWORD + "x"}).status_code == 401
            r = http.post("/api/console/login", json={"username": "wei", "password": PASSWORD})
            assert r.status_code == 200
            cookie = http.cookies.get(auth.COOKIE)
            csrf = r.json()["csrf_token"]
            assert http.get("/api/console/queue").status_code == 200
        services.close()
    text = "\n".join(logs.lines)
    # the HTTP clients' request lines were captured, with the secrets cut out of the URLs
    assert "bot***/sendMessage" in text and "access_token=***" in text and "secret=***" in text
    secrets = {"Telegram token": TG_TOKEN, "token tail": TG_TOKEN.split(":")[1],
               "WeChat secret": WX_SECRET, "WeChat AES key": WX_AES, "secret key": SECRET_KEY,
               "password": PASSWORD, "session cookie": str(cookie), "CSRF token": csrf,
               "WeChat access token": wx.current_token}
    leaked = {name: line for name, value in secrets.items() for line in logs.lines if value in line}
    assert not leaked, leaked
    digits = [p.replace(" ", "").replace("-", "").removeprefix("+86") for p in PHONES]
    phones = [line for line in logs.lines
              if any(d in line.replace(" ", "").replace("-", "") for d in digits)]
    assert not phones, phones


class BrokenNLU:
    """An NLU that fails on every text, quoting it: the pipeline logs the traceback."""

    def parse(self, text: str, *, now: Any = None) -> Any:
        raise ValueError(f"cannot read {text!r}")


def test_a_failing_turn_logs_its_traceback_with_the_phone_masked(
        logs: Everything, sqlite_template: Path, tmp_path: Path) -> None:
    db = tmp_path / "careline.db"
    shutil.copy(sqlite_template, db)
    settings = Settings(database_url=f"sqlite:///{db}", hot_reload=False,
                        wechat_appid=WX_APPID, wechat_secret=SecretStr(WX_SECRET),
                        wechat_token=SecretStr(WX_TOKEN), wechat_api_base="http://127.0.0.1:9")
    services = build_services(settings, nlu=BrokenNLU())  # type: ignore[arg-type]
    with TestClient(create_app(settings, services), raise_server_exceptions=False) as http:
        http.post("/webhooks/wechat", params=signed(WX_TOKEN),
                  content=text_xml("我的手机13812345678", msg_id=7, openid="oWx2"))
        http.post("/webhooks/wechat", params=signed(WX_TOKEN),  # unreadable, quoting the number
                  content=b"<xml><FromUserName>13912345678</FromUserName><MsgType>&x;</MsgType></xml>")
    services.close()
    text = "\n".join(logs.lines)
    assert "Traceback" in text and "138****5678" in text  # the failure is logged, masked
    assert "13812345678" not in text and "13912345678" not in text


@pytest.mark.parametrize(("text", "masked"), [
    ("电话13812345678", "电话138****5678"),
    ("call +86 138 1234 5678 now", "call +86 138****5678 now"),
    ("tel 139-1234-5678.", "tel 139****5678."),
    ("UK +44 20 7946 0958", "UK +44 ****0958"),
    ("landline 010-62345678", "landline 010-****5678"),
    # not phones: ids, timestamps, money and dates stay readable in logs
    ("MsgId 1234567890123456 at 1409659813", "MsgId 1234567890123456 at 1409659813"),
    ("quote Q261123AB12CD total 1280.00 on 2026-12-05", "quote Q261123AB12CD total 1280.00 on 2026-12-05"),
])
def test_phone_numbers_are_masked_keeping_the_last_four_digits(text: str, masked: str) -> None:
    assert mask_phones(text) == masked


@pytest.mark.parametrize(("text", "hidden"), [
    ("POST https://api.telegram.org/bot7012345678:AAHfake_0123/sendMessage", "AAHfake_0123"),
    ("GET http://x/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=abcdef123",
     "abcdef123"),
    ("POST http://x/cgi-bin/message/custom/send?access_token=ACCESS_TOKEN_1 \"HTTP/1.1 200\"",
     "ACCESS_TOKEN_1"),
])
def test_secrets_in_urls_are_redacted(text: str, hidden: str) -> None:
    clean = redact(text)
    assert hidden not in clean and "***" in clean
