"""Replies waiting in the outbox when the server stopped go out once it is back."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.app import create_app
from bot.services import build_services
from bot.settings import Settings
from storage import repo
from storage.repo import NewOutbox

from .fakes import telegram_api as tg


def sent(services: Any) -> int:
    with services.db.read() as s:
        return repo.count_outbox(s, status="sent")


def test_pending_rows_are_sent_after_a_restart(db_url: str, nlu: Any) -> None:
    with tg.FakeTelegram() as fake:
        settings = Settings(database_url=db_url, hot_reload=False,
                            telegram_token=SecretStr(tg.TOKEN), telegram_api_base=fake.base_url)
        # The previous process stored these and stopped before delivering them.
        first = build_services(settings, nlu=nlu)
        with first.db.session() as s:
            ref = repo.ensure_identity(s, "telegram", "777")
            repo.enqueue(s, [NewOutbox(f"in9:{i}", ref.customer_id, "telegram", "777",
                                       {"text": f"答复 {i}", "buttons": []}) for i in range(3)])
        first.close()
        services = build_services(settings, nlu=nlu)
        with TestClient(create_app(settings, services, scheduler=True)):
            assert fake.wait_for("sendMessage", 3)
            deadline = time.monotonic() + 10
            while sent(services) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)  # the worker records the last send just after it
            assert sent(services) == 3
        services.close()
        assert sorted(c["text"] for c in fake.sent()) == ["答复 0", "答复 1", "答复 2"]
