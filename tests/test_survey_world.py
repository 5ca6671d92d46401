"""A customer, their bookings and the delivery loop, for the survey, complaint and ticket tests.

Not tests itself: the ``World`` drives the real pipeline (NLU → flows → storage), completes
bookings through the booking module and runs the outbox dispatcher with the real
ChannelSender and FlowStarter; only the chat platform is a recording stand-in.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

import pytest
from sqlalchemy import select

from bot.channels.base import InboundMessage, Media, OutboundMessage, SendResult
from bot.delivery import ChannelSender
from bot.pipeline import HandleResult
from bot.proactive import FlowStarter
from bot.services import Services, build_services
from bot.settings import Settings
from flows.business import booking
from scheduler.dispatcher import DispatchReport, dispatch_due
from storage import repo
from storage.bookings import NewBooking, create_booking
from storage.models import ConversationEvent, OutboxMessage

from .conftest import NOW, TZ


class RecordingWeb:
    """Stands in for a chat platform: records each message it is asked to deliver."""

    name: ClassVar[str] = "web"
    synchronous: ClassVar[bool] = True

    def __init__(self) -> None:
        self.sent: list[OutboundMessage] = []

    def send(self, message: OutboundMessage) -> SendResult:
        self.sent.append(message)
        return SendResult(ok=True, external_ref=message.idempotency_key)

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.sent]


@dataclass
class World:
    services: Services
    user: str = "amy"
    now: datetime = NOW
    web: RecordingWeb = field(default_factory=RecordingWeb)

    @property
    def db(self) -> Any:
        return self.services.db

    def clock(self) -> datetime:
        return self.now

    def say(self, text: str | None, *, media: tuple[Media, ...] = ()) -> HandleResult:
        result = self.services.pipeline.handle(InboundMessage(
            channel="web", message_id=uuid.uuid4().hex, sender=self.user, text=text,
            kind="image" if media and not text else "text", media=media))
        self.now += timedelta(seconds=30)
        return result

    def replies(self, text: str) -> list[str]:
        return [r.text for r in self.say(text).replies]

    @property
    def customer_id(self) -> int:
        with self.db.transaction() as s:
            return repo.conversation_for(s, "web", self.user).customer_id

    def book_and_complete(self, service: str = "cleaning", *, at: datetime | None = None) -> str:
        with self.db.transaction() as s:
            customer_id = repo.conversation_for(s, "web", self.user).customer_id
            row = create_booking(s, NewBooking(customer_id=customer_id, service=service,
                                               day=date(2026, 11, 23), slot="morning"),
                                 capacity=10, now=self.now)
            assert row is not None
            booking.complete_booking(s, row.public_id, at or self.now, "agent:li")
        return row.public_id

    def starter(self) -> FlowStarter:
        scripts = self.services.scripts
        return FlowStarter(self.db, scripts, tz=TZ, clock=self.clock)

    def dispatch(self, at: datetime) -> DispatchReport:
        self.now = at
        sender = ChannelSender({"web": self.web}, starter=self.starter())
        return dispatch_due(self.db, sender, now=at)

    def events(self, type_: str) -> list[dict[str, Any]]:
        e = ConversationEvent
        with self.db.read() as s:
            return [dict(d) for d in s.execute(select(e.data).where(e.type == type_)
                                               .order_by(e.id)).scalars()]

    def outbox(self, **where: Any) -> list[OutboxMessage]:
        with self.db.read() as s:
            stmt = select(OutboxMessage).order_by(OutboxMessage.id)
            for key, value in where.items():
                stmt = stmt.where(getattr(OutboxMessage, key) == value)
            return list(s.execute(stmt).scalars())


@pytest.fixture(name="world")
def world_fixture(db_url: str, nlu: Any) -> Iterator[World]:
    holder: list[World] = []
    services = build_services(Settings(database_url=db_url, hot_reload=False), nlu=nlu,
                              clock=lambda: holder[0].now)
    holder.append(World(services))
    yield holder[0]
    services.close()
