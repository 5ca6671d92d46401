"""Customers, bookings and the shipped care calendar for the care tests (no tests here).

The care section is read from flows/scripts/_care.yml (the shipped calendar; see
docs/care-calendar.md) and handed to the hooks the way the running app does, through
``use_scripts``; the booking section is the shipped one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from flows.actions import registry
from flows.business import booking as biz
from flows.business import proactive
from flows.yamlio import load_yaml, plain
from storage import repo
from storage.bookings import BookingRow, NewBooking
from storage.db import Database
from storage.models import Customer, OutboxMessage

from .conftest import NOW, SHIPPED_FLOWS, TZ

CARE_FILE = SHIPPED_FLOWS / ("care.yml" if (SHIPPED_FLOWS / "care.yml").exists() else "_care.yml")


def section_of(path: Path, name: str) -> dict[str, Any]:
    return dict(plain(load_yaml(path))[name])


CARE = section_of(CARE_FILE, "care")
BOOKING = section_of(SHIPPED_FLOWS / "booking.yml", "booking")


@dataclass
class Sections:
    """Stands in for the app's live Bundle: only ``section(name)`` is read."""

    data: dict[str, dict[str, Any]] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        return self.data.get(name, {})


@dataclass
class CareWorld:
    db: Database
    sections: Sections
    now: datetime = NOW

    @property
    def care(self) -> dict[str, Any]:
        return self.sections.data["care"]

    def customer(self, user: str = "amy", *, lang: str = "zh", name: str | None = "王女士",
                 **columns: Any) -> int:
        with self.db.transaction() as conn:
            cid = repo.conversation_for(conn, "web", user, display_name=name,
                                        lang=lang).customer_id
            conn.execute(Customer.__table__.update().where(Customer.id == cid).values(
                lang=lang, display_name=name, **columns))
        return cid

    def unreachable(self, name: str = "无渠道", **columns: Any) -> int:
        """A customer with no channel identity (imported from a CRM, say)."""
        with self.db.transaction() as conn:
            return int(conn.execute(insert(Customer).values(display_name=name, lang="zh",
                                                            profile={}, **columns)
                                    .returning(Customer.id)).scalar_one())

    def book(self, cid: int, day: date, slot: str = "morning", service: str = "moving",
             **details: Any) -> BookingRow:
        with self.db.transaction() as conn:
            made = biz.book(conn, BOOKING, NewBooking(
                customer_id=cid, service=service, day=day, slot=slot, address="浦东新区世纪大道1号",
                region="shanghai", total=800.0, details=details), self.now)
        assert made is not None
        return made

    def rows(self, **where: Any) -> list[OutboxMessage]:
        with self.db.read() as s:
            stmt = select(OutboxMessage).order_by(OutboxMessage.due_at, OutboxMessage.id)
            for key, value in where.items():
                stmt = stmt.where(getattr(OutboxMessage, key) == value)
            found = list(s.execute(stmt).scalars())
            s.expunge_all()
            return found

    def care_rows(self, **where: Any) -> list[tuple[str, str, datetime]]:
        """(rule, status, local due) of the care rows, by due time."""
        return [(r.payload["rule"], r.status, r.due_at.astimezone(TZ))
                for r in self.rows(**where) if r.kind in ("care", "campaign", "briefing")]


@pytest.fixture(name="care_world")
def care_world_fixture(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[CareWorld]:
    registry()  # the care module's hooks are registered with the actions
    sections = Sections({"care": CARE, "booking": BOOKING})
    # What the app does at start-up (use_scripts), undone after the test.
    monkeypatch.setattr(proactive, "_provider", lambda: sections)
    monkeypatch.setenv("CARELINE_TIMEZONE", "Asia/Shanghai")
    yield CareWorld(db, sections)
