"""What one customer will receive from the care calendar, when, and on which channel.

Two sources: rows already in the outbox (booking rules, surveys, campaigns and scan
results still pending, and recent skips with their reason), and what the scans will
create later (next birthday, next holidays, points about to expire, a win-back offer,
campaigns whose segment includes the customer). Message hygiene (quiet hours, opt-out)
is applied by the caller (``careline care preview``), which may import the scheduler.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from flows.business.care_config import BOOKING_TRIGGERS, CareConfig, Rule
from flows.business.care_rules import booking_values
from flows.business.care_scans import (
    next_birthday,
    next_holiday,
    offer_code,
    segment_query,
    winback_candidates,
)
from flows.business.care_store import NO_CHANNEL, Recipient, recipients
from flows.business.loyalty_ledger import points_expiring
from storage.bookings import ACTIVE, list_for_customer
from storage.conn import Tx, conn_of
from storage.models import Customer, OutboxMessage
from storage.models_business import Booking

#: outbox kinds a preview lists (the proactive ones and crew briefings)
LISTED_KINDS = ("care", "campaign", "flow", "survey", "winback", "birthday", "holiday",
                "briefing")


@dataclass(frozen=True, slots=True)
class PreviewItem:
    due: datetime | None  # None: relative to an event that has not happened (completion)
    rule: str
    kind: str
    channel: str | None
    text: str
    status: str  # pending | skipped | planned (the scans will create it)
    note: str = ""  # why it is skipped, or when it will be created
    key: str = ""  # the outbox idempotency key (queued) or the one a scan will write

    def as_json(self, tz: ZoneInfo) -> dict[str, Any]:
        return {"due": self.due.astimezone(tz).isoformat() if self.due else None,
                "rule": self.rule, "kind": self.kind, "channel": self.channel,
                "text": self.text, "status": self.status, "note": self.note}


def preview(tx: Tx, customer_id: int, cfg: CareConfig, now: datetime,
            tz: ZoneInfo) -> list[PreviewItem]:
    """Everything scheduled or planned for the customer, soonest first."""
    who = recipients(tx, [customer_id]).get(customer_id)
    if who is None:
        raise LookupError(f"no customer {customer_id}")
    items = _queued(tx, customer_id, now)
    keys = {i.key for i in items}
    items += [i for i in _planned(tx, who, cfg, now, tz) if i.key not in keys]
    far = datetime.max.replace(tzinfo=ZoneInfo("UTC"))
    return sorted(items, key=lambda i: (i.due or far, i.rule))


def _queued(tx: Tx, customer_id: int, now: datetime) -> list[PreviewItem]:
    o = OutboxMessage
    rows = conn_of(tx).execute(select(
        o.due_at, o.kind, o.channel, o.payload, o.status, o.last_error, o.idempotency_key)
        .where(o.customer_id == customer_id, o.kind.in_(LISTED_KINDS),
               (o.status == "pending") | ((o.status == "skipped") &
                                          (o.due_at >= now - timedelta(days=7)))))
    items = []
    for due, kind, channel, payload, status, error, key in rows:
        payload = dict(payload or {})
        text = payload.get("text") or f"[flow {payload.get('flow', '?')}]"
        rule = str(payload.get("rule") or payload.get("flow") or kind)
        items.append(PreviewItem(due, rule, kind, None if channel == "none" else channel,
                                 str(text), status, error or "", key))
    return items


def _planned(tx: Tx, who: Recipient, cfg: CareConfig, now: datetime,
             tz: ZoneInfo) -> list[PreviewItem]:
    conn = conn_of(tx)
    cid = who.customer_id
    birthday = conn.execute(select(Customer.birthday).where(Customer.id == cid)).scalar()
    today = now.astimezone(tz).date()
    name = {"name": who.display_name()}
    items: list[PreviewItem] = []

    def plan(rule: Rule, day: date, values: Mapping[str, Any], key: str,
             due: datetime | None = None) -> None:
        """``key``: the row the scan will write (a queued row with it is listed already)."""
        when = due or max(datetime.combine(day, rule.at, tzinfo=tz), now)
        items.append(PreviewItem(when, rule.id, rule.kind, who.channel,
                                 rule.render(who.lang, {**name, **values}), "planned",
                                 "written by the daily scan" if who.channel else NO_CHANNEL, key))

    for rule in cfg.by_trigger("birthday"):
        if birthday is not None:
            when = next_birthday(birthday, today + timedelta(days=rule.days_before))
            plan(rule, when - timedelta(days=rule.days_before), {},
                 f"care:{rule.id}:c{cid}:{when.year}")
    for rule in cfg.by_trigger("holiday"):
        when = next_holiday(rule.holiday, today + timedelta(days=rule.days_before))
        plan(rule, when - timedelta(days=rule.days_before),
             {"holiday": rule.holiday_name.get(who.lang, "")},
             f"care:{rule.id}:c{cid}:{when.year}")
    for rule in cfg.by_trigger("points_expiring"):
        soon = points_expiring(conn, cid, now, rule.within_days)
        if soon.points > 0 and soon.first_at is not None:
            expires = soon.first_at.astimezone(tz).date()
            plan(rule, today, {"points": soon.points, "expires_on": expires.isoformat()},
                 f"care:{rule.id}:c{cid}:{expires:%Y%m%d}")
    for rule in cfg.by_trigger("winback"):
        last = conn.execute(winback_candidates(rule, now).where(Booking.customer_id == cid)
                            ).first()
        if last is not None:
            key = f"care:{rule.id}:c{cid}:{last[1].astimezone(tz):%Y%m%d}"
            plan(rule, today, {"offer_code": offer_code(rule, key), "valid_until": (
                today + timedelta(days=rule.valid_days)).isoformat()}, key)
    for rule in cfg.by_trigger("campaign"):
        if rule.send_at is not None and rule.send_at.replace(tzinfo=tz) > now and \
                conn.execute(segment_query(rule).where(Customer.id == cid)).first():
            plan(rule, rule.send_at.date(), {}, f"care:{rule.id}:c{cid}:{rule.send_at:%Y%m%d}",
                 due=rule.send_at.replace(tzinfo=tz))
    for booking in list_for_customer(conn, cid, statuses=ACTIVE):
        for rule in cfg.by_trigger(*BOOKING_TRIGGERS):
            if rule.anchor == "completion" and rule.applies_to(booking.service) \
                    and rule.audience == "customer":
                text = rule.render(who.lang, {**name, **booking_values(booking, who.lang, tz)})
                note = f"{rule.offset_text} after {booking.public_id} is completed"
                items.append(PreviewItem(None, rule.id, rule.kind, who.channel, text, "planned",
                                         note if who.channel else NO_CHANNEL))
    return items

