"""Rasa as an NLU backend: ``POST {url}/model/parse`` over HTTP, mapped to :class:`ParseResult`.

Rasa is never a dependency: it runs as its own server (``rasa run --enable-api``), and this
adapter only speaks its documented HTTP API. What Rasa does not give, Careline adds locally:
sentiment (``nlu.sentiment``), the language (``nlu.language``) and, unless turned off, the
entities our flows read (dates, times, phones... from ``nlu.entities``) of any kind Rasa's
answer does not already contain.

Exceptions (all vendor failures are mapped in one place, ``RasaHTTPNLU._fetch``)::

    RasaError                   anything this module raises
    ├── RasaConfigError         settings that cannot work (also a ValueError): no or bad CARELINE_RASA_URL
    └── RasaUnavailable         no usable parse: connection refused, timeout, HTTP error status,
                                a body that is not JSON or not shaped like Rasa's ParseResult
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from nlu.base import NLU, Entity, IntentScore, ParseResult, Sentiment
from nlu.language import detect

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 2.0
#: A down Rasa is reported at most once per this many seconds, not once per message.
WARN_INTERVAL = 60.0
MAX_CHARS = 4000  # as the built-in engine: a pasted essay is not a request
OUT_OF_SCOPE = "out_of_scope"
#: Rasa's own names for what the contract calls otherwise. Every other intent passes unchanged.
DEFAULT_INTENT_MAP: Mapping[str, str] = {"nlu_fallback": OUT_OF_SCOPE}


class RasaError(Exception):
    """Base of every error raised by the Rasa adapter."""


class RasaConfigError(RasaError, ValueError):
    """The Rasa backend is selected but cannot be configured; the message says how to fix it."""


class RasaUnavailable(RasaError):
    """Rasa gave no usable answer. ``url`` is the server (without query/token), ``reason`` why."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"Rasa NLU at {url} is unavailable: {reason}")
        self.url, self.reason = url, reason


class RasaSettings(Protocol):
    """The part of ``bot.settings.Settings`` this module reads (nlu must not import bot)."""

    @property
    def rasa_url(self) -> str | None: ...

    @property
    def timezone(self) -> str: ...


class RasaHTTPNLU:
    """The NLU protocol over a Rasa server's ``/model/parse``.

    ``url`` is the server's base URL (``CARELINE_RASA_URL``, e.g. ``http://127.0.0.1:5005``); a
    query such as ``?token=...`` (Rasa's ``--auth-token``) is kept on every request and never
    shown in messages. ``transport`` replaces the network (tests). With a ``fallback`` engine,
    a failed Rasa call answers from it and logs a warning at most once a minute; without one,
    :class:`RasaUnavailable` propagates. Call :meth:`close` (or use ``with``) when done.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        fallback: NLU | None = None,
        timezone: str | None = None,
        local_entities: bool = True,
        intent_map: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        base = _base_url(url)
        if timeout <= 0:
            raise RasaConfigError(f"Rasa timeout must be > 0 seconds, got {timeout!r}")
        self.timezone = timezone or os.environ.get("CARELINE_TIMEZONE") or "Asia/Shanghai"
        try:
            self._zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise RasaConfigError(f"unknown time zone {self.timezone!r}; use an IANA name "
                                  "such as 'Asia/Shanghai'") from exc
        self.url = str(base.copy_with(query=None, fragment=None)).rstrip("/")
        self.timeout = timeout
        self.fallback = fallback
        self.local_entities = local_entities
        self.intent_map = dict(DEFAULT_INTENT_MAP if intent_map is None else intent_map)
        self._endpoint = base.copy_with(path=base.path.rstrip("/") + "/model/parse")
        self._client = httpx.Client(timeout=timeout, transport=transport)
        self._clock = clock
        self._lock = threading.Lock()
        self._warned_at: float | None = None
        self._suppressed = 0
        self._down = False

    @classmethod
    def from_settings(cls, settings: RasaSettings, *, fallback: NLU | None = None,
                      transport: httpx.BaseTransport | None = None) -> RasaHTTPNLU:
        """Build from ``CARELINE_RASA_URL`` / ``CARELINE_TIMEZONE``; a missing URL is an error."""
        url = (settings.rasa_url or "").strip()
        if not url:
            raise RasaConfigError(
                "CARELINE_NLU_BACKEND=rasa needs CARELINE_RASA_URL, the base URL of a Rasa server "
                "started with `rasa run --enable-api` (e.g. CARELINE_RASA_URL=http://127.0.0.1:5005); "
                "or unset CARELINE_NLU_BACKEND to use the built-in NLU")
        return cls(url, fallback=fallback, timezone=settings.timezone, transport=transport)

    # -- the NLU protocol ---------------------------------------------------------------------

    def parse(self, text: str, *, now: datetime | None = None) -> ParseResult:
        """Ask Rasa; add sentiment, language and local entities. See the class doc for failures."""
        clipped = text[:MAX_CHARS]
        if not any(ch.isalpha() for ch in clipped):
            # "", "2", "10:30", "👍": an answer or a reaction, never an intent (as the built-in).
            return self._result(text, clipped, IntentScore(OUT_OF_SCOPE, 1.0), (), [], now)
        try:
            intent, ranking, entities = self._fetch(clipped)
        except RasaUnavailable as exc:
            if self.fallback is None:
                raise
            self._report_down(exc)
            return self.fallback.parse(text, now=now)
        self._report_up()
        return self._result(text, clipped, intent, ranking, entities, now)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> RasaHTTPNLU:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- Rasa's side ----------------------------------------------------------------------------

    def _fetch(self, text: str) -> tuple[IntentScore, tuple[IntentScore, ...], list[Entity]]:
        """One ``/model/parse`` call; the only place Rasa's failures become exceptions."""
        try:
            response = self._client.post(self._endpoint, json={"text": text})
        except httpx.TimeoutException as exc:
            raise RasaUnavailable(self.url, f"no answer within {self.timeout:g} s") from exc
        except httpx.HTTPError as exc:  # refused, DNS, reset, protocol errors
            raise RasaUnavailable(self.url, f"{type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(self.url, f"HTTP {response.status_code}{_rasa_message(response)}")
        try:
            body = response.json()
        except ValueError as exc:
            raise RasaUnavailable(self.url, "the answer is not JSON "
                                            f"({response.text[:80]!r})") from exc
        try:
            return self._map(body, text)
        except (KeyError, TypeError, ValueError) as exc:
            raise RasaUnavailable(
                self.url, f"the answer is not shaped like Rasa's parse result ({exc!r})") from exc

    def _map(self, body: Any, text: str) -> tuple[IntentScore, tuple[IntentScore, ...], list[Entity]]:
        """Rasa ``ParseResult`` JSON -> our intent, ranking and entities (raises on a bad shape)."""
        if not isinstance(body, dict) or not isinstance(body.get("intent"), dict):
            raise ValueError("no 'intent' object")
        intent = self._score(body["intent"])
        ranking: list[IntentScore] = []
        for item in body.get("intent_ranking") or [body["intent"]]:
            score = self._score(item)
            if all(s.name != score.name for s in ranking):  # nlu_fallback may map onto a name
                ranking.append(score)
        if not ranking or ranking[0].name != intent.name:
            ranking = [intent, *(s for s in ranking if s.name != intent.name)]
        entities = []
        for raw in body.get("entities") or []:
            start, end = int(raw["start"]), int(raw["end"])
            if not 0 <= start <= end <= len(text):
                raise ValueError(f"entity offsets {start}..{end} outside the text")
            entities.append(Entity(str(raw["entity"]), raw.get("value"), start, end, text[start:end]))
        return intent, tuple(ranking), entities

    def _score(self, raw: Any) -> IntentScore:
        name = raw.get("name")
        confidence = float(raw.get("confidence") or 0.0)
        if name is None:  # a model without an intent classifier
            return IntentScore(OUT_OF_SCOPE, 1.0 - confidence if confidence else 1.0)
        name = str(name)
        return IntentScore(self.intent_map.get(name, name), confidence)

    # -- what Careline adds -------------------------------------------------------------------

    def _result(self, text: str, clipped: str, intent: IntentScore, ranking: tuple[IntentScore, ...],
                entities: list[Entity], now: datetime | None) -> ParseResult:
        lang = detect(clipped)
        if self.local_entities and clipped.strip():
            from nlu.entities import extract

            kinds = {e.entity for e in entities}
            local = extract(clipped, now or datetime.now(self._zone), self.timezone)
            entities = sorted([*entities, *(e for e in local if e.entity not in kinds)],
                              key=lambda e: (e.start, e.end))
        return ParseResult(text=text, intent=intent, intent_ranking=ranking or (intent,),
                           entities=tuple(entities), sentiment=_sentiment(clipped, lang), lang=lang)

    def _report_down(self, exc: RasaUnavailable) -> None:
        now = self._clock()
        with self._lock:
            self._down = True
            if self._warned_at is not None and now - self._warned_at < WARN_INTERVAL:
                self._suppressed += 1
                return
            suppressed, self._suppressed, self._warned_at = self._suppressed, 0, now
        more = f" ({suppressed} more failures since the last warning)" if suppressed else ""
        log.warning("%s; answering with the fallback NLU%s", exc, more)

    def _report_up(self) -> None:
        if not self._down:
            return
        with self._lock:  # the once-a-minute limit stays, so a flapping server stays quiet
            was_down, self._down = self._down, False
        if was_down:
            log.info("Rasa NLU at %s answers again", self.url)


def _sentiment(text: str, lang: str | None) -> Sentiment:
    if not text.strip():
        return Sentiment("neutral", 0.0)
    from nlu.sentiment import analyse

    return analyse(text, lang)


def _base_url(url: str) -> httpx.URL:
    try:
        base = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise RasaConfigError(f"CARELINE_RASA_URL is not a URL: {url!r}") from exc
    if base.scheme not in ("http", "https") or not base.host:
        raise RasaConfigError(
            f"CARELINE_RASA_URL must be an http(s) base URL such as http://127.0.0.1:5005, got {url!r}")
    return base


def _rasa_message(response: httpx.Response) -> str:
    """Rasa's error body is ``{"version", "status", "message", "reason", "code"}``."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        detail = body.get("message") or body.get("reason")
        if detail:
            return f": {str(detail)[:200]}"
    return ""
