"""A loopback fake of the WeChat server API, and builders for inbound callback XML.

``FakeWeChatAPI`` serves ``/cgi-bin/token``, ``/cgi-bin/message/custom/send`` and
``/cgi-bin/message/template/send`` on 127.0.0.1 with the JSON bodies of the official docs,
records every call (with the access token it carried) and can be told to fail. It checks
tokens like WeChat does: a call with anything but the latest token gets 40001, and
``expire_token()`` makes the current one answer 42001 until a new one is fetched.

The inbound builders reproduce the samples of the official "receiving messages" docs, signed
for a given token, in plain mode or in safe mode (AES, ``msg_signature``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from wechatpy.crypto import PrpCrypto

ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40003: "invalid openid",
    42001: "access_token expired",
    43004: "require subscribe",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
}
#: The sample account of the official docs (its AES samples decrypt with these).
DOC_APPID = "wx5823bf96d3bd56c7"
DOC_TOKEN = "QDG6eK"
DOC_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
TOKEN_PATH = "/cgi-bin/token"
CUSTOM_PATH = "/cgi-bin/message/custom/send"
TEMPLATE_PATH = "/cgi-bin/message/template/send"


@dataclass
class Call:
    path: str
    access_token: str | None
    params: dict[str, str]
    body: dict[str, Any] | None
    ok: bool = False  # WeChat accepted it (errcode 0)


@dataclass
class _Failure:
    errcode: int | None = None  # None: answer with an HTTP status instead
    status: int = 200


@dataclass
class FakeWeChatAPI:
    """Start with ``with FakeWeChatAPI() as fake:`` (or ``start()`` / ``close()``)."""

    appid: str = DOC_APPID
    secret: str = "sec"
    calls: list[Call] = field(default_factory=list)
    tokens_issued: int = 0
    _failures: dict[str, deque[_Failure]] = field(default_factory=dict)
    _always: dict[str, _Failure] = field(default_factory=dict)
    _expired: set[str] = field(default_factory=set)
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _template_msgid: int = 200228332

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeWeChatAPI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._serve(self, None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                fake._serve(self, self.rfile.read(length))

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,),
                                        name="fake-wechat",
                                        daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeWeChatAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- scripting -----------------------------------------------------------------------

    def fail(self, path: str, errcode: int | None = None, *, times: int | None = 1,
             status: int = 200) -> None:
        """The next ``times`` calls to ``path`` answer ``errcode`` (or HTTP ``status``);
        ``times=None``: every call from now on."""
        failure = _Failure(errcode, status)
        with self._lock:
            if times is None:
                self._always[path] = failure
            else:
                self._failures.setdefault(path, deque()).extend([failure] * times)

    def expire_token(self) -> None:
        """The current token now answers 42001 (access_token expired)."""
        with self._lock:
            self._expired.add(self.current_token)

    @property
    def current_token(self) -> str:
        return f"ACCESS_TOKEN_{self.tokens_issued}"

    def sent(self, path: str = CUSTOM_PATH) -> list[Call]:
        """Calls to ``path`` that WeChat accepted (errcode 0)."""
        with self._lock:
            return [c for c in self.calls if c.path == path and c.ok]

    def wait_for(self, path: str, count: int = 1, *, timeout: float = 10.0) -> bool:
        """Block until ``count`` calls to ``path`` were accepted (for work in other threads)."""
        with self._lock:
            return self._lock.wait_for(
                lambda: sum(c.ok for c in self.calls if c.path == path) >= count, timeout)

    def texts(self) -> list[str]:
        """The text of every accepted customer-service message."""
        return [c.body["text"]["content"] for c in self.sent() if c.body is not None]

    # -- serving -------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler, raw: bytes | None) -> None:
        url = urlsplit(handler.path)
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        body = json.loads(raw.decode("utf-8")) if raw else None
        call = Call(url.path, params.get("access_token"), params, body)
        with self._lock:
            self.calls.append(call)
            status, payload = self._answer(url.path, call)
            call.ok = status == 200 and payload.get("errcode", 0) == 0
            self._lock.notify_all()
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; encoding=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _answer(self, path: str, call: Call) -> tuple[int, dict[str, Any]]:
        queued = self._failures.get(path)
        failure = queued.popleft() if queued else self._always.get(path)
        if failure is not None:
            if failure.errcode is None:
                return failure.status, {"message": "bad gateway"}
            return 200, _error(failure.errcode)
        if path == TOKEN_PATH:
            if call.params.get("appid") != self.appid or call.params.get("secret") != self.secret:
                return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}
            self.tokens_issued += 1
            return 200, {"access_token": self.current_token, "expires_in": 7200}
        if path not in (CUSTOM_PATH, TEMPLATE_PATH):
            return 404, {"errcode": 404, "errmsg": f"fake has no route {path}"}
        if call.access_token in self._expired:
            return 200, _error(42001)
        if call.access_token != self.current_token or self.tokens_issued == 0:
            return 200, _error(40001)
        if path == TEMPLATE_PATH:
            self._template_msgid += 1
            return 200, {"errcode": 0, "errmsg": "ok", "msgid": self._template_msgid}
        return 200, {"errcode": 0, "errmsg": "ok"}


def _error(errcode: int) -> dict[str, Any]:
    return {"errcode": errcode, "errmsg": ERRMSG.get(errcode, "error")}


# -- inbound callbacks (official samples) -------------------------------------------------

OA_ID = "gh_3ab1c2d3e4f5"  # ToUserName: the account's original id


def _xml(fields: dict[str, str | int]) -> bytes:
    parts = [f"<{k}>{v}</{k}>" if isinstance(v, int) else f"<{k}><![CDATA[{v}]]></{k}>"
             for k, v in fields.items()]
    return ("<xml>" + "".join(parts) + "</xml>").encode("utf-8")


def text_xml(content: str, *, msg_id: int = 1234567890123456, openid: str = "oUser1",
             create_time: int = 1348831860) -> bytes:
    return _xml({"ToUserName": OA_ID, "FromUserName": openid, "CreateTime": create_time,
                 "MsgType": "text", "Content": content, "MsgId": msg_id})


def image_xml(*, msg_id: int = 1234567890123457, openid: str = "oUser1",
              pic_url: str = "http://mmbiz.qpic.cn/this-is-a-url",
              media_id: str = "media_id") -> bytes:
    return _xml({"ToUserName": OA_ID, "FromUserName": openid, "CreateTime": 1348831860,
                 "MsgType": "image", "PicUrl": pic_url, "MediaId": media_id, "MsgId": msg_id})


def voice_xml(recognition: str | None, *, msg_id: int = 1234567890123458,
              openid: str = "oUser1") -> bytes:
    fields: dict[str, str | int] = {
        "ToUserName": OA_ID, "FromUserName": openid, "CreateTime": 1357290913,
        "MsgType": "voice", "MediaId": "media_id", "Format": "amr"}
    if recognition is not None:
        fields["Recognition"] = recognition
    fields["MsgId"] = msg_id
    return _xml(fields)


def message_xml(msg_type: str, *, msg_id: int = 1234567890123459, openid: str = "oUser1",
                **fields: str) -> bytes:
    """Any other message type (video, shortvideo, location, link) with its own fields."""
    return _xml({"ToUserName": OA_ID, "FromUserName": openid, "CreateTime": 1351776360,
                 "MsgType": msg_type, **fields, "MsgId": msg_id})


def event_xml(event: str, *, key: str | None = None, openid: str = "oUser1",
              create_time: int = 123456789) -> bytes:
    fields: dict[str, str | int] = {"ToUserName": OA_ID, "FromUserName": openid,
                                    "CreateTime": create_time, "MsgType": "event",
                                    "Event": event}
    if key is not None:
        fields["EventKey"] = key
    return _xml(fields)


def signature(token: str, *parts: str) -> str:
    return hashlib.sha1("".join(sorted([token, *parts])).encode("utf-8")).hexdigest()


def signed(token: str, *, timestamp: str = "1409659813", nonce: str = "1372623149",
           openid: str = "oUser1") -> dict[str, str]:
    """The query string WeChat adds to a plain-mode callback."""
    return {"signature": signature(token, timestamp, nonce), "timestamp": timestamp,
            "nonce": nonce, "openid": openid}


def encrypted(body: bytes, *, token: str, aes_key: str, appid: str,
              timestamp: str = "1409659813", nonce: str = "1372623149",
              openid: str = "oUser1") -> tuple[bytes, dict[str, str]]:
    """A safe-mode callback: ``<xml><ToUserName/><Encrypt/></xml>`` and its query."""
    key = base64.b64decode(aes_key + "=")
    encrypt = PrpCrypto(key).encrypt(body.decode("utf-8"), appid).decode("ascii")
    outer = _xml({"ToUserName": OA_ID, "Encrypt": encrypt})
    query = {**signed(token, timestamp=timestamp, nonce=nonce, openid=openid),
             "encrypt_type": "aes", "msg_signature": signature(token, timestamp, nonce, encrypt)}
    return outer, query


def decrypt_reply(xml: bytes, *, token: str, aes_key: str, appid: str) -> str:
    """Open a safe-mode passive reply the way WeChat does (checks its MsgSignature)."""
    from defusedxml.ElementTree import fromstring

    root = fromstring(xml)
    fields = {child.tag: child.text or "" for child in root}
    expected = signature(token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
    assert fields["MsgSignature"] == expected, "reply signature does not match"
    return str(PrpCrypto(base64.b64decode(aes_key + "=")).decrypt(fields["Encrypt"], appid))
