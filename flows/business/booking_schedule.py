"""When a service can be booked: slots, crews, closed days, lead time and horizon.

Everything here reads the ``booking:`` section; the only database input is how many
active bookings each (day, slot) already holds. The answer to "can this customer have
Saturday morning?" is either None (yes) or a reason key the texts explain:
``past``, ``too_far``, ``closed``, ``too_soon``, ``no_slot`` or ``full``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from storage import bookings as repo
from storage.conn import Tx

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: How far either side of the wanted day to look for free alternatives.
ALTERNATIVE_SEARCH_DAYS = 21


@dataclass(frozen=True, slots=True)
class SlotRule:
    id: str
    label: Mapping[str, str]
    start: time
    end: time
    crews: int
    crews_by_weekday: Mapping[str, int]

    def capacity(self, day: date) -> int:
        return int(self.crews_by_weekday.get(WEEKDAYS[day.weekday()], self.crews))

    def hours(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True, slots=True)
class ServiceRules:
    key: str
    name: Mapping[str, str]
    horizon_days: int
    min_lead_hours: float
    same_day_until: time | None
    closed_weekdays: frozenset[str]
    closed_dates: frozenset[date]
    slots: tuple[SlotRule, ...]
    prepare: Mapping[str, str]

    def slot(self, slot_id: str) -> SlotRule | None:
        return next((s for s in self.slots if s.id == slot_id), None)

    def is_closed(self, day: date) -> bool:
        return (day in self.closed_dates or WEEKDAYS[day.weekday()] in self.closed_weekdays
                or all(s.capacity(day) <= 0 for s in self.slots))


def parse_time(value: Any) -> time:
    """"08:00" -> 08:00 (the schema guarantees the shape)."""
    hours, minutes = str(value).split(":")
    return time(int(hours), int(minutes))


def parse_day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def service_rules(section: Mapping[str, Any], key: str) -> ServiceRules | None:
    """The rules of one service, or None when the section does not offer it."""
    raw = (section.get("services") or {}).get(key)
    if raw is None:
        return None
    closed = {parse_day(d) for d in section.get("closed_dates", ())}
    closed |= {parse_day(d) for d in raw.get("closed_dates", ())}
    until = raw.get("same_day_until")
    slots = tuple(
        SlotRule(str(s["id"]), dict(s["label"]), parse_time(s["start"]), parse_time(s["end"]),
                 int(s["crews"]), {str(k): int(v) for k, v in (s.get("crews_by_weekday") or {})
                                   .items()})
        for s in raw["slots"])
    return ServiceRules(key, dict(raw.get("name") or {"zh": key, "en": key}),
                        int(raw.get("horizon_days", 30)), float(raw.get("min_lead_hours", 0)),
                        parse_time(until) if until is not None else None,
                        frozenset(raw.get("closed_weekdays", ())), frozenset(closed), slots,
                        dict(raw.get("prepare") or {}))


def start_of(day: date, slot: SlotRule, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, slot.start, tzinfo=tz)


def slot_problem(rules: ServiceRules, day: date, slot: SlotRule, now: datetime, tz: ZoneInfo,
                 taken: int) -> str | None:
    """Why ``slot`` on ``day`` cannot be booked at ``now`` with ``taken`` crews busy."""
    today = now.astimezone(tz).date()
    if day < today:
        return "past"
    if (day - today).days > rules.horizon_days:
        return "too_far"
    if rules.is_closed(day) or slot.capacity(day) <= 0:
        return "closed"
    if start_of(day, slot, tz) - now < timedelta(hours=rules.min_lead_hours):
        return "too_soon"
    if day == today and rules.same_day_until is not None and \
            now.astimezone(tz).time() >= rules.same_day_until:
        return "too_soon"
    if taken >= slot.capacity(day):
        return "full"
    return None


def _counts(tx: Tx | None, rules: ServiceRules, first: date,
            last: date) -> dict[tuple[date, str], int]:
    # Offline (no database: `careline flows check`, unit runs) every crew counts as free.
    return repo.active_counts(tx, rules.key, first, last) if tx is not None else {}


def day_slots(tx: Tx | None, rules: ServiceRules, day: date, now: datetime,
              tz: ZoneInfo) -> list[tuple[SlotRule, str | None]]:
    """Every slot of the day with the reason it cannot be booked (None = free)."""
    counts = _counts(tx, rules, day, day)
    return [(s, slot_problem(rules, day, s, now, tz, counts.get((day, s.id), 0)))
            for s in rules.slots]


def day_problem(slots: list[tuple[SlotRule, str | None]]) -> str | None:
    """Why a whole day cannot be booked: the most telling of its slots' reasons."""
    reasons = [reason for _, reason in slots]
    if not reasons or any(r is None for r in reasons):
        return None
    for reason in ("past", "too_far", "full", "too_soon"):
        if reason in reasons:
            return reason
    return "closed"


def nearest_free(tx: Tx | None, rules: ServiceRules, around: date, now: datetime, tz: ZoneInfo,
                 *, prefer: str | None = None, limit: int = 3) -> list[tuple[date, SlotRule]]:
    """The free (day, slot) nearest to ``around``: one per day, the preferred slot first."""
    today = now.astimezone(tz).date()
    first = max(today, around - timedelta(days=ALTERNATIVE_SEARCH_DAYS))
    last = min(today + timedelta(days=rules.horizon_days),
               around + timedelta(days=ALTERNATIVE_SEARCH_DAYS))
    if last < first:
        return []
    counts = _counts(tx, rules, first, last)
    days = sorted((first + timedelta(days=i) for i in range((last - first).days + 1)),
                  key=lambda d: (abs((d - around).days), d))
    found: list[tuple[date, SlotRule]] = []
    for day in days:
        if day == around:
            continue
        free = [s for s in rules.slots
                if slot_problem(rules, day, s, now, tz, counts.get((day, s.id), 0)) is None]
        if free:
            free.sort(key=lambda s: s.id != prefer)
            found.append((day, free[0]))
        if len(found) >= limit:
            break
    return sorted(found, key=lambda pair: pair[0])
