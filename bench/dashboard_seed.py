"""Six months of history for the dashboard benchmark, written straight into the tables
(COPY on PostgreSQL, one executemany transaction on SQLite): customers, conversations,
``--events`` conversation events shaped like the pipeline's (contacts of 1-3 turns, a
handoff in about one contact in six, fallbacks, quotes naming a service), and the business
records that go with them (bookings, surveys with comments, complaints, points)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.benchdb import copy_rows
from bot import demo_texts
from storage.db import Database

REGIONS = ("朝阳区", "海淀区", "东城区", "西城区", "丰台区", "通州区")
CHANNELS = ("wechat", "wechat", "web", "telegram")
TIERS = ("basic", "basic", "basic", "silver", "gold", "diamond")
DAYS = 180


@dataclass
class Seeded:
    customers: int = 0
    events: int = 0
    contacts: int = 0
    bookings: int = 0
    surveys: int = 0
    tickets: int = 0
    points: int = 0
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _time(at: datetime, sqlite: bool) -> Any:
    return at.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else at


def seed(db: Database, *, events: int, now: datetime, seed: int = 7) -> Seeded:
    """Write about ``events`` events (and the rest) ending at ``now``; what was written."""
    rng = random.Random(seed)
    sqlite = not db.is_postgres
    out = Seeded()
    customers = max(200, events // 25)
    start = now - timedelta(days=DAYS)
    people = [(i + 1, REGIONS[i % 6], TIERS[rng.randrange(6)], CHANNELS[i % 4],
               "zh" if i % 10 < 7 else "en") for i in range(customers)]
    stamp = _time(start, sqlite)
    out.customers = copy_rows(db, "customers", (
        "id", "display_name", "lang", "tier", "points", "profile", "region", "created_at",
        "updated_at"), ((cid, f"客户{cid}", lang, tier, 0, "{}", region, stamp, stamp)
                        for cid, region, tier, _, lang in people))
    copy_rows(db, "channel_identities", ("id", "customer_id", "channel", "external_id", "created_at"),
          ((cid, cid, ch, f"b{cid}", stamp) for cid, _, _, ch, _ in people))
    copy_rows(db, "conversations", (
        "id", "public_id", "customer_id", "identity_id", "channel", "status", "lang", "state",
        "turns", "created_at", "updated_at", "window_sent", "priority", "angry"),
        ((cid, f"c_b{cid:08d}", cid, cid, ch, "bot", lang, "{}", 0, stamp, stamp, 0, 0, False)
         for cid, _, _, ch, lang in people))

    bookings: list[tuple[Any, ...]] = []
    surveys: list[tuple[Any, ...]] = []
    tickets: list[tuple[Any, ...]] = []
    points: list[tuple[Any, ...]] = []
    counts = {"events": 0}

    def contacts() -> Iterator[tuple[Any, ...]]:
        span = DAYS * 86400
        # ~9 events per contact: spread the contacts evenly over the six months, in time order
        total = events // 9
        for k in range(total):
            when = start + timedelta(seconds=span * k / total + rng.random())
            cid, region, _, _, lang = people[rng.randrange(customers)]
            service = "moving" if rng.random() < 0.5 else "cleaning"
            rows: list[tuple[str, str, datetime, dict[str, Any]]] = []
            for turn in range(rng.randint(1, 3)):
                t = when + timedelta(seconds=60 * turn)
                rows += [("message_in", "customer", t, {"text": "搬家多少钱" if lang == "zh" else "price?"}),
                         ("nlu", "system", t, {"intent": "quote", "confidence": 0.9})]
                if turn == 0:
                    rows += [("flow_started", "bot", t, {"flow": "quote"}),
                             ("slot_set", "bot", t, {"slot": "service_type", "value": service})]
                if rng.random() < 0.06:
                    rows.append(("fallback", "bot", t, {}))
                rows.append(("message_out", "bot", t, {"text": "好的"}))
            if rng.random() < 0.17:
                t = when + timedelta(seconds=200)
                rows += [("handoff_requested", "system", t, {"reason": "asked"}),
                         ("handoff_queued", "system", t, {}),
                         ("handoff_claimed", "agent", t + timedelta(seconds=rng.randint(20, 400)), {}),
                         ("message_out", "agent", t + timedelta(seconds=rng.randint(420, 600)),
                          {"text": "您好"}),
                         ("handoff_released", "agent", t + timedelta(seconds=900), {})]
            for kind, actor, t, data in rows:
                counts["events"] += 1
                yield (cid, cid, kind, actor, _time(t.astimezone(UTC), sqlite),
                       json.dumps(data, ensure_ascii=False))
            out.contacts += 1
            if rng.random() < 0.28:
                _business(rng, bookings, surveys, tickets, points, cid, region, service, lang,
                          when, now, sqlite)

    copy_rows(db, "conversation_events", ("conversation_id", "customer_id", "type", "actor", "ts",
                                      "data"), contacts())
    out.events = counts["events"]
    out.bookings = copy_rows(db, "bookings", BOOKING_COLUMNS, iter(bookings))
    out.surveys = copy_rows(db, "survey_responses", SURVEY_COLUMNS, iter(surveys))
    out.tickets = copy_rows(db, "tickets", TICKET_COLUMNS, iter(tickets))
    out.points = copy_rows(db, "points_ledger", POINT_COLUMNS, iter(points))
    if db.is_postgres:  # explicit ids above: move the sequences past them
        with db.engine.begin() as conn:
            for table in ("customers", "channel_identities", "conversations"):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))")
    return out


BOOKING_COLUMNS = ("id", "public_id", "customer_id", "conversation_id", "service", "day", "slot",
                   "status", "region", "total", "currency", "details", "created_at",
                   "updated_at", "completed_at")
SURVEY_COLUMNS = ("customer_id", "booking_id", "conversation_id", "csat", "nps", "ces", "comment",
                  "created_at")
TICKET_COLUMNS = ("customer_id", "public_id", "conversation_id", "booking_id", "severity", "topic",
                  "status", "priority", "source", "description", "media", "reply_due_at",
                  "fix_due_at", "acknowledged_at", "resolved_at", "reopened", "created_at",
                  "updated_at")
POINT_COLUMNS = ("customer_id", "delta", "reason", "ref", "created_at")


def _business(rng: random.Random, bookings: list[tuple[Any, ...]], surveys: list[tuple[Any, ...]],
              tickets: list[tuple[Any, ...]], points: list[tuple[Any, ...]], cid: int, region: str,
              service: str, lang: str, when: datetime, now: datetime, sqlite: bool) -> None:
    bid = len(bookings) + 1
    done = when + timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 6))
    completed = done < now
    bookings.append((bid, f"BB{bid:08d}", cid, cid, service, done.date().isoformat(), "am",
                     "completed" if completed else "confirmed", region, 600.0, "CNY", "{}",
                     _time(when, sqlite), _time(when, sqlite),
                     _time(done, sqlite) if completed else None))
    if not completed:
        return
    points.append((cid, 60, "spend", f"B{bid}", _time(done, sqlite)))
    if rng.random() < 0.3:
        points.append((cid, -30, "redeem", f"R{bid}", _time(done + timedelta(days=3), sqlite)))
    if rng.random() > 0.6:
        return
    answered = done + timedelta(hours=2, minutes=rng.randint(0, 50))
    if answered >= now:
        return
    csat = max(1, min(5, round(rng.gauss(4.2, 1.0))))
    side = "positive" if csat >= 4 else "negative" if csat <= 2 else "neutral"
    bank: Any = demo_texts.COMMENTS[side]
    topic = rng.choice(demo_texts.TOPICS)
    comment = rng.choice(bank[topic][lang] if side == "negative" else bank[lang])
    surveys.append((cid, bid, cid, csat, max(0, min(10, 2 * csat + rng.randint(-1, 1))),
                    max(1, min(7, csat + 2)), comment, _time(answered, sqlite)))
    if csat <= 2:
        ack = answered + timedelta(hours=rng.uniform(0.5, 6))
        fixed = answered + timedelta(hours=rng.uniform(4, 70))
        tickets.append((cid, f"BT{bid:08d}", cid, bid, "experience", topic,
                        "closed" if fixed < now else "acknowledged", 1, "survey",
                        rng.choice(demo_texts.COMMENTS["negative"][topic][lang]), "[]",
                        _time(answered + timedelta(hours=4), sqlite),
                        _time(answered + timedelta(hours=48), sqlite),
                        _time(ack, sqlite) if ack < now else None,
                        _time(fixed, sqlite) if fixed < now else None, int(rng.random() < 0.08),
                        _time(answered, sqlite), _time(answered, sqlite)))
