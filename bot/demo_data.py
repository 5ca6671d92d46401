"""DEMO ONLY: months of generated, clearly marked activity for ``careline demo``.

A new user should open the dashboard and see meaningful numbers: 360 demo customers
("演示·王女士", "Demo · Alice Chen"; identities ``demo-…``; ``profile.demo = true``) in five
districts, on WeChat, web and Telegram, in Chinese and English, with four months of
conversations, quotes, bookings, surveys, complaints, handoffs and points. The story the
numbers tell: the bot contains more over time and handoffs fall, satisfaction is good and
slowly rising — except cleaning in 海淀区 this last week (a drop alert) and a recent run of
lateness complaints.

Generation is deterministic per day and idempotent: the database is marked
(storage/bulk.py ``DEMO_MARK``) with the last day generated; a later start only adds the days
since, so the dashboard's "last 7 days" stays current. Everything is written in bulk, then
the dashboard rollup runs once: a few seconds on SQLite.
"""

from __future__ import annotations

import random
import time as clock
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import demo_texts as txt
from storage import bulk, kpi_rollup
from storage.db import Database
from storage.types import utcnow

DEMO_DAYS = 120
CUSTOMERS = 600
REGIONS = ("朝阳区", "海淀区", "东城区", "丰台区", "通州区")
CHANNELS = {"wechat": 55, "web": 25, "telegram": 20}
TIERS = {"basic": 62, "silver": 22, "gold": 12, "diamond": 4}
KINDS = {"quote": 28, "book": 20, "faq": 22, "status": 10, "complaint": 3, "human": 4}
PRICE = {"moving": (1200, 4800), "cleaning": (260, 900)}
DEADLINE_HOURS = {"urgent": (1, 24), "experience": (4, 48), "suggestion": (24, None)}
REGION_CSAT = {"朝阳区": 0.0, "海淀区": 0.05, "东城区": 0.1, "丰台区": -0.05, "通州区": -0.2}


@dataclass
class DemoReport:
    days: int = 0
    customers: int = 0
    events: int = 0
    bookings: int = 0
    surveys: int = 0
    tickets: int = 0
    seconds: float = 0.0


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _customers(rng: random.Random, start: datetime) -> list[dict[str, Any]]:
    people = []
    for n in range(CUSTOMERS):
        lang = "zh" if rng.random() < 0.7 else "en"
        name = (f"演示·{rng.choice(txt.SURNAMES_ZH)}{rng.choice(txt.TITLES_ZH)}" if lang == "zh"
                else f"Demo · {rng.choice(txt.NAMES_EN)}")
        people.append({"n": n, "lang": lang, "name": name, "channel": _pick(rng, CHANNELS),
                       "region": rng.choice(REGIONS), "tier": _pick(rng, TIERS),
                       "created_at": start - timedelta(days=rng.randint(0, 300))})
    return people


def _create(conn: Any, people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = bulk.insert_rows(conn, "customers", [
        {"display_name": p["name"], "lang": p["lang"], "tier": p["tier"], "points": 0,
         "profile": {"demo": True}, "region": p["region"], "created_at": p["created_at"],
         "updated_at": p["created_at"]} for p in people], ids=True)
    idents = bulk.insert_rows(conn, "channel_identities", [
        {"customer_id": cid, "channel": p["channel"], "external_id": f"demo-{p['n']}",
         "display_name": p["name"], "created_at": p["created_at"]}
        for cid, p in zip(ids, people, strict=True)], ids=True)
    convs = bulk.insert_rows(conn, "conversations", [
        {"public_id": f"c_demo{p['n']:05d}", "customer_id": cid, "identity_id": iid,
         "channel": p["channel"], "status": "bot", "lang": p["lang"], "state": {}, "turns": 0,
         "created_at": p["created_at"], "updated_at": p["created_at"]}
        for cid, iid, p in zip(ids, idents, people, strict=True)], ids=True)
    return [{"customer_id": cid, "conversation_id": conv, "channel": p["channel"],
             "lang": p["lang"], "region": p["region"], "tier": p["tier"], "name": p["name"]}
            for cid, conv, p in zip(ids, convs, people, strict=True)]


@dataclass
class _World:
    rng: random.Random
    tz: ZoneInfo
    now: datetime
    customers: list[dict[str, Any]]
    events: list[dict[str, Any]] = field(default_factory=list)
    bookings: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    surveys: list[dict[str, Any]] = field(default_factory=list)  # booking index in "booking"
    points: list[dict[str, Any]] = field(default_factory=list)
    last_seen: dict[int, datetime] = field(default_factory=dict)
    balance: dict[int, int] = field(default_factory=dict)
    seq: int = 0

    def award(self, c: dict[str, Any], delta: int, reason: str, ref: str, at: datetime) -> None:
        if at <= self.now and self.balance.get(c["customer_id"], 0) + delta >= 0:
            self.balance[c["customer_id"]] = self.balance.get(c["customer_id"], 0) + delta
            self.points.append({"customer_id": c["customer_id"], "delta": delta,
                                "reason": reason, "ref": ref, "created_at": at})

    def ev(self, c: dict[str, Any], type_: str, actor: str, at: datetime,
           data: dict[str, Any] | None = None) -> None:
        if at <= self.now:
            self.events.append({"conversation_id": c["conversation_id"],
                                "customer_id": c["customer_id"], "type": type_, "actor": actor,
                                "ts": at, "data": data or {}})
            self.last_seen[c["conversation_id"]] = max(at, self.last_seen.get(c["conversation_id"], at))

    def say(self, c: dict[str, Any], at: datetime, text: str, intent: str) -> None:
        self.ev(c, "message_in", "customer", at, {"text": text, "lang": c["lang"],
                                                  "channel": c["channel"]})
        self.ev(c, "nlu", "system", at, {"intent": intent, "confidence": 0.9, "entities": [],
                                        "lang": c["lang"]})

    def reply(self, c: dict[str, Any], at: datetime, actor: str = "bot") -> None:
        bank = txt.AGENT_REPLIES if actor == "agent" else txt.BOT_REPLIES
        self.ev(c, "message_out", actor, at, {"text": self.rng.choice(bank[c["lang"]])})

    # -- one contact ---------------------------------------------------------------------------

    def contact(self, c: dict[str, Any], at: datetime, progress: float, *, recent: bool) -> None:
        rng = self.rng
        if at > self.now:
            return
        kinds = dict(KINDS)
        if recent:
            kinds["complaint"] += 2
        kind = _pick(rng, kinds)
        opener = rng.choice(txt.OPENERS[kind][c["lang"]])
        self.say(c, at, opener, {"book": "book", "status": "booking_status", "complaint": "complain",
                                 "human": "human"}.get(kind, kind))
        service = rng.choice(("moving", "cleaning"))
        if kind in ("quote", "book", "complaint", "status"):
            flow = {"status": "booking_status"}.get(kind, kind)
            self.ev(c, "flow_started", "bot", at, {"flow": flow, "trigger": "intent"})
        if kind in ("quote", "book"):
            self.ev(c, "slot_set", "bot", at, {"flow": kind, "slot": "service_type", "value": service})
        self.reply(c, at)
        for _ in range(rng.randint(0, 3)):
            at += timedelta(seconds=rng.randint(15, 150))
            self.say(c, at, opener, "affirm")
            if rng.random() < 0.08 - 0.04 * progress:
                self.ev(c, "fallback", "bot", at, {"text": opener[:40]})
            self.reply(c, at)
        if kind == "book":
            self.booking(c, at, service)
        if kind == "complaint":
            self.ticket(c, at, "chat", rng.choice(txt.TOPICS) if not recent or rng.random() < 0.5
                        else "lateness", service)
        p_handoff = {"complaint": 0.55, "human": 1.0}.get(kind, 0.24 - 0.13 * progress)
        if rng.random() < p_handoff:
            self.handoff(c, at + timedelta(seconds=rng.randint(2, 20)), progress)
        if rng.random() < 0.14 - 0.06 * progress:  # came back about the same thing
            self.contact(c, at + timedelta(hours=rng.uniform(2, 60)), progress, recent=recent)

    def handoff(self, c: dict[str, Any], at: datetime, progress: float) -> None:
        rng = self.rng
        self.ev(c, "handoff_requested", "system", at, {"reason": "asked"})
        self.ev(c, "handoff_queued", "system", at, {"reason": "asked", "position": 1})
        self.reply(c, at)
        local = at.astimezone(self.tz)
        if not 9 <= local.hour < 21 or rng.random() < 0.06:
            self.ev(c, "handoff_timeout", "system", at + timedelta(minutes=3), {})
            return
        wait = rng.lognormvariate(4.4, 0.6) * (1.4 - 0.6 * progress)  # ~80-160 s, improving
        claimed = at + timedelta(seconds=wait)
        self.ev(c, "handoff_claimed", "agent", claimed, {"agent": "supervisor"})
        self.reply(c, claimed + timedelta(seconds=rng.randint(10, 60)), "agent")
        self.ev(c, "handoff_released", "agent", claimed + timedelta(minutes=rng.randint(3, 15)), {})

    # -- business records --------------------------------------------------------------------

    def booking(self, c: dict[str, Any], at: datetime, service: str) -> None:
        rng = self.rng
        self.seq += 1
        public = f"DB{at.astimezone(self.tz):%y%m%d}{self.seq % 100000:05d}"
        day = at.astimezone(self.tz).date() + timedelta(days=rng.randint(1, 9))
        done_at = datetime.combine(day, time(rng.randint(11, 18), rng.randint(0, 59)), tzinfo=self.tz)
        status = ("cancelled" if rng.random() < 0.06 else
                  "completed" if done_at <= self.now else "confirmed")
        total = float(rng.randrange(*PRICE[service], 10))
        self.ev(c, "booking_created", "bot", at, {"booking_id": public, "service": service,
                                                 "date": day.isoformat(), "total": total})
        self.bookings.append({
            "public_id": public, "customer_id": c["customer_id"],
            "conversation_id": c["conversation_id"], "service": service, "day": day,
            "slot": "afternoon", "status": status, "region": c["region"], "total": total,
            "currency": "CNY", "details": {"demo": True}, "created_at": at, "updated_at": at,
            "completed_at": done_at if status == "completed" else None,
            "cancelled_at": at + timedelta(hours=5) if status == "cancelled" else None})
        if status == "completed":
            self.award(c, int(total // 10), "spend", public, done_at)
            if rng.random() < 0.65:
                self.survey(c, done_at + timedelta(hours=2), service, len(self.bookings) - 1)

    def survey(self, c: dict[str, Any], at: datetime, service: str, booking: int) -> None:
        rng = self.rng
        local = at.astimezone(self.tz)
        progress = 1 - max(0, (self.now - at).days) / DEMO_DAYS
        mean = 4.25 + 0.25 * progress + REGION_CSAT[c["region"]] + (0.1 if service == "cleaning" else 0)
        if service == "cleaning" and c["region"] == "海淀区" and (self.now - at).days < 7:
            mean -= 1.1  # the drop the region x service table should flag
        csat = max(1, min(5, round(rng.gauss(mean, 0.85))))
        nps = max(0, min(10, round(2 * csat + rng.gauss(0, 1.2))))
        ces = max(1, min(7, round(csat + 1.6 + rng.gauss(0, 0.8))))
        topic = rng.choice(txt.TOPICS if service == "moving" else ("quality", "lateness", "attitude"))
        comment = None
        if rng.random() < 0.75:
            side = "positive" if csat >= 4 else "negative" if csat <= 2 else "neutral"
            bank = txt.COMMENTS[side]
            comment = rng.choice(bank[topic][c["lang"]] if side == "negative" else bank[c["lang"]])
        self.ev(c, "proactive_started", "system", at, {"flow": "survey"})
        self.ev(c, "message_out", "bot", at, {"text": "请为本次服务打分（1-5）" if c["lang"] == "zh"
                                             else "How did we do (1-5)?"})
        answered = at + timedelta(minutes=rng.randint(2, 40))
        for value in (csat, nps, ces):
            self.say(c, answered, str(value), "feedback")
            self.reply(c, answered)
            answered += timedelta(seconds=rng.randint(10, 40))
        if comment:
            self.say(c, answered, comment, "feedback")
        self.ev(c, "survey_answered", "bot", answered, {"csat": csat, "nps": nps, "ces": ces})
        self.reply(c, answered)
        if answered > self.now:
            return
        self.surveys.append({"booking": booking, "customer_id": c["customer_id"],
                             "conversation_id": c["conversation_id"], "csat": csat, "nps": nps,
                             "ces": ces, "comment": comment, "created_at": answered})
        self.award(c, 50, "survey", self.bookings[booking]["public_id"], answered)
        if rng.random() < 0.5:
            self.seq += 1
            self.award(c, -rng.choice((100, 200, 300)), "redeem", f"demo-redeem-{self.seq}",
                       answered + timedelta(days=rng.randint(1, 20)))
        if csat <= 2:
            self.ticket(c, answered, "survey", topic, service, booking=booking,
                        text=comment or f"CSAT {csat} ({local:%m-%d})")

    def ticket(self, c: dict[str, Any], at: datetime, source: str, topic: str, service: str, *,
               booking: int | None = None, text: str | None = None) -> None:
        rng = self.rng
        severity = "urgent" if topic == "damage" and rng.random() < 0.6 else \
            "suggestion" if rng.random() < 0.05 else "experience"
        reply_h, fix_h = DEADLINE_HOURS[severity]
        reply_due = at + timedelta(hours=reply_h)
        fix_due = at + timedelta(hours=fix_h) if fix_h else None
        ack = at + timedelta(hours=reply_h * (rng.uniform(0.1, 0.9) if rng.random() < 0.95
                                              else rng.uniform(1.1, 3)))
        window = fix_h or 72
        resolved = at + timedelta(hours=window * (rng.uniform(0.15, 0.9) if rng.random() < 0.9
                                                  else rng.uniform(1.05, 2.2)))
        resolved = max(resolved, ack + timedelta(minutes=30))
        reopened = 1 if rng.random() < 0.08 else 0
        status = ("closed" if resolved + timedelta(days=2) <= self.now else
                  "resolved" if resolved <= self.now else
                  "in_progress" if ack <= self.now else "open")
        self.seq += 1
        public = f"DT{at.astimezone(self.tz):%y%m%d}{self.seq % 100000:05d}"
        description = text or rng.choice(txt.COMMENTS["negative"][topic][c["lang"]])
        self.ev(c, "ticket_opened", "bot", at, {"ticket_id": public, "class": severity,
                                               "topic": topic, "source": source})
        self.tickets.append({
            "public_id": public, "customer_id": c["customer_id"],
            "conversation_id": c["conversation_id"], "booking": booking, "severity": severity,
            "topic": topic, "status": status, "priority": 2, "source": source,
            "description": description, "media": [], "reply_due_at": reply_due,
            "fix_due_at": fix_due, "acknowledged_at": ack if ack <= self.now else None,
            "resolved_at": resolved if resolved <= self.now else None,
            "closed_at": resolved + timedelta(days=2) if status == "closed" else None,
            "reopened": reopened if resolved <= self.now else 0,
            "resolution_rating": rng.randint(3, 5) if resolved <= self.now else None,
            "outcome": "已处理 / handled" if resolved <= self.now else None,
            "created_at": at, "updated_at": at})

    # -- days -------------------------------------------------------------------------------------

    def day(self, day: date, first: date, today: date) -> None:
        rng = self.rng
        progress = (day - first).days / max(1, DEMO_DAYS - 1)
        count = round((20 + 8 * progress) * (1.3 if day.weekday() >= 5 else 1.0) * rng.uniform(0.8, 1.2))
        for _ in range(count):
            c = rng.choice(self.customers)
            at = datetime.combine(day, time(rng.randint(8, 21), rng.randint(0, 59),
                                            rng.randint(0, 59)), tzinfo=self.tz)
            self.contact(c, at, progress, recent=(today - day).days < 14)


def seed(db: Database, *, tz: ZoneInfo, today: date | None = None,
         now: datetime | None = None) -> DemoReport:
    """Generate the demo activity up to ``today`` (see the module docstring); idempotent."""
    started = clock.monotonic()
    now = now or utcnow()
    today = today or now.astimezone(tz).date()
    report = DemoReport()
    first_ever = today - timedelta(days=DEMO_DAYS - 1)
    with db.transaction() as conn:
        until = bulk.demo_until(conn)
        if until is not None and until >= today:
            return report
        if until is None:
            start = datetime.combine(first_ever, time(), tzinfo=tz)
            customers = _create(conn, _customers(random.Random(20261123), start))
            report.customers = len(customers)
        else:
            customers = bulk.demo_customers(conn)
        first = first_ever if until is None else max(first_ever, until + timedelta(days=1))
        days = [first + timedelta(days=i) for i in range((today - first).days + 1)]
        world = _World(random.Random(first.toordinal()), tz, now, customers)
        for day in days:
            world.rng.seed(day.toordinal())
            world.day(day, first_ever, today)
        _write(conn, world, report)
        bulk.mark_demo(conn, today)
        report.days = len(days)
    kpi_rollup.run(db, tz=tz, now=now)
    report.seconds = clock.monotonic() - started
    return report


def _write(conn: Any, world: _World, report: DemoReport) -> None:
    world.events.sort(key=lambda e: e["ts"])
    bulk.insert_rows(conn, "conversation_events", world.events)
    booking_ids = bulk.insert_rows(conn, "bookings", world.bookings, ids=True)
    bulk.insert_rows(conn, "survey_responses", [
        {**{k: v for k, v in s.items() if k != "booking"}, "booking_id": booking_ids[s["booking"]]}
        for s in world.surveys])
    bulk.insert_rows(conn, "tickets", [
        {**{k: v for k, v in t.items() if k != "booking"},
         "booking_id": booking_ids[t["booking"]] if t["booking"] is not None else None}
        for t in world.tickets])
    bulk.insert_rows(conn, "points_ledger", world.points)
    bulk.add_points(conn, world.balance)
    bulk.set_conversation_times(conn, [{"id": k, "updated_at": v} for k, v in world.last_seen.items()])
    report.events, report.bookings = len(world.events), len(world.bookings)
    report.surveys, report.tickets = len(world.surveys), len(world.tickets)
