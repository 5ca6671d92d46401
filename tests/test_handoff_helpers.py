"""A help desk for the handoff tests: customers talking to the real pipeline (NLU → handoff →
flows → storage) on either database, console agents, and the clock. Not tests itself."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from bot import handoff
from bot.channels.base import InboundMessage
from bot.pipeline import HandleResult, Pipeline
from flows.business.proactive import use_scripts
from flows.reload import BundleHolder
from storage.db import Database
from storage.models import ChannelIdentity, Conversation, ConversationEvent, Customer, OutboxMessage
from storage.models_business import Ticket
from storage.models_console import ConsoleUser

from .conftest import NOW, SHIPPED_FLOWS, TZ

AGENTS = {"li": "小李", "wang": "Wang", "zhao": "赵"}


class Desk:
    def __init__(self, db: Database, nlu: Any, now: datetime = NOW) -> None:
        self.db, self.now = db, now
        self.scripts = BundleHolder(SHIPPED_FLOWS)
        use_scripts(lambda: self.scripts.bundle)
        self.pipeline = Pipeline(db, nlu, self.scripts, tz=TZ, clock=lambda: self.now)
        with db.session() as s:  # console users survive the PostgreSQL truncation
            known = set(s.execute(select(ConsoleUser.username)).scalars())
            for name, display in AGENTS.items():
                if name not in known:
                    s.execute(insert(ConsoleUser).values(username=name, display_name=display,
                                                         role="agent", password_hash="-"))

    # -- the customer side ------------------------------------------------------------------

    def send(self, user: str, text: str, *, channel: str = "web",
             lang: str | None = None) -> HandleResult:
        result = self.pipeline.handle(InboundMessage(
            channel=channel, message_id=uuid.uuid4().hex, sender=user, text=text,
            lang_hint=lang), inline=None if channel == "web" else 0)
        self.now += timedelta(seconds=30)
        return result

    def say(self, user: str, text: str, **kw: Any) -> list[str]:
        return [r.text for r in self.send(user, text, **kw).replies]

    # -- what is stored ---------------------------------------------------------------------

    def conv(self, user: str, channel: str = "web") -> Conversation:
        with self.db.read() as s:
            return s.execute(select(Conversation).join(
                ChannelIdentity, ChannelIdentity.id == Conversation.identity_id).where(
                ChannelIdentity.channel == channel,
                ChannelIdentity.external_id == user)).scalar_one()

    def cid(self, user: str, channel: str = "web") -> int:
        return self.conv(user, channel).id

    def events(self, user: str, *types: str, channel: str = "web") -> list[tuple[str, str, dict[str, Any]]]:
        with self.db.read() as s:
            rows = s.execute(select(ConversationEvent).where(
                ConversationEvent.conversation_id == self.cid(user, channel))
                .order_by(ConversationEvent.id)).scalars()
            return [(e.type, e.actor, dict(e.data)) for e in rows if not types or e.type in types]

    def outbox(self, user: str | None = None, *, kind: str | None = None) -> list[OutboxMessage]:
        with self.db.read() as s:
            stmt = select(OutboxMessage).order_by(OutboxMessage.id)
            if user is not None:
                stmt = stmt.where(OutboxMessage.recipient == user)
            if kind is not None:
                stmt = stmt.where(OutboxMessage.kind == kind)
            return list(s.execute(stmt).scalars())

    def tickets(self) -> list[Ticket]:
        with self.db.read() as s:
            return list(s.execute(select(Ticket).order_by(Ticket.id)).scalars())

    def set_customer(self, user: str, **values: Any) -> None:
        with self.db.session() as s:
            s.execute(update(Customer).where(Customer.id == self.conv(user).customer_id)
                      .values(**values))

    # -- the agent side (what the console API calls) -----------------------------------------

    def act(self, fn: Any, user: str, *args: Any, channel: str = "web", **kw: Any) -> Any:
        with self.db.transaction() as conn:
            return fn(conn, self.cid(user, channel), *args, self.now, **kw)

    def claim(self, user: str, agent: str = "li", **kw: Any) -> None:
        self.act(handoff.claim, user, agent, **kw)

    def reply(self, user: str, text: str, agent: str = "li", **kw: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.act(handoff.agent_reply, user, agent, text, **kw)
        return result


@pytest.fixture(name="desk")
def desk_fixture(db: Database, nlu: Any) -> Iterator[Desk]:
    yield Desk(db, nlu)
