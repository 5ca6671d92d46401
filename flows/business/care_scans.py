"""The daily care scans: birthdays, holidays, expiring points, win-back offers, campaigns.

Each scan walks the customers it concerns in batches (keyset pagination, one transaction
and two or three queries per 1000 customers) and writes outbox rows whose keys name the
occurrence — the birthday's year, the holiday's year, the points' expiry date, the last
completed order, the campaign day — so running a scan twice, or on two workers at once,
writes each message once. Rows are created for today and the next ``scan_ahead_days``
days, due at the rule's local send time (or at once when that time has passed today).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from lunardate import LunarDate
from sqlalchemy import Select, and_, extract, func, or_, select

from flows.business import booking as biz
from flows.business.care_config import LUNAR_HOLIDAYS, CareConfig, Rule, config_of
from flows.business.care_rules import brief_crews
from flows.business.care_store import care_row, put, recipients
from flows.business.loyalty_ledger import points_expiring
from flows.business.proactive import live_section
from storage.bookings import ACTIVE
from storage.conn import Tx, conn_of
from storage.db import Database
from storage.models import Customer, OutboxMessage
from storage.models_business import Booking, PointsEntry
from storage.surveys import add_voucher
from storage.types import utcnow

BATCH = 1000
#: (scan name, customers done so far, total or 0 when not counted)
Progress = Callable[[str, int, int], None]


def holiday_date(name: str, year: int) -> date:
    """The holiday's date in ``year``: lunar ones through the lunar calendar, fixed MM-DD
    ones as given (02-29 is Feb 28 in other years)."""
    if name in LUNAR_HOLIDAYS:
        month, day = LUNAR_HOLIDAYS[name]
        solar: date = LunarDate(year, month, day).to_solar_date()
        return solar
    month, day = (int(part) for part in name.split("-"))
    if (month, day) == (2, 29) and not _leap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def next_holiday(name: str, on_or_after: date) -> date:
    found = holiday_date(name, on_or_after.year)
    return found if found >= on_or_after else holiday_date(name, on_or_after.year + 1)


def next_birthday(birthday: date, on_or_after: date) -> date:
    for year in (on_or_after.year, on_or_after.year + 1):
        found = _birthday_in(birthday, year)
        if found >= on_or_after:
            return found
    return _birthday_in(birthday, on_or_after.year + 2)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _birthday_in(birthday: date, year: int) -> date:
    if (birthday.month, birthday.day) == (2, 29) and not _leap(year):
        return date(year, 2, 28)
    return birthday.replace(year=year)


def send_days(cfg: CareConfig, now: datetime, tz: ZoneInfo) -> list[date]:
    today = now.astimezone(tz).date()
    return [today + timedelta(days=i) for i in range(cfg.scan_ahead_days + 1)]


def due_on(day: date, rule: Rule, now: datetime, tz: ZoneInfo) -> datetime:
    return max(datetime.combine(day, rule.at, tzinfo=tz), now)


@dataclass
class _Writer:
    """Shared by the scans: one transaction per batch, progress after each."""

    db: Database
    name: str
    progress: Progress | None
    total: int = 0
    done: int = 0
    created: int = 0

    def write(self, conn: Tx, rows: Sequence[dict[str, Any]], seen: int) -> list[str]:
        inserted = put(conn, rows)
        self.created += len(inserted)
        self.done += seen
        if self.progress is not None:
            self.progress(self.name, self.done, self.total)
        return inserted


def _each_customer_batch(db: Database, stmt: Select[Any],
                         column: Any) -> Iterator[tuple[Tx, list[Any]]]:
    after: Any = None
    while True:
        with db.transaction() as conn:
            page = stmt if after is None else stmt.where(column > after)
            rows = list(conn.execute(page.order_by(column).limit(BATCH)))
            if rows:
                yield conn, rows
        if len(rows) < BATCH:
            return
        after = rows[-1][0]


def scan_birthdays(db: Database, cfg: CareConfig, now: datetime, tz: ZoneInfo,
                   progress: Progress | None = None) -> int:
    out = _Writer(db, "birthday", progress)
    for rule in cfg.by_trigger("birthday"):
        for day in send_days(cfg, now, tz):
            when = day + timedelta(days=rule.days_before)
            dates = [(when.month, when.day)]
            if (when.month, when.day) == (2, 28) and not _leap(when.year):
                dates.append((2, 29))  # born on Feb 29: celebrated on Feb 28 this year
            match = or_(*[and_(extract("month", Customer.birthday) == m,
                               extract("day", Customer.birthday) == d) for m, d in dates])
            stmt = select(Customer.id).where(Customer.birthday.is_not(None), match)
            for conn, rows in _each_customer_batch(db, stmt, Customer.id):
                people = recipients(conn, [int(r[0]) for r in rows])
                out.write(conn, [care_row(rule, who, {}, key=f"care:{rule.id}:c{cid}:{when.year}",
                                          due_at=due_on(day, rule, now, tz), ref=f"customer:{cid}")
                                 for cid, who in people.items()], len(rows))
    return out.created


def scan_holidays(db: Database, cfg: CareConfig, now: datetime, tz: ZoneInfo,
                  progress: Progress | None = None) -> int:
    out = _Writer(db, "holiday", progress)
    for rule in cfg.by_trigger("holiday"):
        for day in send_days(cfg, now, tz):
            when = day + timedelta(days=rule.days_before)
            if holiday_date(rule.holiday, when.year) != when:
                continue
            for conn, rows in _each_customer_batch(db, select(Customer.id), Customer.id):
                people = recipients(conn, [int(r[0]) for r in rows])
                out.write(conn, [care_row(
                    rule, who, {"holiday": rule.holiday_name.get(who.lang, "")},
                    key=f"care:{rule.id}:c{cid}:{when.year}", due_at=due_on(day, rule, now, tz),
                    ref=f"customer:{cid}") for cid, who in people.items()], len(rows))
    return out.created


def scan_points_expiring(db: Database, cfg: CareConfig, now: datetime, tz: ZoneInfo,
                         progress: Progress | None = None) -> int:
    out = _Writer(db, "points_expiring", progress)
    today = now.astimezone(tz).date()
    for rule in cfg.by_trigger("points_expiring"):
        p = PointsEntry
        stmt = select(p.customer_id).where(
            p.delta > 0, p.expires_at.is_not(None), p.expires_at > now,
            p.expires_at <= now + timedelta(days=rule.within_days)).distinct()
        for conn, rows in _each_customer_batch(db, stmt, p.customer_id):
            people = recipients(conn, [int(r[0]) for r in rows])
            batch = []
            for cid, who in people.items():
                soon = points_expiring(conn, cid, now, rule.within_days)
                if soon.points <= 0 or soon.first_at is None:
                    continue
                expires = soon.first_at.astimezone(tz).date()
                batch.append(care_row(rule, who, {
                    "points": soon.points, "expires_on": expires.isoformat()},
                    key=f"care:{rule.id}:c{cid}:{expires:%Y%m%d}",
                    due_at=due_on(today, rule, now, tz), ref=f"customer:{cid}"))
            out.write(conn, batch, len(rows))
    return out.created


def offer_code(rule: Rule, key: str) -> str:
    """Deterministic per offer, so a repeated scan names the same code."""
    return rule.offer_prefix + hashlib.sha256(key.encode()).hexdigest()[:6].upper()


def winback_candidates(rule: Rule, now: datetime) -> Select[Any]:
    """Customers whose last completed order is older than ``after_days`` and who have
    nothing booked: (customer id, last completion)."""
    b = Booking
    active = select(b.customer_id).where(b.status.in_(ACTIVE))
    last = func.max(b.completed_at)
    stmt = (select(b.customer_id, last).where(b.status == "completed",
                                             b.customer_id.not_in(active))
            .group_by(b.customer_id)
            .having(last < now - timedelta(days=rule.after_days)))
    return cast("Select[Any]", stmt)


def scan_winback(db: Database, cfg: CareConfig, now: datetime, tz: ZoneInfo,
                 progress: Progress | None = None) -> int:
    out = _Writer(db, "winback", progress)
    today = now.astimezone(tz).date()
    for rule in cfg.by_trigger("winback"):
        o = OutboxMessage
        for conn, rows in _each_customer_batch(db, winback_candidates(rule, now),
                                               Booking.customer_id):
            ids = [int(r[0]) for r in rows]
            recent = set(conn.execute(select(o.customer_id).where(
                o.customer_id.in_(ids), o.idempotency_key.like(f"care:{rule.id}:c%"),
                o.due_at >= now - timedelta(days=rule.cooldown_days))).scalars())
            people = recipients(conn, [i for i in ids if i not in recent])
            last = {int(r[0]): r[1] for r in rows}
            batch, offers = [], {}
            for cid, who in people.items():
                key = f"care:{rule.id}:c{cid}:{last[cid].astimezone(tz):%Y%m%d}"
                until = today + timedelta(days=rule.valid_days)
                offers[key] = (cid, {"code": offer_code(rule, key), "kind": "winback",
                                     "valid_until": until.isoformat(),
                                     "issued_at": now.isoformat()})
                batch.append(care_row(rule, who, {"offer_code": offers[key][1]["code"],
                                                  "valid_until": until.isoformat()},
                                      key=key, due_at=due_on(today, rule, now, tz),
                                      ref=f"customer:{cid}",
                                      extra={"offer_code": offers[key][1]["code"]}))
            for key in out.write(conn, batch, len(rows)):
                add_voucher(conn, *offers[key])
    return out.created


# -- campaigns --------------------------------------------------------------------------------


def segment_query(rule: Rule) -> Select[Any]:
    """The customers of a campaign's segment (every condition given must hold)."""
    seg = rule.segment
    stmt = select(Customer.id)
    tiers = list(seg.get("tiers", ()))
    if tiers:
        stmt = stmt.where(Customer.tier.in_([*tiers, "standard"] if "basic" in tiers else tiers))
    if seg.get("services"):
        stmt = stmt.where(Customer.id.in_(select(Booking.customer_id).where(
            Booking.service.in_(list(seg["services"])))))
    if seg.get("regions"):
        regions = list(seg["regions"])
        stmt = stmt.where(or_(Customer.region.in_(regions), Customer.id.in_(
            select(Booking.customer_id).where(Booking.region.in_(regions)))))
    return stmt


def count_segment(tx: Tx, rule: Rule) -> int:
    sub = segment_query(rule).subquery()
    return int(conn_of(tx).execute(select(func.count()).select_from(sub)).scalar() or 0)


def run_campaign(db: Database, rule: Rule, now: datetime, tz: ZoneInfo, *,
                 dry_run: bool = False, progress: Progress | None = None) -> tuple[int, int]:
    """Queue one campaign for its segment: (customers in the segment, rows created)."""
    with db.read() as s:
        total = count_segment(s, rule)
    if dry_run or total == 0 or rule.send_at is None:
        return total, 0
    when = rule.send_at.replace(tzinfo=tz)
    out = _Writer(db, rule.id, progress, total=total)
    for conn, rows in _each_customer_batch(db, segment_query(rule), Customer.id):
        people = recipients(conn, [int(r[0]) for r in rows])
        out.write(conn, [care_row(rule, who, {}, key=f"care:{rule.id}:c{cid}:{when:%Y%m%d}",
                                  due_at=max(when, now), ref=f"customer:{cid}")
                         for cid, who in people.items()], len(rows))
    return total, out.created


def scan_campaigns(db: Database, cfg: CareConfig, now: datetime, tz: ZoneInfo,
                   progress: Progress | None = None) -> int:
    """Campaigns whose send day is yesterday (a missed scan), today or within the window."""
    days = send_days(cfg, now, tz)
    created = 0
    for rule in cfg.by_trigger("campaign"):
        if rule.send_at is not None and \
                days[0] - timedelta(days=1) <= rule.send_at.date() <= days[-1]:
            created += run_campaign(db, rule, now, tz, progress=progress)[1]
    return created


def run_daily(db: Database, now: datetime | None = None, *, section: dict[str, Any] | None = None,
              tz: ZoneInfo | None = None, progress: Progress | None = None) -> dict[str, int]:
    """Every scan once (the scheduler's daily job); rows created per scan."""
    moment = now or utcnow()
    zone = tz or biz.default_tz()
    cfg = config_of(section if section is not None else live_section("care"))
    counts = {}
    for name, scan in (("birthday", scan_birthdays), ("holiday", scan_holidays),
                       ("points_expiring", scan_points_expiring), ("winback", scan_winback),
                       ("campaign", scan_campaigns)):
        counts[name] = scan(db, cfg, moment, zone, progress)
    with db.transaction() as conn:
        counts["briefing"] = len(brief_crews(conn, moment, section=section, tz=zone))
    return counts


def run_briefings(db: Database, now: datetime | None = None) -> int:
    """Crew briefings that fell due (cheap: the next days' bookings); run every few minutes."""
    with db.transaction() as conn:
        return len(brief_crews(conn, now or utcnow()))
