"""The shape of the parts of a Telegram ``Update`` that Careline reads, checked before PTB.

python-telegram-bot's ``de_json`` copies values as they come: a ``"text": ["a"]`` or a
``"first_name": 5`` becomes an attribute of the wrong type and fails later, deep in the
mapping. So the fields the adapter reads are checked here against the Bot API's types
(https://core.telegram.org/bots/api#update); anything else in the update is left alone, as
Telegram adds fields over time. A mismatch is a ``ValueError`` naming the field (the webhook
answers 400).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

_STR = {"type": "string"}
_INT = {"type": "integer"}
_USER = {"type": "object", "required": ["id", "first_name"],
         "properties": {"id": _INT, "is_bot": {"type": "boolean"}, "first_name": _STR,
                        "last_name": _STR, "username": _STR, "language_code": _STR}}
_CHAT = {"type": "object", "required": ["id"],
         "properties": {"id": _INT, "type": _STR, "title": _STR, "username": _STR,
                        "first_name": _STR, "last_name": _STR}}
_FILE = {"type": "object", "required": ["file_id"],
         "properties": {"file_id": _STR, "file_unique_id": _STR, "mime_type": _STR,
                        "file_name": _STR, "file_size": _INT}}
_PHOTO = {"type": "object", "required": ["file_id", "width", "height"],
          "properties": {"file_id": _STR, "file_unique_id": _STR, "width": _INT, "height": _INT,
                         "file_size": _INT}}
_BUTTON = {"type": "object", "required": ["text"],
           "properties": {"text": _STR, "callback_data": _STR}}
_MESSAGE = {"type": "object", "required": ["message_id", "chat"],
            "properties": {"message_id": _INT, "date": _INT, "chat": _CHAT, "from": _USER,
                           "text": _STR, "caption": _STR,
                           "photo": {"type": "array", "items": _PHOTO},
                           "document": _FILE, "voice": _FILE, "audio": _FILE, "video": _FILE,
                           "video_note": _FILE, "animation": _FILE,
                           "reply_markup": {"type": "object", "properties": {
                               "inline_keyboard": {"type": "array", "items": {
                                   "type": "array", "items": _BUTTON}}}}}}
_CALLBACK = {"type": "object", "required": ["id", "from"],
             "properties": {"id": _STR, "from": _USER, "message": _MESSAGE, "data": _STR,
                            "chat_instance": _STR}}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "required": ["update_id"],
    "properties": {"update_id": _INT, "message": _MESSAGE, "callback_query": _CALLBACK},
}


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(SCHEMA)


def check_update(data: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` naming the first field of ``data`` that has the wrong type."""
    error = next(iter(_validator().iter_errors(dict(data))), None)
    if error is None:
        return
    where = ".".join(str(p) for p in error.absolute_path) or "the update"
    raise ValueError(f"not a Telegram update: {where}: {error.message[:200]}")
