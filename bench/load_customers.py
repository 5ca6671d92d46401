"""Simulated customers for ``python -m bench.load``: Telegram and WeChat, zh and en.

Each customer holds the conversations of bench/load_scripts.py with the real webhooks:
Telegram ``Update`` JSON with the secret header, WeChat XML signed in plain mode or
encrypted in safe mode (the payload builders of tests/fakes, modelled on the official docs).
A customer sends a turn, waits for the bot's replies — from the fake platform API, plus the
passive reply in the HTTP answer on WeChat — and checks they match what the turn expects.
Like the platforms, it resends an update that was not acknowledged (connection reset by a
killed worker, 5xx, no answer in time) with the same id, and counts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from bench.load_fake import LoadFake
from bench.load_scripts import Script, Turn
from tests.fakes import telegram_api as tg
from tests.fakes import wechat_api as wx

clock = time.perf_counter
TG_SECRET = "load-secret-token"
WX_TOKEN, WX_APPID = "LoadToken", "wxload0123456789"
WX_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ACK_TIMEOUT = 5.0  # WeChat gives up after 5 s; Telegram waits longer, we do not
MAX_SENDS = 12  # an update is given up after this many unacknowledged tries
SETTLE = 1.3  # Telegram sends at most one message per second to a chat: wait for the rest
SURVEY_CSAT = r"1 is lowest|1 分最低"
SURVEY_TURNS = {
    "en": (Turn("5", r"recommend"), Turn("10", r"easy"), Turn("6", r"reason"),
           Turn("skip", r"Thank you")),
    "zh": (Turn("5", r"推荐"), Turn("10", r"容易"), Turn("6", r"原因"), Turn("跳过", r"感谢")),
}
_update_ids = itertools.count(5_000_000)
_msg_ids = itertools.count(6_100_000_000_000_000)


@dataclass
class Stats:
    ack_ms: dict[str, list[float]] = field(default_factory=lambda: {"telegram": [], "wechat": []})
    e2e_ms: dict[str, list[float]] = field(default_factory=lambda: {"telegram": [], "wechat": []})
    turns_ok: int = 0
    turns_bad: int = 0
    bad_samples: list[str] = field(default_factory=list)
    sent: int = 0  # updates acknowledged
    resends: int = 0  # tries after the first (the platform's retry)
    given_up: int = 0  # updates never acknowledged
    statuses: Counter[str] = field(default_factory=Counter)
    surveys_answered: int = 0
    acked: dict[str, set[str]] = field(default_factory=lambda: {"telegram": set(), "wechat": set()})
    passive: list[tuple[str, str]] = field(default_factory=list)  # (openid, text) in HTTP answers
    first_ack: float = 0.0
    last_ack: float = 0.0
    ack_times: list[float] = field(default_factory=list)


@dataclass
class World:
    """What every customer shares."""

    base_url: str
    fake: LoadFake
    stats: Stats
    #: completes a booking the way `careline bookings complete` does (schedules the survey)
    complete: Callable[[str], Awaitable[bool]]
    #: schedules a care message for this customer, due a few seconds later
    schedule_care: Callable[[str, str, str], Awaitable[None]]
    reply_timeout: float = 90.0
    think: float = 0.5
    _events: dict[str, asyncio.Event] = field(default_factory=dict)

    def arrivals(self, key: str) -> asyncio.Event:
        """Set when a message for ``key`` reaches the fake platform (no polling: 100+
        customers polling every few ms would eat the CPU the server needs)."""
        return self._events.setdefault(key, asyncio.Event())

    def listen(self) -> None:
        loop = asyncio.get_running_loop()

        def arrived(key: str) -> None:
            loop.call_soon_threadsafe(self.arrivals(key).set)

        self.fake.listener = arrived


class Customer:
    def __init__(self, world: World, index: int, channel: str, lang: str, safe: bool,
                 scripts: list[Script]) -> None:
        self.w, self.index, self.channel, self.lang, self.safe = world, index, channel, lang, safe
        self.scripts = scripts
        self.chat_id = 880_000_000 + index
        self.openid = f"oLoad{index:05d}"
        self.recipient = str(self.chat_id) if channel == "telegram" else self.openid
        self.key = f"{channel}:{self.recipient}"
        self.booking_id: str | None = None
        # two days ahead at least (moves need 24 h notice), spread over four weeks
        self.day = date.today() + timedelta(days=2 + index % 28)

    async def run(self, client: httpx.AsyncClient) -> None:
        for n, script in enumerate(self.scripts):
            ok = await self._script(client, script)
            if n == 0:
                await self.w.schedule_care(self.channel, self.recipient, self.lang)
            if ok and script.name == "quote_booking" and self.booking_id \
                    and await self.w.complete(self.booking_id):
                await self._survey(client)
            await asyncio.sleep(self.w.think)

    async def _script(self, client: httpx.AsyncClient, script: Script) -> bool:
        replies: list[str] = []
        for turn in script.turns:
            said = "\n".join(replies)
            if (turn.unless and re.search(turn.unless, said)) or (
                    turn.when and not re.search(turn.when, said)):
                continue
            replies = await self.turn(client, turn) or []
            if not replies:
                return False
            found = re.search(r"\bB\d{10}\b", "\n".join(replies))
            if found and script.name == "quote_booking":
                self.booking_id = found.group(0)
        return True

    async def _survey(self, client: httpx.AsyncClient) -> None:
        since = self.w.fake.count(self.key)
        deadline = clock() + self.w.reply_timeout
        event = self.w.arrivals(self.key)
        while clock() < deadline:
            event.clear()  # before reading: an arrival after the read sets it again
            texts = [a.text for a in self.w.fake.received(self.key, since)]
            if re.search(SURVEY_CSAT, "\n".join(texts)):
                break
            await _wait(event, deadline - clock())
        else:
            self._bad(f"survey for {self.booking_id} never arrived")
            return
        await asyncio.sleep(SETTLE)
        for turn in SURVEY_TURNS[self.lang]:
            if await self.turn(client, turn) is None:
                return
        self.w.stats.surveys_answered += 1

    def _bad(self, what: str) -> None:
        self.w.stats.turns_bad += 1
        if len(self.w.stats.bad_samples) < 12:
            self.w.stats.bad_samples.append(f"{self.key} [{self.lang}] {what}")

    async def turn(self, client: httpx.AsyncClient, turn: Turn) -> list[str] | None:
        """Send one message, wait for the replies; None (and counted) when they do not fit."""
        since = self.w.fake.count(self.key)
        started = clock()
        passive = await self._send(client, turn.for_day(self.day))
        if passive is False:
            self._bad(f"{turn.text!r}: never acknowledged")
            return None
        replies = [passive] if isinstance(passive, str) else []
        first = clock() if replies else None
        deadline = started + self.w.reply_timeout
        last_count, quiet_since = -1, clock()
        event = self.w.arrivals(self.key)
        texts = replies
        while (now := clock()) < deadline:
            event.clear()  # before reading: an arrival after the read sets it again
            pushed = self.w.fake.received(self.key, since)
            if pushed and first is None:
                first = pushed[0].t
            texts = replies + [a.text for a in pushed]
            if len(texts) != last_count:
                last_count, quiet_since = len(texts), now
            wait = deadline - now
            if turn.matches(texts):
                wait = SETTLE - (now - quiet_since)  # then no more replies to this turn
                if wait <= 0:
                    if first is not None:
                        self.w.stats.e2e_ms[self.channel].append((first - started) * 1000)
                    self.w.stats.turns_ok += 1
                    return texts
            await _wait(event, wait)
        self._bad(f"{turn.text!r} -> {' | '.join(texts)[:160]!r} (wanted /{turn.expect}/)")
        return None

    async def _send(self, client: httpx.AsyncClient, text: str) -> str | bool | None:
        """POST the update until acknowledged: the passive reply text (WeChat) or None;
        False when it was never acknowledged."""
        stats = self.w.stats
        if self.channel == "telegram":
            update_id = next(_update_ids)
            lang_code = "zh-hans" if self.lang == "zh" else "en"
            body = json.dumps(tg.text_update(update_id, text, chat_id=self.chat_id,
                                             language_code=lang_code)).encode()
            url, headers = "/webhooks/telegram", {tg_header(): TG_SECRET,
                                                  "Content-Type": "application/json"}
            ident = str(update_id)
        else:
            msg_id = next(_msg_ids)
            body, query = wechat_request(text, msg_id, self.openid, self.safe)
            url, headers = f"/webhooks/wechat?{urlencode(query)}", {"Content-Type": "text/xml"}
            ident = str(msg_id)
        for attempt in range(MAX_SENDS):
            if attempt:
                stats.resends += 1
                await asyncio.sleep(min(0.2 * 2 ** attempt, 3.0))
            t0 = clock()
            try:
                resp = await client.post(url, content=body, headers=headers, timeout=ACK_TIMEOUT)
            except httpx.HTTPError as exc:
                stats.statuses[type(exc).__name__] += 1
                continue
            stats.statuses[str(resp.status_code)] += 1
            if resp.status_code != 200:
                continue
            now = clock()
            stats.ack_ms[self.channel].append((now - t0) * 1000)
            stats.sent += 1
            stats.first_ack = stats.first_ack or now
            stats.last_ack = now
            stats.ack_times.append(now)
            stats.acked[self.channel].add(ident)
            if self.channel == "wechat":
                reply = passive_text(resp.content, self.safe)
                if reply is not None:
                    stats.passive.append((self.openid, reply))
                return reply
            return None
        stats.given_up += 1
        return False


async def _wait(event: asyncio.Event, timeout: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), max(0.0, timeout))


def tg_header() -> str:
    return "X-Telegram-Bot-Api-Secret-Token"


def wechat_request(text: str, msg_id: int, openid: str, safe: bool) -> tuple[bytes, dict[str, str]]:
    plain = wx.text_xml(text, msg_id=msg_id, openid=openid, create_time=int(time.time()))
    timestamp, nonce = str(int(time.time())), str(msg_id % 1_000_000_007)
    if safe:
        return wx.encrypted(plain, token=WX_TOKEN, aes_key=WX_AES_KEY, appid=WX_APPID,
                            timestamp=timestamp, nonce=nonce, openid=openid)
    return plain, wx.signed(WX_TOKEN, timestamp=timestamp, nonce=nonce, openid=openid)


def passive_text(body: bytes, safe: bool) -> str | None:
    """The Content of a passive reply (decrypted in safe mode); None for ``success``."""
    if not body.startswith(b"<xml>"):
        return None
    xml = body
    if safe and b"<Encrypt>" in body:
        xml = wx.decrypt_reply(body, token=WX_TOKEN, aes_key=WX_AES_KEY,
                               appid=WX_APPID).encode()
    found = re.search(rb"<Content><!\[CDATA\[(.*?)\]\]></Content>", xml, re.S)
    return found.group(1).decode() if found else None


def env_for_server(fake: LoadFake) -> dict[str, Any]:
    return {"CARELINE_TELEGRAM_TOKEN": tg.TOKEN, "CARELINE_TELEGRAM_SECRET": TG_SECRET,
            "CARELINE_TELEGRAM_API_BASE": fake.base_url,
            "CARELINE_WECHAT_APPID": WX_APPID, "CARELINE_WECHAT_SECRET": "load-secret",
            "CARELINE_WECHAT_TOKEN": WX_TOKEN, "CARELINE_WECHAT_AES_KEY": WX_AES_KEY,
            "CARELINE_WECHAT_API_BASE": fake.base_url}
