"""Long polling (``careline serve --telegram-polling``): for hosts Telegram cannot reach.

The same path as the webhook: parse -> store (dedup by ``update_id``) -> process; replies
wait in the outbox for the delivery worker. The offset advances once an update is stored,
so a restart neither loses nor repeats one.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from telegram.error import Conflict

from bot import metrics
from bot.channels.telegram import TelegramChannel
from bot.services import Services
from bot.telegram_webhook import process_update

log = logging.getLogger(__name__)

#: Seconds to wait after consecutive failed polls (the last one repeats).
BACKOFF = (1.0, 2.0, 5.0, 15.0, 30.0)


class TelegramPoller(threading.Thread):
    """A daemon thread calling ``getUpdates``; ``stop()`` ends it within one poll."""

    def __init__(self, services: Services, *, timeout: int = 25,
                 backoff: tuple[float, ...] = BACKOFF) -> None:
        super().__init__(name="careline-telegram-polling", daemon=True)
        channel = services.channels.get("telegram")
        if not isinstance(channel, TelegramChannel):
            raise ValueError("Telegram polling needs CARELINE_TELEGRAM_TOKEN")
        self.services, self.channel = services, channel
        self.timeout, self.backoff = timeout, backoff
        self.offset: int | None = None
        self._halt = threading.Event()

    def run(self) -> None:
        failures = 0
        webhook_deleted = False
        while not self._halt.is_set():
            try:
                if not webhook_deleted:
                    # Telegram refuses getUpdates (409) while a webhook is registered.
                    if not self.channel.delete_webhook():
                        raise RuntimeError("deleteWebhook answered false")
                    webhook_deleted = True
                self.poll_once()
                failures = 0
            except Exception as exc:
                if isinstance(exc, Conflict):  # someone registered a webhook again
                    webhook_deleted = False
                delay = self.backoff[min(failures, len(self.backoff) - 1)]
                failures += 1
                log.warning("Telegram polling failed (%s: %s); retrying in %.0f s",
                            type(exc).__name__, exc, delay)
                self._halt.wait(delay)

    def poll_once(self) -> int:
        """One ``getUpdates`` round; returns how many updates were handled."""
        updates = self.channel.get_updates(self.offset, timeout=self.timeout)
        for data in updates:
            if self._halt.is_set():
                break
            self._handle(data)
            self.offset = int(data["update_id"]) + 1
        return len(updates)

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to end and wait for it (at most one long poll)."""
        self._halt.set()
        if self.is_alive():
            self.join(timeout)

    def _handle(self, data: dict[str, Any]) -> None:
        try:
            parsed = self.channel.parse(data)
        except ValueError as exc:
            log.warning("skipping update %s: %s", data.get("update_id"), exc)
            return
        if parsed is None:
            return
        inbound_id = self.services.pipeline.accept(parsed.message)
        if inbound_id is None:
            metrics.DUPLICATES.labels("telegram").inc()
        else:
            metrics.MESSAGES_IN.labels("telegram").inc()
            process_update(self.services.pipeline, self.channel, inbound_id,
                           parsed.callback_query_id)


def start_polling(services: Services, *, timeout: int = 25) -> TelegramPoller:
    """Start polling in the background; call ``stop()`` before ``services.close()``."""
    poller = TelegramPoller(services, timeout=timeout)
    poller.start()
    return poller
