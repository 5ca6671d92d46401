"""POST /api/chat as a customer sees it, and the events the conversation leaves behind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app import create_app
from bot.services import build_services
from bot.settings import Settings
from storage.db import Database
from storage.models import ConversationEvent, InboundMessage, OutboxMessage

from .conftest import NOW


@pytest.fixture
def client(db_url: str, nlu: Any) -> Iterator[TestClient]:
    settings = Settings(database_url=db_url, hot_reload=False)
    services = build_services(settings, nlu=nlu, clock=lambda: NOW)
    with TestClient(create_app(settings, services)) as c:
        yield c
    services.close()


def say(client: TestClient, text: str, user: str = "u1", **extra: Any) -> dict[str, Any]:
    response = client.post("/api/chat", json={"user": user, "text": text, **extra})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def texts(body: dict[str, Any]) -> list[str]:
    return [r["text"] for r in body["replies"]]


def events(db_url: str) -> list[tuple[str, dict[str, Any]]]:
    db = Database(db_url)
    with db.read() as s:
        rows = s.execute(select(ConversationEvent).order_by(ConversationEvent.id)).scalars()
        out = [(e.type, e.data) for e in rows]
    db.dispose()
    return out


def test_chinese_in_chinese_out_english_in_english_out(client: TestClient) -> None:
    zh = say(client, "你好")
    assert texts(zh)[0].startswith("您好！我是 Careline 客服小助手")
    assert zh["replies"][0]["buttons"] == ["获取报价", "常见问题", "转人工"]
    en = say(client, "hello there", user="u2")
    assert texts(en)[0].startswith("Hello! I'm the Careline assistant")
    assert en["handoff"] is False and en["conversation_id"] != zh["conversation_id"]


def test_a_quote_in_one_message(client: TestClient, db_url: str) -> None:
    body = say(client, "下周六从朝阳搬到海淀，两室一厅，1楼，大概8公里，有一台冰箱，多少钱？")
    reply, book_it = texts(body)
    assert "• 基础价（2室）: ¥900" in reply and "• 冰箱 × 1（¥100/件）: ¥100" in reply
    assert "• 周末附加 10%: ¥100" in reply and "合计: ¥1,100" in reply
    assert book_it == "需要为您预约吗？" and body["replies"][1]["buttons"] == ["预约", "改一下", "不用了"]
    kinds = [t for t, _ in events(db_url)]
    assert kinds[:2] == ["message_in", "nlu"]
    assert "quote_created" in kinds and kinds[-1] == "message_out"
    slots = {d["slot"]: d["value"] for t, d in events(db_url) if t == "slot_set"}
    assert slots["date"] == "2026-12-05" and slots["rooms"] == 2
    assert slots["from_address"] == "朝阳" and slots["to_address"] == "海淀"


def test_same_message_three_times_gets_one_reply(client: TestClient, db_url: str) -> None:
    bodies = [say(client, "你好", message_id="wx-1001") for _ in range(3)]
    assert [b["duplicate"] for b in bodies] == [False, True, True]
    assert texts(bodies[0]) == texts(bodies[1]) == texts(bodies[2])
    db = Database(db_url)
    with db.read() as s:
        assert len(s.execute(select(InboundMessage)).all()) == 1
        outbox = s.execute(select(OutboxMessage)).scalars().all()
    db.dispose()
    assert len(outbox) == 1 and outbox[0].status == "sent"
    assert [t for t, _ in events(db_url)].count("message_in") == 1


def test_the_stored_events_tell_the_conversation(client: TestClient, db_url: str) -> None:
    say(client, "我想做个保洁，多少钱")
    say(client, "两室")
    say(client, "明天")
    for answer in ("日常", "单次", "先不用"):  # routine cleaning, once, not booking now
        say(client, answer)
    story = [(t, d.get("text") or d.get("slot") or d.get("flow") or d.get("intent"))
             for t, d in events(db_url) if t != "action_executed"]
    assert story[:6] == [
        ("message_in", "我想做个保洁，多少钱"), ("nlu", "quote"), ("flow_started", "quote"),
        ("slot_set", "service_type"), ("message_out", "您家是什么户型？"), ("message_in", "两室")]
    assert ("slot_set", "date") in story and ("flow_ended", "quote") in story


@pytest.mark.parametrize(("text", "reply"), [
    ("", "请发送文字消息，我来帮您。"),
    ("   \n ", "请发送文字消息，我来帮您。"),
    ("搬" * 4001, "您的消息太长了（超过 4000 字），请精简后再发给我。"),
    ("\x00\x01\x02\x03\x04\x05", "抱歉，这条消息我无法读取，请发送文字。"),
    ("\x00\x01\x02binary\x04", "Sorry, I couldn't read that message. Please send text."),
    ("Здравствуйте, сколько стоит?", "抱歉，我目前只会中文和英文。Sorry, I can only chat in Chinese or English."),
    ("😀😀👍", "😊 有什么可以帮您？"),
])
def test_bad_input_gets_a_polite_reply(client: TestClient, text: str, reply: str) -> None:
    assert texts(say(client, text)) == [reply]


def test_english_customer_gets_english_polite_replies(client: TestClient) -> None:
    say(client, "hi", user="en-user")
    assert texts(say(client, "🙂", user="en-user")) == ["😊 How can I help you?"]
    assert texts(say(client, "", user="en-user")) == ["Please send me a text message and I'll help."]


@pytest.mark.parametrize(("body", "message"), [
    ({"text": "hi"}, "field 'user': Field required"),
    ({"user": "u", "text": 5}, "field 'text': Input should be a valid string"),
    ({"user": "u", "text": "hi", "lang": "fr"}, "field 'lang': Input should be 'zh' or 'en'"),
    ({"user": "", "text": "hi"}, "field 'user': String should have at least 1 character"),
    ({"user": "u", "text": "x" * 70_000}, "field 'text': String should have at most 65536"),
])
def test_malformed_body_is_422_naming_the_field(client: TestClient, body: Any,
                                                message: str) -> None:
    response = client.post("/api/chat", json=body)
    assert response.status_code == 422
    assert message in response.json()["message"]


def test_invalid_json_is_422(client: TestClient) -> None:
    response = client.post("/api/chat", content=b'{"user": "u", "text": ',
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "not valid JSON" in response.json()["message"]


def test_parse_endpoint_has_the_rasa_shape(client: TestClient) -> None:
    body = client.post("/model/parse", json={"text": "下周六搬家多少钱"}).json()
    assert body["intent"]["name"] == "quote" and 0 < body["intent"]["confidence"] <= 1
    assert {"text", "intent", "intent_ranking", "entities", "sentiment"} <= set(body)
    (date,) = [e for e in body["entities"] if e["entity"] == "date"]
    assert body["text"][date["start"]:date["end"]] == "下周六"
    assert body["sentiment"]["label"] in ("negative", "neutral", "positive")


def test_health_metrics_and_chat_page(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"

    def handled() -> float:
        for line in client.get("/metrics").text.splitlines():
            if line.startswith('careline_messages_in_total{channel="web"}'):
                return float(line.split()[-1])
        return 0.0

    before = handled()
    say(client, "你好")
    assert handled() == before + 1
    page = client.get("/chat")
    assert page.status_code == 200 and 'id="input"' in page.text
    assert client.get("/", follow_redirects=False).headers["location"] == "/chat"
    assert client.post("/api/_bench/floor", json={"user": "u", "text": "x"}).status_code == 404
