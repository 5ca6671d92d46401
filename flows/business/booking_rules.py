"""Reschedule and cancel terms: free until a cutoff before the start, then a fee or no.

``booking.reschedule`` and ``booking.cancel`` each say ``free_until_hours`` (24 by
default), and what happens later: ``late: fee`` with ``late_fee_pct`` of the booking's
price, or ``late: refuse``. Once the crew's start time has passed nothing can be changed
in chat; the customer is sent to an agent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flows.business.booking_schedule import ServiceRules
from storage.bookings import BookingRow

DEFAULT_FREE_UNTIL_HOURS = 24.0


@dataclass(frozen=True, slots=True)
class ChangeTerms:
    kind: str  # reschedule | cancel
    allowed: bool
    fee_pct: float
    fee_amount: float | None  # None when the booking has no price
    hours_left: float
    free_until_hours: float
    started: bool = False

    @property
    def free(self) -> bool:
        return self.allowed and self.fee_pct == 0


def booking_start(booking: BookingRow, rules: ServiceRules | None, tz: ZoneInfo) -> datetime:
    """When the crew is due; a slot no longer in the script counts from the day's start."""
    slot = rules.slot(booking.slot) if rules is not None else None
    return datetime.combine(booking.day, slot.start if slot else time(0, 0), tzinfo=tz)


def change_terms(section: Mapping[str, Any], kind: str, booking: BookingRow,
                 rules: ServiceRules | None, now: datetime, tz: ZoneInfo) -> ChangeTerms:
    cfg = section.get(kind) or {}
    free_until = float(cfg.get("free_until_hours", DEFAULT_FREE_UNTIL_HOURS))
    hours_left = (booking_start(booking, rules, tz) - now).total_seconds() / 3600
    if hours_left <= 0:
        return ChangeTerms(kind, False, 0.0, None, hours_left, free_until, started=True)
    if hours_left >= free_until:
        return ChangeTerms(kind, True, 0.0, None, hours_left, free_until)
    if cfg.get("late", "fee") == "refuse":
        return ChangeTerms(kind, False, 0.0, None, hours_left, free_until)
    pct = float(cfg.get("late_fee_pct", 0))
    amount = round(booking.total * pct / 100, 2) if booking.total is not None else None
    return ChangeTerms(kind, True, pct, amount, hours_left, free_until)
