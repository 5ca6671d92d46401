"""Starting a flow the bot begins on its own (a survey, a resolution rating).

The dispatcher claims a due ``kind="flow"`` outbox row and hands it here. In ONE
transaction the customer's conversation is locked (the same lock a customer message
takes), the flow is started in the conversation state, its events and the new snapshot are
stored, and its replies are queued as ordinary outbox rows whose idempotency keys derive
from the flow row's key — so a retried start never sends twice, and a second start with
the same key is a no-op (the ``proactive_started`` event records the key).

A customer in the middle of another flow, or talking to an agent, is not interrupted: the
row is given back to try again ``postpone_minutes`` later (the survey section's setting,
carried in the payload). The dispatcher counts each try as an attempt, so a customer busy
for hours is eventually left alone rather than surveyed at a bad moment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from bot.channels.base import SendResult
from flows.business.proactive import use_scripts
from flows.reload import BundleHolder
from flows.runtime import Runtime
from flows.turn import Env, Turn
from storage import repo
from storage.db import Database
from storage.models import Conversation, ConversationEvent
from storage.repo import Claimed, NewEvent, NewOutbox

log = logging.getLogger(__name__)

STARTED = "proactive_started"
DEFAULT_POSTPONE_MINUTES = 30.0  # rows queued without a postpone_minutes of their own


class FlowStarter:
    """Callable for ``kind="flow"`` rows: ``(Claimed) -> SendResult``."""

    def __init__(self, db: Database, scripts: BundleHolder, *, tz: Any,
                 clock: Callable[[], datetime] | None = None,
                 on_outbox: Callable[[], None] = lambda: None) -> None:
        self.db, self.scripts, self.tz = db, scripts, tz
        self.clock = clock or (lambda: datetime.now(tz))
        self.on_outbox = on_outbox
        use_scripts(lambda: scripts.bundle)  # completion hooks read the live sections too

    def __call__(self, row: Claimed) -> SendResult:
        flow = str(row.payload.get("flow", ""))
        bundle = self.scripts.bundle
        if flow not in bundle.flows:
            return SendResult(ok=False, permanent=True,
                              error=f"flow {flow!r} is not in the scripts")
        with self.db.transaction() as s:
            conv = repo.conversation_for(s, row.channel, row.recipient)
            if _already_started(s, conv.id, row.idempotency_key):
                return SendResult(ok=True, external_ref="already started")
            busy = _busy_with(conv)
            if busy is not None:
                minutes = float(row.payload.get("postpone_minutes", DEFAULT_POSTPONE_MINUTES))
                return SendResult(ok=False, retry_after=minutes * 60,
                                  error=f"postponed: the customer is busy ({busy})")
            queued = self._start(s, row, conv, flow)
        if queued:
            self.on_outbox()
        return SendResult(ok=True, external_ref=f"started {flow}, {queued} message(s) queued")

    def _start(self, s: Connection, row: Claimed, conv: repo.ConversationRow, flow: str) -> int:
        now = self.clock()
        lang = conv.lang or "zh"
        slots = dict(row.payload.get("slots") or {})
        runtime = Runtime(self.scripts.bundle, self.tz)
        outcome = runtime.start_flow(
            conv.state or {}, flow, slots, Turn(text="", lang=lang, now=now),
            Env(tz=self.tz, customer_id=conv.customer_id, conversation_id=conv.id, session=s,
                channel=conv.channel))
        replies = outcome.replies
        events = [NewEvent(STARTED, "system", {"key": row.idempotency_key, "flow": flow,
                                               "slots": slots}),
                  *(NewEvent(t, "bot", d) for t, d in outcome.events),
                  *(NewEvent("message_out", "bot", r.to_dict()) for r in replies)]
        repo.append_events(s, conv, events, ts=now)
        kind = str(row.payload.get("kind") or flow)  # WeChat picks a template by kind
        repo.enqueue(s, [NewOutbox(idempotency_key=f"{row.idempotency_key}:{i}"[:96],
                                   customer_id=conv.customer_id, channel=row.channel,
                                   recipient=row.recipient, payload=r.to_dict(),
                                   conversation_id=conv.id, kind=kind, due_at=now)
                         for i, r in enumerate(replies)])
        # Not repo.save_conversation: that records a customer message (it reopens WeChat's
        # 48-hour window), and this turn is the bot's own.
        s.execute(update(Conversation).where(Conversation.id == conv.id)
                  .values(state=outcome.state, updated_at=now))
        return len(replies)


def _busy_with(conv: repo.ConversationRow) -> str | None:
    if conv.status in ("queued", "agent"):
        return f"conversation is with an agent ({conv.status})"
    stack = (conv.state or {}).get("stack") or []
    if stack:
        return f"in flow '{stack[-1].get('flow')}'"
    return None


def _already_started(s: Connection, conversation_id: int, key: str) -> bool:
    e = ConversationEvent
    return any((data or {}).get("key") == key for data in s.execute(
        select(e.data).where(e.conversation_id == conversation_id, e.type == STARTED)).scalars())
