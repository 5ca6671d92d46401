"""Random bodies to every public endpoint: the answer is never a 500, and a webhook's
background processing never logs an error — the whole pipeline runs on whatever arrived.

One app per module (SQLite, the shipped scripts, Telegram and WeChat configured against
their loopback fakes), driven by hypothesis through the ASGI test client.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import SecretStr

from bot.app import create_app
from bot.services import build_services
from bot.settings import Settings

from .fakes.telegram_api import FakeTelegram, callback_update, text_update
from .fakes.wechat_api import FakeWeChatAPI, signed, text_xml
from .fuzz_strategies import hostile_text, json_values, mutated

SECRET = "tg-fuzz-secret"
APPID, WX_TOKEN = "wx5823bf96d3bd56c7", "QDG6eK"


class ErrorLog(logging.Handler):
    """Every ERROR record of the app's loggers while a request (and its background work) ran."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        seen = [f"{r.name}: {r.getMessage()}" for r in self.records]
        self.records.clear()
        return seen


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path,
        nlu: Any) -> Iterator[tuple[TestClient, ErrorLog]]:
    path = tmp_path_factory.mktemp("fuzz-http") / "careline.db"
    shutil.copy(sqlite_template, path)
    errors = ErrorLog()
    root = logging.getLogger()
    with FakeTelegram() as tg, FakeWeChatAPI(appid=APPID, secret="sec") as wx:
        settings = Settings(database_url=f"sqlite:///{path}", hot_reload=False,
                            telegram_token=SecretStr("123:ABC"), telegram_secret=SecretStr(SECRET),
                            telegram_api_base=tg.base_url, wechat_appid=APPID,
                            wechat_secret=SecretStr("sec"), wechat_token=SecretStr(WX_TOKEN),
                            wechat_api_base=wx.base_url,
                            secret_key=SecretStr("fuzz-http-secret-key-0123456789"))
        services = build_services(settings, nlu=nlu)
        root.addHandler(errors)
        try:
            with TestClient(create_app(settings, services), raise_server_exceptions=False) as client:
                yield client, errors
        finally:
            root.removeHandler(errors)
            services.close()


def _no_500(response: Any, errors: ErrorLog) -> None:
    assert response.status_code < 500 or response.status_code == 503, (
        response.status_code, response.text[:500])
    logged = errors.take()
    assert not logged, logged


_bodies = st.one_of(json_values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=300),
                    hostile_text.map(lambda s: s.encode("utf-8", "surrogatepass")))
_chat = st.fixed_dictionaries(
    {"user": st.text(min_size=1, max_size=20), "text": hostile_text},
    optional={"lang": st.sampled_from(["zh", "en", "fr", None]),
              "message_id": st.text(max_size=30)})


@given(_chat | json_values)
@example({"user": "u1", "text": "9" * 400 + "元"})
@example({"user": "u1", "text": "下周六从朝阳搬到海淀，" + "9" * 400 + "室"})
def test_web_chat_takes_any_json(app: tuple[TestClient, ErrorLog], body: Any) -> None:
    client, errors = app
    # json.dumps, not json=: NaN and Infinity are what a hostile client may send too
    _no_500(client.post("/api/chat", content=json.dumps(body).encode(),
                        headers={"content-type": "application/json"}), errors)


@given(_bodies, st.sampled_from(["application/json", "text/plain", "application/xml", ""]))
def test_any_bytes_on_any_post_endpoint(app: tuple[TestClient, ErrorLog], body: bytes,
                                        content_type: str) -> None:
    client, errors = app
    headers = {"content-type": content_type} if content_type else {}
    for path in ("/api/chat", "/model/parse", "/api/console/login"):
        _no_500(client.post(path, content=body, headers=headers), errors)
    _no_500(client.post("/webhooks/telegram", content=body,
                        headers={**headers, "X-Telegram-Bot-Api-Secret-Token": SECRET}), errors)
    _no_500(client.post("/webhooks/wechat", content=body, params=signed(WX_TOKEN),
                        headers=headers), errors)


@given(st.dictionaries(st.text(max_size=10), st.text(max_size=30), max_size=5))
def test_any_query_string_on_the_get_endpoints(app: tuple[TestClient, ErrorLog],
                                               query: dict[str, str]) -> None:
    client, errors = app
    for path in ("/api/chat/inbox", "/webhooks/wechat", "/healthz", "/chat", "/console",
                 "/api/console/queue", "/api/console/conversations"):
        _no_500(client.get(path, params=query), errors)


@given(hostile_text)
@example("9" * 400 + "元")
def test_model_parse_answers_any_text(app: tuple[TestClient, ErrorLog], text: str) -> None:
    client, errors = app
    response = client.post("/model/parse", json={"text": text})
    _no_500(response, errors)
    assert response.status_code == 200 or len(text) > 65_536


_updates = st.integers(1, 10**9).flatmap(lambda i: st.one_of(
    hostile_text.map(lambda t, i=i: text_update(i, t or "x", chat_id=9000 + i % 50)),
    st.just(callback_update(i, "1", ["搬家", "保洁"], chat_id=9000 + i % 50)).flatmap(mutated),
    st.just(text_update(i, "下周六搬家", chat_id=9000 + i % 50)).flatmap(mutated)))


@given(_updates)
def test_telegram_updates_through_the_pipeline(app: tuple[TestClient, ErrorLog],
                                               update: Any) -> None:
    client, errors = app
    response = client.post("/webhooks/telegram", content=json.dumps(update).encode(),
                           headers={"X-Telegram-Bot-Api-Secret-Token": SECRET,
                                    "content-type": "application/json"})
    _no_500(response, errors)


@pytest.mark.parametrize("lookalike", ["¹", "①", "1²", "٣", "３", "½"])
def test_number_lookalikes_while_buttons_are_shown(app: tuple[TestClient, ErrorLog],
                                                   lookalike: str) -> None:
    """'¹'.isdigit() is true but int('¹') fails: picking a button by number crashed the turn."""
    client, errors = app
    user = f"lookalike-{ord(lookalike[-1])}"
    first = client.post("/api/chat", json={"user": user, "text": "你好"})
    assert first.json()["replies"][-1]["buttons"]  # the menu is on screen
    r = client.post("/api/chat", json={"user": user, "text": lookalike})
    _no_500(r, errors)
    assert r.status_code == 200 and r.json()["replies"]
    hello = text_xml("你好", msg_id=10_000 + ord(lookalike[-1]), openid=user)
    _no_500(client.post("/webhooks/wechat", content=hello, params=signed(WX_TOKEN)), errors)
    body = text_xml(lookalike, msg_id=20_000 + ord(lookalike[-1]), openid=user)
    _no_500(client.post("/webhooks/wechat", content=body, params=signed(WX_TOKEN)), errors)


def test_an_inbox_position_beyond_64_bits_is_refused_not_overflowed(
        app: tuple[TestClient, ErrorLog]) -> None:
    client, errors = app
    r = client.get("/api/chat/inbox", params={"user": "u", "after": 2**63})
    _no_500(r, errors)
    assert r.status_code == 422 and "after" in r.json()["message"]


@given(hostile_text, st.integers(1, 2**63))
@example("¹", 424242)
def test_wechat_texts_through_the_pipeline(app: tuple[TestClient, ErrorLog], text: str,
                                           msg_id: int) -> None:
    client, errors = app
    content = text.replace("]]>", "")
    body = text_xml(content.encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
                    msg_id=msg_id, openid=f"oFuzz{msg_id % 20}")
    _no_500(client.post("/webhooks/wechat", content=body, params=signed(WX_TOKEN)), errors)
