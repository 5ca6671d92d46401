"""After a ``python -m bench.load`` run: the database against what the platforms received.

- every update a customer saw acknowledged is stored once and processed once (one
  ``message_in`` event per inbound row; none left pending or failed);
- every outbox row recorded ``sent`` reached its recipient exactly once — Telegram
  ``sendMessage`` and WeChat customer-service calls as the fake recorded them, WeChat
  passive replies as the customer read them in the HTTP answer — compared per recipient
  as multisets of texts;
- a row recorded ``failed`` because a worker died while sending it is counted as not
  delivered, unless the platform did receive it (then: "delivered but marked failed");
- scheduled rows (surveys after a completed booking, care messages) the same way;
- deliveries the database cannot explain are duplicates; each is attributed to a send the
  fake answered too late (the client timed out after the platform had delivered) when it can.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, text

from bench.load_customers import Stats
from bench.load_fake import LoadFake
from bot.channels.base import numbered_buttons
from storage.types import utcnow


@dataclass
class Verdict:
    inbound: Counter[str] = field(default_factory=Counter)  # status -> rows
    acked_missing: int = 0  # acknowledged but not stored: lost
    processed_twice: int = 0
    processed_without_event: int = 0
    outbox: Counter[str] = field(default_factory=Counter)  # "kind/status" -> rows
    delivered_once: int = 0
    missing: int = 0  # recorded sent, never arrived
    duplicates: int = 0  # arrived more often than rows explain
    duplicates_after_timeout: int = 0  # of which: a timed-out send retried
    failed_but_delivered: int = 0
    failed_not_delivered: int = 0
    unfinished: int = 0  # due, but still pending/sending at the end
    later: int = 0  # scheduled for after the run (care reminders before a booking ...)
    passive_missing: int = 0
    passive_extra: int = 0
    scheduled: Counter[str] = field(default_factory=Counter)  # kind/status of scheduled rows
    failed_reasons: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    @property
    def exactly_once(self) -> bool:
        return not (self.acked_missing or self.processed_twice or self.processed_without_event
                    or self.missing or self.duplicates or self.unfinished or self.passive_missing
                    or self.failed_not_delivered
                    or self.passive_extra or self.inbound.get("pending")
                    or self.inbound.get("failed"))

    @property
    def within_windows(self) -> bool:
        """Exactly once but for the documented windows: a send the platform delivered but
        answered too late is retried (a duplicate), a row a killed worker may have been
        sending is marked failed (delivered or not)."""
        return not (self.acked_missing or self.processed_twice or self.processed_without_event
                    or self.missing or self.unfinished or self.passive_missing
                    or self.passive_extra or self.inbound.get("pending")
                    or self.inbound.get("failed")
                    or self.duplicates != self.duplicates_after_timeout)

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["exactly_once"] = self.exactly_once
        out["within_windows"] = self.within_windows
        return out


def check(database_url: str, fake: LoadFake, stats: Stats) -> Verdict:
    v = Verdict()
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            inbound = conn.execute(text(
                "SELECT id, channel, external_id, status FROM inbound_messages")).all()
            events: dict[int, int] = dict(conn.execute(text(
                "SELECT inbound_id, count(*) FROM conversation_events WHERE type = 'message_in' "
                "AND inbound_id IS NOT NULL GROUP BY inbound_id")).all())
            outbox = conn.execute(text(
                "SELECT id, channel, recipient, kind, status, payload, attempts, inbound_id, "
                "last_error, due_at <= :now AS due FROM outbox "
                "WHERE channel IN ('telegram', 'wechat')"), {"now": utcnow()}).all()
    finally:
        engine.dispose()
    stored = {(r.channel, r.external_id) for r in inbound}
    for channel, ids in stats.acked.items():
        v.acked_missing += sum((channel, i) not in stored for i in ids)
    for r in inbound:
        v.inbound[r.status] += 1
        n = int(events.get(r.id, 0))
        if n > 1:
            v.processed_twice += 1
        if r.status == "processed" and n == 0:
            v.processed_without_event += 1
    _replies(v, outbox, fake, stats)
    return v


def _text(channel: str, payload: Any) -> str:
    if isinstance(payload, str):  # SQLite hands JSON columns back as text to a raw query
        payload = json.loads(payload)
    payload = payload if isinstance(payload, dict) else {}
    body = str(payload.get("text", ""))
    if channel == "wechat":  # the customer-service message carries numbered options
        return numbered_buttons(body, tuple(payload.get("buttons", ()))) or body
    return body


def _replies(v: Verdict, outbox: Sequence[Any], fake: LoadFake, stats: Stats) -> None:
    expected: dict[str, Counter[str]] = defaultdict(Counter)
    failed: dict[str, Counter[str]] = defaultdict(Counter)
    passive_expected: Counter[tuple[str, str]] = Counter()
    for r in outbox:
        v.outbox[f"{r.kind}/{r.status}"] += 1
        if r.inbound_id is None:
            v.scheduled[f"{r.kind}/{r.status}"] += 1
        if r.kind == "flow":  # starts a flow; its replies are rows of their own
            continue
        key = f"{r.channel}:{r.recipient}"
        body = _text(r.channel, r.payload)
        if r.status == "sent" and r.channel == "wechat" and r.attempts == 0:
            passive_expected[(r.recipient, body)] += 1  # the answer to the callback itself
        elif r.status == "sent":
            expected[key][body] += 1
        elif r.status == "failed":
            failed[key][body] += 1
            v.failed_reasons[str(r.last_error or "")[:70]] += 1
        elif r.status in ("pending", "sending") and r.due:
            v.unfinished += 1
        elif r.status == "pending":
            v.later += 1
    got: dict[str, Counter[str]] = defaultdict(Counter)
    late: dict[str, Counter[str]] = defaultdict(Counter)
    for a in fake.arrivals:
        key = f"{a.platform}:{a.recipient}"
        got[key][a.text] += 1
        if a.timed_out:
            late[key][a.text] += 1
    for key in set(expected) | set(got) | set(failed):
        for body in set(expected[key]) | set(got[key]) | set(failed[key]):
            want, have, lost = expected[key][body], got[key][body], failed[key][body]
            v.delivered_once += min(want, have)
            if have < want:
                v.missing += want - have
                continue
            extra = have - want
            took = min(extra, lost)  # a failed row the platform did receive
            v.failed_but_delivered += took
            v.failed_not_delivered += lost - took
            extra -= took
            if extra:
                v.duplicates += extra
                v.duplicates_after_timeout += min(extra, late[key][body])
    passive_got = Counter(stats.passive)
    v.passive_missing = sum((passive_expected - passive_got).values())
    v.passive_extra = sum((passive_got - passive_expected).values())
