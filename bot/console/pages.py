"""The console page and its static files, with strict security headers.

``GET /console`` serves bot/static/console/index.html (the single-page console; it logs in
through the JSON API); its assets are under ``/console/static/``. Console responses carry a
Content-Security-Policy without inline scripts, no framing, no referrer, no sniffing; every
other response gets no-sniff and no-referrer (the chat page sets its own CSP).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent.parent / "static" / "console"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY"),
           (b"referrer-policy", b"no-referrer"), (b"x-content-type-options", b"nosniff")]
PREFIXES = ("/console", "/api/console")
#: Every other response (web chat, webhooks, NLU, health): no MIME sniffing, no referrer.
BASELINE = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]

router = APIRouter()

_PLACEHOLDER = """<!doctype html><html lang="zh"><head><meta charset="utf-8">
<title>Careline console</title></head><body><h1>Careline 客服控制台 / agent console</h1>
<p>The console page is not installed (bot/static/console/index.html).</p></body></html>"""


@router.get("/console", include_in_schema=False)
def console_page() -> Response:
    index = STATIC / "index.html"
    if index.is_file():
        return FileResponse(index, media_type="text/html; charset=utf-8",
                            headers={"Cache-Control": "no-cache"})
    return HTMLResponse(_PLACEHOLDER)


class SecurityHeaders:
    """Pure ASGI (unlike BaseHTTPMiddleware it leaves event streams alone)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = HEADERS if scope.get("path", "").startswith(PREFIXES) else BASELINE

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []),
                                                  *(h for h in extra if h[0] not in names)]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def mount(app: FastAPI) -> None:
    app.include_router(router)
    # check_dir=False: the page's assets may be installed after the app starts.
    app.mount("/console/static", StaticFiles(directory=STATIC, check_dir=False),
              name="console-static")
    app.add_middleware(SecurityHeaders)
