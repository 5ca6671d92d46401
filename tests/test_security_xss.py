"""Hostile text everywhere the console and the web chat show it, in a real headless Chromium.

Customers control their names (Telegram first/last name), their messages and their complaint
descriptions; agents control notes, replies and display names; admins control scripts (FAQ
answers become canned replies and bot answers). Every one of those places gets payloads that
would run script, load an element or break out of an attribute if they were ever parsed as
HTML — and each page is then checked structurally (no element the payloads would create, no
``javascript:`` link, the payload visible as text) as well as for dialogs and page errors.
The structural check does not rely on the console's CSP: it fails on injection even where the
CSP would have blocked the script.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from .browser_support import (
    WAIT_MS,
    Watched,
    chromium,
    console_services,
    live_server,
    needs_chromium,
    open_page,
    post_telegram,
    telegram_settings,
)
from .conftest import SHIPPED_FLOWS
from .fakes.telegram_api import FakeTelegram, text_update

pytestmark = needs_chromium
SECRET, PASSWORD = "tg-secret", "correct horse battery"

IMG = "<img src=x onerror=alert('img')>"
SCRIPT = "<script>alert('script')</script>"
ATTR = "\"><svg onload=alert('attr')>"
SINGLE = "'><iframe src=javascript:alert('iframe')>"
JS_URL = "javascript:alert('url')"
PAYLOAD = f"{IMG} {SCRIPT} {ATTR} {SINGLE} {JS_URL}"
#: What an injection would leave in the DOM (checked on the whole document).
INJECTED = ("img[src='x'], svg[onload], script:not([src]), iframe, a[href^='javascript:'], "
            "[onerror], [onload]")


@dataclass
class Live:
    url: str
    fake: FakeTelegram
    services: Any
    update_ids: Any = field(default_factory=lambda: iter(range(7000, 9000)))

    def telegram(self, text: str, chat_id: int, *, first: str = "Wei", last: str = "") -> None:
        update = text_update(next(self.update_ids), text, chat_id=chat_id)
        update["message"]["from"] |= {"first_name": first, "last_name": last}
        update["message"]["chat"] |= {"first_name": first, "last_name": last}
        post_telegram(self.url, update, SECRET)


def _faq_with_payload(flows: Path) -> None:
    """An FAQ entry whose question and answers are hostile: canned replies and bot answers."""
    faq = flows / "faq.yml"
    entry = (f"  - id: xss\n    question: {{zh: {json.dumps(PAYLOAD)}, en: {json.dumps(PAYLOAD)}}}\n"
             f"    answer:\n      zh: {json.dumps('答案 ' + PAYLOAD)}\n      en: {json.dumps('Answer ' + PAYLOAD)}\n"
             "    keywords:\n      zh: [脚本测试]\n      en: [scripttest]\n")
    text = faq.read_text(encoding="utf-8").replace("faq:\n  - id: hours", "faq:\n" + entry + "  - id: hours", 1)
    faq.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path,
         nlu: Any) -> Iterator[Live]:
    import shutil

    from bot.app import create_app

    tmp = tmp_path_factory.mktemp("xss")
    shutil.copy(sqlite_template, tmp / "careline.db")
    flows = tmp / "flows"
    shutil.copytree(SHIPPED_FLOWS, flows)
    _faq_with_payload(flows)
    with FakeTelegram() as fake:
        settings, services = console_services(
            f"sqlite:///{tmp / 'careline.db'}", nlu, {"boss": "admin", "wei": "agent"}, PASSWORD,
            display_names={"boss": "Boss " + PAYLOAD, "wei": "Wei " + PAYLOAD},
            flows_dir=flows, **telegram_settings(fake, SECRET),
            secret_key=SecretStr("xss-browser-test-secret-key"))
        assert services.scripts.bundle.faq, services.scripts.last_errors
        app = create_app(settings, services, scheduler=True)
        with live_server(app, services=services) as url:
            yield Live(url, fake, services)


@pytest.fixture(scope="module")
def browser(live: Live) -> Iterator[Any]:
    with chromium() as b:
        yield b


class Page(Watched):
    def assert_clean(self, where: str, root: str = "body") -> None:
        self.page.wait_for_timeout(250)  # give a stray handler the chance to fire
        injected = self.page.locator(root).locator(INJECTED).count()
        assert injected == 0, f"{where}: injected elements: {self.page.content()[:3000]}"
        assert self.dialogs == [], f"{where}: dialogs {self.dialogs}"
        assert self.errors == [], f"{where}: page errors {self.errors}"


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    with open_page(browser) as seen:
        yield Page(seen.page, seen.dialogs, seen.errors)  # the same lists, filled as it goes


def login(p: Page, live: Live, username: str) -> None:
    p.page.goto(f"{live.url}/console")
    p.page.fill("#username", username)
    p.page.fill("#password", PASSWORD)
    p.page.click("#login-submit")
    p.page.wait_for_selector("#live.on")


def test_customer_names_and_messages_in_queue_and_conversation(page: Page, live: Live) -> None:
    login(page, live, "wei")
    live.telegram("转人工 " + PAYLOAD, 6101, first=IMG, last=ATTR)
    row = page.page.locator("tr.queue-row", has_text="转人工")
    row.wait_for()
    assert IMG in row.inner_text()  # the name, as text
    assert SCRIPT in row.inner_text()  # the message preview, as text
    page.assert_clean("queue")
    row.locator("button.claim").click()
    bubble = page.page.locator(".bubble.customer", has_text=SCRIPT)
    bubble.wait_for()
    assert JS_URL in bubble.inner_text()
    page.assert_clean("conversation")
    # the agent's own note and reply carry the payload too
    api = page.page.request
    me = api.get(f"{live.url}/api/console/me").json()
    conv = page.page.url.rsplit("/", 1)[-1]
    headers = {"X-CSRF-Token": me["csrf_token"]}
    assert api.post(f"{live.url}/api/console/conversations/{conv}/note", data={"text": "note " + PAYLOAD},
                    headers=headers).status == 200
    page.page.fill("#reply-text", "reply " + PAYLOAD)
    page.page.click("#send-reply")
    page.page.locator(".bubble.agent", has_text="reply").wait_for()
    page.page.reload()
    page.page.locator(".note-line", has_text=SCRIPT).first.wait_for()
    page.assert_clean("conversation with note and reply")


def test_canned_replies_and_agent_names(page: Page, live: Live) -> None:
    login(page, live, "wei")
    assert "Wei" in page.page.inner_text("#whoami")
    live.telegram("人工客服 scripttest", 6102, first="Canned")
    row = page.page.locator("tr.queue-row", has_text="scripttest")
    row.wait_for()
    row.locator("button.claim").click()
    page.page.click("#canned summary")
    page.page.fill("#canned-filter", "xss")
    item = page.page.locator("#canned-list .canned-item", has_text=JS_URL)
    item.first.wait_for()
    item.first.click()  # into the reply box, still as text
    assert SCRIPT in page.page.input_value("#reply-text")
    page.assert_clean("canned replies")


def test_ticket_descriptions_and_the_dashboard_quotes(page: Page, live: Live) -> None:
    from flows.business.complaints import open_ticket
    from storage.repo import ensure_identity
    from storage.types import utcnow

    config = live.services.scripts.bundle.section("complaints")
    with live.services.db.transaction() as conn:  # enough alike complaints for key phrases
        for i in range(3):
            customer = ensure_identity(conn, "telegram", f"619{i}").customer_id
            ticket = open_ticket(conn, customer_id=customer, description="师傅摔坏了冰箱 " + PAYLOAD,
                                 ticket_class="urgent", topic="damage", config=config, now=utcnow(),
                                 record_event=False)
    login(page, live, "boss")
    page.page.click("#nav a[data-route='tickets']")
    row = page.page.locator(f"tr.ticket-row[data-id='{ticket.public_id}']")
    row.wait_for()
    page.assert_clean("tickets")
    page.page.goto(f"{live.url}/console#/dashboard")
    page.page.wait_for_selector("#view .tile, #view table, #view .panel", timeout=WAIT_MS)
    page.page.wait_for_selector("#pain-points")
    for summary in page.page.locator("#pain-points details summary").all():
        summary.click()  # open every phrase's quotes
    page.page.locator("#pain-points .quotes li", has_text=SCRIPT).first.wait_for()  # quoted as text
    page.assert_clean("dashboard")


def test_the_script_editor_and_admin_lists(page: Page, live: Live) -> None:
    login(page, live, "boss")
    page.page.goto(f"{live.url}/console#/admin/users")
    page.page.wait_for_selector("#users-table tr[data-user='wei']")
    assert IMG in page.page.inner_text("#users-table")  # display names as text
    page.assert_clean("users")
    page.page.goto(f"{live.url}/console#/admin/scripts")
    page.page.locator("#script-list a", has_text="faq.yml").click()
    page.page.locator("#script-editor").wait_for()
    deadline = time.monotonic() + 10
    while SCRIPT not in page.page.input_value("#script-editor") and time.monotonic() < deadline:
        page.page.wait_for_timeout(100)  # the file's content arrives after the editor appears
    assert SCRIPT in page.page.input_value("#script-editor")
    # a broken script whose error messages quote the payload
    page.page.fill("#script-editor", f"version: 1\nfaq:\n  - id: {ATTR}\n    question: [{IMG}\n")
    page.page.click("#script-check")
    page.page.wait_for_selector("#script-errors li")
    page.assert_clean("script editor with errors")
    page.page.goto(f"{live.url}/console#/admin/audit")
    page.page.wait_for_selector("#audit-table")
    page.assert_clean("audit")


def test_the_web_chat_page_shows_hostile_text_and_answers_as_text(page: Page, live: Live) -> None:
    page.page.goto(f"{live.url}/chat")
    for i, text in enumerate((PAYLOAD, "faq scripttest", "从" + IMG + "搬到" + ATTR + "，两室一厅，多少钱")):
        page.page.fill("#input", text)
        page.page.click("#send")
        page.page.locator(".msg.bot").nth(i).wait_for()
    page.page.locator(".msg.bot", has_text=JS_URL).first.wait_for()  # the hostile FAQ answer
    assert page.page.locator(".msg.user", has_text=SCRIPT).count() >= 1
    page.assert_clean("web chat", root="#log")  # (the page's own script is inline)
