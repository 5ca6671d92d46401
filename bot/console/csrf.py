"""CSRF: every unsafe request must echo the session's token in ``X-CSRF-Token``.

The session cookie is SameSite=Strict already; the header is the second fence (a form on
another site cannot set it). The token comes with the login answer and with ``GET /me``.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from bot.console.deps import ApiError

HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check(request: Request, expected: str) -> None:
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(HEADER, "")
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise ApiError(403, f"missing or wrong {HEADER} header; reload the console")
