"""A small, hand-countable world for the dashboard tests: customers on channels, what they
said and when (written as the pipeline writes events), and business records.

Times are local (Asia/Shanghai) unless given aware; a ``World`` knows the clock it is
rolled up at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from storage import bulk, kpi_rollup, repo
from storage.db import Database
from storage.profiles import set_customer_fields
from storage.repo import ConversationRow, NewEvent

from .conftest import TZ


def at(day: int, hour: int = 10, minute: int = 0, second: int = 0, *, month: int = 11) -> datetime:
    """A local time in 2026 (November unless ``month`` says otherwise)."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=TZ)


@dataclass
class Person:
    customer_id: int
    conv: ConversationRow
    channel: str


@dataclass
class World:
    db: Database
    people: dict[str, Person] = field(default_factory=dict)
    serial: int = 0

    def customer(self, name: str, *, channel: str = "web", region: str | None = None,
                 tier: str = "basic") -> Person:
        with self.db.transaction() as conn:
            conv = repo.conversation_for(conn, channel, f"{name}-{channel}", display_name=name)
            set_customer_fields(conn, conv.customer_id, tier=tier, region=region)
        person = Person(conv.customer_id, conv, channel)
        self.people[name] = person
        return person

    def second_channel(self, name: str, channel: str) -> Person:
        """The same customer on another channel (as /link merges them)."""
        first = self.people[name]
        with self.db.transaction() as conn:
            conv = repo.conversation_for(conn, channel, f"{name}-{channel}", display_name=name)
            repo.merge_customers(conn, keep=first.customer_id, drop=conv.customer_id)
        with self.db.transaction() as conn:
            conv = repo.conversation_for(conn, channel, f"{name}-{channel}")
        person = Person(first.customer_id, conv, channel)
        self.people[f"{name}@{channel}"] = person
        return person

    def events(self, who: str, when: datetime, *events: tuple[str, str, dict[str, Any]]) -> None:
        """Events of one moment in ``who``'s conversation, in order: (type, actor, data)."""
        person = self.people[who]
        with self.db.transaction() as conn:
            repo.append_events(conn, person.conv, [NewEvent(t, a, d) for t, a, d in events],
                               ts=when)

    def says(self, who: str, when: datetime, text: str = "你好", *, reply: bool = True,
             extra: tuple[tuple[str, str, dict[str, Any]], ...] = ()) -> None:
        """A customer message and (as the pipeline writes it) the bot's reply at once."""
        out = (("message_out", "bot", {"text": "好的"}),) if reply else ()
        self.events(who, when, ("message_in", "customer", {"text": text}),
                    ("nlu", "system", {"intent": "greet"}), *extra, *out)

    def rows(self, table: str, rows: list[dict[str, Any]], *, ids: bool = False) -> list[int]:
        with self.db.transaction() as conn:
            return bulk.insert_rows(conn, table, rows, ids=ids)

    def booking(self, who: str, *, service: str, completed: datetime | None,
                region: str | None = None, status: str | None = None,
                created: datetime | None = None) -> int:
        person = self.people[who]
        self.serial += 1
        made = created or (completed - timedelta(days=2) if completed else at(1))
        return self.rows("bookings", [{
            "public_id": f"BT{self.serial:06d}", "customer_id": person.customer_id,
            "conversation_id": person.conv.id, "service": service, "day": made.date(),
            "slot": "morning", "status": status or ("completed" if completed else "confirmed"),
            "region": region, "total": 500.0, "currency": "CNY", "details": {},
            "created_at": made, "updated_at": made, "completed_at": completed}], ids=True)[0]

    def survey(self, who: str, when: datetime, *, csat: int | None, nps: int | None = None,
               ces: int | None = None, comment: str | None = None, booking: int | None = None) -> None:
        person = self.people[who]
        self.rows("survey_responses", [{
            "customer_id": person.customer_id, "booking_id": booking,
            "conversation_id": person.conv.id, "csat": csat, "nps": nps, "ces": ces,
            "comment": comment, "created_at": when}])

    def ticket(self, who: str, created: datetime, *, severity: str = "experience",
               topic: str = "lateness", reply_h: float = 4, fix_h: float | None = 48,
               acknowledged: datetime | None = None, resolved: datetime | None = None,
               status: str | None = None, reopened: int = 0, booking: int | None = None,
               description: str = "师傅迟到了") -> None:
        person = self.people[who]
        self.serial += 1
        self.rows("tickets", [{
            "public_id": f"TT{self.serial:06d}", "customer_id": person.customer_id,
            "conversation_id": person.conv.id, "booking_id": booking, "severity": severity,
            "topic": topic, "status": status or ("resolved" if resolved else
                                                 "acknowledged" if acknowledged else "open"),
            "priority": 1, "source": "chat", "description": description, "media": [],
            "reply_due_at": created + timedelta(hours=reply_h),
            "fix_due_at": created + timedelta(hours=fix_h) if fix_h else None,
            "acknowledged_at": acknowledged, "resolved_at": resolved, "reopened": reopened,
            "created_at": created, "updated_at": created}])

    def points(self, who: str, when: datetime, delta: int, reason: str) -> None:
        person = self.people[who]
        self.serial += 1
        self.rows("points_ledger", [{"customer_id": person.customer_id, "delta": delta,
                                     "reason": reason, "ref": f"r{self.serial}",
                                     "created_at": when}])

    def roll(self, now: datetime, **kw: Any) -> kpi_rollup.RollupReport:
        return kpi_rollup.run(self.db, tz=TZ, now=now, **kw)
