"""Fuzz targets: each takes the fuzzer's bytes and calls one parser the way production does.

A target catches only the refusal its parser documents (ValueError for a Telegram update,
the WeChatError tree for WeChat, QuoteInputError for pricing, file:line errors for scripts);
any other exception escapes, and atheris saves the input that caused it.
"""

from __future__ import annotations

import contextlib
import json
import math
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import atheris

SHIPPED = Path(__file__).resolve().parents[2] / "flows" / "scripts"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
WX_TOKEN, WX_APPID = "QDG6eK", "wx5823bf96d3bd56c7"
WX_AES = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"


def _signed_query(*parts: str) -> dict[str, str]:
    from bot.channels.wechat_inbound import sign

    timestamp, nonce = "1409659813", "1372623149"
    query = {"timestamp": timestamp, "nonce": nonce, "signature": sign(WX_TOKEN, timestamp, nonce)}
    if parts:
        query |= {"encrypt_type": "aes", "msg_signature": sign(WX_TOKEN, timestamp, nonce, *parts)}
    return query


def telegram() -> tuple[Callable[[bytes], None], list[bytes]]:
    from bot.channels.telegram import TelegramChannel

    channel = TelegramChannel("123:ABC", api_base="http://127.0.0.1:9")

    def run(data: bytes) -> None:
        try:
            update = json.loads(data)
        except (ValueError, RecursionError):
            return
        with contextlib.suppress(ValueError):
            channel.parse(update)

    seeds = [json.dumps({"update_id": 1, "message": {
        "message_id": 1, "date": 1795000000, "text": "下周六搬家",
        "chat": {"id": 7, "type": "private", "first_name": "Wei"},
        "from": {"id": 7, "is_bot": False, "first_name": "Wei", "language_code": "zh-hans"}}}).encode(),
        json.dumps({"update_id": 2, "callback_query": {
            "id": "q", "chat_instance": "1", "data": "1",
            "from": {"id": 7, "is_bot": False, "first_name": "Wei"},
            "message": {"message_id": 3, "date": 0, "chat": {"id": 7, "type": "private"},
                        "reply_markup": {"inline_keyboard": [[{"text": "搬家", "callback_data": "1"}]]}}}}
                   ).encode()]
    return run, seeds


_WX_TEXT = (b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oUser1]]>"
            b"</FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            b"<Content><![CDATA[\xe4\xbd\xa0\xe5\xa5\xbd]]></Content><MsgId>1234567890123456</MsgId></xml>")
_WX_EVENT = (b"<xml><ToUserName>gh_1</ToUserName><FromUserName>oUser1</FromUserName>"
             b"<CreateTime>1</CreateTime><MsgType>event</MsgType><Event>CLICK</Event>"
             b"<EventKey>quote</EventKey></xml>")


def wechat() -> tuple[Callable[[bytes], None], list[bytes]]:
    from bot.channels.wechat_inbound import WeChatError, read_message

    query = _signed_query()

    def run(data: bytes) -> None:
        with contextlib.suppress(WeChatError):
            read_message(data, query, token=WX_TOKEN, crypto=None)

    return run, [_WX_TEXT, _WX_EVENT]


def wechat_safe() -> tuple[Callable[[bytes], None], list[bytes]]:
    """The fuzzer's bytes as the decrypted inner document of a correctly signed callback."""
    from wechatpy.crypto import WeChatCrypto

    from bot.channels.wechat_inbound import WeChatError, read_message

    crypto = WeChatCrypto(WX_TOKEN, WX_AES, WX_APPID)

    def run(data: bytes) -> None:
        inner = data.decode("utf-8", "replace")
        outer = crypto.encrypt_message(inner, "1372623149", "1409659813")
        from defusedxml.ElementTree import fromstring

        encrypt = {c.tag: c.text or "" for c in fromstring(outer)}["Encrypt"]
        body = f"<xml><ToUserName>gh_1</ToUserName><Encrypt>{encrypt}</Encrypt></xml>".encode()
        with contextlib.suppress(WeChatError):
            read_message(body, _signed_query(encrypt), token=WX_TOKEN, crypto=crypto)

    return run, [_WX_TEXT, _WX_EVENT]


def entities() -> tuple[Callable[[bytes], None], list[bytes]]:
    from nlu.entities import extract
    from nlu.numerals import parse_amount, parse_cn_number

    def run(data: bytes) -> None:
        text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
        for e in extract(text, NOW):
            _finite(e.value)
            if not (0 <= e.start < e.end <= len(text)) or e.text != text[e.start:e.end]:
                raise AssertionError(f"bad span {e!r}")
        amount = parse_amount(text)
        if amount is not None:
            _finite(amount)
        parse_cn_number(text)

    seeds = [s.encode() for s in ("下周六从朝阳搬到海淀，两室一厅，6楼没电梯，多少钱？", "预算一万五，30公里",
                                   "2 cleaners for 4 hours next Saturday at 3pm, 120 sqm",
                                   "13812345678 明天下午三点半", "二〇二六年十二月五号 two fridges")]
    return run, seeds


def _finite(value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise AssertionError(f"non-finite entity value {value!r}")
    if isinstance(value, dict):
        for v in value.values():
            _finite(v)


def pricing() -> tuple[Callable[[bytes], None], list[bytes]]:
    from flows.actions.quote import request_from_slots, service_time
    from flows.business.pricing import QuoteInputError, compute_quote
    from flows.loader import load_bundle

    bundle = load_bundle(SHIPPED).bundle
    assert bundle is not None
    table = bundle.pricing
    names = ["service_type", "rooms", "area", "volume", "floor", "to_floor", "elevator",
             "to_elevator", "distance", "packing", "insured_value", "insurance", "storage_days",
             "recycle_items", "cleaning_type", "plan", "large_items", "date", "time"]

    def run(data: bytes) -> None:
        fdp = atheris.FuzzedDataProvider(data)
        slots: dict[str, Any] = {"service_type": fdp.PickValueInList(sorted(table["services"]))}
        for _ in range(fdp.ConsumeIntInRange(0, 8)):
            name = fdp.PickValueInList(names)
            kind = fdp.ConsumeIntInRange(0, 4)
            slots[name] = (fdp.ConsumeUnicodeNoSurrogates(12), fdp.ConsumeInt(8),
                           fdp.ConsumeRegularFloat(), fdp.ConsumeBool(),
                           [{"item": fdp.ConsumeUnicodeNoSurrogates(6), "count": fdp.ConsumeInt(4)}])[kind]
        try:
            quote = compute_quote(table, request_from_slots(slots), None, service_time(slots))
        except QuoteInputError:
            return
        if not (math.isfinite(quote.total) and quote.total >= 0
                and quote.subtotal == round(sum(x.amount for x in quote.lines), 2)):
            raise AssertionError(f"quote does not add up: {quote!r}")

    return run, [b"\x00" * 64, bytes(range(256))]


def scripts() -> tuple[Callable[[bytes], None], list[bytes]]:
    """The fuzzer's bytes as pricing.yml beside the shipped core script."""
    from flows.loader import load_bundle

    core = (SHIPPED / "core.yml").read_bytes()
    workdir = Path(tempfile.mkdtemp(prefix="careline-fuzz-scripts-"))
    (workdir / "core.yml").write_bytes(core)

    def run(data: bytes) -> None:
        (workdir / "pricing.yml").write_bytes(data)
        result = load_bundle(workdir)
        lines = data.count(b"\n") + 1
        for e in result.errors:
            if not 1 <= e.line <= max(lines, core.count(b"\n") + 1):
                raise AssertionError(f"error outside the file: {e}")

    return run, [(SHIPPED / "pricing.yml").read_bytes(), (SHIPPED / "care.yml").read_bytes()]


TARGETS: dict[str, Callable[[], tuple[Callable[[bytes], None], list[bytes]]]] = {
    "telegram": telegram, "wechat": wechat, "wechat_safe": wechat_safe, "entities": entities,
    "pricing": pricing, "scripts": scripts,
}
