"""The queue: the handoff columns of a conversation, its place in line, expected wait, and
the text that tells the customer.

Order: higher ``priority`` first, then the earliest ``queued_at`` (then the lower id).
Position = queued conversations ahead in that order + 1. Expected wait = position x
``average_handling_minutes`` — deliberately simple and explained to agents in
docs/handoff.md; the console shows real waiting times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, func, or_, select, update

from flows.business.handoff_config import HandoffConfig
from storage import repo
from storage.models import ChannelIdentity, Conversation, Customer
from storage.outbox import NewOutbox, enqueue
from storage.repo import NewEvent


@dataclass(frozen=True, slots=True)
class Handoff:
    """A conversation as the handoff engine sees it (read under the row lock)."""

    id: int
    public_id: str
    customer_id: int
    channel: str
    recipient: str
    status: str
    lang: str
    state: dict[str, Any]
    assigned_agent: str | None
    reason: str | None
    priority: int
    queued_at: datetime | None
    claimed_at: datetime | None
    last_inbound_at: datetime | None
    window_sent: int

    @property
    def row(self) -> repo.ConversationRow:
        """For storage.repo.append_events."""
        return repo.ConversationRow(self.id, self.public_id, self.customer_id, self.channel,
                                    self.status, self.lang, self.state, 0)


_c, _i = Conversation, ChannelIdentity
_COLUMNS = (_c.id, _c.public_id, _c.customer_id, _c.channel, _i.external_id, _c.status,
            func.coalesce(_c.lang, Customer.lang), _c.state, _c.assigned_agent,
            _c.handoff_reason, _c.priority, _c.queued_at, _c.claimed_at, _c.last_inbound_at,
            _c.window_sent)


def load(conn: Connection, conversation_id: int, *, lock: bool = True) -> Handoff | None:
    stmt = (select(*_COLUMNS).join(_i, _i.id == _c.identity_id)
            .join(Customer, Customer.id == _c.customer_id).where(_c.id == conversation_id))
    row = conn.execute(stmt.with_for_update(of=_c) if lock else stmt).first()
    if row is None:
        return None
    values = list(row)
    values[6] = values[6] or "zh"
    values[7] = dict(values[7] or {})
    return Handoff(*values)


def set_columns(conn: Connection, conversation_id: int, now: datetime, **values: Any) -> None:
    conn.execute(update(Conversation).where(Conversation.id == conversation_id)
                 .values(updated_at=now, **values))


def position(conn: Connection, conversation_id: int, priority: int, queued_at: datetime) -> int:
    c = Conversation
    ahead = conn.execute(select(func.count()).select_from(c).where(
        c.status == "queued", c.id != conversation_id,
        or_(c.priority > priority,
            and_(c.priority == priority,
                 or_(c.queued_at < queued_at,
                     and_(c.queued_at == queued_at, c.id < conversation_id)))))).scalar_one()
    return int(ahead) + 1


def wait_minutes(pos: int, cfg: HandoffConfig) -> int:
    return max(1, math.ceil(pos * cfg.average_handling_minutes))


def customer_routing(conn: Connection, customer_id: int,
                     cfg: HandoffConfig) -> tuple[bool, str | None]:
    """(VIP?, their dedicated agent) from customers.tier and profile["dedicated_agent"]."""
    row = conn.execute(select(Customer.tier, Customer.profile)
                       .where(Customer.id == customer_id)).first()
    if row is None or str(row[0]) not in cfg.vip_tiers:
        return False, None
    agent = (row[1] or {}).get("dedicated_agent")
    return True, str(agent) if agent else None


@dataclass(frozen=True, slots=True)
class Place:
    """Where a queued conversation stands, for the customer's message and the event."""

    position: int
    wait_minutes: int
    open_now: bool
    back_at: datetime | None

    def data(self) -> dict[str, Any]:
        return {"position": self.position, "wait_minutes": self.wait_minutes,
                "outside_hours": not self.open_now,
                "back_at": self.back_at.isoformat() if self.back_at else None}


def place_of(conn: Connection, h: Handoff | tuple[int, int, datetime], cfg: HandoffConfig,
             now: datetime, tz: ZoneInfo) -> Place:
    conv_id, prio, queued_at = ((h.id, h.priority, h.queued_at or now)
                                if isinstance(h, Handoff) else h)
    pos = position(conn, conv_id, prio, queued_at)
    open_now = cfg.is_open(now, tz)
    return Place(pos, wait_minutes(pos, cfg), open_now,
                 None if open_now else cfg.next_open(now, tz))


def place_text(cfg: HandoffConfig, place: Place, lang: str, now: datetime, tz: ZoneInfo, *,
               key: str = "position") -> str:
    """The position line, or outside working hours when agents are back."""
    if not place.open_now:
        back = (cfg.back_label(place.back_at, now, tz, lang) if place.back_at
                else ("尽快" if lang == "zh" else "the earliest opportunity"))
        return cfg.text("outside_hours", lang, back=back)
    return cfg.text(key, lang, position=place.position, wait=place.wait_minutes)


def queued_text(cfg: HandoffConfig, reason: str, place: Place, lang: str, now: datetime,
                tz: ZoneInfo) -> str:
    parts = [cfg.queued_text(reason, lang), place_text(cfg, place, lang, now, tz)]
    return "\n".join(p for p in parts if p)


def tell(conn: Connection, h: Handoff, text: str, now: datetime, *, key: str,
         kind: str = "handoff", actor: str = "bot", extra: dict[str, Any] | None = None) -> None:
    """Send ``text`` to this conversation's channel through the outbox, with its event."""
    if not text:
        return
    enqueue(conn, [NewOutbox(idempotency_key=key[:96], customer_id=h.customer_id,
                             channel=h.channel, recipient=h.recipient, payload={"text": text},
                             conversation_id=h.id, kind=kind, due_at=now)])
    repo.append_events(conn, h.row, [NewEvent("message_out", actor, {"text": text,
                                                                    **(extra or {})})], ts=now)
