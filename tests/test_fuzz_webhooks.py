"""Hostile webhook input: whatever arrives on the Telegram or WeChat webhook, the parsers
either map it to one typed message, ignore it, or refuse it with their documented error
(ValueError for Telegram, the WeChatError tree for WeChat) — never another exception.

Property tests (hypothesis); the ``ci`` profile keeps them quick, ``CARELINE_FUZZ_PROFILE=long``
explores further. Each crash found here is kept as an ``@example``.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from wechatpy.crypto import WeChatCrypto

from bot.channels.base import InboundMessage
from bot.channels.telegram import ParsedUpdate, TelegramChannel
from bot.channels.wechat_inbound import WeChatError, read_message

from .fakes.telegram_api import callback_update, photo_update, text_update
from .fakes.wechat_api import (
    DOC_AES_KEY,
    DOC_APPID,
    DOC_TOKEN,
    OA_ID,
    encrypted,
    event_xml,
    image_xml,
    signature,
    signed,
    text_xml,
    voice_xml,
)
from .fuzz_strategies import json_values, mutated, xml_texts

APPID, TOKEN, AES_KEY = DOC_APPID, DOC_TOKEN, DOC_AES_KEY
CRYPTO = WeChatCrypto(TOKEN, AES_KEY, APPID)


@pytest.fixture(scope="module")
def telegram() -> Iterator[TelegramChannel]:
    channel = TelegramChannel("123:ABC", api_base="http://127.0.0.1:9", secret="s")
    yield channel
    channel.close()


def _check_telegram(channel: TelegramChannel, data: Any) -> None:
    try:
        parsed = channel.parse(data)
    except ValueError:
        return  # documented refusal: the webhook answers 400
    if parsed is not None:
        assert isinstance(parsed, ParsedUpdate)
        _sane(parsed.message)


def _sane(msg: InboundMessage) -> None:
    assert isinstance(msg.sender, str) and msg.sender
    assert isinstance(msg.message_id, str) and msg.message_id
    assert msg.text is None or isinstance(msg.text, str)


TELEGRAM_SAMPLES = [text_update(1, "你好"), text_update(2, "/start"),
                    callback_update(3, "1", ["搬家", "保洁"]), photo_update(4, "看看")]


@given(json_values)
def test_any_json_is_a_telegram_update_or_a_value_error(telegram: TelegramChannel,
                                                        data: Any) -> None:
    _check_telegram(telegram, data)


@given(st.sampled_from(TELEGRAM_SAMPLES).flatmap(mutated))
@example({"update_id": 5, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"},
                                      "from": {"id": 1, "is_bot": False, "first_name": None}}})
@example({"update_id": 6, "callback_query": {"id": "x", "from": {"id": 1, "is_bot": False,
                                                                 "first_name": "W"},
                                             "chat_instance": "1", "data": None}})
def test_damaged_telegram_updates_are_parsed_or_refused(telegram: TelegramChannel,
                                                        data: Any) -> None:
    _check_telegram(telegram, data)


@given(st.integers(min_value=-(2**70), max_value=2**70), st.text(max_size=300),
       st.sampled_from(["zh-hans", "en", "", "xx-" * 40, None]))
def test_any_text_and_ids_in_a_telegram_message(telegram: TelegramChannel, update_id: int,
                                               text: str, language: str | None) -> None:
    update = text_update(1, text or "x", chat_id=update_id % 10**12 or 1)
    update["update_id"] = update_id
    if language is None:
        del update["message"]["from"]["language_code"]
    else:
        update["message"]["from"]["language_code"] = language
    _check_telegram(telegram, update)


# -- WeChat ---------------------------------------------------------------------------------


def _check_wechat(body: bytes, query: dict[str, str], *, crypto: WeChatCrypto | None = None) -> None:
    try:
        msg = read_message(body, query, token=TOKEN, crypto=crypto)
    except WeChatError:
        return  # Forbidden -> 403, BadRequest -> 400
    if msg is not None:
        _sane(msg)


@given(st.binary(max_size=2048))
@example(b"<xml><FromUserName>o</FromUserName><MsgType>event</MsgType></xml>")
def test_any_bytes_are_a_wechat_message_or_a_refusal(body: bytes) -> None:
    _check_wechat(body, signed(TOKEN))


@given(xml_texts)
@example("<xml><FromUserName>o</FromUserName><MsgType><a/></MsgType></xml>")
@example("<xml><FromUserName>o</FromUserName><MsgType>event</MsgType><Event>CLICK</Event></xml>")
def test_xml_shaped_bodies_are_a_wechat_message_or_a_refusal(body: str) -> None:
    _check_wechat(body.encode("utf-8"), signed(TOKEN))


WECHAT_SAMPLES = [text_xml("你好"), image_xml(), voice_xml("明天搬家"), voice_xml(None),
                  event_xml("subscribe"), event_xml("CLICK", key="quote"),
                  event_xml("SCAN", key="qrscene_1")]


@given(st.sampled_from(WECHAT_SAMPLES), st.data())
def test_damaged_wechat_samples_are_parsed_or_refused(sample: bytes, data: st.DataObject) -> None:
    body = _damage(sample, data)
    _check_wechat(body, signed(TOKEN))


@given(st.text(max_size=200), st.text(max_size=40), st.text(max_size=20))
def test_any_field_values_in_a_signed_wechat_text(content: str, openid: str, create: str) -> None:
    body = (f"<xml><ToUserName><![CDATA[{OA_ID}]]></ToUserName>"
            f"<FromUserName>{_escape(openid)}</FromUserName><CreateTime>{_escape(create)}</CreateTime>"
            f"<MsgType>text</MsgType><Content>{_escape(content)}</Content><MsgId>1</MsgId></xml>")
    _check_wechat(body.encode("utf-8", "surrogatepass"), signed(TOKEN))


@given(st.sampled_from(WECHAT_SAMPLES), st.data())
def test_safe_mode_decrypts_damaged_inner_documents_or_refuses(sample: bytes,
                                                             data: st.DataObject) -> None:
    inner = _damage(sample, data).decode("utf-8", "replace")
    body, query = encrypted(inner.encode("utf-8"), token=TOKEN, aes_key=AES_KEY, appid=APPID)
    _check_wechat(body, query, crypto=CRYPTO)


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=400))
@example("")
@example("AAAA")
@example(base64.b64encode(b"\x00" * 32).decode())
@example(base64.b64encode(b"\x10" * 48).decode())
def test_safe_mode_with_any_encrypt_field_signed_correctly_is_refused_cleanly(encrypt: str) -> None:
    # A correct msg_signature over garbage cipher text: only the decryption can refuse it.
    escaped = _escape(encrypt)
    body = f"<xml><ToUserName>{OA_ID}</ToUserName><Encrypt>{escaped}</Encrypt></xml>".encode()
    query = {**signed(TOKEN), "encrypt_type": "aes",
             "msg_signature": signature(TOKEN, "1409659813", "1372623149", encrypt)}
    _check_wechat(body, query, crypto=CRYPTO)


@given(st.dictionaries(st.sampled_from(["signature", "timestamp", "nonce", "encrypt_type",
                                        "msg_signature", "openid"]), st.text(max_size=50)))
def test_any_query_string_is_checked_without_crashing(query: dict[str, str]) -> None:
    _check_wechat(text_xml("你好"), query)
    _check_wechat(text_xml("你好"), query, crypto=CRYPTO)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _damage(sample: bytes, data: st.DataObject) -> bytes:
    """Cut, duplicate or overwrite a slice of a real callback body."""
    raw = bytearray(sample)
    for _ in range(data.draw(st.integers(1, 4))):
        if not raw:
            break
        start = data.draw(st.integers(0, len(raw) - 1))
        end = data.draw(st.integers(start, min(len(raw), start + 40)))
        how = data.draw(st.sampled_from(["cut", "copy", "replace"]))
        if how == "cut":
            del raw[start:end]
        elif how == "copy":
            raw[start:start] = raw[start:end]
        else:
            raw[start:end] = data.draw(st.sampled_from(
                [b"", b"<", b"]]>", b"&amp;", b"\x00", b"\xff\xfe", b"<![CDATA[", b"</xml>",
                 "中文".encode(), b"<MsgType>event</MsgType>", b"<Event>CLICK</Event>"]))
    return bytes(raw)


def test_the_samples_themselves_parse(telegram: TelegramChannel) -> None:
    """The strategies start from real payloads: each of them is a message as it stands."""
    for update in TELEGRAM_SAMPLES:
        assert telegram.parse(copy.deepcopy(update)) is not None
    for body in WECHAT_SAMPLES[:5]:
        assert read_message(body, signed(TOKEN), token=TOKEN, crypto=None) is not None
