"""The public web chat API is rate limited per customer and per address (bot/web_limits.py).

A customer who types faster than a person can gets 429 with Retry-After and a bilingual
note, then is served again once the wait is over; another customer is not affected. The
clock is the test's: nobody sleeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.services import build_services
from bot.settings import Settings
from bot.web_limits import WebLimits, parse_rate
from scheduler.ratelimit import Limit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def chat(sqlite_url: str, nlu: Any) -> Iterator[tuple[TestClient, Clock]]:
    settings = Settings(database_url=sqlite_url, hot_reload=False)
    services = build_services(settings, nlu=nlu)
    app = create_app(settings, services)
    clock = Clock()
    # The shipped defaults, on the test's clock.
    app.state.web_limits = WebLimits.from_rates("20/10s", "120/1m", "30/1m", "600/1m", clock)
    with TestClient(app) as client:
        yield client, clock
    services.close()


def _say(client: TestClient, user: str, text: str) -> Any:
    return client.post("/api/chat", json={"user": user, "text": text, "lang": "en"})


def test_a_customer_typing_too_fast_waits_and_is_then_served(
        chat: tuple[TestClient, Clock]) -> None:
    client, clock = chat
    for i in range(20):  # twenty messages in a second: a person does not, a script may
        assert _say(client, "web-fast", f"hello {i}").status_code == 200
        clock.now += 0.05
    refused = _say(client, "web-fast", "hello again")
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 10
    assert refused.json() == {
        "detail": "rate_limited", "retry_after": wait,
        "message": f"请求太频繁，请 {wait} 秒后再试。 / Too many requests; please try again in {wait} s."}

    # Someone else on the same site is answered as usual.
    other = _say(client, "web-calm", "Hi")
    assert other.status_code == 200 and other.json()["replies"]

    clock.now += wait  # the customer waits as told
    served = _say(client, "web-fast", "I would like a quote")
    assert served.status_code == 200 and served.json()["replies"]


def test_one_address_is_limited_across_customer_ids(chat: tuple[TestClient, Clock]) -> None:
    """Rotating the client-chosen user id does not get round the address's limit."""
    client, clock = chat
    for i in range(120):
        assert _say(client, f"web-rotating-{i}", "hi").status_code == 200
        clock.now += 0.1
    refused = _say(client, "web-rotating-x", "hi")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) <= 60
    clock.now += 60
    assert _say(client, "web-rotating-y", "hi").status_code == 200


def test_clients_on_the_machine_itself_are_not_limited(sqlite_url: str, nlu: Any) -> None:
    """The demo page, local scripts and checks replaying conversations at speed (127.0.0.1)."""
    settings = Settings(database_url=sqlite_url, hot_reload=False)
    services = build_services(settings, nlu=nlu)
    app = create_app(settings, services)
    app.state.web_limits = WebLimits.from_rates("20/10s", "120/1m", "30/1m", "600/1m", Clock())
    try:
        for host in ("127.0.0.1", "::1"):
            with TestClient(app, client=(host, 50000)) as local:
                for i in range(25):  # over the per-customer limit, on a frozen clock
                    assert _say(local, "web-local", f"hello {i}").status_code == 200
        with TestClient(app, client=("203.0.113.7", 50000)) as remote:
            codes = [_say(remote, "web-remote", f"hello {i}").status_code for i in range(21)]
            assert codes[-1] == 429
    finally:
        services.close()


def test_the_nlu_parse_endpoint_is_limited_per_address(sqlite_url: str, nlu: Any) -> None:
    settings = Settings(database_url=sqlite_url, hot_reload=False)
    services = build_services(settings, nlu=nlu)
    app = create_app(settings, services)
    clock = Clock()
    app.state.web_limits = WebLimits.from_rates("20/10s", "120/1m", "30/1m", "600/1m", clock,
                                                parse_ip="5/1m")
    try:
        with TestClient(app, client=("203.0.113.9", 50000)) as remote:
            for _ in range(5):
                assert remote.post("/model/parse", json={"text": "hello"}).json()["intent"]
            refused = remote.post("/model/parse", json={"text": "hello"})
            assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
            assert "Too many requests" in refused.json()["message"]
            clock.now += 60
            assert remote.post("/model/parse", json={"text": "你好"}).status_code == 200
        with TestClient(app, client=("127.0.0.1", 50000)) as local:  # a local evaluation run
            assert all(local.post("/model/parse", json={"text": f"hi {i}"}).status_code == 200
                       for i in range(10))
    finally:
        services.close()


def test_polling_the_inbox_has_its_own_looser_limit(chat: tuple[TestClient, Clock]) -> None:
    client, clock = chat
    for _ in range(30):  # the page polls every 4 s: 15 a minute; two tabs fit
        assert client.get("/api/chat/inbox", params={"user": "web-tabs"}).status_code == 200
    refused = client.get("/api/chat/inbox", params={"user": "web-tabs"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    # Polling did not use up the customer's messages.
    assert _say(client, "web-tabs", "hello").status_code == 200
    clock.now += 60
    assert client.get("/api/chat/inbox", params={"user": "web-tabs"}).status_code == 200


def test_rates_are_read_from_settings_and_can_be_turned_off(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CHAT_RATE_USER", "CHAT_RATE_IP", "INBOX_RATE_USER", "INBOX_RATE_IP",
                 "PARSE_RATE_IP"):
        monkeypatch.delenv(f"CARELINE_{name}", raising=False)
    defaults = Settings()
    assert [parse_rate(r) for r in (defaults.chat_rate_user, defaults.chat_rate_ip,
                                    defaults.inbox_rate_user, defaults.inbox_rate_ip,
                                    defaults.parse_rate_ip)] == [
        Limit(20, 10.0), Limit(120, 60.0), Limit(30, 60.0), Limit(600, 60.0), Limit(600, 60.0)]
    monkeypatch.setenv("CARELINE_CHAT_RATE_IP", "off")
    assert parse_rate(Settings().chat_rate_ip) is None
    monkeypatch.setenv("CARELINE_CHAT_RATE_USER", "twenty")
    with pytest.raises(ValueError, match="chat_rate_user"):
        Settings()
