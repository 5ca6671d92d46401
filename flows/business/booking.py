"""Bookings: the ``booking:`` section and every change a booking goes through.

Chat actions (flows/actions/booking.py), the CLI (``careline bookings``) and the agent
console all change bookings through these functions, so the rules, the audit history and
the hooks run the same way whoever makes the change.

Other modules react to changes by appending to the hook lists; each hook runs inside the
caller's transaction as ``hook(conn, booking_row, now)``, so what it schedules commits
with the change or not at all::

    from flows.business import booking
    booking.ON_COMPLETED.append(schedule_survey)     # surveys
    booking.ON_RESCHEDULED.append(move_reminders)    # care calendar
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from flows.business import booking_texts as texts
from flows.business.booking_check import check_section
from flows.business.booking_schedule import service_rules
from flows.business.notify import notify
from flows.sections import register_section
from storage import bookings as repo
from storage.bookings import BookingRow, NewBooking

SECTION = register_section(
    "booking", schema=Path(__file__).with_name("booking.schema.json"), check=check_section,
    required_by=("booking_check_time", "booking_create"))

Hook = Callable[[Connection, BookingRow, datetime], object]
ON_CREATED: list[Hook] = []
ON_RESCHEDULED: list[Hook] = []
ON_CANCELLED: list[Hook] = []
ON_COMPLETED: list[Hook] = []


def subscribe(hooks: list[Hook], hook: Hook) -> None:
    """Run ``hook`` on these booking changes (once, however often a module is imported)."""
    if hook not in hooks:
        hooks.append(hook)


def _run(hooks: list[Hook], conn: Connection, booking: BookingRow, now: datetime) -> None:
    for hook in list(hooks):
        hook(conn, booking, now)


def default_tz() -> ZoneInfo:
    return ZoneInfo(os.environ.get("CARELINE_TIMEZONE") or "Asia/Shanghai")


def capacity_of(section: Mapping[str, Any], service: str, day: date, slot: str) -> int:
    """Crews the script gives this slot on this day (0 = not offered)."""
    rules = service_rules(section, service)
    rule = rules.slot(slot) if rules is not None else None
    if rules is None or rule is None or rules.is_closed(day):
        return 0
    return max(rule.capacity(day), 0)


def labels_for(section: Mapping[str, Any], service: str, slot: str) -> dict[str, Any]:
    """Names stored with the booking, so later messages need no script to describe it."""
    rules = service_rules(section, service)
    rule = rules.slot(slot) if rules is not None else None
    return {"service_name": dict(rules.name) if rules else {"zh": service, "en": service},
            "slot_label": dict(rule.label) if rule else {"zh": slot, "en": slot},
            "slot_hours": rule.hours() if rule else ""}


def book(conn: Connection, section: Mapping[str, Any], new: NewBooking,
         now: datetime) -> BookingRow | None:
    """Create the booking if its slot still has a crew; None when it was just taken."""
    capacity = capacity_of(section, new.service, new.day, new.slot)
    details = {**labels_for(section, new.service, new.slot), **new.details}
    created = repo.create_booking(conn, dataclasses.replace(new, details=details),
                                  capacity=capacity, now=now)
    if created is not None:
        _run(ON_CREATED, conn, created, now)
    return created


def reschedule_booking(conn: Connection, section: Mapping[str, Any], public_id: str, day: date,
                       slot: str, now: datetime, actor: str,
                       fee_pct: float = 0.0) -> BookingRow | None:
    """Move a booking (None when the new slot is full) and let other modules move what
    they scheduled for it (ON_RESCHEDULED)."""
    current = repo.require(conn, public_id)
    capacity = capacity_of(section, current.service, day, slot)
    moved = repo.reschedule(conn, public_id, day, slot, capacity=capacity, now=now, actor=actor,
                            fee_pct=fee_pct)
    if moved is not None:
        labels = labels_for(section, moved.service, slot)
        if labels != {k: moved.details.get(k) for k in labels}:
            moved = repo.merge_details(conn, moved.public_id, labels)
        _run(ON_RESCHEDULED, conn, moved, now)
    return moved


def cancel_booking(conn: Connection, public_id: str, now: datetime, actor: str, *,
                   reason: str | None = None, fee_pct: float = 0.0,
                   tell_customer: bool = False) -> BookingRow:
    """Cancel, drop its scheduled messages, run ON_CANCELLED; ``tell_customer`` when the
    change did not come from the customer's own chat (ops, console)."""
    cancelled = repo.cancel(conn, public_id, now=now, actor=actor, reason=reason, fee_pct=fee_pct)
    if tell_customer:
        msg = {lang: texts.text({}, "cancelled_push", lang, id=cancelled.public_id,
                                when=when_label(cancelled, lang)) for lang in ("zh", "en")}
        notify(conn, cancelled.customer_id, msg, key=f"{cancelled.ref}:cancelled",
               kind="booking")
    _run(ON_CANCELLED, conn, cancelled, now)
    return cancelled


def parse_eta(booking: BookingRow, eta: datetime | time | str | None,
              tz: ZoneInfo) -> datetime | None:
    """"14:30" is that time on the booking's day, local; an ISO string or datetime as is."""
    if eta is None or eta == "":
        return None
    if isinstance(eta, datetime):
        return eta if eta.tzinfo else eta.replace(tzinfo=tz)
    if isinstance(eta, time):
        return datetime.combine(booking.day, eta, tzinfo=tz)
    raw = eta.strip()
    if len(raw) <= 5 and ":" in raw:
        hours, minutes = raw.split(":")
        return datetime.combine(booking.day, time(int(hours), int(minutes)), tzinfo=tz)
    moment = datetime.fromisoformat(raw)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def set_status(conn: Connection, public_id: str, status: str,
               eta: datetime | time | str | None, note: str | None, actor: str, *,
               now: datetime | None = None, tz: ZoneInfo | None = None) -> BookingRow:
    """Progress from operations (``on_the_way`` with an ETA, ``in_progress``); the customer
    gets a message on their last channel, once per status and ETA."""
    zone = tz or default_tz()
    moment = now or datetime.now(zone)
    current = repo.require(conn, public_id)
    eta_at = parse_eta(current, eta, zone)
    changed = repo.set_status(conn, public_id, status, now=moment, actor=actor, eta_at=eta_at,
                              note=note)
    msg = {lang: status_line(changed, lang, zone, push=True) for lang in ("zh", "en")}
    stamp = eta_at.isoformat() if eta_at else "-"
    notify(conn, changed.customer_id, msg, key=f"{changed.ref}:status:{status}:{stamp}",
           kind="booking", ref=changed.ref)
    return changed


def complete_booking(conn: Connection, public_id: str, now: datetime, actor: str) -> BookingRow:
    """Mark done; ON_COMPLETED then schedules the survey, awards points, and so on."""
    done = repo.complete(conn, public_id, now=now, actor=actor)
    _run(ON_COMPLETED, conn, done, now)
    return done


# -- describing a booking -------------------------------------------------------------------


def when_label(booking: BookingRow, lang: str) -> str:
    slot = texts.pick(booking.details.get("slot_label") or {"zh": booking.slot}, lang)
    sep = "" if lang == "zh" else " "
    return f"{texts.date_label(booking.day, lang)}{sep}{slot}"


def status_line(booking: BookingRow, lang: str, tz: ZoneInfo, *, push: bool = False) -> str:
    words = texts.text({}, f"status_{booking.status}", lang)
    eta = texts.text({}, "eta", lang, eta=texts.clock(booking.eta_at, tz)) \
        if booking.eta_at and booking.status == "on_the_way" else ""
    if push:
        return texts.text({}, "status_push", lang, id=booking.public_id,
                          when=when_label(booking, lang), status=words, eta=eta)
    return texts.text({}, "line_status", lang, value=words + eta)


def summary(section: Mapping[str, Any], booking: BookingRow, lang: str) -> str:
    """The booking as the customer reads it: what, when, where, price, requests."""
    t = texts.text
    name = texts.pick(booking.details.get("service_name") or {"zh": booking.service}, lang)
    hours = booking.details.get("slot_hours") or ""
    lines = [t(section, "line_id", lang, value=booking.public_id),
             t(section, "line_service", lang, value=name),
             t(section, "line_time", lang, value=f"{when_label(booking, lang)} {hours}".strip())]
    if booking.address:
        lines.append(t(section, "line_address", lang, value=booking.address))
    if booking.details.get("phone"):
        lines.append(t(section, "line_phone", lang, value=booking.details["phone"]))
    if booking.total is not None:
        price = texts.money(booking.total, booking.currency)
        if booking.quote_id:
            price += f"（{booking.quote_id}）" if lang == "zh" else f" (quote {booking.quote_id})"
        lines.append(t(section, "line_price", lang, value=price))
    requests = booking.details.get("preferences") or []
    if requests:
        lines.append(t(section, "line_requests", lang, value=texts.joined(requests, lang)))
    return "\n".join(lines)
