"""WeChat Official Account channel: callbacks in, passive replies and service messages out.

Inbound XML is verified, decrypted and mapped in :mod:`bot.channels.wechat_inbound`; the
server API and its error codes live in :mod:`bot.channels.wechat_api`. This module holds
what ties them to Careline: settings, the 48-hour service window and the template fallback.

WeChat's rules for pushing (customer-service messages): only within 48 hours of the
customer's last message, and at most :data:`WINDOW_QUOTA` per window. Outside them a message
goes out as a template message when one is configured for its kind (``care``, ``survey``,
...), else it is *skipped* with the reason, never sent and never retried.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from wechatpy.crypto import WeChatCrypto

from bot.channels.base import InboundMessage, OutboundMessage, SendResult, numbered_buttons
from bot.channels.wechat_api import DEFAULT_TIMEOUT, ApiClient, call_refreshing_once
from bot.channels.wechat_inbound import (
    BadRequest,
    Forbidden,
    UnsafeXML,
    WeChatError,
    check_url_signature,
    read_message,
    reply_xml,
)
from bot.settings import Settings
from storage import repo
from storage.db import Database
from storage.types import utcnow

__all__ = ["BadRequest", "Forbidden", "UnsafeXML", "WeChatChannel", "WeChatError"]

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=48)
WINDOW_QUOTA = 5
#: The template field the message text goes into: templates need a ``{{content.DATA}}``.
TEMPLATE_FIELD = "content"


class _TemplateSettings(BaseSettings):
    """``CARELINE_WECHAT_TEMPLATES``: JSON ``{"<message kind>": "<template id>"}``."""

    model_config = SettingsConfigDict(env_prefix="CARELINE_WECHAT_", env_file=".env",
                                      env_file_encoding="utf-8", extra="ignore")
    templates: dict[str, str] = {}


def templates_from_env() -> dict[str, str]:
    try:
        return dict(_TemplateSettings().templates)
    except (ValidationError, ValueError) as exc:
        raise ValueError(
            "CARELINE_WECHAT_TEMPLATES must be a JSON object mapping a message kind to a "
            'template id, e.g. {"care": "TEMPLATE_ID"}') from exc


class WeChatChannel:
    """The WeChat Official Account adapter (plain and safe mode)."""

    name: ClassVar[str] = "wechat"
    synchronous: ClassVar[bool] = False

    def __init__(self, *, appid: str, secret: str, token: str, db: Database,
                 aes_key: str | None = None, api_base: str = "https://api.weixin.qq.com",
                 templates: Mapping[str, str] | None = None,
                 clock: Callable[[], datetime] = utcnow,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self.appid, self.token, self.db = appid, token, db
        self.crypto = WeChatCrypto(token, _checked_aes_key(aes_key), appid) if aes_key else None
        self.client = ApiClient(appid, secret, api_base=api_base, timeout=timeout)
        #: message kind -> template id, used outside the service window
        self.templates: Mapping[str, str] = dict(templates or {})
        #: compared with the stored time of the customer's last message (UTC, real time)
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, db: Database) -> WeChatChannel:
        if not (settings.wechat_appid and settings.wechat_secret and settings.wechat_token):
            raise ValueError("the WeChat channel needs CARELINE_WECHAT_APPID, "
                             "CARELINE_WECHAT_SECRET and CARELINE_WECHAT_TOKEN")
        aes = settings.wechat_aes_key.get_secret_value() if settings.wechat_aes_key else None
        templates = getattr(settings, "wechat_templates", None)
        return cls(appid=settings.wechat_appid, secret=settings.wechat_secret.get_secret_value(),
                   token=settings.wechat_token.get_secret_value(), db=db, aes_key=aes or None,
                   api_base=settings.wechat_api_base,
                   templates=templates if templates is not None else templates_from_env())

    def close(self) -> None:
        self.client.close()

    # -- inbound -------------------------------------------------------------------------

    def verify_url(self, signature: str, timestamp: str, nonce: str, echostr: str) -> str | None:
        """The GET handshake when the URL is saved in the WeChat console: echostr or None."""
        try:
            check_url_signature(self.token, {"signature": signature, "timestamp": timestamp,
                                             "nonce": nonce})
        except Forbidden:
            return None
        return echostr

    def parse(self, body: bytes, query: Mapping[str, str]) -> InboundMessage | None:
        """A callback body as an :class:`InboundMessage`; None for events we ignore.

        Raises :class:`Forbidden` (bad signature) or :class:`BadRequest` (malformed or
        dangerous XML, undecryptable).
        """
        return read_message(body, query, token=self.token, crypto=self.crypto)

    def passive_reply(self, inbound: InboundMessage, text: str, query: Mapping[str, str]) -> bytes:
        """The XML answer to the callback itself (encrypted when the request was)."""
        return reply_xml(inbound, text, query, crypto=self.crypto,
                         now=int(self.clock().timestamp()))

    # -- outbound ------------------------------------------------------------------------

    def send(self, message: OutboundMessage) -> SendResult:
        """Push one message: a customer-service message inside the window, else a template
        message for its kind, else skipped with the reason."""
        text = numbered_buttons(message.text, message.buttons)
        closed = self._window_closed(message.recipient)
        if closed is None:
            result = call_refreshing_once(
                self.client, lambda: self.client.message.send_text(message.recipient, text))
            if result.ok:
                self._count(message.recipient)
                return result
            if not result.skipped:
                return result
            closed = result.error or "outside the WeChat service window"
        return self._outside_window(message, text, closed)

    def _window_closed(self, recipient: str) -> str | None:
        with self.db.read() as s:
            last, sent = repo.service_window(s, self.name, recipient)
        if last is None or self.clock() - last >= WINDOW:
            since = f"last customer message {last:%Y-%m-%d %H:%M} UTC" if last else "no message yet"
            return f"outside the WeChat 48-hour service window ({since})"
        if sent >= WINDOW_QUOTA:
            return (f"the WeChat service-message quota is used up ({sent} of {WINDOW_QUOTA} "
                    "sent since the customer's last message)")
        return None

    def _count(self, recipient: str) -> None:
        try:
            with self.db.transaction() as tx:
                repo.count_window_message(tx, self.name, recipient)
        except Exception:  # the message is out: a failed retry here would send it twice
            log.exception("could not count a WeChat service message for %s", recipient)

    def _outside_window(self, message: OutboundMessage, text: str, reason: str) -> SendResult:
        template_id = self.templates.get(message.kind)
        if not template_id:
            return SendResult(ok=False, skipped=True, error=(
                f"{reason}; no template configured for '{message.kind}' messages "
                "(CARELINE_WECHAT_TEMPLATES)"))
        data: dict[str, Any] = {TEMPLATE_FIELD: {"value": text}}
        return call_refreshing_once(self.client, lambda: self.client.message.send_template(
            message.recipient, template_id, data))


def _checked_aes_key(key: str | None) -> str:
    """WeChat's EncodingAESKey: 43 base64 characters (32 bytes); say so instead of asserting."""
    problem = "CARELINE_WECHAT_AES_KEY must be the 43-character EncodingAESKey from the WeChat console"
    if key is None or len(key) != 43:
        raise ValueError(problem)
    try:
        if len(base64.b64decode(key + "=", validate=True)) != 32:
            raise ValueError(problem)
    except binascii.Error as exc:
        raise ValueError(problem) from exc
    return key
