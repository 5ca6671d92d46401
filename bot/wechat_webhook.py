"""``GET/POST /webhooks/wechat``: the WeChat Official Account callback URL.

WeChat waits 5 seconds for an answer, then retries the same message (same MsgId) up to
three times and finally tells the customer the account "cannot serve now". So: the message
is stored and processed in one transaction, the first reply goes back as the passive reply
in the HTTP answer, the rest wait in the outbox for the customer-service API; a repeat gets
the same passive reply again (the first answer never reached WeChat) without being processed
again; and nothing here answers 500.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from bot.channels.base import InboundMessage, OutboundMessage, numbered_buttons
from bot.channels.wechat import BadRequest, Forbidden, WeChatChannel
from bot.webhook_body import MAX_BODY_BYTES, read_limited
from storage import repo

log = logging.getLogger(__name__)

router = APIRouter()

#: Answer ``success`` after this long and push the reply instead (WeChat gives up at 5 s).
ANSWER_WITHIN = 4.0


def _success() -> Response:
    # WeChat's documented "received, no reply" answer (an empty body works too).
    return PlainTextResponse("success")


def _plain(status: int, text: str) -> Response:
    return PlainTextResponse(text, status_code=status)


def _channel(request: Request) -> WeChatChannel | None:
    channels: dict[str, Any] = request.app.state.services.channels
    channel = channels.get("wechat")
    return channel if isinstance(channel, WeChatChannel) else None


@router.get("/webhooks/wechat", include_in_schema=False)
async def verify(request: Request, signature: str = "", timestamp: str = "", nonce: str = "",
                 echostr: str = "") -> Response:
    """URL verification when the callback is saved in the WeChat console."""
    channel = _channel(request)
    if channel is None:
        return _plain(404, "the WeChat channel is not configured")
    answer = channel.verify_url(signature, timestamp, nonce, echostr)
    if answer is None:
        return _plain(403, "signature does not match")
    return PlainTextResponse(answer)


@router.post("/webhooks/wechat", include_in_schema=False)
async def receive(request: Request) -> Response:
    """A message or event from WeChat: passive reply XML, or ``success``."""
    channel = _channel(request)
    if channel is None:
        return _plain(404, "the WeChat channel is not configured")
    body = await read_limited(request)
    if body is None:
        return _plain(413, f"body larger than {MAX_BODY_BYTES} bytes")
    query = dict(request.query_params)
    try:
        msg = channel.parse(body, query)
    except Forbidden as exc:
        log.warning("wechat callback refused: %s", exc)
        return _plain(403, "signature does not match")
    except BadRequest as exc:
        log.warning("wechat callback unreadable: %s", exc)
        return _plain(400, str(exc))
    except Exception:
        log.exception("wechat callback could not be parsed")
        return _plain(400, "unreadable WeChat message")
    if msg is None:
        return _success()
    race = _Race(request.app.state.services, channel, msg, query)
    loop = asyncio.get_running_loop()
    work = loop.run_in_executor(None, race.run)
    try:
        return await asyncio.wait_for(asyncio.shield(work), ANSWER_WITHIN)
    except TimeoutError:
        return race.give_up()


class _Race:
    """Handles one message in a worker thread, against the 5-second deadline.

    If the deadline wins, the caller has already answered ``success``. Usually that is
    known before the replies are written: all of them then go to the outbox, committed with
    the message, for the customer-service API. If the deadline passes in the instant
    between writing the first reply as answered and answering, the worker pushes it itself.
    """

    def __init__(self, services: Any, channel: WeChatChannel, msg: InboundMessage,
                 query: dict[str, str]) -> None:
        self.services, self.channel, self.msg, self.query = services, channel, msg, query
        self._lock = threading.Lock()
        self._late = False
        self._done = False
        self._inline = 1  # the reply goes back in the HTTP answer (0: left to the outbox)

    def give_up(self) -> Response:
        with self._lock:
            if not self._done:
                self._late = True
        log.warning("wechat message %s took longer than %.1f s; answered 'success'",
                    self.msg.message_id, ANSWER_WITHIN)
        return _success()

    def run(self) -> Response:
        started = time.monotonic()
        stored, text = self._first_reply()
        with self._lock:
            self._done = True
            late = self._late
        if not stored:  # nothing kept: let WeChat retry rather than lose the message
            return _plain(503, "temporarily unavailable")
        if text is None:
            return _success()
        if late:
            if self._inline:  # written as answered before the deadline passed: push it now
                self._push(text, time.monotonic() - started)
            return _success()
        try:
            xml = self.channel.passive_reply(self.msg, text, self.query)
        except Exception:  # stored and processed: acknowledge rather than fail
            log.exception("wechat passive reply could not be built for %s", self.msg.message_id)
            return _success()
        return Response(xml, media_type="application/xml")

    def _first_reply(self) -> tuple[bool, str | None]:
        """(whether the message is stored, the text of the passive reply if any)."""
        pipeline = self.services.pipeline
        try:
            result = pipeline.handle(self.msg, inline=self._decide)
        except Exception:
            log.exception("wechat message %s could not be processed", self.msg.message_id)
            # Nothing was committed; keep the message (processed again at the next start)
            # and acknowledge, because WeChat retrying a message that fails is no help.
            try:
                pipeline.accept(self.msg)
            except Exception:
                log.exception("wechat message %s could not be stored either", self.msg.message_id)
                return False, None
            return True, None
        if result.duplicate:
            return True, self._replay(result.inbound_id)
        if not result.replies:
            return True, None
        first = result.replies[0]
        return True, numbered_buttons(first.text, tuple(first.buttons)) or None

    def _decide(self) -> int:
        """Asked just before the replies are written: past the deadline, ``success`` has
        gone out, so the first reply is committed as pending with the message, and the
        delivery worker pushes it (no hand-made push that a crash right after the commit
        would lose)."""
        with self._lock:
            self._inline = 0 if self._late else 1
            return self._inline

    def _replay(self, inbound_id: int | None) -> str | None:
        """WeChat repeats a message only when our answer did not reach it within 5 s (the
        process died after committing, or the answer was lost): a passive reply recorded for
        it never reached the customer, so it goes again — processed once, answered once."""
        if inbound_id is None:
            return None
        with self.services.db.read() as s:
            payload = repo.inline_reply_of(s, inbound_id)
        if payload is None:  # nothing was answered inline: the outbox pushes the replies
            return None
        return numbered_buttons(str(payload.get("text", "")),
                                tuple(payload.get("buttons", ()))) or None

    def _push(self, text: str, took: float) -> None:
        result = self.channel.send(OutboundMessage(
            channel=self.channel.name, recipient=self.msg.sender, text=text,
            idempotency_key=f"late:{self.msg.message_id}"))
        if not result.ok:
            log.error("wechat reply to %s (%.1f s late) could not be pushed: %s",
                      self.msg.message_id, took, result.error)
