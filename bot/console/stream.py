"""``GET /api/console/stream``: live updates as Server-Sent Events.

Every state change is a conversation event, so the stream is a tail of
``conversation_events``: one poller per process (:class:`Hub`) reads rows with an id above
the last it saw every ``POLL_SECONDS`` and hands them to each open stream, which keeps what
its user may see. It works across worker processes because the database is the only
channel (an angry message handled by another worker shows within one poll). Each SSE
message has ``id:`` = the event id, so a reconnecting browser resumes with
``Last-Event-ID`` (or ``?last_event_id=``) and misses nothing.

Payload (JSON, one per event): ``{"type": "handoff"|"status"|"message"|"ticket", "event",
"id", "conversation_id" (public id), "status", "assigned_agent", "channel", "ts", "actor",
...}`` — ``handoff``: a conversation joined the queue; ``status``: it was claimed,
transferred, released, closed or timed out; ``message``: a message in or out, or an agent
note (``event: agent_note``); ``ticket``: a ticket opened or changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select

from bot.console import auth, queries
from bot.console.deps import iso, now_of, services
from bot.console.roles import CurrentUser
from storage.db import Database
from storage.models import Conversation, ConversationEvent
from storage.types import MAX_ID

router = APIRouter(tags=["console"])
POLL_SECONDS = 0.1
HEARTBEAT_SECONDS = 15.0
BATCH = 500
CATCH_UP = 1000  # at most this many missed events are replayed on reconnect

Row = tuple[Any, ...]


def _fetch(db: Database, after: int, limit: int = BATCH) -> list[Row]:
    e, c = ConversationEvent, Conversation
    with db.read() as s:
        return [tuple(r) for r in s.execute(
            select(e.id, e.type, e.actor, e.ts, e.data, c.public_id, c.status,
                   c.assigned_agent, c.channel)
            .join(c, c.id == e.conversation_id).where(e.id > after)
            .order_by(e.id).limit(limit))]


def _max_id(db: Database) -> int:
    with db.read() as s:
        return int(s.execute(select(func.coalesce(func.max(ConversationEvent.id), 0))).scalar_one())


class Hub:
    """The per-process poller: one query per tick, however many consoles are open."""

    def __init__(self, db: Database, stop: threading.Event) -> None:
        self.db, self.stop = db, stop
        self.loop = asyncio.get_running_loop()
        self.queues: set[asyncio.Queue[list[Row]]] = set()
        self.last_id = 0
        self.task: asyncio.Task[None] | None = None

    async def subscribe(self) -> tuple[asyncio.Queue[list[Row]], int]:
        """A queue of new event batches, and the id the subscriber is up to."""
        if self.task is None or self.task.done():
            self.last_id = await anyio.to_thread.run_sync(_max_id, self.db)
            self.task = asyncio.create_task(self._run(), name="careline-console-hub")
        queue: asyncio.Queue[list[Row]] = asyncio.Queue(maxsize=1000)
        self.queues.add(queue)
        return queue, self.last_id

    def unsubscribe(self, queue: asyncio.Queue[list[Row]]) -> None:
        self.queues.discard(queue)

    async def _run(self) -> None:
        while self.queues and not self.stop.is_set():
            try:
                rows = await anyio.to_thread.run_sync(_fetch, self.db, self.last_id)
            except Exception:  # a database hiccup: keep polling, streams stay open
                rows = []
            if rows:
                self.last_id = int(rows[-1][0])
                for queue in list(self.queues):
                    if queue.full():  # a stalled client: drop it, its browser reconnects
                        self.queues.discard(queue)
                    else:
                        queue.put_nowait(rows)
            if len(rows) < BATCH:
                await asyncio.sleep(POLL_SECONDS)


def hub_of(request: Request) -> Hub:
    state = request.app.state
    hub: Hub | None = getattr(state, "console_hub", None)
    if hub is None or hub.loop is not asyncio.get_running_loop():
        hub = Hub(services(request).db, stop_event(request.app))
        state.console_hub = hub
    return hub


def stop_event(app: Any) -> threading.Event:
    stop: threading.Event | None = getattr(app.state, "console_stop", None)
    if stop is None:
        stop = app.state.console_stop = threading.Event()
    return stop


_KINDS = {"message_in": "message", "message_out": "message", "agent_note": "message",
          "handoff_requested": "handoff", "handoff_queued": "handoff",
          # SLA timers (scheduler/sla.py): near breach / escalated — supervisors' alerts
          "sla_warning": "ticket", "sla_breached": "ticket"}


def payload(row: Row, user: auth.User) -> dict[str, Any] | None:
    """The SSE message for one event as ``user`` may see it, or None."""
    event_id, type_, actor, ts, data, public_id, status, agent, channel = row
    data = data or {}
    kind = _KINDS.get(type_) or ("status" if type_.startswith("handoff_") else
                                 "ticket" if type_.startswith("ticket_") else None)
    if kind is None:
        return None
    if type_.startswith("sla_") and user.role == "agent":
        return None  # deadline alerts go to supervisors and admins
    if kind in ("handoff", "status"):
        # Queue-level news; hidden only while queued for another (dedicated) agent.
        if user.role == "agent" and status == "queued" and agent not in (None, user.username):
            return None
    elif not queries.may_view(user, status, agent):
        return None
    out: dict[str, Any] = {"type": kind, "event": type_, "id": event_id,
                           "conversation_id": public_id, "status": status,
                           "assigned_agent": agent, "channel": channel, "ts": iso(ts),
                           "actor": actor}
    if kind == "message":
        out["text"] = str(data.get("text") or "")
        if type_ == "agent_note":
            out["author"] = data.get("author")
    elif kind == "ticket":
        out.update({k: data[k] for k in ("ticket_id", "to", "from", "class", "topic") if k in data})
    else:
        out.update({k: data[k] for k in ("reason", "priority", "agent", "to", "from") if k in data})
    return out


def _sse(event: dict[str, Any]) -> str:
    return f"id: {event['id']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"


async def _events(request: Request, who: auth.SessionUser, after: int | None) -> AsyncIterator[str]:
    svc = services(request)
    hub, stop = hub_of(request), stop_event(request.app)
    queue, position = await hub.subscribe()
    secret = svc.settings.secret_key.get_secret_value()
    token = auth.token_of(request.cookies.get(auth.COOKIE), secret=secret)
    try:
        yield "retry: 1000\n\n"
        sent = position
        if after is not None and after < position:
            missed = await anyio.to_thread.run_sync(_fetch, svc.db, after, CATCH_UP)
            for row in missed:
                if int(row[0]) <= position and (event := payload(row, who.user)):
                    yield _sse(event)
        beat = time.monotonic()
        while not stop.is_set():
            try:
                rows = await asyncio.wait_for(queue.get(), timeout=0.5)
            except TimeoutError:
                rows = []
            for row in rows:
                if int(row[0]) > sent and (event := payload(row, who.user)):
                    yield _sse(event)
            if rows:
                sent = max(sent, int(rows[-1][0]))
            if time.monotonic() - beat >= HEARTBEAT_SECONDS:
                beat = time.monotonic()
                if token is None or not await anyio.to_thread.run_sync(_still_valid, svc.db,
                                                                       token, now_of(request)):
                    return  # signed out or disabled: end the stream (the page sees 401 next)
                yield ": ping\n\n"
            if queue not in hub.queues and not stop.is_set():
                return  # dropped as stalled: the browser reconnects with Last-Event-ID
    finally:
        hub.unsubscribe(queue)


def _still_valid(db: Database, token: str, now: Any) -> bool:
    with db.read() as s:
        return auth.session_user(s, token, now=now) is not None


@router.get("/stream")
async def stream(request: Request, who: CurrentUser,
                 last_event_id: int | None = Query(None, ge=0, le=MAX_ID)) -> StreamingResponse:
    """Live console updates (SSE); see the module docstring for the payloads."""
    header = request.headers.get("last-event-id", "")
    after = (int(header) if header.isascii() and header.isdigit() and int(header) <= MAX_ID
             else last_event_id)
    return StreamingResponse(_events(request, who, after), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def hook_server_shutdown() -> None:
    """End open streams when uvicorn starts shutting down.

    uvicorn waits for open responses to finish before it runs the lifespan shutdown, and an
    event stream never finishes by itself; so its ``Server.shutdown`` is wrapped (once) to
    set the app's stop flag first. Streams then end within half a second.
    """
    with contextlib.suppress(ImportError):
        from uvicorn.server import Server

        original = Server.shutdown
        if getattr(original, "_careline", False):
            return

        async def shutdown(self: Any, sockets: Any = None) -> None:
            app = getattr(self.config, "app", None)
            if getattr(app, "state", None) is not None:
                stop_event(app).set()
            await original(self, sockets=sockets)

        shutdown._careline = True  # type: ignore[attr-defined]
        Server.shutdown = shutdown  # type: ignore[method-assign]
