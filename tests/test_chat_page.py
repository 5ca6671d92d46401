"""The demo chat page in a real headless Chromium: a customer gets a quote by typing and tapping."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .browser_support import chromium, live_server, needs_chromium

pytestmark = needs_chromium


@pytest.fixture
def server(sqlite_url: str, nlu: Any) -> Iterator[str]:
    from bot.app import create_app
    from bot.services import build_services
    from bot.settings import Settings

    settings = Settings(database_url=sqlite_url, hot_reload=False)
    services = build_services(settings, nlu=nlu)
    with live_server(create_app(settings, services), services=services) as url:
        yield url


@pytest.fixture
def page(server: str) -> Iterator[Any]:
    with chromium() as browser:
        pg = browser.new_page(locale="zh-CN")
        pg.goto(f"{server}/chat")
        yield pg


def bot_texts(page: Any) -> list[str]:
    return [e.inner_text() for e in page.query_selector_all(".msg.bot")]


def test_quote_by_typing_and_tapping(page: Any) -> None:
    page.fill("#input", "你好")
    page.click("#send")
    page.wait_for_selector(".msg.bot")
    assert bot_texts(page)[0].startswith("您好！我是 Careline 客服小助手")
    page.click(".chip >> text=获取报价")
    page.locator(".msg.bot").nth(1).wait_for()  # (no wait_for_function: the page's CSP forbids eval)
    assert bot_texts(page)[-1] == "请问您需要哪项服务？"
    page.click(".chip >> text=搬家")
    page.locator(".msg.bot").nth(2).wait_for()  # (no wait_for_function: the page's CSP forbids eval)
    page.fill("#input", "两室一厅，下周六，1楼，大概8公里，有一台冰箱")
    page.keyboard.press("Enter")
    page.locator(".msg.bot").nth(4).wait_for()  # (no wait_for_function: the page's CSP forbids eval)
    quote, book_it = bot_texts(page)[-2:]
    assert "合计" in quote and book_it == "需要为您预约吗？"
    assert [c.inner_text() for c in page.query_selector_all(".chip")] == ["预约", "改一下", "不用了"]


def test_customer_text_is_shown_as_text_not_html(page: Any) -> None:
    page.fill("#input", "<img src=x onerror=\"document.title='pwned'\"> hello")
    page.click("#send")
    page.wait_for_selector(".msg.bot")
    assert page.title() != "pwned"
    assert page.query_selector(".msg.user img") is None
    assert "<img" in page.query_selector(".msg.user").inner_text()


def test_english_ui_and_reply(page: Any) -> None:
    page.click("#lang")
    page.fill("#input", "hello")
    page.click("#send")
    page.wait_for_selector(".msg.bot")
    assert bot_texts(page)[0].startswith("Hello! I'm the Careline assistant")
