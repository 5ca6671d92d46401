"""The agent console in a real headless Chromium, against a live server and a fake Telegram.

One server per module (its own SQLite file, the delivery worker running, Telegram pointed at
the loopback fake); each test gets a fresh browser context (no cookies) and its own Telegram
chat, so the tests do not depend on each other. On a failure the page is saved to /tmp.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from .browser_support import (
    Watched,
    chromium,
    console_services,
    live_server,
    needs_chromium,
    open_page,
    post_telegram,
    telegram_settings,
)
from .fakes.telegram_api import FakeTelegram, text_update

pytestmark = needs_chromium
SECRET = "tg-secret"
PASSWORD = "correct horse battery"
USERS = {"wei": "agent", "lin": "agent", "sup": "supervisor", "boss": "admin"}
ANGRY = "气死我了！你们什么破服务，垃圾！"
Console = Watched  # the page, and the dialogs and script errors it showed


@dataclass
class Live:
    url: str
    fake: FakeTelegram
    services: Any
    update_ids: Any = field(default_factory=lambda: iter(range(5000, 10_000)))

    def customer_says(self, text: str, chat_id: int, *, language_code: str = "zh-hans") -> None:
        """Telegram delivers the customer's message to our webhook."""
        post_telegram(self.url, text_update(next(self.update_ids), text, chat_id=chat_id,
                                            language_code=language_code), SECRET)

    def sent_to(self, chat_id: int) -> list[str]:
        return [str(p["text"]) for p in self.fake.sent() if str(p["chat_id"]) == str(chat_id)]

    def wait_sent(self, chat_id: int, text: str, timeout: float = 10.0) -> list[str]:
        """Until the fake Telegram received ``text`` for ``chat_id`` (the delivery worker)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sent = self.sent_to(chat_id)
            if text in sent:
                return sent
            self.fake.wait_for("sendMessage", len(self.fake.calls("sendMessage")) + 1, 0.2)
        raise AssertionError(f"{text!r} never reached chat {chat_id}; sent: {self.sent_to(chat_id)}")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path,
         nlu: Any) -> Iterator[Live]:
    import shutil

    from bot.app import create_app

    path = tmp_path_factory.mktemp("console") / "careline.db"
    shutil.copy(sqlite_template, path)
    with FakeTelegram() as fake:
        settings, services = console_services(
            f"sqlite:///{path}", nlu, USERS, PASSWORD, **telegram_settings(fake, SECRET),
            secret_key=SecretStr("console-browser-test-secret-key"))
        app = create_app(settings, services, scheduler=True)
        with live_server(app, services=services) as url:
            yield Live(url, fake, services)


@pytest.fixture(scope="module")
def browser(live: Live) -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture
def console(browser: Any, live: Live, request: pytest.FixtureRequest) -> Iterator[Console]:
    """A fresh browser context (no session) on the console, in English."""
    with open_page(browser, request, viewport=(1280, 860), shot_prefix="console") as seen:
        yield seen


def login(c: Console, live: Live, username: str) -> None:
    page = c.page
    page.goto(f"{live.url}/console")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector(f"#whoami:has-text('{username.capitalize()}')")
    page.wait_for_selector("#live.on")  # the live stream is connected


def row_of(page: Any, text: str) -> Any:
    return page.locator("tr.queue-row", has_text=text)


def test_angry_telegram_message_reaches_the_queue_live_then_claim_reply_hand_back(
        console: Console, live: Live) -> None:
    page, chat = console.page, 4101
    login(console, live, "wei")
    # An agent sees the queue and their own conversations, not Tickets or Admin.
    assert page.is_visible("#nav a[data-route='queue']")
    assert page.is_visible("#nav a[data-route='mine']")
    assert not page.is_visible("#nav a[data-route='tickets']")
    assert not page.is_visible("#nav a[data-route='admin']")
    page.wait_for_selector("#queue-stats")
    page.evaluate("window.__notReloaded = true")

    live.customer_says(ANGRY, chat)

    row = row_of(page, ANGRY)
    row.wait_for()  # no reload: the stream brought it
    assert page.evaluate("window.__notReloaded") is True
    assert "angry" in row.locator(".badge.angry").inner_text()
    assert row.locator(".badge.ch-telegram").inner_text() == "Telegram"
    waited = row.locator("td.waiting").inner_text()
    assert re.fullmatch(r"\d+ (s|min \d\d s)", waited), waited

    row.locator("button.claim").click()
    page.locator(".bubble.customer", has_text=ANGRY).wait_for()
    page.wait_for_selector("#reply-text:visible")
    assert page.locator(".bubble.customer", has_text=ANGRY).count() == 1
    assert "with agent" in page.inner_text("#conv-status")
    assert "any time" in page.inner_text("#window")  # Telegram has no 48 h window
    assert page.locator(".bubble.customer .nlu", has_text="sentiment").count() >= 1

    reply = "Sorry about that, Mr Zhang. I'm on it and will call you within 10 minutes."
    page.fill("#reply-text", reply)
    page.click("#send-reply")
    live.wait_sent(chat, reply)
    page.locator(".bubble.agent", has_text=reply).wait_for()

    # Hand back to the bot (no survey): the customer is told the bot is back.
    page.click("#release")
    # (no wait_for_function: its string predicates are eval, which the page's CSP forbids)
    page.wait_for_url("**/console#/queue")
    bundle = live.services.scripts.bundle
    back = bundle.section("handoff")["texts"]["back_to_bot"]["zh"]
    live.wait_sent(chat, back)
    assert row_of(page, ANGRY).count() == 0
    assert console.dialogs == []
    assert console.errors == []


def test_customer_html_is_shown_as_text(console: Console, live: Live) -> None:
    page, chat = console.page, 4102
    evil = "转人工 <script>alert(1)</script><img src=x onerror=alert(2)>"
    login(console, live, "lin")
    live.customer_says(evil, chat)
    row = row_of(page, "<script>alert(1)</script>")
    row.wait_for()
    assert "<img src=x onerror=alert(2)>" in row.inner_text()
    row.locator("button.claim").click()
    bubble = page.locator(".bubble.customer", has_text="<script>alert(1)</script>")
    bubble.wait_for()
    assert bubble.locator("script, img").count() == 0
    assert page.locator("#history script, #history img, #view script").count() == 0
    page.wait_for_timeout(300)  # give a stray handler the chance to fire
    assert console.dialogs == []
    assert console.errors == []


def test_agent_gets_403_on_the_admin_page_and_api(console: Console, live: Live) -> None:
    page = console.page
    login(console, live, "wei")
    page.goto(f"{live.url}/console#/admin")
    page.wait_for_selector("#forbidden")
    assert "403" in page.inner_text("#forbidden")
    assert "admins only" in page.inner_text("#forbidden")
    assert page.locator("#users-table").count() == 0
    for path in ("/api/console/users", "/api/console/audit", "/api/console/scripts"):
        response = page.request.get(f"{live.url}{path}")
        assert response.status == 403, path
    # A write without the CSRF header is refused even for the right role.
    response = page.request.post(f"{live.url}/api/console/users", data={"username": "x"})
    assert response.status == 403
    page.goto(f"{live.url}/console#/tickets")
    page.wait_for_selector("#forbidden")
    assert "403" in page.inner_text("#forbidden")


def test_admin_sees_users_scripts_and_checks_a_script(console: Console, live: Live) -> None:
    page = console.page
    login(console, live, "boss")
    assert page.is_visible("#nav a[data-route='admin']")
    page.click("#nav a[data-route='admin']")
    page.wait_for_selector("#users-table tr[data-user='wei']")
    assert page.locator("#users-table tbody tr").count() >= len(USERS)
    page.click(".tabs a[href='#/admin/scripts']")
    page.locator("#script-list a", has_text="handoff.yml").click()
    from playwright.sync_api import expect

    expect(page.locator("#script-editor")).to_have_value(re.compile(r"^handoff:", re.M))
    page.fill("#script-editor", "version: 1\nhandoff:\n  triggers: [oops\n")
    page.click("#script-check")
    page.wait_for_selector("#script-errors li")
    assert re.search(r"handoff\.yml:\d+", page.inner_text("#script-errors"))
    page.click(".tabs a[href='#/admin/audit']")
    page.wait_for_selector("#audit-table")
    assert console.errors == []


def test_login_errors_and_language_toggle(console: Console, live: Live) -> None:
    page = console.page
    page.goto(f"{live.url}/console")
    page.fill("#username", "sup")
    page.fill("#password", "not the password")
    page.click("#login-submit")
    page.wait_for_selector("#login-error:not([hidden])")
    assert page.inner_text("#login-error") == "Wrong username or password"
    page.click("#login-lang")
    assert page.inner_text("#login-submit") == "登录"
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#nav a[data-route='tickets']:visible")
    assert page.inner_text("#nav a[data-route='queue']") == "排队"
    assert not page.is_visible("#nav a[data-route='admin']")  # a supervisor is not an admin
    page.click("#nav a[data-route='tickets']")
    page.wait_for_selector("#tickets-table")
    page.click("#logout")
    page.wait_for_selector("#login-form")
    assert page.request.get(f"{live.url}/api/console/me").status == 401


def test_supervisor_sees_sla_colours_and_moves_a_ticket(console: Console, live: Live) -> None:
    from datetime import timedelta

    from flows.business.complaints import open_ticket
    from storage.repo import ensure_identity
    from storage.types import utcnow

    config = live.services.scripts.bundle.section("complaints")
    now = utcnow()
    with live.services.db.transaction() as conn:
        customer = ensure_identity(conn, "telegram", "4199").customer_id
        late = open_ticket(conn, customer_id=customer, description="冰箱摔坏了", ticket_class="urgent",
                           topic="damage", config=config, now=now - timedelta(hours=2),
                           record_event=False)
        fresh = open_ticket(conn, customer_id=customer, description="建议", ticket_class="suggestion",
                            topic="suggestion", config=config, now=now, record_event=False)
    page = console.page
    login(console, live, "sup")
    page.click("#nav a[data-route='tickets']")
    late_row = page.locator(f"tr.ticket-row[data-id='{late.public_id}']")
    late_row.wait_for()
    assert "overdue" in late_row.locator("td.sla-red").inner_text()
    fresh_row = page.locator(f"tr.ticket-row[data-id='{fresh.public_id}']")
    assert "left" in fresh_row.locator("td.sla-green").inner_text()
    late_row.locator("button[data-to='acknowledged']").click()
    page.locator(f"tr.ticket-row[data-id='{late.public_id}'] button[data-to='in_progress']").wait_for()
    assert "acknowledged" in page.locator(f"tr.ticket-row[data-id='{late.public_id}']").inner_text()
    assert console.errors == []


def test_login_throttling_is_explained(console: Console, live: Live) -> None:
    page = console.page
    page.goto(f"{live.url}/console")
    page.fill("#username", "ghost")
    for attempt in range(6):  # five failures for one name, then the sixth is refused
        page.fill("#password", f"wrong password {attempt}")
        page.click("#login-submit")
        if attempt < 5:
            page.wait_for_selector("#login-error:has-text('Wrong username or password')")
            page.evaluate("() => { document.querySelector('#login-error').hidden = true; }")
    page.wait_for_selector("#login-error:has-text('Too many attempts')")
    assert re.fullmatch(r"Too many attempts, try again in 1[45] min",
                        page.inner_text("#login-error")), page.inner_text("#login-error")
