"""Message hygiene, applied at dispatch time to every claimed outbox row.

Proactive rows (:data:`PROACTIVE_KINDS`: care, campaigns, and the starts of flows the bot
begins on its own, like the survey) are held back or dropped before any network call:

* the customer opted out (``customers.profile["opted_out"]``) → ``skipped``, ``opted_out``;
* quiet hours (default 21:00–09:00 in the customer's local time) → given back, due at
  their end;
* the customer already got ``daily_cap`` proactive messages this local day → given back,
  due the next morning.

Local time is the customer's own zone: ``customers.profile["timezone"]``, else their
region's in ``messaging.region_timezones``, else CARELINE_TIMEZONE
(flows/business/messaging.py ``zone_for``).
Any row without a usable address (channel ``none`` or no recipient) is ``skipped`` with
``no_channel`` — recorded once, never retried. Replies, ticket updates and other
transactional kinds are never held. Settings: the ``messaging:`` section
(flows/business/messaging.py). The cap counts rows sent today and rows other dispatchers
are sending now, with the customer locked on PostgreSQL, so concurrent dispatchers never
send one over the cap (:func:`_used_today`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.business.handoff_config import default_tz
from flows.business.messaging import (
    MessagingConfig,
    is_opted_out,
    live_config,
    zone_for,
)
from storage.models import Customer, OutboxMessage
from storage.outbox_counts import lock_customers, used_today
from storage.repo import Claimed
from storage.statements import among

#: Kinds the bot sends on its own; everything else answers or reports something the
#: customer did, and is never held by hygiene. The care calendar's preview imports this too.
#: A proactive flow (a survey, a resolution rating) counts once, by its start row (kind
#: ``flow``); the messages the started flow then sends carry the flow's name as their kind
#: (``survey``...) and are not held — its first question is not put off till tomorrow.
PROACTIVE_KINDS: frozenset[str] = frozenset(
    {"care", "campaign", "flow", "winback", "birthday", "holiday"})
#: channel of a row written for a customer with no address, so the skip is on record
NO_CHANNEL = "none"


@dataclass
class Screened:
    """What to do with a claimed batch: send, give back with a later due time, or skip."""

    send: list[Claimed] = field(default_factory=list)
    later: list[tuple[int, datetime]] = field(default_factory=list)
    skip: list[tuple[int, str]] = field(default_factory=list)


#: ``(session, claimed rows, now) -> Screened``; dispatch_due calls it in the claim's
#: transaction, so held rows never show as ``sending``.
Screen = Callable[[Session, Sequence[Claimed], datetime], Screened]


def is_proactive(kind: str) -> bool:
    return kind in PROACTIVE_KINDS


def quiet_until(at: datetime, cfg: MessagingConfig, tz: ZoneInfo) -> datetime | None:
    """The end of the quiet period ``at`` falls in (aware UTC), or None when not quiet."""
    start, end = cfg.quiet_start, cfg.quiet_end
    if start is None or end is None:
        return None
    local = at.astimezone(tz)
    now_t = local.time()
    day = local.date()
    if start > end:  # crosses midnight: 21:00–09:00
        if now_t >= start:
            return _at(day + timedelta(days=1), end, tz)
        if now_t < end:
            return _at(day, end, tz)
        return None
    if start <= now_t < end:
        return _at(day, end, tz)
    return None


def next_morning(at: datetime, cfg: MessagingConfig, tz: ZoneInfo) -> datetime:
    """The next local day at the end of quiet hours (midnight without quiet hours)."""
    tomorrow = at.astimezone(tz).date() + timedelta(days=1)
    return _at(tomorrow, cfg.quiet_end or time(0, 0), tz)


def send_time(at: datetime, cfg: MessagingConfig, tz: ZoneInfo) -> datetime:
    """When a proactive message due at ``at`` may go out (quiet hours only; for preview)."""
    return quiet_until(at, cfg, tz) or at


def day_start(at: datetime, tz: ZoneInfo) -> datetime:
    return _at(at.astimezone(tz).date(), time(0, 0), tz)


def _at(day: Any, t: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, t, tzinfo=tz).astimezone(ZoneInfo("UTC"))


def no_channel(row: Claimed) -> bool:
    return row.channel in ("", NO_CHANNEL) or not row.recipient


def screen(session: Session, rows: Sequence[Claimed], at: datetime, *,
           cfg: MessagingConfig | None = None, tz: ZoneInfo | None = None) -> Screened:
    """Sort a claimed batch by the hygiene rules (module docstring). ``tz``: the zone of
    customers with none of their own (default CARELINE_TIMEZONE)."""
    out = Screened()
    proactive = [r for r in rows if is_proactive(r.kind) and not no_channel(r)]
    if not proactive:
        for row in rows:
            (out.skip.append((row.id, "no_channel")) if no_channel(row) else out.send.append(row))
        return out
    cfg, tz = cfg or live_config(), tz or default_tz()
    owner = _owners(session, proactive)
    people = _customers(session, set(owner.values()))
    zones = {cid: zone_for(profile, region, cfg, tz) for cid, (profile, region) in people.items()}
    verdict: dict[int, str] = {}  # proactive row id -> skip | later | cap
    for row in proactive:
        customer = owner.get(row.id)
        zone = zones.get(customer, tz) if customer is not None else tz
        if customer is not None and is_opted_out(people.get(customer, ({}, None))[0]):
            verdict[row.id] = "opted_out"
        elif (quiet := quiet_until(at, cfg, zone)) is not None:
            out.later.append((row.id, quiet))
            verdict[row.id] = "later"
        elif cfg.daily_cap and customer is not None:
            verdict[row.id] = "cap"
    capped = {owner[r.id] for r in proactive if verdict.get(r.id) == "cap"}
    used = _used_today(session, capped, at, zones, tz, rows[0].claim_token) if capped else {}
    for row in rows:
        if no_channel(row):
            out.skip.append((row.id, "no_channel"))
        elif not is_proactive(row.kind) or row.id not in verdict:
            out.send.append(row)
        elif verdict[row.id] == "opted_out":
            out.skip.append((row.id, "opted_out"))
        elif verdict[row.id] == "cap":
            customer = owner[row.id]
            if used.get(customer, 0) >= cfg.daily_cap:
                out.later.append((row.id, next_morning(at, cfg, zones.get(customer, tz))))
            else:
                used[customer] = used.get(customer, 0) + 1
                out.send.append(row)
    return out


def _owners(session: Session, rows: Sequence[Claimed]) -> dict[int, int]:
    owner = {r.id: r.customer_id for r in rows if r.customer_id is not None}
    missing = [r.id for r in rows if r.customer_id is None]
    if missing:
        o = OutboxMessage
        owner.update({int(r[0]): int(r[1]) for r in session.execute(
            select(o.id, o.customer_id).where(o.id.in_(missing)))})
    return owner


def _customers(session: Session, customers: set[int]) -> dict[int, tuple[dict[str, Any], str | None]]:
    """Profile and region per customer."""
    if not customers:
        return {}
    c = Customer
    where = among(c.id, sorted(customers), session.get_bind().dialect.name)
    return {int(r[0]): (dict(r[1] or {}), r[2])
            for r in session.execute(select(c.id, c.profile, c.region).where(where))}


def _used_today(session: Session, customers: set[int], at: datetime,
                zones: Mapping[int, ZoneInfo], default: ZoneInfo, token: str) -> dict[int, int]:
    """Proactive messages each customer got since their local midnight, plus those another
    dispatcher is sending now; the customers stay locked until this claim commits, so a
    concurrent claim counts this one's rows (storage/outbox_counts.py)."""
    lock_customers(session, customers)
    since = {cid: day_start(at, zones.get(cid, default)) for cid in customers}
    return used_today(session, since, PROACTIVE_KINDS, token)
