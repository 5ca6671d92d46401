"""Channel adapters behind one small protocol (see base.py).

``bot.services.make_channels`` builds the configured ones by name: "web" always, "telegram" and
"wechat" when their settings are present.
"""

from bot.channels.base import Channel, InboundMessage, OutboundMessage, SendResult
from bot.channels.web import WebChannel

__all__ = ["Channel", "InboundMessage", "OutboundMessage", "SendResult", "WebChannel"]
