"""A fake Rasa 3.6 server for ``POST /model/parse``: an httpx handler and a loopback HTTP server.

Answers are shaped like Rasa's documented ParseResult (HTTP API spec, ``/model/parse``; entity
keys as DIETClassifier and DucklingEntityExtractor put them)::

    {"text": ..., "intent": {"name": ..., "confidence": ...},
     "entities": [{"entity", "start", "end", "confidence_entity", "value", "extractor"}],
     "text_tokens": [[start, end], ...],
     "intent_ranking": [{"name", "confidence"}, ...],
     "response_selector": {"all_retrieval_intents": [], "default": {"response": {...}, "ranking": []}}}

Errors use Rasa's error body ``{"version", "status", "message", "reason", "code"}``. The intent
is scripted: the first rule whose keyword occurs in the text wins, else ``default_intent``.
Failure modes for the next calls: ``"500"``, ``"409"`` (no model loaded), ``"timeout"``,
``"garbage"`` (not JSON), ``"shape"`` (JSON, not a parse result).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

RASA_VERSION = "3.6.21"
INTENTS = ("greet", "goodbye", "affirm", "deny", "quote", "book", "complain", "faq", "human")
FAILURES = ("500", "409", "timeout", "garbage", "shape")


@dataclass
class Rule:
    keyword: str
    intent: str
    confidence: float = 0.93
    entities: list[dict[str, Any]] = field(default_factory=list)


def parse_result(text: str, intent: str | None, confidence: float = 0.93,
                 entities: list[dict[str, Any]] | None = None,
                 others: tuple[str, ...] = INTENTS) -> dict[str, Any]:
    """A Rasa 3.6 ``/model/parse`` body; the ranking spreads the rest over ``others``."""
    rest = [name for name in others if name != intent][:9]
    share = (1.0 - confidence) / max(1, len(rest))
    ranking = [{"name": intent, "confidence": confidence}] if intent else []
    ranking += [{"name": name, "confidence": share} for name in rest] if intent else []
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence if intent else 0.0},
        "entities": entities or [],
        "text_tokens": [[m.start(), m.end()] for m in re.finditer(r"\S+", text)],
        "intent_ranking": ranking,
        "response_selector": {
            "all_retrieval_intents": [],
            "default": {"response": {"responses": None, "confidence": 0.0,
                                     "intent_response_key": None, "utter_action": "utter_None"},
                        "ranking": []},
        },
    }


def diet_entity(text: str, surface: str, entity: str, value: Any = None) -> dict[str, Any]:
    """An entity as DIETClassifier reports it (offsets found in ``text``)."""
    start = text.index(surface)
    return {"entity": entity, "start": start, "end": start + len(surface),
            "confidence_entity": 0.9987, "value": surface if value is None else value,
            "extractor": "DIETClassifier"}


def error_body(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"version": RASA_VERSION, "status": "failure", "message": message,
            "reason": reason, "code": code}


class FakeRasa:
    """Scripted Rasa. Use :meth:`transport` (in-process) or :meth:`serve` (127.0.0.1)."""

    def __init__(self, default_intent: str = "greet") -> None:
        self.default_intent = default_intent
        self.rules: list[Rule] = []
        self.calls: list[dict[str, Any]] = []
        self.failures: deque[str] = deque()
        self.always_fail: str | None = None
        self.release = threading.Event()  # ends a simulated timeout early (server shutdown)
        self._lock = threading.Lock()

    def script(self, keyword: str, intent: str, confidence: float = 0.93,
               entities: list[dict[str, Any]] | None = None) -> FakeRasa:
        self.rules.append(Rule(keyword, intent, confidence, entities or []))
        return self

    def fail(self, *modes: str) -> None:
        """The next calls fail this way, in order; then success again."""
        assert all(m in FAILURES for m in modes), modes
        with self._lock:
            self.failures.extend(modes)

    def answer(self, path: str, body: bytes) -> tuple[int, str, str | None]:
        """(status, body text, failure mode or None) for one request."""
        with self._lock:
            mode = self.failures.popleft() if self.failures else self.always_fail
        if path.split("?")[0] != "/model/parse":
            return 404, json.dumps(error_body(404, "NotFound", "Not found")), None
        try:
            request = json.loads(body)
            text = request["text"]
        except (ValueError, KeyError, TypeError):
            return 400, json.dumps(error_body(400, "BadRequest", "No text message in request")), None
        with self._lock:
            self.calls.append(request)
        if mode == "500":
            return 500, json.dumps(error_body(500, "ParsingError", "An unexpected error occurred. "
                                                                   "Error: 'NoneType'")), mode
        if mode == "409":
            return 409, json.dumps(error_body(409, "Conflict", "No model loaded")), mode
        if mode == "garbage":
            return 200, "<html><body>502 Bad Gateway</body></html>", mode
        if mode == "shape":
            return 200, json.dumps({"ok": True, "result": []}), mode
        if mode == "timeout":
            return 200, "", mode
        rule = next((r for r in self.rules if r.keyword in text), None)
        if rule is None:
            return 200, json.dumps(parse_result(text, self.default_intent), ensure_ascii=False), None
        result = parse_result(text, rule.intent, rule.confidence, rule.entities)
        return 200, json.dumps(result, ensure_ascii=False), None

    # -- in process ---------------------------------------------------------------------------

    def handler(self, request: httpx.Request) -> httpx.Response:
        status, text, mode = self.answer(request.url.raw_path.decode(), request.read())
        if mode == "timeout":
            raise httpx.ReadTimeout("timed out (fake)", request=request)
        return httpx.Response(status, text=text, headers={"content-type": "application/json"})

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    # -- over loopback ------------------------------------------------------------------------

    def serve(self) -> RasaServer:
        """A threaded server on 127.0.0.1 (context manager; ``.url`` is CARELINE_RASA_URL)."""
        return RasaServer(self)


class RasaServer:
    def __init__(self, fake: FakeRasa, timeout_delay: float = 5.0) -> None:
        self.fake, self.timeout_delay = fake, timeout_delay
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = False
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True, name="fake-rasa")

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> RasaServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.fake.release.set()  # let a simulated slow answer finish now
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()


def _handler(server: RasaServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            status, text, mode = server.fake.answer(self.path, self.rfile.read(length))
            if mode == "timeout":
                server.fake.release.wait(server.timeout_delay)
                text = json.dumps(parse_result("", server.fake.default_intent))
            payload = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client may have given up (timeout test)
                self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
