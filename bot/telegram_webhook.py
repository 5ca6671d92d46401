"""``POST /webhooks/telegram``: verify, store, acknowledge; process after the response.

Telegram resends an update until it gets a 2xx, so the update is stored (deduplicated by
``update_id``) before we answer, and everything slower happens in a background task. Replies
are not sent here: processing leaves them as pending outbox rows for the delivery worker.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from bot import metrics
from bot.channels.telegram import TelegramChannel
from bot.pipeline import Pipeline
from bot.services import Services
from bot.webhook_body import MAX_BODY_BYTES, read_limited

log = logging.getLogger(__name__)

router = APIRouter()

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: Real updates are a few kB; anything this big is not from Telegram.


def _reply(status: int, **content: Any) -> JSONResponse:
    return JSONResponse(status_code=status, content=content)


@router.post("/webhooks/telegram", tags=["channels"])
async def telegram_webhook(request: Request, background: BackgroundTasks) -> JSONResponse:
    """Receive one Telegram ``Update`` (see the Bot API's ``setWebhook``)."""
    services: Services = request.app.state.services
    channel: TelegramChannel | None = services.channels.get("telegram")
    if channel is None:
        return _reply(404, ok=False, message="the Telegram channel is not configured "
                                             "(set CARELINE_TELEGRAM_TOKEN)")
    # The secret first: a stranger's body is not worth reading.
    if not channel.verify(request.headers.get(SECRET_HEADER)):
        return _reply(403, ok=False, message=f"missing or wrong {SECRET_HEADER} header")
    body = await read_limited(request)
    if body is None:
        return _reply(413, ok=False, message=f"body over {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return _reply(400, ok=False, message="the body is not valid JSON")
    try:
        parsed = channel.parse(data)
    except ValueError as exc:
        return _reply(400, ok=False, message=str(exc))
    if parsed is None:  # an edit, a channel post, a membership change: nothing to answer
        return _reply(200, ok=True)
    inbound_id = await run_in_threadpool(services.pipeline.accept, parsed.message)
    if inbound_id is None:  # Telegram retried an update we already stored
        metrics.DUPLICATES.labels("telegram").inc()
        return _reply(200, ok=True)
    metrics.MESSAGES_IN.labels("telegram").inc()
    background.add_task(process_update, services.pipeline, channel, inbound_id,
                        parsed.callback_query_id)
    return _reply(200, ok=True)


def process_update(pipeline: Pipeline, channel: TelegramChannel, inbound_id: int,
                   callback_query_id: str | None) -> None:
    """Answer the button press, then process the stored message; never raises.

    A failure leaves the message stored as pending, so ``resume_pending`` picks it up
    at the next start.
    """
    if callback_query_id is not None:
        try:  # first: the customer's button spins until it is answered
            channel.answer_callback(callback_query_id)
        except Exception:
            log.warning("answerCallbackQuery failed for stored message %s", inbound_id,
                        exc_info=True)
    try:
        result = pipeline.process(inbound_id)
    except Exception:
        log.exception("processing Telegram message %s failed", inbound_id)
        return
    if result is not None:
        metrics.REPLIES.labels("telegram").inc(len(result.replies))


