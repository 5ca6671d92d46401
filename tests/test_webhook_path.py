"""The webhook path: store (ack) first, process once, deliver once through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bot.channels.base import InboundMessage
from bot.pipeline import Pipeline
from flows.reload import BundleHolder
from scheduler.dispatcher import dispatch_due
from storage.db import Database
from storage.models import InboundMessage as InboundRow
from storage.models import OutboxMessage
from storage.repo import Claimed

from .conftest import NOW, SHIPPED_FLOWS, TZ


@dataclass
class Sent:
    ok: bool = True
    external_ref: str | None = "tg-1"
    error: str | None = None
    retry_after: float | None = None
    permanent: bool = False
    skipped: bool = False


def pipeline(db: Database, nlu: Any) -> Pipeline:
    return Pipeline(db, nlu, BundleHolder(SHIPPED_FLOWS), tz=TZ, clock=lambda: NOW)


def update(update_id: int, text: str) -> InboundMessage:
    return InboundMessage(channel="telegram", message_id=str(update_id), sender="777",
                          text=text)


def test_stored_then_processed_then_delivered_once(db: Database, nlu: Any) -> None:
    p = pipeline(db, nlu)
    first = p.accept(update(9001, "你好"))
    assert first is not None
    assert p.accept(update(9001, "你好")) is None  # Telegram retried the webhook
    with db.read() as s:
        assert s.execute(select(InboundRow.status)).scalar_one() == "pending"
    result = p.process(first)
    assert result is not None and result.replies[0].text.startswith("您好")
    assert p.process(first) is None  # a second worker finds nothing to do
    with db.read() as s:
        (row,) = s.execute(select(OutboxMessage)).scalars().all()
    assert row.status == "pending" and row.channel == "telegram" and row.recipient == "777"
    sent: list[str] = []

    def telegram(row: Claimed) -> Sent:
        sent.append(row.payload["text"])
        return Sent()

    dispatch_due(db, telegram)
    dispatch_due(db, telegram)
    assert len(sent) == 1 and sent[0].startswith("您好")


def test_messages_stored_before_a_crash_are_processed_at_start(db: Database, nlu: Any) -> None:
    p = pipeline(db, nlu)
    ids = [p.accept(update(i, text)) for i, text in enumerate(["你好", "报价", "搬家"], 100)]
    assert None not in ids
    # ... the process stops here; a new one starts:
    assert pipeline(db, nlu).resume_pending() == 3
    with db.read() as s:
        statuses = s.execute(select(InboundRow.status)).scalars().all()
        outbox = s.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
    assert statuses == ["processed"] * 3
    assert [o.payload["text"] for o in outbox][-1] == "您家是什么户型？"
    assert pipeline(db, nlu).resume_pending() == 0


def test_a_message_left_pending_while_the_app_runs_is_swept_once(db: Database, nlu: Any) -> None:
    """The database went away after the webhook stored and acknowledged a message but before
    the background task processed it: the running app's periodic sweep answers it, once."""
    from datetime import timedelta

    from bot.app import SWEEP_AFTER, sweep_pending
    from storage.models import ConversationEvent
    from storage.types import utcnow

    p = pipeline(db, nlu)
    fresh = InboundMessage(channel="telegram", message_id="501", sender="777", text="你好")
    stale = InboundMessage(channel="telegram", message_id="500", sender="778", text="你好",
                           received_at=utcnow() - SWEEP_AFTER - timedelta(seconds=1))
    assert p.accept(stale) is not None and p.accept(fresh) is not None
    # Only the one left behind; a message stored a moment ago is its webhook task's to process.
    assert sweep_pending(p) == 1
    assert sweep_pending(p) == 0
    with db.read() as s:
        statuses = dict(s.execute(select(InboundRow.external_id, InboundRow.status)).all())
        events = s.execute(select(ConversationEvent.inbound_id)
                           .where(ConversationEvent.type == "message_in")).scalars().all()
        outbox = s.execute(select(OutboxMessage.recipient)).scalars().all()
    assert statuses == {"500": "processed", "501": "pending"}
    assert len(events) == 1 and outbox == ["778"]
