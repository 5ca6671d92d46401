"""The web chat / developer channel (``POST /api/chat``): replies go back in the response."""

from __future__ import annotations

from typing import ClassVar

from bot.channels.base import OutboundMessage, SendResult


class WebChannel:
    name: ClassVar[str] = "web"
    synchronous: ClassVar[bool] = True

    def send(self, message: OutboundMessage) -> SendResult:
        # The HTTP response is the delivery; rows are stored as sent in the same transaction.
        return SendResult(ok=True, external_ref=message.idempotency_key)
