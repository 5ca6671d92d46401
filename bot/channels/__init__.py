"""Channel adapters behind one small protocol (see base.py), found by name in REGISTRY."""

from bot.channels.base import Channel, InboundMessage, OutboundMessage, SendResult
from bot.channels.web import WebChannel

REGISTRY: dict[str, type] = {WebChannel.name: WebChannel}

__all__ = ["REGISTRY", "Channel", "InboundMessage", "OutboundMessage", "SendResult", "WebChannel"]
