"""What every channel adapter shares: typed messages and a three-member protocol.

An adapter verifies and parses vendor input into :class:`InboundMessage` at the edge
(vendor keys never travel further) and sends :class:`OutboundMessage`. A channel lacking a
feature degrades through :func:`numbered_buttons` instead of raising.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

from storage.types import utcnow


@dataclass(frozen=True, slots=True)
class Media:
    """A photo, file or voice note kept by reference (the platform keeps the bytes)."""

    kind: str  # photo | document | voice | video
    ref: str  # Telegram file_id / WeChat MediaId
    url: str | None = None  # WeChat PicUrl, when the platform gives one
    mime: str | None = None
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in (("kind", self.kind), ("ref", self.ref), ("url", self.url),
                                  ("mime", self.mime), ("name", self.name)) if v is not None}


@dataclass(frozen=True, slots=True)
class InboundMessage:
    channel: str
    message_id: str  # the vendor's id, unique per channel: the dedup key
    sender: str  # the vendor's user address (chat id, openid, web user)
    text: str | None
    #: text | command | callback | image | voice | file | event | unsupported
    kind: str = "text"
    lang_hint: str | None = None
    display_name: str | None = None
    received_at: datetime = field(default_factory=utcnow)
    raw: Mapping[str, Any] = field(default_factory=dict)
    media: tuple[Media, ...] = ()
    #: for kind == "event": subscribe | unsubscribe | click | ...
    event: str | None = None


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    channel: str
    recipient: str
    text: str
    buttons: tuple[str, ...] = ()
    idempotency_key: str = ""
    kind: str = "reply"  # reply | care | survey | ... (WeChat picks a template by kind)


@dataclass(frozen=True, slots=True)
class SendResult:
    ok: bool
    external_ref: str | None = None
    error: str | None = None
    retry_after: float | None = None  # seconds; set when the platform asks us to slow down
    permanent: bool = False  # a failure that retrying cannot fix
    skipped: bool = False  # not deliverable now by the platform's rules (e.g. WeChat 48 h window)


class Channel(Protocol):
    name: ClassVar[str]
    #: True when replies travel back in the HTTP response (web chat): nothing to push.
    synchronous: ClassVar[bool]

    def send(self, message: OutboundMessage) -> SendResult: ...


def numbered_buttons(text: str, buttons: tuple[str, ...]) -> str:
    """For channels without buttons: append "1. …" lines; the customer may answer a number."""
    if not buttons:
        return text
    return text + "\n" + "\n".join(f"{i}. {b}" for i, b in enumerate(buttons, 1))
