"""The Telegram channel: Bot API updates in, ``sendMessage`` out, through python-telegram-bot.

PTB's ``Bot`` is asynchronous while the pipeline and the outbox dispatcher are synchronous,
so the adapter owns a private event loop in a daemon thread and its public methods submit
coroutines to it and wait. Vendor types stop here: :meth:`TelegramChannel.parse` turns an
``Update`` into an :class:`InboundMessage`, and :func:`send_failure` is the one place where
Bot API errors become a :class:`SendResult`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hmac
import logging
import os
import re
import threading
from collections.abc import Collection, Coroutine, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest

from bot.channels.base import InboundMessage, Media, OutboundMessage, SendResult
from bot.channels.telegram_shape import check_update

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

# Opt in to PTB v23 behaviour (``RetryAfter.retry_after`` as a timedelta; PTB reads the
# variable on each access): without it every flood-control error emits a deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "true")

T = TypeVar("T")

#: Customer content we cannot read; the pipeline answers politely ("I can read text and photos").
UNSUPPORTED_CONTENT = ("sticker", "animation", "location", "venue", "contact", "poll", "dice",
                       "game", "story", "paid_media", "checklist", "invoice")
#: Keys of service messages (members joined, pinned, payments ...): nothing a customer said.
SERVICE_PREFIXES = ("new_chat_", "left_chat_", "delete_chat_", "group_chat_", "supergroup_chat_",
                    "channel_chat_", "migrate_", "pinned_message", "message_auto_delete",
                    "forum_topic_", "general_forum_topic_", "video_chat_", "giveaway",
                    "boost_added", "chat_background_set", "write_access_allowed",
                    "successful_payment", "refunded_payment", "users_shared", "chat_shared",
                    "connected_website", "passport_data", "proximity_alert", "checklist_tasks_",
                    "suggested_post_", "paid_message_price", "direct_message_price",
                    "chat_owner_", "managed_bot_", "poll_option_", "gift", "unique_gift")
_logged_unsupported: set[str] = set()
_SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True, slots=True)
class ParsedUpdate:
    """A customer message from one update, and the callback query to answer, if any."""

    message: InboundMessage
    callback_query_id: str | None = None


class TelegramChannel:
    """Telegram Bot API adapter; ``api_base`` is injectable (tests run a loopback fake)."""

    name: ClassVar[str] = "telegram"
    synchronous: ClassVar[bool] = False

    def __init__(self, token: str, *, api_base: str = "https://api.telegram.org",
                 secret: str | None = None, request_timeout: float = 10.0) -> None:
        if not token:
            raise ValueError("CARELINE_TELEGRAM_TOKEN is empty; set the token @BotFather gave you")
        if not api_base.startswith(("http://", "https://")):
            raise ValueError(f"CARELINE_TELEGRAM_API_BASE={api_base!r} is not an http(s) URL; "
                             "leave it unset for https://api.telegram.org")
        if secret and not _SECRET_FORMAT.fullmatch(secret):
            # Telegram's own rule for setWebhook's secret_token; say so before it refuses.
            raise ValueError("CARELINE_TELEGRAM_SECRET must be 1-256 characters of A-Z, a-z, "
                             "0-9, '_' and '-'")
        api_base = api_base.rstrip("/")
        self.secret = secret or None
        #: seconds one Bot API call may take before it counts as a (transient) failure
        self.request_timeout = request_timeout
        self._request = HTTPXRequest(connection_pool_size=8)
        # Long polling gets its own connection so it never starves sendMessage.
        self._poll_request = HTTPXRequest(connection_pool_size=1)
        self._bot = Bot(token, base_url=f"{api_base}/bot", base_file_url=f"{api_base}/file/bot",
                        request=self._request, get_updates_request=self._poll_request)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="careline-telegram")
        self._thread.start()
        self._closed = False
        self._run(self._initialize())

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramChannel:
        if settings.telegram_token is None:
            raise ValueError("CARELINE_TELEGRAM_TOKEN is not set")
        secret = settings.telegram_secret.get_secret_value() if settings.telegram_secret else None
        return cls(settings.telegram_token.get_secret_value(),
                   api_base=settings.telegram_api_base, secret=secret)

    # -- inbound -------------------------------------------------------------------------

    def verify(self, secret_header: str | None) -> bool:
        """Check ``X-Telegram-Bot-Api-Secret-Token``; always true when no secret is configured."""
        if self.secret is None:
            return True
        if secret_header is None:
            return False
        return hmac.compare_digest(secret_header.encode(), self.secret.encode())

    def parse(self, data: object) -> ParsedUpdate | None:
        """Map one Update to a customer message; None for updates that are not one.

        Raises ValueError when ``data`` is not a Telegram Update.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"a Telegram update is a JSON object, not {type(data).__name__}")
        update_id = data.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise ValueError("not a Telegram update: 'update_id' (an integer) is missing")
        check_update(data)  # PTB does not check field types; a wrong one would fail later
        try:
            update = Update.de_json(dict(data), self._bot)
        except Exception as exc:  # PTB raises whatever the malformed field provokes
            raise ValueError(f"not a Telegram update: {type(exc).__name__}: {exc}") from exc
        if update.message is not None:
            raw = data.get("message")
            keys = [str(k) for k in raw] if isinstance(raw, Mapping) else []
            return _from_message(update_id, update.message, keys)
        if update.callback_query is not None:
            return _from_callback(update_id, update.callback_query)
        return None  # edited messages, channel posts, membership changes ...

    # -- outbound ------------------------------------------------------------------------

    def send(self, message: OutboundMessage) -> SendResult:
        """``sendMessage``; buttons become an inline keyboard with callback data "1", "2", ..."""
        markup = None
        if message.buttons:
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(label, callback_data=str(i))]
                 for i, label in enumerate(message.buttons, 1)])
        try:
            sent = self._run(self._bot.send_message(
                message.recipient, message.text, reply_markup=markup,
                read_timeout=self.request_timeout))
        except (TelegramError, TimeoutError) as exc:
            return send_failure(exc)
        return SendResult(ok=True, external_ref=str(sent.message_id))

    def answer_callback(self, callback_query_id: str) -> bool:
        """Stop the spinner on the pressed button (the answer itself comes as a message)."""
        return self._run(self._bot.answer_callback_query(
            callback_query_id, read_timeout=self.request_timeout))

    def set_webhook(self, url: str) -> bool:
        """Register ``url``; Telegram then sends the configured secret in every request."""
        return self._run(self._bot.set_webhook(url, secret_token=self.secret,
                                               read_timeout=self.request_timeout))

    def delete_webhook(self) -> bool:
        return self._run(self._bot.delete_webhook(read_timeout=self.request_timeout))

    def get_updates(self, offset: int | None, timeout: int = 25) -> list[dict[str, Any]]:
        """Long-poll for updates; raw dicts, so :meth:`parse` stays the single mapping."""
        updates = self._run(self._bot.get_updates(
            offset=offset, timeout=timeout, read_timeout=self.request_timeout),
            wait=timeout + self.request_timeout + 5)
        return [u.to_dict() for u in updates]

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP connections and stop the private event loop (idempotent)."""
        if self._closed:
            return
        self._closed = True
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()

    async def _initialize(self) -> None:
        # Not Bot.initialize(): that calls getMe, and startup must not need the network.
        await asyncio.gather(self._request.initialize(), self._poll_request.initialize())

    async def _shutdown(self) -> None:
        current = asyncio.current_task()
        pending = [t for t in asyncio.all_tasks() if t is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await asyncio.gather(self._request.shutdown(), self._poll_request.shutdown())

    def _run(self, coro: Coroutine[Any, Any, T], *, wait: float | None = None) -> T:
        if self._closed:
            coro.close()
            raise RuntimeError("the Telegram channel is closed")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(wait if wait is not None else self.request_timeout + 5)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise


def send_failure(exc: BaseException) -> SendResult:
    """The one mapping from Bot API errors to delivery outcomes."""
    if isinstance(exc, RetryAfter):
        wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return SendResult(ok=False, retry_after=seconds, error=f"rate limited: {exc}")
    if isinstance(exc, Forbidden):  # the customer blocked the bot or deleted the account
        return SendResult(ok=False, permanent=True, error=f"forbidden: {exc}")
    if isinstance(exc, BadRequest):  # chat not found, text empty or too long
        return SendResult(ok=False, permanent=True, error=f"bad request: {exc}")
    if isinstance(exc, InvalidToken | EndPointNotFound):
        return SendResult(ok=False, permanent=True,
                          error=f"token rejected ({exc}); check CARELINE_TELEGRAM_TOKEN "
                                "and CARELINE_TELEGRAM_API_BASE")
    if isinstance(exc, ChatMigrated):
        return SendResult(ok=False, permanent=True,
                          error=f"chat moved to a supergroup, new chat id {exc.new_chat_id}")
    # TimedOut, NetworkError (5xx, connection reset), our own wait expiring: try again later.
    return SendResult(ok=False, error=f"transient: {type(exc).__name__}: {exc}")


@dataclass(frozen=True, slots=True)
class _Origin:
    """Who sent an update; builds the InboundMessage for each kind of content."""

    update_id: int
    sender: str
    name: str | None
    language_code: str | None

    def message(self, kind: str, text: str | None, content: str,
                *media: Media) -> InboundMessage:
        if kind == "unsupported" and content not in _logged_unsupported:
            _logged_unsupported.add(content)  # once per type: a sticker storm must not flood logs
            log.info("telegram: %s messages are not supported; the customer gets a polite reply",
                     content)
        return InboundMessage(channel="telegram", message_id=str(self.update_id),
                              sender=self.sender, text=text, kind=kind,
                              lang_hint=_lang(self.language_code), display_name=self.name,
                              media=tuple(media),
                              raw={"update_id": self.update_id, "content": content})


def _from_message(update_id: int, msg: Message, keys: Collection[str]) -> ParsedUpdate | None:
    user = msg.from_user
    origin = _Origin(update_id, str(msg.chat.id),
                     user.full_name if user else msg.chat.effective_name,
                     user.language_code if user else None)
    make = origin.message
    if msg.text is not None:
        if msg.text.startswith("/"):
            return ParsedUpdate(make("command", _strip_bot_name(msg.text), "command"))
        return ParsedUpdate(make("text", msg.text, "text"))
    caption = msg.caption or None
    if msg.photo:
        largest = max(msg.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        return ParsedUpdate(make("image", caption, "photo", Media("photo", largest.file_id)))
    if msg.animation is None and msg.document is not None:  # a GIF also arrives as a document
        doc = msg.document
        media = Media("document", doc.file_id, mime=doc.mime_type, name=doc.file_name)
        return ParsedUpdate(make("file", caption, "document", media))
    for attr, kind in (("voice", "voice"), ("audio", "voice"), ("video", "video"),
                       ("video_note", "video")):
        item = getattr(msg, attr)
        if item is not None:
            media = Media(kind, item.file_id, mime=getattr(item, "mime_type", None),
                          name=getattr(item, "file_name", None))
            return ParsedUpdate(make(kind if caption else "unsupported", caption, attr, media))
    found = [k for k in UNSUPPORTED_CONTENT if k in keys]
    if not found and any(k.startswith(SERVICE_PREFIXES) for k in keys):
        return None
    return ParsedUpdate(make("unsupported", None, found[0] if found else "unknown"))


def _from_callback(update_id: int, query: CallbackQuery) -> ParsedUpdate:
    data = query.data
    label = None
    shown = query.message if isinstance(query.message, Message) else None
    if shown is not None and shown.reply_markup is not None and data is not None:
        label = next((b.text for row in shown.reply_markup.inline_keyboard for b in row
                      if b.callback_data == data), None)
    # Without the original message (older than 48 h) the private chat id is the user id.
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    make = _Origin(update_id, str(chat_id), query.from_user.full_name,
                   query.from_user.language_code).message
    if data is None:  # a game button: nothing we offered
        return ParsedUpdate(make("unsupported", None, "callback_game"), query.id)
    return ParsedUpdate(make("callback", label or data, "callback_query"), query.id)


def _lang(code: str | None) -> str | None:
    code = (code or "").lower()
    return "zh" if code.startswith("zh") else "en" if code.startswith("en") else None


def _strip_bot_name(text: str) -> str:
    """``/start@CarelineBot payload`` -> ``/start payload`` (groups address the bot by name)."""
    command, sep, rest = text.partition(" ")
    return command.split("@", 1)[0] + sep + rest
