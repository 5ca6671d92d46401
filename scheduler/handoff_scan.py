"""The handoff timeout: a queued conversation nobody claims in time gets a callback.

Every 15 s (APScheduler, see dispatcher.start_background) queued conversations older than
``claim_timeout_minutes`` *of working time* are timed out: a ticket is opened (class and
topic from ``callback_ticket``, source ``handoff``), the customer is promised a callback
with its id on their own channel, and the conversation goes back to the bot (event
``handoff_timeout``) — all in one transaction per conversation.

Outside working hours nothing times out: the customer was told when agents are back, and
only working time counts (queued at 23:00: times out at 09:03 if nobody claims it; queued
at 20:58 with closing at 21:00: two minutes that evening, one the next morning).

Exactly once, even with several schedulers: each conversation is re-read under
``FOR UPDATE SKIP LOCKED`` and must still be queued (on SQLite, writers are serialised),
and the outbox key is derived from the queue time.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select, update

from flows.business import complaints
from flows.business.handoff_config import HandoffConfig, cached_config, default_tz
from flows.business.proactive import live_section
from storage import repo
from storage.db import Database
from storage.models import ChannelIdentity, Conversation, Customer
from storage.outbox import NewOutbox, enqueue
from storage.repo import NewEvent
from storage.types import utcnow

log = logging.getLogger(__name__)

SCAN_SECONDS = 15.0


def _deadline(queued_at: datetime, cfg: HandoffConfig, tz: ZoneInfo) -> datetime | None:
    return cfg.working_deadline(queued_at, cfg.claim_timeout, tz)


def scan_timeouts(db: Database, now: datetime | None = None, *,
                  tz: ZoneInfo | None = None) -> int:
    """Time out every overdue queued conversation once; returns how many were timed out."""
    now, tz = now or utcnow(), tz or default_tz()
    cfg = cached_config(live_section("handoff"))
    if not cfg.is_open(now, tz):
        return 0
    c = Conversation
    with db.read() as s:
        due = [int(i) for i in s.execute(
            select(c.id).where(c.status == "queued", c.queued_at <= now - cfg.claim_timeout)
            .order_by(c.queued_at).limit(500)).scalars()]
    done = 0
    for conversation_id in due:
        try:
            with db.transaction() as conn:
                done += _time_out(conn, conversation_id, now, cfg, tz)
        except Exception:  # one bad row must not stop the others
            log.exception("handoff timeout of conversation %s failed", conversation_id)
    return done


def _time_out(conn: Connection, conversation_id: int, now: datetime, cfg: HandoffConfig,
              tz: ZoneInfo) -> bool:
    c, i = Conversation, ChannelIdentity
    row = conn.execute(
        select(c.id, c.public_id, c.customer_id, c.channel, i.external_id,
               func.coalesce(c.lang, Customer.lang), c.state, c.queued_at, c.handoff_reason)
        .join(i, i.id == c.identity_id).join(Customer, Customer.id == c.customer_id)
        .where(c.id == conversation_id, c.status == "queued")
        .with_for_update(of=c, skip_locked=True)).first()
    if row is None or row.queued_at is None:  # claimed, cancelled or being handled
        return False
    deadline = _deadline(row.queued_at, cfg, tz)
    if deadline is None or now < deadline:
        return False
    lang = str(row[5] or "zh")
    waited = now - row.queued_at
    ticket = complaints.open_ticket(
        conn, customer_id=row.customer_id, ticket_class=cfg.callback_class,
        topic=cfg.callback_topic, config=live_section("complaints"), now=now, source="handoff",
        conversation_id=row.id, record_event=True, description=_description(row, waited))
    text = cfg.text("callback", lang, ticket_id=ticket.public_id)
    enqueue(conn, [NewOutbox(
        idempotency_key=f"handoff-timeout:{row.id}:{row.queued_at.timestamp():.6f}"[:96],
        customer_id=row.customer_id, channel=row.channel, recipient=row.external_id,
        payload={"text": text}, conversation_id=row.id, kind="handoff", due_at=now)])
    state: dict[str, Any] = dict(row.state or {})
    state.update(stack=[], resume_offer=None, mood=[], failed_turns=0)
    conn.execute(update(c).where(c.id == row.id).values(
        status="bot", state=state, handoff_reason=None, priority=0, queued_at=None,
        claimed_at=None, assigned_agent=None, updated_at=now))
    conv = repo.ConversationRow(row.id, row.public_id, row.customer_id, row.channel, "bot",
                                lang, state, 0)
    repo.append_events(conn, conv, [
        NewEvent("handoff_timeout", "system", {
            "reason": row.handoff_reason, "waited_seconds": waited.total_seconds(),
            "ticket_id": ticket.public_id}),
        NewEvent("message_out", "bot", {"text": text})], ts=now)
    return True


def _description(row: Any, waited: timedelta) -> str:
    minutes = round(waited.total_seconds() / 60)
    return (f"转人工无人接入（原因 {row.handoff_reason}，等待 {minutes} 分钟），请回电客户。\n"
            f"Callback: nobody claimed the handoff (reason {row.handoff_reason}) within "
            f"{minutes} min; call the customer back.")


def run_scan(db: Database, tz: ZoneInfo | None = None) -> int:
    """The APScheduler job (module-level, takes ids/handles only)."""
    return scan_timeouts(db, tz=tz)
