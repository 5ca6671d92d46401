"""A loopback stand-in for the Telegram Bot API and the WeChat API, counting what arrives.

Answers with the documented success shapes as fast as it can, so the figures measure Careline
(rate limiting, delivery, acknowledgement), not the fake. Records arrival times and texts to
find the achieved rate and any duplicate.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlparse


class LoopbackApi:
    """A threaded HTTP server on a free loopback port that answers every GET and POST with
    JSON: ``answer(path, params)`` gives the status and the body (``params`` is the JSON
    body, or the form fields with JSON values decoded)."""

    def __init__(self) -> None:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                return

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in two writes; without this, delayed ACKs add 40 ms.
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:
                self._reply({})

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._reply(request_params(raw, self.headers.get("Content-Type", "")))

            def _reply(self, params: dict[str, Any]) -> None:
                status, body = api.answer(urlparse(self.path).path, params)
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (its timeout): nothing to answer
                    self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError


class FakePlatform(LoopbackApi):
    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[tuple[float, str, str]] = []  # (time, recipient, text)
        self._lock = threading.Lock()
        self._message_id = 0

    def answer(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, self.handle(path, params)

    def handle(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        now = time.perf_counter()
        if path.endswith("/sendMessage"):
            with self._lock:
                self._message_id += 1
                self.arrivals.append((now, str(params.get("chat_id")), str(params.get("text"))))
                mid = self._message_id
            return {"ok": True, "result": {
                "message_id": mid, "date": int(time.time()), "text": params.get("text", ""),
                "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
                "from": {"id": 1, "is_bot": True, "first_name": "Careline"}}}
        if path.endswith("/getMe"):
            return {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "Careline",
                                           "username": "careline_bot"}}
        if path == "/cgi-bin/token":
            return {"access_token": "ACCESS_TOKEN", "expires_in": 7200}
        if path.startswith("/cgi-bin/message/"):
            with self._lock:
                text = (params.get("text") or {}).get("content", "")
                self.arrivals.append((now, str(params.get("touser")), str(text)))
            return {"errcode": 0, "errmsg": "ok"}
        if "/bot" in path:
            return {"ok": True, "result": True}
        return {"errcode": 40001, "errmsg": "unknown api"}


def request_params(raw: bytes, content_type: str) -> dict[str, Any]:
    """A request's JSON body, or its form fields with JSON values decoded; {} if unreadable."""
    if "json" in content_type or raw.startswith(b"{"):
        try:
            return dict(json.loads(raw or b"{}"))
        except ValueError:
            return {}
    form: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
    for key, value in list(form.items()):
        with contextlib.suppress(ValueError):
            form[key] = json.loads(value)
    return form


def chat_gaps_under(sends: Iterable[tuple[float, str]], gap: float = 0.95) -> int:
    """Sends ``(time, chat)`` closer than ``gap`` s to the previous one in the same chat
    (Telegram's limit is 1 per second; the 50 ms of slack is for clock granularity)."""
    last: dict[str, float] = {}
    bad = 0
    for t, chat in sorted(sends):
        if chat in last and t - last[chat] < gap:
            bad += 1
        last[chat] = t
    return bad
