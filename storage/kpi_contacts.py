"""What a *contact* is, decided event by event (pure Python; storage/kpi_rollup.py feeds it).

A conversation row lives as long as the channel identity, so the dashboard counts contacts
instead: a contact starts with a customer's message when the conversation has been quiet for
more than ``CONTACT_GAP`` (30 minutes), and every later event of the conversation belongs to
it while the pause since the last one stays within the gap — or while a handoff is under way
(a customer waiting for a person is still the same contact, up to ``HANDOFF_GAP``).

Per contact the segmenter records (docs/dashboards.md defines the metrics on top):

* ``first_response_s`` — first ``message_out`` (bot or agent) after the first customer message;
* ``handoff`` / ``handoff_at`` — a ``handoff_requested`` event in it (and when);
* ``agent_first_response_s`` — ``handoff_at`` (or the start) to the first agent ``message_out``;
* ``person`` — a person took part: ``handoff_claimed``/``handoff_transferred``, an agent's
  ``message_out``, or a ``handoff_timeout`` (a callback is owed);
* ``fallbacks`` — ``fallback`` events (the bot did not understand);
* ``service`` — the last ``service_type`` slot or ``booking_created`` service seen in it;
* ``business_initiated`` — it began within ``PROACTIVE_WINDOW`` of a proactive flow we started
  in that conversation (a survey, a rating request): an answer, not a new problem;
* ``repeat`` — the same customer (any channel) started another, customer-initiated contact
  within ``REPEAT_WINDOW`` (72 h) after this one ended: not resolved at first contact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

CONTACT_GAP = timedelta(minutes=30)
#: a handoff keeps its contact open through pauses up to this long (an agent who never
#: hands back does not make one contact of the rest of the year)
HANDOFF_GAP = timedelta(hours=24)
REPEAT_WINDOW = timedelta(hours=72)
PROACTIVE_WINDOW = timedelta(hours=24)
SERVICE_SLOTS = frozenset({"service_type", "service"})
#: event types whose ``data`` the segmenter reads (the others are read without it)
DATA_TYPES = ("slot_set", "booking_created")
_HANDOFF_OVER = frozenset({"handoff_released", "handoff_closed", "handoff_cancelled"})


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    conversation_id: int
    customer_id: int
    type: str
    actor: str
    ts: datetime
    channel: str
    data: dict[str, Any] | None = None


@dataclass(slots=True)
class Contact:
    """A ``kpi_contacts`` row being built; ``new`` until inserted, ``changed`` to update."""

    id: int
    conversation_id: int
    customer_id: int
    channel: str
    day: date
    started_at: datetime
    last_at: datetime
    region: str = ""
    service: str = ""
    tier: str = ""
    messages_in: int = 0
    fallbacks: int = 0
    handoff: bool = False
    person: bool = False
    pending_handoff: bool = False
    handoff_at: datetime | None = None
    first_response_s: float | None = None
    agent_first_response_s: float | None = None
    repeat: bool = False
    business_initiated: bool = False
    proactive_at: datetime | None = None
    new: bool = field(default=False, compare=False)
    changed: bool = field(default=False, compare=False)
    #: had events of its own in this batch (its region and tier are refreshed)
    active: bool = field(default=False, compare=False)

    def row(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in ("new", "changed", "active")}

    def is_open_at(self, ts: datetime) -> bool:
        return ts - self.last_at <= (HANDOFF_GAP if self.pending_handoff else CONTACT_GAP)


COLUMNS = tuple(f.name for f in fields(Contact) if f.name not in ("new", "changed", "active"))


class Segmenter:
    """Feeds events in id order into contacts.

    ``by_conversation`` / ``by_customer`` start with the latest stored contact of each
    conversation and customer in the batch (one object per contact, shared by both maps);
    ``new_id`` hands out contact ids.
    """

    def __init__(self, tz: ZoneInfo, by_conversation: dict[int, Contact],
                 by_customer: dict[int, Contact], new_id: Callable[[], int]) -> None:
        self.tz, self.new_id = tz, new_id
        self.by_conversation, self.by_customer = by_conversation, by_customer
        self.touched: dict[int, Contact] = {}

    def _touch(self, c: Contact) -> None:
        c.changed = True
        self.touched[c.id] = c

    def feed(self, ev: Event) -> None:
        c = self.by_conversation.get(ev.conversation_id)
        is_open = c is not None and c.is_open_at(ev.ts)
        if ev.type == "message_in" and ev.actor == "customer":
            if c is None or not is_open:
                c = self._start(ev, c)
            c.messages_in += 1
        elif ev.type == "proactive_started":
            if c is not None:  # remembered so the answer counts as business-initiated
                c.proactive_at = ev.ts
                self._touch(c)
            return
        elif c is None or not is_open:
            return  # outside any contact (e.g. a status note on an old conversation)
        else:
            self._apply(c, ev)
        c.last_at = max(c.last_at, ev.ts)
        c.active = True
        self._touch(c)

    def _start(self, ev: Event, before: Contact | None) -> Contact:
        business = bool(before is not None and before.proactive_at is not None
                        and ev.ts - before.proactive_at <= PROACTIVE_WINDOW)
        c = Contact(id=self.new_id(), conversation_id=ev.conversation_id,
                    customer_id=ev.customer_id, channel=ev.channel,
                    day=ev.ts.astimezone(self.tz).date(), started_at=ev.ts, last_at=ev.ts,
                    business_initiated=business, new=True)
        previous = self.by_customer.get(ev.customer_id)
        if (not business and previous is not None and not previous.repeat
                and ev.ts - previous.last_at <= REPEAT_WINDOW):
            previous.repeat = True
            self._touch(previous)
        self.by_conversation[ev.conversation_id] = c
        self.by_customer[ev.customer_id] = c
        return c

    @staticmethod
    def _apply(c: Contact, ev: Event) -> None:
        kind = ev.type
        if kind == "message_out":
            if c.first_response_s is None:
                c.first_response_s = max(0.0, (ev.ts - c.started_at).total_seconds())
            if ev.actor == "agent":
                c.person = True
                if c.agent_first_response_s is None:
                    since = c.handoff_at or c.started_at
                    c.agent_first_response_s = max(0.0, (ev.ts - since).total_seconds())
        elif kind == "handoff_requested":
            c.handoff = c.pending_handoff = True
            c.handoff_at = c.handoff_at or ev.ts
        elif kind == "handoff_queued":
            c.pending_handoff = True
        elif kind in ("handoff_claimed", "handoff_transferred"):
            c.person = True
        elif kind == "handoff_timeout":
            c.person, c.pending_handoff = True, False
        elif kind in _HANDOFF_OVER:
            c.pending_handoff = False
        elif kind == "fallback":
            c.fallbacks += 1
        elif kind == "slot_set" and ev.data and ev.data.get("slot") in SERVICE_SLOTS:
            c.service = str(ev.data.get("value") or "")[:32]
        elif kind == "booking_created" and ev.data and ev.data.get("service"):
            c.service = str(ev.data["service"])[:32]
