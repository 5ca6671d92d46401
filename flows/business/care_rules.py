"""Care messages relative to a booking: created, moved and cancelled with it.

* created / rescheduled: the booking's pending care rows are cancelled and its rules are
  scheduled again from the (new) slot start; keys carry the day and slot, so a moved
  booking gets new rows, and moving back revives the old ones instead of duplicating.
* cancelled: ``storage.bookings.cancel`` already cancels every pending row of the booking
  (ref ``booking:<id>``); the hook here only repeats that for care rows, harmlessly.
* completed: reminders still pending are dropped and the ``from: completion`` rules start.

Rows whose time has already passed are not created. Crew briefings (``audience: crew``)
are not customer messages: :func:`brief_crews` writes them when they fall due, as a
``crew_briefing`` event on the customer's conversation (the console shows it) plus a
``briefing`` outbox row already marked sent that records it once.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select

from flows.business import booking as biz
from flows.business import booking_texts as texts
from flows.business.booking_schedule import service_rules
from flows.business.care_config import BOOKING_TRIGGERS, CareConfig, Rule, config_of
from flows.business.care_store import Recipient, care_row, put, recipients
from flows.business.care_store import cancel as cancel_rows
from flows.business.proactive import live_section
from storage.bookings import ACTIVE, BookingRow
from storage.conn import Tx
from storage.models import ConversationEvent, Customer
from storage.models_business import Booking

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


def _config(section: Mapping[str, Any] | None) -> CareConfig:
    return config_of(section if section is not None else live_section("care"))


def booking_start(booking: BookingRow, tz: ZoneInfo,
                  section: Mapping[str, Any] | None = None) -> datetime:
    """The slot's start, local: from the booking section, else the stored slot hours."""
    rules = service_rules(section if section is not None else live_section("booking"),
                          booking.service)
    slot = rules.slot(booking.slot) if rules is not None else None
    if slot is not None:
        return datetime.combine(booking.day, slot.start, tzinfo=tz)
    match = _CLOCK.search(str(booking.details.get("slot_hours") or ""))
    start = time(int(match[1]), int(match[2])) if match else time(9, 0)
    return datetime.combine(booking.day, start, tzinfo=tz)


def due_time(rule: Rule, anchor: datetime, tz: ZoneInfo) -> datetime:
    """``anchor + offset``; a day or week offset lands on that day at the rule's ``at``."""
    moment = anchor.astimezone(tz) + rule.offset
    if rule.day_granular:
        return datetime.combine(moment.date(), rule.at, tzinfo=tz)
    return moment


def booking_values(booking: BookingRow, lang: str, tz: ZoneInfo,
                   preferences: list[str] | None = None) -> dict[str, Any]:
    """The booking placeholders in ``lang``."""
    prefs = preferences if preferences is not None else \
        list(booking.details.get("preferences") or [])
    hours = booking.details.get("slot_hours") or ""
    return {
        "booking_id": booking.public_id,
        "service": texts.pick(booking.details.get("service_name") or {"zh": booking.service},
                              lang),
        "date": texts.date_label(booking.day, lang),
        "time": f"{texts.pick(booking.details.get('slot_label') or {'zh': booking.slot}, lang)}"
                f" {hours}".strip(),
        "address": booking.address or "",
        "preferences": texts.joined(prefs, lang) if prefs else ("无" if lang == "zh" else "none"),
    }


def occurrence(booking: BookingRow) -> str:
    return f"{booking.day:%Y%m%d}{booking.slot}"


def _rows(rules: list[Rule], booking: BookingRow, who: Recipient, anchor: datetime,
          now: datetime, tz: ZoneInfo, occ: str) -> list[dict[str, Any]]:
    rows = []
    values = booking_values(booking, who.lang, tz)
    for rule in rules:
        due = due_time(rule, anchor, tz)
        if due <= now:
            continue  # its moment has passed (booked late): not sent at all
        rows.append(care_row(rule, who, values, key=f"care:{rule.id}:{booking.public_id}:{occ}",
                             due_at=due, ref=booking.ref,
                             extra={"booking_id": booking.public_id}))
    return rows


def _customer_rules(cfg: CareConfig, booking: BookingRow, anchor: str) -> list[Rule]:
    return [r for r in cfg.by_trigger(*BOOKING_TRIGGERS)
            if r.anchor == anchor and r.audience == "customer" and r.applies_to(booking.service)]


def schedule_booking(conn: Tx, booking: BookingRow, now: datetime, *,
                     section: Mapping[str, Any] | None = None, tz: ZoneInfo | None = None) -> int:
    """(Re)create the start-relative care rows of a booking (ON_CREATED / ON_RESCHEDULED);
    returns how many rows are due later."""
    cfg = _config(section)
    zone = tz or biz.default_tz()
    rules = _customer_rules(cfg, booking, "start")
    cancel_rows(conn, booking.ref)  # every pending care row: the rules may have changed too
    if not booking.active or not rules:
        return 0
    who = recipients(conn, [booking.customer_id])[booking.customer_id]
    rows = _rows(rules, booking, who, booking_start(booking, zone), now, zone, occurrence(booking))
    put(conn, rows, revive=True)
    return len(rows)


def on_completed(conn: Tx, booking: BookingRow, now: datetime, *,
                 section: Mapping[str, Any] | None = None, tz: ZoneInfo | None = None) -> int:
    """Drop reminders still pending and schedule the ``from: completion`` rules."""
    cfg = _config(section)
    zone = tz or biz.default_tz()
    cancel_rows(conn, booking.ref, rules=[r.id for r in cfg.by_trigger("booking_before")])
    rules = _customer_rules(cfg, booking, "completion")
    if not rules:
        return 0
    who = recipients(conn, [booking.customer_id])[booking.customer_id]
    rows = _rows(rules, booking, who, booking.completed_at or now, now, zone, "done")
    put(conn, rows)
    return len(rows)


def on_cancelled(conn: Tx, booking: BookingRow, now: datetime) -> int:
    return cancel_rows(conn, booking.ref)


# -- crew briefings ------------------------------------------------------------------------


def brief_crews(conn: Connection, now: datetime, *, section: Mapping[str, Any] | None = None,
                booking_section: Mapping[str, Any] | None = None,
                tz: ZoneInfo | None = None) -> list[str]:
    """Write the briefings that are due and not yet written; the keys written. Cheap (only
    bookings in the next days), safe to run often and from several workers."""
    cfg = _config(section)
    zone = tz or biz.default_tz()
    crew = [r for r in cfg.by_trigger("booking_before") if r.audience == "crew"]
    if not crew:
        return []
    today = now.astimezone(zone).date()
    reach = max(-r.offset for r in crew) + timedelta(days=1)
    found = conn.execute(select(Booking).where(
        Booking.status.in_(ACTIVE), Booking.day >= today,
        Booking.day <= today + timedelta(days=reach.days))).all()
    written = []
    for raw in found:
        booking = BookingRow(**{f.name: getattr(raw, f.name)
                                 for f in dataclasses.fields(BookingRow)})
        start = booking_start(booking, zone, booking_section)
        for rule in crew:
            if rule.applies_to(booking.service) and due_time(rule, start, zone) <= now < start \
                    and _brief(conn, rule, booking, now, zone):
                    written.append(f"care:{rule.id}:{booking.public_id}:{occurrence(booking)}")
    return written


def _brief(conn: Connection, rule: Rule, booking: BookingRow, now: datetime,
           zone: ZoneInfo) -> bool:
    profile = conn.execute(select(Customer.profile, Customer.display_name)
                           .where(Customer.id == booking.customer_id)).first()
    prefs = list(booking.details.get("preferences") or [])
    prefs += [p for p in ((profile[0] or {}).get("preferences", []) if profile else [])
              if p not in prefs]
    who = recipients(conn, [booking.customer_id]).get(booking.customer_id) or \
        Recipient(booking.customer_id, None, "zh")
    texts_ = {lang: rule.render(lang, {"name": who.name or "", **booking_values(
        booking, lang, zone, prefs)}) for lang in ("zh", "en")}
    row = care_row(rule, who, {}, key=f"care:{rule.id}:{booking.public_id}:{occurrence(booking)}",
                   due_at=now, ref=booking.ref, extra={"booking_id": booking.public_id,
                                                      "text_en": texts_["en"]})
    row.update(channel="console", recipient="crew", status="sent", last_error=None, sent_at=now,
               payload={**row["payload"], "text": texts_["zh"]})
    if not put(conn, [row], exact=True):
        return False
    conversation = booking.conversation_id or who.conversation_id
    if conversation is not None:
        conn.execute(insert(ConversationEvent), [{
            "conversation_id": conversation, "customer_id": booking.customer_id,
            "type": "crew_briefing", "actor": "system", "ts": now, "inbound_id": None,
            "data": {"booking_id": booking.public_id, "rule": rule.id, "text": texts_["zh"],
                     "text_en": texts_["en"], "preferences": prefs,
                     "starts": booking_start(booking, zone).isoformat()}}])
    return True
