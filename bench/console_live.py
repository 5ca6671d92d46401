"""The live server the console bench drives: uvicorn with the fake Telegram API, logins,
the webhook and an SSE reader."""

from __future__ import annotations

import json
import queue as queue_mod
import secrets
import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx

TARGET_MS = 300.0
SECRET = "bench-telegram-secret"
TOKEN = "123456:BENCH"
PASSWORD = "bench password 2026"
USERS = {"sup": "supervisor", "ann": "agent", "bob": "agent", "cai": "agent", "dee": "agent"}
ANGRY = ["气死我了！你们什么破服务，垃圾！", "太过分了！搬家师傅把我的冰箱摔坏了，气死我了！",
         "This is outrageous! Worst service ever, I am furious!"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Live:
    """The app on a free loopback port, with console users; Telegram faked."""

    def __init__(self, url: str, fake_base: str, *, scheduler: bool = True) -> None:
        self.db_url, self.fake_base, self.scheduler = url, fake_base, scheduler
        self.base = ""
        self.services: Any = None
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Live:
        import uvicorn
        from pydantic import SecretStr

        from bot.app import create_app
        from bot.console.auth import create_user
        from bot.services import build_services
        from bot.settings import Settings
        from nlu.builtin import default_nlu

        settings = Settings(database_url=self.db_url, hot_reload=False,
                            telegram_token=SecretStr(TOKEN), telegram_secret=SecretStr(SECRET),
                            telegram_api_base=self.fake_base,
                            secret_key=SecretStr(secrets.token_urlsafe(24)))
        self.services = build_services(settings, nlu=default_nlu(), migrate=True)
        with self.services.db.transaction() as conn:
            for name, role in USERS.items():
                create_user(conn, name, PASSWORD, role, now=datetime.now(UTC))
        app = create_app(settings, self.services, scheduler=self.scheduler)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                                     log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.02)  # start-up, not measured
        if not self._server.started:
            raise RuntimeError("the server did not start")
        self.base = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
        if self.services is not None:
            self.services.close()

    def login(self, username: str) -> httpx.Client:
        client = httpx.Client(base_url=self.base, timeout=30)
        r = client.post("/api/console/login", json={"username": username, "password": PASSWORD})
        r.raise_for_status()
        client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        return client


def post_update(client: httpx.Client, update_id: int, chat_id: int, text: str) -> None:
    lang = "en" if text.isascii() else "zh-hans"
    user = {"id": chat_id, "is_bot": False, "first_name": "Bench", "last_name": str(chat_id),
            "language_code": lang}
    update = {"update_id": update_id, "message": {
        "message_id": update_id, "from": user, "date": int(time.time()), "text": text,
        "chat": {"id": chat_id, "first_name": "Bench", "last_name": str(chat_id),
                 "type": "private"}}}
    r = client.post("/webhooks/telegram", json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    r.raise_for_status()


class Stream:
    """An SSE client of /api/console/stream in a thread: (arrival, payload) pairs."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.events: queue_mod.Queue[tuple[float, dict[str, Any]]] = queue_mod.Queue()
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Stream:
        self.thread.start()
        if not self.ready.wait(10):
            raise RuntimeError("the event stream did not open")
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()  # the thread ends at the next line, or when the server stops

    def close(self) -> None:
        """After the server stopped (which ends open streams)."""
        self.stop.set()
        self.thread.join(timeout=5)
        self.client.close()

    def _run(self) -> None:
        try:
            with self.client.stream("GET", "/api/console/stream",
                                    timeout=httpx.Timeout(5, read=None)) as r:
                r.raise_for_status()
                self.ready.set()
                for line in r.iter_lines():
                    if self.stop.is_set():
                        return
                    if line.startswith("data:"):
                        self.events.put((time.perf_counter(), json.loads(line[5:])))
        except (httpx.HTTPError, ValueError) as exc:
            if not self.stop.is_set():
                print(f"stream ended: {exc}", file=sys.stderr)
        finally:
            self.ready.set()

    def next_handoff(self, seen: set[str], timeout: float) -> tuple[float, str] | None:
        deadline = time.perf_counter() + timeout
        while (left := deadline - time.perf_counter()) > 0:
            try:
                at, event = self.events.get(timeout=left)
            except queue_mod.Empty:
                return None
            cid = str(event.get("conversation_id"))
            if event.get("type") == "handoff" and cid not in seen:
                seen.add(cid)
                return at, cid
        return None


@contextmanager
def console_page(live: Live, username: str) -> Iterator[Any]:
    """A headless Chromium page logged in to the console as ``username``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        try:
            page = browser.new_page()
            page.goto(f"{live.base}/console")
            page.fill("#username", username)
            page.fill("#password", PASSWORD)
            page.click("#login-submit")
            yield page
        finally:
            browser.close()
