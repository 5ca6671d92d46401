"""Loopback Telegram Bot API and WeChat API for ``python -m bench.load``, with faults.

Answers with the documented shapes (Telegram: ``{"ok": true, "result": Message}`` or
``{"ok": false, "error_code", "description", "parameters": {"retry_after"}}``; WeChat:
``{"errcode": 0, "errmsg": "ok"}`` or an errcode) and records every message that reached the
customer: the load's customers read their replies from here, and the final check compares
these records with the outbox.

Faults, each for a fraction of the send calls: Telegram 429 with ``retry_after`` / WeChat
errcode -1 ("system busy"); HTTP 500; and a timeout — the message is delivered, then the
answer is held past the client's timeout, the way a platform that is slow to answer may
still have delivered (this is the case that can legitimately produce a duplicate).
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.fakeplatform import LoopbackApi

#: Longer than both adapters' read timeouts (10 s), so the sender gives up first.
STALL_SECONDS = 11.0


@dataclass
class Faults:
    rate_limited: float = 0.0  # Telegram 429 retry_after / WeChat errcode -1
    server_error: float = 0.0  # HTTP 500
    timeout: float = 0.0  # delivered, answer held past the client's timeout
    retry_after: int = 1
    max_stalled: int = 1  # at most this many held answers at a time (each blocks a sender)
    stall: float = STALL_SECONDS  # how long a timed-out answer is held
    once_per_message: bool = False  # a message that met a fault is not faulted again

    @property
    def any(self) -> bool:
        return bool(self.rate_limited or self.server_error or self.timeout)


@dataclass
class Arrival:
    t: float  # time.perf_counter()
    platform: str  # telegram | wechat
    recipient: str
    text: str
    timed_out: bool = False  # the sender was not told (answer held past its timeout)


@dataclass
class Counters:
    calls: int = 0
    rate_limited: int = 0
    server_error: int = 0
    timeouts: int = 0
    other: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class LoadFake(LoopbackApi):
    def __init__(self, faults: Faults | None = None, *, seed: int = 0) -> None:
        super().__init__()
        self.faults = faults or Faults()
        self.arrivals: list[Arrival] = []
        self.by_recipient: dict[str, list[Arrival]] = defaultdict(list)
        self.counters = Counters()
        self.faults_on = threading.Event()  # faults apply only while this is set
        #: called with "platform:recipient" after each delivery (from a server thread)
        self.listener: Callable[[str], None] | None = None
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stalled = 0
        self._faulted: set[str] = set()
        self._message_id = 0
        self._closing = threading.Event()

    def __exit__(self, *exc: object) -> None:
        self._closing.set()  # held answers are let go at once
        super().__exit__(*exc)

    # -- what the customers and the check read ------------------------------------------------

    def received(self, recipient: str, since: int = 0) -> list[Arrival]:
        with self._lock:
            return list(self.by_recipient.get(recipient, ())[since:])

    def count(self, recipient: str) -> int:
        with self._lock:
            return len(self.by_recipient.get(recipient, ()))

    # -- the API -------------------------------------------------------------------------------

    def _fault(self, key: str) -> str | None:
        if not self.faults_on.is_set() or not self.faults.any:
            return None
        f = self.faults
        with self._lock:
            if f.once_per_message and key in self._faulted:
                return None
            r = self._rng.random()
            if r < f.rate_limited + f.server_error + f.timeout:
                self._faulted.add(key)
            if r < f.rate_limited:
                self.counters.rate_limited += 1
                return "rate_limited"
            if r < f.rate_limited + f.server_error:
                self.counters.server_error += 1
                return "server_error"
            if r < f.rate_limited + f.server_error + f.timeout and self._stalled < f.max_stalled:
                self.counters.timeouts += 1
                self._stalled += 1
                return "timeout"
        return None

    def _deliver(self, platform: str, recipient: str, text: str, timed_out: bool) -> int:
        key = f"{platform}:{recipient}"
        with self._lock:
            self._message_id += 1
            arrival = Arrival(time.perf_counter(), platform, recipient, text, timed_out)
            self.arrivals.append(arrival)
            self.by_recipient[key].append(arrival)
            mid = self._message_id
        if self.listener is not None:
            self.listener(key)
        return mid

    def _stall(self) -> None:
        self._closing.wait(self.faults.stall)
        with self._lock:
            self._stalled -= 1

    def answer(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if path.endswith("/sendMessage"):
            return self._telegram_send(params)
        if path.endswith("/answerCallbackQuery"):
            return 200, {"ok": True, "result": True}
        if path.endswith("/getMe"):
            return 200, {"ok": True, "result": {"id": 1, "is_bot": True,
                                                "first_name": "Careline", "username": "c_bot"}}
        if path == "/cgi-bin/token":
            return 200, {"access_token": "ACCESS_TOKEN", "expires_in": 7200}
        if path == "/cgi-bin/message/custom/send":
            return self._wechat_send(params)
        with self._lock:
            self.counters.other[path] += 1
        if "/bot" in path:
            return 200, {"ok": True, "result": True}
        return 200, {"errcode": 40001, "errmsg": "unknown api"}

    def _telegram_send(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.counters.calls += 1
        chat_id, text = str(params.get("chat_id")), str(params.get("text", ""))
        fault = self._fault(f"{chat_id}\n{text}")
        if fault == "rate_limited":
            after = self.faults.retry_after
            return 429, {"ok": False, "error_code": 429,
                         "description": f"Too Many Requests: retry after {after}",
                         "parameters": {"retry_after": after}}
        if fault == "server_error":
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        mid = self._deliver("telegram", chat_id, text, timed_out=fault == "timeout")
        if fault == "timeout":
            self._stall()
        return 200, {"ok": True, "result": {
            "message_id": mid, "date": int(time.time()), "text": text,
            "chat": {"id": int(chat_id), "type": "private"},
            "from": {"id": 1, "is_bot": True, "first_name": "Careline"}}}

    def _wechat_send(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.counters.calls += 1
        touser = str(params.get("touser"))
        text = str((params.get("text") or {}).get("content", ""))
        fault = self._fault(f"{touser}\n{text}")
        if fault == "rate_limited":
            return 200, {"errcode": -1, "errmsg": "system error"}
        if fault == "server_error":
            return 500, {"errcode": -1, "errmsg": "internal error"}
        self._deliver("wechat", touser, text, timed_out=fault == "timeout")
        if fault == "timeout":
            self._stall()
        return 200, {"errcode": 0, "errmsg": "ok"}


def window_peak(times: list[float], window: float = 1.0) -> int:
    """The most sends in any ``window`` seconds (Telegram allows 30 per second)."""
    ordered, best, lo = sorted(times), 0, 0
    for hi, t in enumerate(ordered):
        while ordered[lo] <= t - window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best
