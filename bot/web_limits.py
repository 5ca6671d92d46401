"""Rate limits of the public web API: ``POST /api/chat``, ``GET /api/chat/inbox`` and the
Rasa-compatible ``POST /model/parse`` (per client address only: it has no user id).

Anyone can call them (a web customer is a client-chosen id), so each is limited per user id
and per client address, as sliding windows (scheduler/ratelimit.py, the limiter that keeps
Telegram's sends in bounds). A refused request is answered 429 with ``Retry-After`` and a
JSON error, before any work; the chat page shows a short note (zh and en).

The windows are kept in each worker process's memory. With ``careline serve --workers N`` a
client whose requests the kernel spreads over several workers may get up to N times the
limits (a browser's keep-alive connection stays with one worker). Sharing them through the
database, as the console's login throttle does (bot/console/throttle.py), would add a write
to every chat message and every inbox poll — the throttle counts rare failed logins; these
are the hot path. A reverse proxy in front can still enforce exact cluster-wide limits.

Clients on the machine itself (127.0.0.1, ::1) are not limited: the demo page, local
scripts and checks that replay conversations quickly. uvicorn takes the client address from
``X-Forwarded-For`` when the request comes from 127.0.0.1, so customers behind a reverse
proxy on the same host are still limited by their own address as long as the proxy sets
that header (nginx: ``proxy_set_header X-Forwarded-For $remote_addr;``).

The Telegram and WeChat webhooks are not limited by address: every update comes from the
platform's own servers, so a per-address limit would throttle all customers together. They
are authenticated (secret token, signature) before any work, and the platforms pace what
one customer can send.
"""

from __future__ import annotations

import ipaddress
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from scheduler.ratelimit import Limit, RateLimiter

#: ``<count>/<seconds>s`` or ``<count>/<minutes>m`` (``20/10s``, ``120/1m``), or ``off``.
RATE_PATTERN = r"^(off|[1-9][0-9]{0,6}/[1-9][0-9]{0,5}[sm])$"


def parse_rate(text: str) -> Limit | None:
    """The limit a setting names, None for ``off``."""
    if text == "off":
        return None
    found = re.fullmatch(r"([0-9]+)/([0-9]+)([sm])", text)
    if found is None:
        raise ValueError(f"rate {text!r} is not like '20/10s', '120/1m' or 'off'")
    count, amount, unit = found.groups()
    return Limit(int(count), float(amount) * (60 if unit == "m" else 1))


def _limiter(limit: Limit | None, clock: Callable[[], float]) -> RateLimiter | None:
    return None if limit is None else RateLimiter((), lambda _key: (limit,), clock=clock)


def _local(ip: str | None) -> bool:
    try:
        return ip is not None and ipaddress.ip_address(ip).is_loopback
    except ValueError:  # "testclient", a unix socket path ...
        return False


@dataclass(frozen=True)
class Refused:
    retry_after: int  # whole seconds, at least 1


class EndpointLimit:
    """One endpoint's limits: per user id and per client address."""

    def __init__(self, per_user: Limit | None, per_ip: Limit | None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._user = _limiter(per_user, clock)
        self._ip = _limiter(per_ip, clock)

    def check(self, user: str, ip: str | None) -> Refused | None:
        """None when the request may go ahead (and is counted); else how long to wait.
        The address is counted first: a request refused for its user still counts against
        its address, so one address cannot hammer the API by rotating refusals. Local
        clients are never refused (module docstring)."""
        if _local(ip):
            return None
        for limiter, key in ((self._ip, ip), (self._user, user)):
            if limiter is None or key is None:
                continue
            wait, _ = limiter.reserve(key)
            if wait > 0:
                return Refused(max(1, math.ceil(wait)))
        return None


@dataclass(frozen=True)
class WebLimits:
    chat: EndpointLimit
    inbox: EndpointLimit
    parse: EndpointLimit  # POST /model/parse: per client address only (no user id)

    @classmethod
    def from_rates(cls, chat_user: str, chat_ip: str, inbox_user: str, inbox_ip: str,
                   clock: Callable[[], float] = time.monotonic, *,
                   parse_ip: str = "off") -> WebLimits:
        return cls(EndpointLimit(parse_rate(chat_user), parse_rate(chat_ip), clock),
                   EndpointLimit(parse_rate(inbox_user), parse_rate(inbox_ip), clock),
                   EndpointLimit(None, parse_rate(parse_ip), clock))


#: What the 429 says (the chat page shows its own note, in the page's language).
TOO_FAST = ("请求太频繁，请 {s} 秒后再试。 / Too many requests; "
            "please try again in {s} s.")
