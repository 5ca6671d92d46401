"""The web chat shows what the bot sends on its own: GET /api/chat/inbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app import create_app
from bot.delivery import ChannelSender
from bot.services import build_services
from bot.settings import Settings
from flows.business.notify import notify
from scheduler.dispatcher import dispatch_due
from storage.models import Customer, OutboxMessage

from .conftest import NOW

SCRIPT = """
version: 1
flows:
  fallback:
    steps:
      - say: {zh: 您好！, en: Hello!}
"""


@pytest.fixture
def app(db_url: str, nlu: Any, tmp_path: Path) -> Iterator[tuple[TestClient, Any]]:
    (tmp_path / "bot.yml").write_text(SCRIPT, encoding="utf-8")
    settings = Settings(database_url=db_url, hot_reload=False, flows_dir=tmp_path)
    services = build_services(settings, nlu=nlu, clock=lambda: NOW)
    with TestClient(create_app(settings, services, scheduler=False)) as c:
        yield c, services
    services.close()


def test_a_proactive_message_reaches_the_web_customer_once(app: tuple[TestClient, Any]) -> None:
    client, services = app
    assert client.post("/api/chat", json={"user": "w1", "text": "hello"}).status_code == 200
    client.post("/api/chat", json={"user": "w2", "text": "你好"})
    with services.db.transaction() as tx:
        cid = tx.execute(select(Customer.id).order_by(Customer.id)).scalars().first()
        notify(tx, cid, {"zh": "您的工单已处理", "en": "Your ticket was resolved"}, key="t1:resolved",
               buttons={"zh": ["满意"], "en": ["Great"]})
        notify(tx, cid, {"zh": "您的工单已处理", "en": "Your ticket was resolved"}, key="t1:resolved")

    before = client.get("/api/chat/inbox", params={"user": "w1"}).json()
    assert before == {"messages": [], "last": 0}  # queued, not yet delivered

    dispatch_due(services.db, ChannelSender(services.channels), channels=["web"])
    got = client.get("/api/chat/inbox", params={"user": "w1"}).json()
    assert [(m["text"], m["buttons"]) for m in got["messages"]] == [
        ("Your ticket was resolved", ["Great"])]  # in the customer's language, once
    again = client.get("/api/chat/inbox", params={"user": "w1", "after": got["last"]}).json()
    assert again["messages"] == []
    assert client.get("/api/chat/inbox", params={"user": "w2"}).json()["messages"] == []
    with services.db.read() as s:
        replies = s.execute(select(OutboxMessage.kind).where(OutboxMessage.recipient == "w1")).all()
    assert len(replies) == 2  # the greeting reply and the one notice; replies are not in the inbox


@pytest.mark.parametrize("params", [{}, {"user": ""}, {"user": "w1", "after": -1},
                                    {"user": "w1", "after": "x"}])
def test_bad_inbox_requests_get_422(app: tuple[TestClient, Any], params: dict[str, Any]) -> None:
    client, _ = app
    assert client.get("/api/chat/inbox", params=params).status_code == 422
