"""Binds outbox rows to channel adapters for the dispatcher.

Most rows are messages for a channel's ``send``. Rows of kind ``flow`` are not sent: they
start a flow in the customer's conversation (bot/proactive.py), whose replies become
ordinary rows sent on a later pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.channels.base import Channel, OutboundMessage, SendResult
from storage.repo import Claimed

FLOW_KIND = "flow"

#: starts a proactive flow for a claimed ``kind="flow"`` row (bot.proactive.FlowStarter)
Starter = Callable[[Claimed], SendResult]


class ChannelSender:
    """Callable the scheduler's dispatcher uses: route a row to its channel's ``send``."""

    def __init__(self, channels: dict[str, Channel], *, starter: Starter | None = None) -> None:
        self.channels = channels
        self.starter = starter

    def __call__(self, row: Claimed) -> SendResult | None:
        if row.kind == FLOW_KIND:
            if self.starter is None:  # kept for a process that can start flows
                return SendResult(ok=False, retry_after=300,
                                  error="no flow starter in this process; retrying later")
            return self.starter(row)
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
