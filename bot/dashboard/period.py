"""Which days a dashboard or report looks at, and the filters, checked with clear messages.

Days are local to CARELINE_TIMEZONE. A period of N days ends on ``end`` (inclusive, default
today) and is compared with the N days before it; a month is compared with the month before.
Trend charts show whole weeks ending with the period's last day.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storage.kpi_queries import DIMENSIONS, Bounds, Dims

PERIODS = {"7d": 7, "30d": 30, "90d": 90}
UNKNOWN = "-"  # filter value for "not known" (stored as '')
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class InputError(ValueError):
    """A period or filter the caller got wrong (the API answers 422, the CLI exits 2)."""


@dataclass(frozen=True, slots=True)
class Span:
    """Local days [first, last], both inclusive."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def start(self, tz: ZoneInfo) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=tz)

    def end(self, tz: ZoneInfo) -> datetime:
        """The instant just after the last day."""
        return datetime.combine(self.last + timedelta(days=1), time(), tzinfo=tz)

    def to_dict(self) -> dict[str, str | int]:
        return {"first": self.first.isoformat(), "last": self.last.isoformat(), "days": self.days}


@dataclass(frozen=True, slots=True)
class Window:
    """The period looked at, the one it is compared with, and the trend weeks."""

    key: str
    current: Span
    previous: Span
    weeks: tuple[Span, ...]

    def bounds(self, tz: ZoneInfo) -> Bounds:
        """[previous, current] as two contiguous buckets (0 = previous, 1 = current)."""
        return _bounds([self.previous, self.current], tz)

    def trend_bounds(self, tz: ZoneInfo) -> Bounds:
        return _bounds(list(self.weeks), tz)


def _bounds(spans: list[Span], tz: ZoneInfo) -> Bounds:
    days = (*(s.first for s in spans), spans[-1].last + timedelta(days=1))
    return Bounds(tuple(datetime.combine(d, time(), tzinfo=tz) for d in days), days)


def _weeks(last: date, count: int) -> tuple[Span, ...]:
    return tuple(Span(last - timedelta(days=7 * (count - i) - 1), last - timedelta(days=7 * (count - i - 1)))
                 for i in range(count))


def window(period: str, end: str | date | None, *, today: date, trend_weeks: int = 12) -> Window:
    """The N-day period ``period`` (7d, 30d, 90d) ending on ``end`` (ISO date, default today)."""
    if period not in PERIODS:
        raise InputError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    last = _day(end, "end") if end else today
    if last > today:
        raise InputError(f"end {last.isoformat()} is in the future (today is {today.isoformat()})")
    n = PERIODS[period]
    current = Span(last - timedelta(days=n - 1), last)
    previous = Span(current.first - timedelta(days=n), current.first - timedelta(days=1))
    return Window(period, current, previous, _weeks(last, trend_weeks))


def month_window(month: str, *, today: date, trend_weeks: int = 12) -> Window:
    """Calendar month ``YYYY-MM`` against the month before; the month must have started."""
    m = _MONTH.match(month or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise InputError(f"month must look like 2026-11 (YYYY-MM), not {month!r}")
    first = date(int(m.group(1)), int(m.group(2)), 1)
    if first > today:
        raise InputError(f"month {month} has not started yet (today is {today.isoformat()})")
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    last = following - timedelta(days=1)
    prev_last = first - timedelta(days=1)
    previous = Span(prev_last.replace(day=1), prev_last)
    return Window(month, Span(first, last), previous, _weeks(last, trend_weeks))


def _day(raw: str | date, name: str) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InputError(f"{name} must be a date like 2026-11-30, not {raw!r}") from None


def dims_from(params: Mapping[str, str | None], known: Mapping[str, list[str]]) -> Dims:
    """Filter values from request parameters; a value the data has never seen is refused
    (a typo would otherwise show an empty dashboard that looks like good news). ``-`` picks
    the records where the dimension is unknown (a customer without a region)."""
    values: dict[str, str] = {}
    for name in DIMENSIONS:
        raw = (params.get(name) or "").strip()
        if not raw:
            continue
        if raw == UNKNOWN:
            values[name] = ""
            continue
        choices = known.get(name, [])
        if raw not in choices:
            listed = ", ".join(choices[:20]) or "none yet"
            raise InputError(f"unknown {name} {raw!r}; known values: {listed}")
        values[name] = raw
    return Dims(**values)
