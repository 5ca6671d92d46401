"""Shared pieces of the tests that run the app on a real port and drive it in headless Chromium.

``live_server`` serves an app with uvicorn in a thread on a free loopback port;
``console_services`` builds the services of such an app with console users;
``chromium`` launches the browser the way DESIGN.md says (``executable_path``, no sandbox);
``open_page`` gives one test a fresh context (no cookies) that records dialogs and script
errors and keeps a screenshot in /tmp when the test failed.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: CI installs Chromium and sets CARELINE_REQUIRE_BROWSER, so there a missing browser fails.
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CARELINE_REQUIRE_BROWSER"),
    reason="no Chromium found (Debian package 'chromium'; .ci/run installs it)")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run"]
WAIT_MS = 10_000


class LiveServer:
    """``app`` served by uvicorn in a thread on a free loopback port (``url``)."""

    def __init__(self, app: Any, *, start_timeout: float = 15.0) -> None:
        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + start_timeout
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)  # waiting for start-up, not timing anything
        assert self.server.started, "the server did not start"

    def stop(self, timeout: float = 10) -> bool:
        """Ask the server to exit; whether its thread ended within ``timeout``."""
        self.server.should_exit = True
        self.thread.join(timeout=timeout)
        return not self.thread.is_alive()


@contextmanager
def live_server(app: Any, *, services: Any = None) -> Iterator[str]:
    """The base URL of ``app`` on a live server; stops it (and closes ``services``) after."""
    server = LiveServer(app)
    try:
        yield server.url
    finally:
        server.stop()
        if services is not None:
            services.close()


def console_services(db_url: str, nlu: Any, users: Mapping[str, str], password: str, *,
                     display_names: Mapping[str, str] | None = None,
                     **settings: Any) -> tuple[Any, Any]:
    """Settings and services on ``db_url`` with console ``users`` (name -> role) signed in by
    ``password``; display names are the capitalised user names unless given."""
    from pydantic import SecretStr

    from bot.console.auth import create_user
    from bot.services import build_services
    from bot.settings import Settings
    from storage.types import utcnow

    settings.setdefault("secret_key", SecretStr("browser-test-secret-key-0123"))
    built = Settings(database_url=db_url, hot_reload=False, **settings)
    services = build_services(built, nlu=nlu)
    names = display_names or {}
    with services.db.transaction() as conn:
        for name, role in users.items():
            create_user(conn, name, password, role, now=utcnow(),
                        display_name=names.get(name, name.capitalize()))
    return built, services


def telegram_settings(fake: Any, secret: str) -> dict[str, Any]:
    """Settings of a bot whose Telegram is the loopback ``fake`` (tests/fakes/telegram_api.py)
    and whose webhook checks ``secret``."""
    from pydantic import SecretStr

    return {"telegram_token": SecretStr("123:ABC"), "telegram_secret": SecretStr(secret),
            "telegram_api_base": fake.base_url}


def post_telegram(base_url: str, update: dict[str, Any], secret: str) -> None:
    """Telegram delivers ``update`` to the live server's webhook."""
    request = urllib.request.Request(
        f"{base_url}/webhooks/telegram", data=json.dumps(update).encode(), method="POST",
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (Playwright's ``Browser``)."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM is not None, "Chromium is required here (CARELINE_REQUIRE_BROWSER is set)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watched:
    """A page and what it showed besides itself: dialogs (dismissed) and script errors."""

    page: Any
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)



@contextmanager
def open_page(browser: Any, request: pytest.FixtureRequest | None = None, *,
              viewport: tuple[int, int] = (1280, 900), lang: str = "en",
              console_errors: bool = True, shot_prefix: str = "") -> Iterator[Watched]:
    """A fresh context (no session) on the console's language ``lang``.

    ``errors`` collects uncaught exceptions and, with ``console_errors``, the console's
    error lines (except the browser's own line for every 4xx answer, which tests cause on
    purpose). With ``request`` and ``shot_prefix``, a failed test leaves
    ``/tmp/<prefix>-<test>.png``.
    """
    width, height = viewport
    context = browser.new_context(locale="en-GB" if lang == "en" else "zh-CN",
                                  viewport={"width": width, "height": height})
    context.add_init_script(f"localStorage.setItem('careline.console.lang', '{lang}')")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    seen = Watched(page)

    def on_dialog(dialog: Any) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: seen.errors.append(str(exc)))
    if console_errors:
        page.on("console", lambda msg: seen.errors.append(msg.text) if msg.type == "error"
                and not msg.text.startswith("Failed to load resource") else None)
    failed_before = request.session.testsfailed if request is not None else 0
    try:
        yield seen
    finally:
        if request is not None and shot_prefix and request.session.testsfailed > failed_before:
            shot = Path("/tmp") / f"{shot_prefix}-{request.node.name}.png"
            try:
                page.screenshot(path=str(shot), full_page=True)
                print(f"screenshot: {shot}")
            except Exception as exc:  # the page may be gone
                print(f"no screenshot: {exc}")
        context.close()
