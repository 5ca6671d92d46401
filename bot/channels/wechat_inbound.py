"""WeChat Official Account callbacks: signatures, safe XML, decryption, passive replies.

Exceptions (the adapter's one tree; the webhook maps them to HTTP statuses)::

    WeChatError
    ├── Forbidden        -> 403: missing or forged signature, message for another app id
    └── BadRequest       -> 400: not XML, not a WeChat message, undecryptable
        └── UnsafeXML    -> 400: DTDs, entity declarations, external references

Every body goes through defusedxml *before* wechatpy sees it: wechatpy parses with
xmltodict, which does not refuse DTDs, so a billion-laughs or XXE payload must never reach it.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner

from bot.channels.base import InboundMessage, Media

log = logging.getLogger(__name__)

CHANNEL = "wechat"


class WeChatError(Exception):
    """Base of the WeChat adapter's errors."""


class Forbidden(WeChatError):
    """The request is not from WeChat for this account (answer 403)."""


class BadRequest(WeChatError):
    """The body is not a WeChat message we can read (answer 400)."""


class UnsafeXML(BadRequest):
    """The body declares a DTD, entities or external references (answer 400, never expand)."""


# XML 1.0 forbids these characters; one in a reply makes WeChat drop the whole answer.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def sign(*parts: str) -> str:
    """WeChat's SHA-1 over the sorted parts (token, timestamp, nonce[, encrypt])."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


def _same(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def check_url_signature(token: str, query: Mapping[str, str]) -> None:
    """The plain ``signature`` WeChat adds to every callback URL; raises Forbidden."""
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    if not _same(sign(token, timestamp, nonce), query.get("signature")):
        raise Forbidden("signature does not match CARELINE_WECHAT_TOKEN")


def safe_tree(body: bytes) -> Element:
    """Parse with every dangerous XML feature refused; the root must be <xml>."""
    try:
        root: Element = fromstring(body, forbid_dtd=True, forbid_entities=True,
                                   forbid_external=True)
    except DefusedXmlException as exc:
        raise UnsafeXML(f"refused XML: {type(exc).__name__}") from exc
    except (ParseError, ValueError) as exc:
        raise BadRequest(f"malformed XML: {exc}") from exc
    if root.tag != "xml":
        raise BadRequest(f"expected a <xml> document, got <{root.tag}>")
    return root


def _fields(root: Element) -> dict[str, str]:
    return {child.tag: child.text or "" for child in root}


def decrypt(crypto: WeChatCrypto, token: str, root: Element, query: Mapping[str, str]) -> bytes:
    """Safe mode: check ``msg_signature`` over the Encrypt field, then decrypt it."""
    encrypt = _fields(root).get("Encrypt")
    if not encrypt:
        raise BadRequest("encrypt_type=aes but the body has no <Encrypt>")
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    signature = query.get("msg_signature")
    if not _same(sign(token, timestamp, nonce, encrypt), signature):
        raise Forbidden("msg_signature does not match CARELINE_WECHAT_TOKEN")
    try:
        plain = crypto.decrypt_message({"Encrypt": encrypt}, signature, timestamp, nonce)
    except InvalidAppIdException as exc:
        raise Forbidden("the message is encrypted for another app id") from exc
    except InvalidSignatureException as exc:  # pragma: no cover - checked just above
        raise Forbidden("msg_signature does not match") from exc
    except Exception as exc:  # bad base64 / padding / length: the cipher text is damaged
        raise BadRequest(f"cannot decrypt the message: {type(exc).__name__}") from exc
    return str(plain).encode("utf-8")


def read_message(body: bytes, query: Mapping[str, str], *, token: str,
                 crypto: WeChatCrypto | None) -> InboundMessage | None:
    """Verify, (decrypt,) parse and map one callback body; None for ignored events."""
    root = safe_tree(body)
    if query.get("encrypt_type", "raw").lower() == "aes":
        if crypto is None:
            raise BadRequest("encrypted message but CARELINE_WECHAT_AES_KEY is not set")
        body = decrypt(crypto, token, root, query)
        root = safe_tree(body)  # the inner document gets the same scrutiny
    else:
        # Plain (or the plain half of compatible mode): the URL signature authenticates it;
        # the passive reply then goes back in plain XML too, as WeChat expects.
        check_url_signature(token, query)
    raw = _fields(root)
    try:
        message = parse_message(body.decode("utf-8"))
    except (KeyError, AttributeError, TypeError, ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"not a WeChat message: {type(exc).__name__}: {exc}") from exc
    if not raw.get("FromUserName") or not raw.get("MsgType"):
        raise BadRequest("a WeChat message needs FromUserName and MsgType")
    return to_inbound(message, raw)


def to_inbound(message: Any, raw: dict[str, str]) -> InboundMessage | None:
    """Map a wechatpy message to ours; vendor field names stop here.

    wechatpy resolves the type (and rewrites ``subscribe`` + ``qrscene_`` keys into
    ``subscribe_scan``); values are read from the defused tree, where they are always strings.
    """
    sender = raw["FromUserName"]
    msg_type = str(message.type)

    def inbound(text: str | None, kind: str, *, media: tuple[Media, ...] = (),
                event: str | None = None, message_id: str | None = None) -> InboundMessage:
        return InboundMessage(channel=CHANNEL, message_id=message_id or _message_id(raw),
                              sender=sender, text=text, kind=kind, media=media, event=event,
                              raw=raw)

    if msg_type == "event" or raw["MsgType"].lower() == "event":
        return _event(str(getattr(message, "event", "")), raw, inbound)
    if msg_type == "text":
        return inbound(raw.get("Content", ""), "text")
    if msg_type == "image":
        photo = Media("photo", raw.get("MediaId", ""), url=raw.get("PicUrl") or None)
        return inbound(None, "image", media=(photo,))
    if msg_type == "voice":
        voice = Media("voice", raw.get("MediaId", ""), mime=_voice_mime(raw.get("Format")))
        recognition = raw.get("Recognition", "")
        if recognition:  # WeChat's speech recognition: treat what was said as text
            return inbound(recognition, "voice", media=(voice,))
        return inbound(None, "unsupported", media=(voice,))
    log.info("wechat %s message from %s is not supported", raw["MsgType"], sender)
    return inbound(None, "unsupported")


def _event(event: str, raw: dict[str, str],
           inbound: Callable[..., InboundMessage]) -> InboundMessage | None:
    # Events carry no MsgId; who, when and what is WeChat's own advice for deduplicating them.
    event_id = f"{raw['FromUserName']}:{raw.get('CreateTime', '')}:{raw.get('Event', '')}"
    if event in ("subscribe", "subscribe_scan"):  # following via a QR code is following too
        return inbound("/start", "event", event="subscribe", message_id=event_id)
    if event == "unsubscribe":
        return inbound(None, "event", event="unsubscribe", message_id=event_id)
    if event == "click":
        key = raw.get("EventKey", "").lstrip("/")
        if not key:
            return None
        return inbound(f"/{key}", "event", event="click", message_id=event_id)
    log.debug("wechat event %r acknowledged and ignored", raw.get("Event"))
    return None


def _message_id(raw: dict[str, str]) -> str:
    msg_id = raw.get("MsgId")
    if msg_id:
        return msg_id
    # Every documented message carries MsgId; this keeps dedup working if one does not.
    return f"{raw['FromUserName']}:{raw.get('CreateTime', '')}:{raw['MsgType']}"


def _voice_mime(fmt: str | None) -> str | None:
    return {"amr": "audio/amr", "speex": "audio/speex", "mp3": "audio/mpeg"}.get(
        (fmt or "").lower())


def reply_xml(inbound: InboundMessage, text: str, query: Mapping[str, str], *,
              crypto: WeChatCrypto | None, now: int) -> bytes:
    """The passive reply to ``inbound`` (encrypted when the request was)."""
    content = _XML_INVALID.sub("", text).replace("]]>", "]]]]><![CDATA[>")
    reply = TextReply(source=str(inbound.raw.get("ToUserName", "")), target=inbound.sender,
                      content=content, time=now)
    xml = str(reply.render())
    if query.get("encrypt_type", "raw").lower() == "aes" and crypto is not None:
        xml = str(crypto.encrypt_message(xml, query.get("nonce", ""),
                                         query.get("timestamp") or str(now)))
    return xml.encode("utf-8")
