"""A loopback fake of the Telegram Bot API, and sample updates modelled on the official docs.

The server answers ``/bot<token>/<method>`` with the documented envelopes
(https://core.telegram.org/bots/api#making-requests): ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": ..., "description": ..., "parameters"?: {...}}``. It records
every call and can be scripted per method: failures, delays, updates for ``getUpdates``.
Like the real API it refuses ``getUpdates`` (409) while a webhook is set.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import urllib.parse
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "123:ABC"
BOT_USER = {"id": 123, "is_bot": True, "first_name": "Careline", "username": "CarelineBot"}
DATE = 1_795_000_000  # 2026-11-17, a plain Unix time as the API sends it


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class Failure:
    """One scripted answer instead of success: an API error and/or a delay before answering."""

    status: int = 0
    description: str = ""
    parameters: dict[str, Any] | None = None
    delay: float = 0.0


def too_many_requests(retry_after: int = 3) -> Failure:
    return Failure(429, f"Too Many Requests: retry after {retry_after}",
                   {"retry_after": retry_after})


def blocked() -> Failure:
    return Failure(403, "Forbidden: bot was blocked by the user")


def chat_not_found() -> Failure:
    return Failure(400, "Bad Request: chat not found")


def server_error() -> Failure:
    return Failure(500, "Internal Server Error")


def slow(seconds: float) -> Failure:
    """Answer successfully, but only after ``seconds`` (or when the fake closes)."""
    return Failure(delay=seconds)


@dataclass
class _State:
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, deque[Failure]] = field(default_factory=lambda: defaultdict(deque))
    updates: list[dict[str, Any]] = field(default_factory=list)
    webhook_url: str = ""
    webhook_secret: str | None = None


class FakeTelegram:
    """Threaded HTTP server on 127.0.0.1; use as a context manager (it closes its threads)."""

    def __init__(self, token: str = TOKEN, *, idle_poll: float = 0.2) -> None:
        self.token = token
        self.idle_poll = idle_poll  # the longest getUpdates waits when nothing is queued
        self.state = _State()
        self._cond = threading.Condition()
        self._closing = threading.Event()
        self._message_ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = False  # close() waits for every answer to finish
        # A short poll interval: shutdown() waits for one, at every test's teardown.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True, name="fake-telegram")

    def __enter__(self) -> FakeTelegram:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closing.set()  # release delayed answers now
        with self._cond:
            self._cond.notify_all()
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        """The value for CARELINE_TELEGRAM_API_BASE."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- scripting and inspection ---------------------------------------------------------

    def fail(self, method: str, *failures: Failure) -> None:
        """The next calls of ``method`` get these answers, in order; then success again."""
        with self._cond:
            self.state.failures[method].extend(failures)

    def queue_updates(self, *updates: dict[str, Any]) -> None:
        with self._cond:
            self.state.updates.extend(updates)
            self._cond.notify_all()

    def set_webhook_url(self, url: str) -> None:
        self.state.webhook_url = url

    @property
    def webhook_url(self) -> str:
        return self.state.webhook_url

    def calls(self, method: str | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self.state.calls if method is None or c.method == method]

    def sent(self) -> list[dict[str, Any]]:
        """The params of every sendMessage the fake accepted or refused, in order."""
        return [c.params for c in self.calls("sendMessage")]

    def wait_for(self, method: str, count: int, timeout: float = 10.0) -> bool:
        """Block until ``method`` was called ``count`` times (synchronisation, not a sleep)."""
        with self._cond:
            return self._cond.wait_for(
                lambda: sum(c.method == method for c in self.state.calls) >= count, timeout)

    # -- the API --------------------------------------------------------------------------

    def answer(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._cond:
            self.state.calls.append(Call(method, params))
            self._cond.notify_all()
            queued = self.state.failures.get(method)
            failure = queued.popleft() if queued else None
        if token != self.token:
            return _error(401, "Unauthorized")
        if failure is not None:
            if failure.delay:
                self._closing.wait(failure.delay)
            if failure.status:
                return _error(failure.status, failure.description, failure.parameters)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found")
        return 200, {"ok": True, "result": handler(params)}

    def _api_getMe(self, params: dict[str, Any]) -> Any:
        return {**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = params["chat_id"]
        chat = {"id": int(chat_id) if str(chat_id).lstrip("-").isdigit() else chat_id,
                "first_name": "Wei", "type": "private"}
        message = {"message_id": next(self._message_ids), "from": BOT_USER, "chat": chat,
                   "date": DATE, "text": params["text"]}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        self.state.webhook_url = params["url"]
        self.state.webhook_secret = params.get("secret_token")
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.state.webhook_url = ""
        return True

    def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.state.webhook_url:
            raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                 "active; use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset", 0))
        wait = min(float(params.get("timeout", 0)), self.idle_poll)
        with self._cond:
            # An offset confirms every update before it, as in the real API.
            self.state.updates = [u for u in self.state.updates if u["update_id"] >= offset]
            self._cond.wait_for(lambda: bool(self.state.updates) or self._closing.is_set(), wait)
            return list(self.state.updates)


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def _error(status: int, description: str,
           parameters: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, body


def _decode(value: str) -> Any:
    # Form fields carry objects (reply_markup) as JSON text; other values stay strings.
    if value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _params(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        return dict(json.loads(body))
    # PTB posts form fields (multipart only for file uploads, which no test makes).
    return {k: _decode(v) for k, v in urllib.parse.parse_qsl(body.decode(), keep_blank_values=True)}


def _handler(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 5  # an idle keep-alive connection must not hold close() forever

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            path = urllib.parse.urlparse(self.path).path.strip("/")
            head, _, method = path.partition("/")
            if not head.startswith("bot") or not method:
                status, payload = _error(404, "Not Found")
            else:
                params = _params(self.headers.get("Content-Type", ""), body)
                try:
                    status, payload = fake.answer(head[3:], method, params)
                except _ApiError as exc:
                    status, payload = _error(exc.status, exc.description)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            # The client may have given up waiting (a scripted delay), as on the real network.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

        do_GET = do_POST

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

    return Handler


# -- sample updates (shapes from https://core.telegram.org/bots/api#update) --------------------

_ids = itertools.count(100)


def _user(user_id: int, language_code: str) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Wei", "last_name": "Zhang",
            "username": "weizhang", "language_code": language_code}


def _message(chat_id: int, language_code: str, **content: Any) -> dict[str, Any]:
    return {"message_id": next(_ids), "from": _user(chat_id, language_code),
            "chat": {"id": chat_id, "first_name": "Wei", "last_name": "Zhang",
                     "username": "weizhang", "type": "private"},
            "date": DATE, **content}


def text_update(update_id: int, text: str, *, chat_id: int = 777,
                language_code: str = "zh-hans") -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        content["entities"] = [{"offset": 0, "length": len(text.split(" ", 1)[0]),
                                "type": "bot_command"}]
    return {"update_id": update_id, "message": _message(chat_id, language_code, **content)}


command_update = text_update  # "/start", "/help@CarelineBot": the entities mark the command


def callback_update(update_id: int, data: str, labels: list[str], *, chat_id: int = 777,
                    text: str = "您好！", language_code: str = "zh-hans") -> dict[str, Any]:
    """The customer pressed the button whose callback_data is ``data`` under a bot message."""
    keyboard = [[{"text": label, "callback_data": str(i)}] for i, label in enumerate(labels, 1)]
    shown = {"message_id": next(_ids), "from": BOT_USER,
             "chat": {"id": chat_id, "first_name": "Wei", "type": "private"}, "date": DATE,
             "text": text, "reply_markup": {"inline_keyboard": keyboard}}
    return {"update_id": update_id, "callback_query": {
        "id": f"4382bfdwdsb323b2d9{update_id}", "from": _user(chat_id, language_code),
        "message": shown, "chat_instance": "-7148376823543541", "data": data}}


def photo_update(update_id: int, caption: str | None = None, *, chat_id: int = 777,
                 file_id: str = "AgACAgQAAxkBAAIBLargest") -> dict[str, Any]:
    sizes = [{"file_id": "AgACAgQAAxkBAAIBThumb", "file_unique_id": "AQADs1", "file_size": 1204,
              "width": 90, "height": 67},
             {"file_id": file_id, "file_unique_id": "AQADs3", "file_size": 81234,
              "width": 1280, "height": 960},
             {"file_id": "AgACAgQAAxkBAAIBMedium", "file_unique_id": "AQADs2",
              "file_size": 20117, "width": 320, "height": 240}]
    content: dict[str, Any] = {"photo": sizes}
    if caption is not None:
        content["caption"] = caption
    return {"update_id": update_id, "message": _message(chat_id, "zh-hans", **content)}


def document_update(update_id: int, caption: str | None = None, *,
                    chat_id: int = 777) -> dict[str, Any]:
    doc = {"file_name": "floor-plan.pdf", "mime_type": "application/pdf",
           "file_id": "BQACAgQAAxkBAAIBDoc", "file_unique_id": "AgADDoc", "file_size": 482133}
    content: dict[str, Any] = {"document": doc}
    if caption is not None:
        content["caption"] = caption
    return {"update_id": update_id, "message": _message(chat_id, "zh-hans", **content)}


def voice_update(update_id: int, *, chat_id: int = 777) -> dict[str, Any]:
    voice = {"duration": 4, "mime_type": "audio/ogg", "file_id": "AwACAgQAAxkBAAIBVoice",
             "file_unique_id": "AgADVoice", "file_size": 13420}
    return {"update_id": update_id, "message": _message(chat_id, "zh-hans", voice=voice)}


def sticker_update(update_id: int, *, chat_id: int = 777,
                   language_code: str = "en") -> dict[str, Any]:
    sticker = {"width": 512, "height": 512, "emoji": "👍", "set_name": "HotCherry",
               "is_animated": False, "is_video": False, "type": "regular",
               "file_id": "CAACAgIAAxkBAAIBSticker", "file_unique_id": "AgADSticker",
               "file_size": 25172}
    return {"update_id": update_id, "message": _message(chat_id, language_code, sticker=sticker)}


def edited_message_update(update_id: int, text: str, *, chat_id: int = 777) -> dict[str, Any]:
    message = _message(chat_id, "zh-hans", text=text, edit_date=DATE + 60)
    return {"update_id": update_id, "edited_message": message}
