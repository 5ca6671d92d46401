"""HTTP endpoints of the contract: web chat, Rasa-compatible parse, health and metrics."""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import time
import uuid
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from prometheus_client import generate_latest
from pydantic import BaseModel, ConfigDict, Field

from bot import metrics
from bot.channels.base import InboundMessage
from bot.console.deps import client_ip
from bot.services import Services
from bot.web_limits import TOO_FAST, EndpointLimit, WebLimits
from storage import repo
from storage.types import MAX_ID

STATIC = Path(__file__).resolve().parent / "static"
#: Bodies above this are refused outright (422); up to it, long text gets a polite reply.
MAX_BODY_TEXT = 65_536

router = APIRouter()


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(min_length=1, max_length=128, description="Stable id of the web customer")
    text: str = Field(max_length=MAX_BODY_TEXT, description="What the customer typed")
    lang: Literal["zh", "en"] | None = Field(None, description="UI language, used when the "
                                             "text itself shows none (emoji, numbers)")
    message_id: str | None = Field(None, min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$",
                                   description="Client id making retries idempotent")


class ReplyOut(BaseModel):
    text: str
    buttons: list[str] = []


class ChatResponse(BaseModel):
    conversation_id: str
    replies: list[ReplyOut]
    handoff: bool = False
    duplicate: bool = False


class ParseRequest(BaseModel):
    text: str = Field(max_length=MAX_BODY_TEXT)
    message_id: str | None = None


def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


class RateLimited(BaseModel):
    detail: str
    message: str
    retry_after: int = Field(description="Seconds to wait, as in the Retry-After header")


_LIMITED: dict[int | str, dict[str, Any]] = {429: {
    "model": RateLimited,
    "description": "Too many requests from this user or address; wait Retry-After seconds"}}


def _refused(request: Request, limit: str, user: str) -> JSONResponse | None:
    """A 429 when ``user`` or the client's address is over ``limit``'s rate, else None."""
    limits: WebLimits | None = getattr(request.app.state, "web_limits", None)
    if limits is None:
        return None
    endpoint: EndpointLimit = getattr(limits, limit)
    refused = endpoint.check(user, client_ip(request))
    if refused is None:
        return None
    wait = refused.retry_after
    return JSONResponse(status_code=429, headers={"Retry-After": str(wait)}, content={
        "detail": "rate_limited", "message": TOO_FAST.format(s=wait), "retry_after": wait})


@router.get("/", include_in_schema=False)
def index() -> RedirectResponse:
    return RedirectResponse("/chat")


def _inline_hashes(html: str, tag: str) -> str:
    """CSP source list allowing exactly the page's own inline <tag> blocks (by SHA-256)."""
    blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.S)
    return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'"
                    for b in blocks)


@functools.cache
def chat_csp() -> str:
    """The chat page's policy: its own inline script and style (pinned by hash), API calls to
    this origin, nothing else — a message that ever became HTML could not run or load anything.
    Framing stays allowed: businesses embed the web chat in their own site."""
    html = (STATIC / "chat.html").read_text(encoding="utf-8")
    return (f"default-src 'none'; script-src {_inline_hashes(html, 'script')}; "
            f"style-src {_inline_hashes(html, 'style')}; connect-src 'self'; img-src 'self' data:; "
            "base-uri 'none'; form-action 'none'; object-src 'none'")


@router.get("/chat", include_in_schema=False)
def chat_page() -> FileResponse:
    return FileResponse(STATIC / "chat.html", media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": chat_csp(), "Cache-Control": "no-cache"})


_WEB_IN = metrics.MESSAGES_IN.labels("web")
_WEB_REPLIES = metrics.REPLIES.labels("web")
_WEB_DUPLICATES = metrics.DUPLICATES.labels("web")


@router.post("/api/chat", response_model=ChatResponse, tags=["chat"], responses=_LIMITED)
def chat(body: ChatRequest, request: Request) -> JSONResponse:
    """Send one customer message on the web channel and get the bot's replies."""
    refused = _refused(request, "chat", body.user)
    if refused is not None:
        return refused
    svc = services(request)
    started = time.perf_counter()
    msg = InboundMessage(channel="web", message_id=body.message_id or uuid.uuid4().hex,
                         sender=body.user, text=body.text, lang_hint=body.lang)
    result = svc.pipeline.handle(msg)
    if result.duplicate:
        _WEB_DUPLICATES.inc()
    else:
        _WEB_IN.inc()
        _WEB_REPLIES.inc(len(result.replies))
        metrics.PIPELINE_SECONDS.observe(time.perf_counter() - started)
    # Built directly: the shape is ChatResponse (documented above) and re-validating our own
    # output on every message costs more than the rest of the HTTP layer.
    return JSONResponse({
        "conversation_id": result.conversation_id,
        "replies": [r.to_dict() for r in result.replies],
        "handoff": result.handoff, "duplicate": result.duplicate,
    })


class InboxMessage(BaseModel):
    id: int
    text: str
    buttons: list[str] = []


class InboxResponse(BaseModel):
    messages: list[InboxMessage]
    last: int = Field(description="Pass as `after` next time")


@router.get("/api/chat/inbox", response_model=InboxResponse, tags=["chat"], responses=_LIMITED)
def chat_inbox(request: Request, user: str = Query(min_length=1, max_length=128),
               after: int = Query(0, ge=0, le=MAX_ID)) -> dict[str, object] | JSONResponse:
    """Messages the bot sent this web customer on its own (survey invitations, ticket updates,
    reminders) after message ``after``; the chat page polls it."""
    from storage.outbox import web_inbox

    refused = _refused(request, "inbox", user)
    if refused is not None:
        return refused
    with services(request).db.read() as tx:
        rows = web_inbox(tx, user, after_id=after)
    return {"messages": [{"id": i, "text": str(p.get("text", "")),
                          "buttons": [str(b) for b in p.get("buttons", [])]} for i, p in rows],
            "last": rows[-1][0] if rows else after}


@router.post("/model/parse", tags=["nlu"], responses=_LIMITED, response_model=None)
def parse(body: ParseRequest, request: Request) -> dict[str, object] | JSONResponse:
    """Rasa-compatible NLU parse, plus ``sentiment``."""
    refused = _refused(request, "parse", "")
    if refused is not None:
        return refused
    return services(request).nlu.parse(body.text).to_dict()


@router.get("/healthz", tags=["ops"])
def healthz(request: Request) -> dict[str, object]:
    svc = services(request)
    return {"status": "ok", "flows_version": svc.scripts.version,
            "flows_errors": [str(e) for e in svc.scripts.last_errors]}


@router.get("/metrics", include_in_schema=False)
def prometheus(request: Request) -> Response:
    metrics.FLOWS_VERSION.set(services(request).scripts.version)
    return Response(generate_latest(metrics.REGISTRY), media_type="text/plain; version=0.0.4")


bench_router = APIRouter()


@bench_router.post("/api/_bench/floor", include_in_schema=False)
def bench_floor(body: ChatRequest, request: Request) -> dict[str, bool]:
    """The benchmark's floor: parse the same JSON and insert one row, nothing else."""
    with services(request).db.transaction() as s:
        repo.record_inbound(s, channel="bench", external_id=uuid.uuid4().hex, sender=body.user,
                            text=body.text, status="processed")
    return {"ok": True}
