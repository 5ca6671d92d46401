"""Binds outbox rows to channel adapters for the dispatcher."""

from __future__ import annotations

from typing import Any

from bot.channels.base import Channel, OutboundMessage, SendResult
from storage.repo import Claimed


class ChannelSender:
    """Callable the scheduler's dispatcher uses: route a row to its channel's ``send``."""

    def __init__(self, channels: dict[str, Channel]) -> None:
        self.channels = channels

    def __call__(self, row: Claimed) -> SendResult | None:
        adapter = self.channels.get(row.channel)
        if adapter is None:
            return None
        return adapter.send(to_outbound(row))


def to_outbound(row: Claimed) -> OutboundMessage:
    payload: dict[str, Any] = row.payload
    return OutboundMessage(
        channel=row.channel, recipient=row.recipient, text=str(payload.get("text", "")),
        buttons=tuple(payload.get("buttons", ())), idempotency_key=row.idempotency_key,
        kind=row.kind)
