"""Binds outbox rows to channel adapters for the dispatcher."""

from __future__ import annotations

from typing import Any

from bot.channels.base import Channel, OutboundMessage, SendResult


class ChannelSender:
    """Callable the scheduler's dispatcher uses: route a row to its channel's ``send``."""

    def __init__(self, channels: dict[str, Channel]) -> None:
        self.channels = channels

    def __call__(self, channel: str, recipient: str, payload: dict[str, Any],
                 key: str) -> SendResult | None:
        adapter = self.channels.get(channel)
        if adapter is None:
            return None
        return adapter.send(OutboundMessage(
            channel=channel, recipient=recipient, text=str(payload.get("text", "")),
            buttons=tuple(payload.get("buttons", ())), idempotency_key=key))
