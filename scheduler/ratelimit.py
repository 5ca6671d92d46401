"""Platform send limits as sliding windows (Telegram: 30/s overall, 1/s per chat, 20/min per group).

``reserve`` answers "may I send to this recipient now?" and, when yes, records the send. When
not, it says how long to wait and whether the channel as a whole is saturated (``"global"``:
wait, any row would have to) or only this recipient (``"recipient"``: send another row first).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limit:
    count: int
    per: float  # seconds


class RateLimiter:
    def __init__(self, overall: tuple[Limit, ...], per_recipient: Callable[[str], tuple[Limit, ...]],
                 *, clock: Callable[[], float] = time.monotonic) -> None:
        self.overall = overall
        self.per_recipient = per_recipient
        self.clock = clock
        self._sent: deque[float] = deque()
        self._by_recipient: dict[str, deque[float]] = {}
        self._max_keys = 50_000
        self._lock = threading.Lock()

    @staticmethod
    def _wait(window: deque[float], limits: tuple[Limit, ...], now: float) -> float:
        wait = 0.0
        for limit in limits:
            recent = [t for t in window if t > now - limit.per]
            if len(recent) >= limit.count:
                wait = max(wait, recent[-limit.count] + limit.per - now)
        return wait

    def reserve(self, recipient: str) -> tuple[float, str]:
        """(0, "") and the send is recorded, or (seconds to wait, "global" | "recipient")."""
        with self._lock:
            now = self.clock()
            horizon = max((lim.per for lim in self.overall), default=0.0)
            while self._sent and self._sent[0] <= now - horizon:
                self._sent.popleft()
            wait = self._wait(self._sent, self.overall, now)
            if wait > 0:
                return wait, "global"
            limits = self.per_recipient(recipient)
            window = self._by_recipient.setdefault(recipient, deque())
            keep = max((lim.per for lim in limits), default=0.0)
            while window and window[0] <= now - keep:
                window.popleft()
            wait = self._wait(window, limits, now)
            if wait > 0:
                return wait, "recipient"
            self._sent.append(now)
            window.append(now)
            if len(self._by_recipient) > self._max_keys:  # forget idle recipients
                # (a window is only trimmed when its own recipient comes back: trim here,
                # or every recipient ever seen would stay — the web chat's are client-chosen)
                self._by_recipient = {
                    k: v for k, v in self._by_recipient.items()
                    if v and v[-1] > now - max((lim.per for lim in self.per_recipient(k)),
                                               default=0.0)}
                self._max_keys = max(50_000, 2 * len(self._by_recipient))
            return 0.0, ""


def telegram_limits(clock: Callable[[], float] = time.monotonic) -> RateLimiter:
    """Telegram's documented limits: group chats have negative ids."""

    def per_chat(chat_id: str) -> tuple[Limit, ...]:
        if chat_id.startswith("-"):
            return (Limit(20, 60.0),)
        return (Limit(1, 1.0),)

    return RateLimiter((Limit(30, 1.0),), per_chat, clock=clock)


def limiter_for(channel: str) -> RateLimiter | None:
    return telegram_limits() if channel == "telegram" else None
