"""The WeChat server API (customer-service and template messages) and its error codes.

wechatpy's ``WeChatClient`` does the HTTP and caches the access token; two of its defaults
do not suit a service and are replaced here:

* the token URL is hard-coded to api.weixin.qq.com, and ``API_BASE_URL`` is a class constant:
  both come from ``CARELINE_WECHAT_API_BASE`` instead (tests point them at a loopback fake);
* on 40001/40014/42001 it refetches the token and retries *recursively, without limit*: a
  server that keeps rejecting tokens would loop forever. We turn ``auto_retry`` off and
  refresh at most once per call (:func:`call_refreshing_once`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import requests
from wechatpy.client import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.channels.base import SendResult

log = logging.getLogger(__name__)

#: Rejected access token: 40001 invalid credential, 40014 invalid token, 42001 expired.
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
#: Outside what WeChat lets us push now: 45015 no customer message within 48 h,
#: 45047 the per-window message quota is used up. Not an error of ours; try a template.
WINDOW_ERRORS = frozenset({45015, 45047})
#: Worth trying again later: -1 system busy, 45009 daily API quota, 45011 per-minute limit.
TRANSIENT_ERRORS = {-1: None, 45009: 3600.0, 45011: 60.0}

DEFAULT_TIMEOUT = 10.0


class ApiClient(WeChatClient):  # type: ignore[misc]  # wechatpy ships no type hints
    """``WeChatClient`` with a configurable base URL, a token fetch that honours the
    timeout, and no unbounded token retry."""

    def __init__(self, appid: str, secret: str, *, api_base: str,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(appid, secret, timeout=timeout, auto_retry=False)
        base = api_base.rstrip("/")
        self.API_BASE_URL = f"{base}/cgi-bin/"  # per instance: read by wechatpy's _request
        self.token_url = f"{base}/cgi-bin/token"

    def fetch_access_token(self) -> dict[str, Any]:
        """GET /cgi-bin/token and cache the token (wechatpy's own has no timeout)."""
        log.info("fetching a WeChat access token")
        res = self._http.get(self.token_url, timeout=self.timeout, params={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})
        if res.status_code >= 400:
            raise WeChatClientException(None, f"HTTP {res.status_code}", client=self,
                                        request=res.request, response=res)
        result: dict[str, Any] = res.json()
        if result.get("errcode"):
            raise WeChatClientException(int(result["errcode"]), result.get("errmsg", ""),
                                        client=self, request=res.request, response=res)
        expires_in = int(result.get("expires_in", 7200))
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        self.expires_at = int(time.time()) + expires_in
        return result

    def close(self) -> None:
        self._http.close()


def call_refreshing_once(client: ApiClient, call: Callable[[], dict[str, Any]]) -> SendResult:
    """Run one API call; on a rejected token fetch a new one and retry exactly once."""
    for attempt in (1, 2):
        try:
            response = call()
        except WeChatClientException as exc:
            errcode = _errcode(exc)
            if errcode in TOKEN_ERRORS and attempt == 1:
                log.info("WeChat rejected the access token (%s); refreshing once", errcode)
                try:
                    client.fetch_access_token()
                except (WeChatClientException, requests.RequestException, ValueError) as err:
                    return outcome(_errcode(err), str(err))
                continue
            return outcome(errcode, _errmsg(exc))
        except requests.RequestException as exc:  # timeout, refused connection
            return outcome(None, f"{type(exc).__name__}: {exc}")
        except ValueError as exc:  # a body that is not JSON (a proxy's error page)
            return outcome(None, f"unreadable response: {exc}")
        msgid = response.get("msgid") if isinstance(response, dict) else None
        return SendResult(ok=True, external_ref=str(msgid) if msgid is not None else None)
    raise AssertionError("unreachable")  # pragma: no cover


def outcome(errcode: int | None, errmsg: str) -> SendResult:
    """The one place WeChat's errcodes become a :class:`SendResult`.

    ``None`` means no errcode at all (HTTP 5xx, timeout, connection error): transient.
    Window errors come back ``skipped`` so the channel can try a template instead.
    """
    error = f"WeChat errcode {errcode}: {errmsg}" if errcode is not None else errmsg
    if errcode is None or errcode in TRANSIENT_ERRORS:
        return SendResult(ok=False, error=error,
                          retry_after=TRANSIENT_ERRORS.get(errcode) if errcode is not None else None)
    if errcode in WINDOW_ERRORS:
        reason = ("outside the WeChat 48-hour service window" if errcode == 45015
                  else "the WeChat service-message quota for this window is used up")
        return SendResult(ok=False, skipped=True, error=f"{reason} ({error})")
    if errcode in TOKEN_ERRORS:  # still rejected after a fresh token: try again later
        return SendResult(ok=False, error=error)
    # 40003 invalid openid, 43004 unsubscribed, 40037 bad template id, ...: the request
    # itself is wrong for this recipient; sending it again cannot succeed.
    return SendResult(ok=False, permanent=True, error=error)


def _errcode(exc: Exception) -> int | None:
    code = getattr(exc, "errcode", None)
    if code is None:
        return None
    try:
        return int(code)
    except (TypeError, ValueError):
        return None


def _errmsg(exc: WeChatClientException) -> str:
    if exc.errcode is None:
        status = getattr(exc.response, "status_code", None)
        return f"HTTP {status}" if status is not None else str(exc.errmsg or "request failed")
    return str(exc.errmsg)
