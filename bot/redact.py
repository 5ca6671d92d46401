"""What must never reach a log line: customers' phone numbers and secrets.

One helper for the whole process. :func:`install` puts a log-record factory in place, so every
record — ours, uvicorn's, httpx's and python-telegram-bot's, tracebacks included — is
redacted when it is created, whatever handler later writes it:

* phone numbers (Chinese mobiles and landlines, international ``+CC`` numbers) keep their
  prefix and last four digits: ``138****5678``, ``+44 ****0958`` — enough to tell two
  customers apart in an incident, not enough to call them;
* secrets inside URLs: the Telegram token (``/bot<id>:<secret>/`` in every Bot API URL that
  httpx prints), ``access_token=``, ``secret=``, ``password=`` and similar query values;
* the configured secrets themselves (Telegram token and webhook secret, WeChat app secret,
  token and AES key, ``CARELINE_SECRET_KEY``) wherever they appear.

:func:`redact` and :func:`mask_phones` are the same rules for text built outside logging.
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.settings import Settings

_SEP = r"[ -]?"
#: +86 138 1234 5678 / 13812345678 / 139-1234-5678: keep the prefix and first three digits.
_CN_MOBILE = re.compile(rf"(?<![\d+])((?:\+?86{_SEP})?1[3-9]\d){_SEP}\d{{4}}{_SEP}(\d{{4}})(?!\d)")
#: 010-62345678, 0755-1234567: keep the area code.
_CN_LANDLINE = re.compile(r"(?<![\d-])(0\d{2,3}-)\d{3,4}(\d{4})(?!\d)")
#: +44 20 7946 0958: keep the country code when it stands apart.
_INTERNATIONAL = re.compile(r"(?<![\w+])\+(\d{1,3})([ -])?((?:\d[ -]?){4,12}\d)(?!\d)")

_URL_SECRETS = [
    (re.compile(r"(/bot\d+:)[A-Za-z0-9_-]+"), r"\1***"),
    (re.compile(r"((?:[?&]|\b)(?:access_token|appsecret|secret|password|passwd|token|key)=)"
                r"[^&\s\"'<>]+", re.IGNORECASE), r"\1***"),
]
_known: set[str] = set()
_lock = threading.Lock()
#: Shorter values would hide ordinary words; the settings' secrets are all longer.
MIN_SECRET = 8


def mask_phones(text: str) -> str:
    """``text`` with every phone number reduced to its prefix and last four digits."""
    text = _CN_MOBILE.sub(lambda m: f"{m[1]}****{m[2]}", text)
    text = _CN_LANDLINE.sub(lambda m: f"{m[1]}****{m[2]}", text)
    if "+" in text:
        text = _INTERNATIONAL.sub(_international, text)
    return text


def _international(m: re.Match[str]) -> str:
    last = re.sub(r"\D", "", m[3])[-4:]
    return f"+{m[1]} ****{last}" if m[2] else f"+****{last}"


def redact(text: str) -> str:
    """``text`` without configured secrets, secrets in URLs, or phone numbers."""
    for value in _known:
        if value in text:
            text = text.replace(value, "***")
    for pattern, replacement in _URL_SECRETS:
        text = pattern.sub(replacement, text)
    return mask_phones(text)


def register_secrets(*values: str | None) -> None:
    """Values that must never be logged as they are (short ones are ignored)."""
    with _lock:
        _known.update(v for v in values if v and len(v) >= MIN_SECRET)


def _secret_values(settings: Settings) -> list[str | None]:
    values: list[str | None] = [settings.secret_key.get_secret_value()]
    for field in ("telegram_token", "telegram_secret", "wechat_secret", "wechat_token",
                  "wechat_aes_key"):
        secret = getattr(settings, field, None)
        values.append(secret.get_secret_value() if secret is not None else None)
    return values


def install(settings: Settings | None = None) -> None:
    """Redact every log record of this process from now on (idempotent); with ``settings``,
    their secrets are hidden wherever they appear."""
    if settings is not None:
        register_secrets(*_secret_values(settings))
    with _lock:
        current = logging.getLogRecordFactory()
        if getattr(current, "careline_redacts", False):
            return
        logging.setLogRecordFactory(_factory_over(current))


def _factory_over(previous: Any) -> Any:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: the handler reports it as usual
            return record
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and record.exc_info[0] is not None:
            # Formatters use exc_text when it is set: the traceback is redacted once, here.
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        return record

    factory.careline_redacts = True  # type: ignore[attr-defined]
    return factory
