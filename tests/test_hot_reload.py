"""A valid script change goes live; a broken one is rejected and the running version stays."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.services import build_services
from bot.settings import Settings

from .conftest import SHIPPED_FLOWS


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    directory = tmp_path / "scripts"
    shutil.copytree(SHIPPED_FLOWS, directory)
    return directory


@pytest.fixture
def app(scripts: Path, sqlite_url: str, nlu: Any) -> Iterator[tuple[TestClient, Any]]:
    settings = Settings(database_url=sqlite_url, flows_dir=scripts, hot_reload=False)
    services = build_services(settings, nlu=nlu)
    with TestClient(create_app(settings, services)) as client:
        yield client, services
    services.close()


def greet(client: TestClient) -> str:
    return str(client.post("/api/chat", json={"user": "u", "text": "你好"}).json()["replies"][0]
               ["text"])


def edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_valid_change_goes_live(app: tuple[TestClient, Any], scripts: Path) -> None:
    client, services = app
    assert greet(client).startswith("您好！我是 Careline")
    edit(scripts / "core.yml", "您好！我是 Careline 客服小助手", "欢迎光临！我是小助手")
    result = services.scripts.check_now()
    assert result is not None and result.ok
    assert greet(client).startswith("欢迎光临！我是小助手")
    assert client.get("/healthz").json()["flows_version"] == 2


def test_broken_change_is_rejected_and_old_version_stays(
        app: tuple[TestClient, Any], scripts: Path, caplog: pytest.LogCaptureFixture) -> None:
    client, services = app
    edit(scripts / "core.yml", "      - end\n", "      - goto: no_such_flow\n")
    result = services.scripts.check_now()
    assert result is not None and not result.ok
    assert greet(client).startswith("您好！我是 Careline")  # still the old version
    health = client.get("/healthz").json()
    assert health["flows_version"] == 1
    assert any("core.yml:" in e and "goto unknown flow 'no_such_flow'" in e
               for e in health["flows_errors"])
    assert "flow scripts rejected; the previous version stays live" in caplog.text
    assert services.scripts.check_now() is None  # the same broken state is not re-reported
    edit(scripts / "core.yml", "      - goto: no_such_flow\n", "      - end\n")
    assert services.scripts.check_now().ok  # type: ignore[union-attr]
    assert client.get("/healthz").json()["flows_errors"] == []


def test_a_conversation_survives_its_flow_being_removed(app: tuple[TestClient, Any],
                                                        scripts: Path) -> None:
    client, services = app
    body = client.post("/api/chat", json={"user": "v", "text": "我要报价"}).json()
    assert body["replies"][0]["text"] == "请问您需要哪项服务？"
    quote = (scripts / "quote.yml").read_text(encoding="utf-8")
    (scripts / "quote.yml").unlink()
    (scripts / "pricing.yml").unlink()
    assert services.scripts.check_now().ok  # type: ignore[union-attr]
    body = client.post("/api/chat", json={"user": "v", "text": "搬家"}).json()
    assert body["replies"]  # answered by the new version, no error
    (scripts / "quote.yml").write_text(quote, encoding="utf-8")


def test_the_watcher_thread_picks_up_changes(scripts: Path, sqlite_url: str, nlu: Any) -> None:
    settings = Settings(database_url=sqlite_url, flows_dir=scripts, hot_reload=True,
                        reload_interval=0.05)
    services = build_services(settings, nlu=nlu)
    with TestClient(create_app(settings, services)) as client:
        edit(scripts / "core.yml", "您好！我是 Careline 客服小助手", "Hi 您好 watcher")
        deadline = time.monotonic() + 10
        while services.scripts.version == 1 and time.monotonic() < deadline:
            time.sleep(0.05)  # waiting for a background thread, not timing it
        assert greet(client).startswith("Hi 您好 watcher")
    services.close()
