"""The dashboard rollup: ``conversation_events`` → ``kpi_contacts`` → ``kpi_daily``, incrementally.

The event table is append-only with one index (the message hot path pays for every index),
so the dashboard never scans it. Instead this rollup reads the events after a high-water mark
by primary key, a batch at a time, turns them into contacts (storage/kpi_contacts.py),
and rebuilds the daily counts of just the days those contacts belong to.

Each batch is read in a read transaction, then written in one short write transaction that
first re-reads the mark under a lock (``FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on
SQLite): if another worker moved it meanwhile, the batch is dropped and read again. So:

* **restart-safe** — the mark moves in the same transaction as the rows it covers; a crash
  loses the batch, never half of it;
* **idempotent** — running it twice, or two workers at once, counts every event once;
* **no lost events** — on PostgreSQL ids are handed out before commit, so a transaction can
  make id 101 visible while 100 is still running. A missing id stops the batch before it; if
  it is still missing after ``GAP_PATIENCE`` it was rolled back (sequences never reuse ids)
  and is skipped. SQLite commits ids in order.

``run()`` is what the scheduler job, ``careline report rollup`` and the monthly report call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, case, delete, func, insert, null, select, update

from storage.conn import conn_of
from storage.db import Database
from storage.kpi_contacts import COLUMNS, DATA_TYPES, REPEAT_WINDOW, Contact, Event, Segmenter
from storage.models import Conversation, ConversationEvent, Customer
from storage.models_kpi import KpiContact, KpiDaily, KpiState
from storage.statements import insert_ignore
from storage.types import utcnow

STATE = "contacts"
BATCH = 5000
GAP_PATIENCE = timedelta(seconds=60)
#: with no new events, the FCR cut-off is only moved (a write) when it gained this much
CUTOFF_STEP = timedelta(minutes=5)
_FIXED = ("id", "conversation_id", "customer_id", "channel", "day", "started_at")
_MUTABLE = tuple(c for c in COLUMNS if c not in _FIXED)

Progress = Callable[[str, int, int], None]


@dataclass
class RollupReport:
    events: int = 0
    batches: int = 0
    contacts_new: int = 0
    contacts_changed: int = 0
    days_rebuilt: int = 0
    #: another worker moved the mark while this one computed (its batch was read again)
    retries: int = 0
    #: the id the rollup is waiting for (a transaction still running), if any
    waiting_for: int | None = None
    last_event_id: int = 0


@dataclass
class _State:
    last_event_id: int = 0
    gap_id: int | None = None
    gap_seen_at: datetime | None = None
    decided_through: datetime | None = None
    next_contact_id: int = 1
    events_done: int = 0


@dataclass
class _Plan:
    before: _State
    after: _State
    contacts: list[Contact] = field(default_factory=list)
    days: set[date] = field(default_factory=set)
    events: int = 0


def run(db: Database, *, tz: ZoneInfo, now: datetime | None = None, batch: int = BATCH,
        max_batches: int | None = None, progress: Progress | None = None) -> RollupReport:
    """Roll up every event committed so far (or ``max_batches`` batches of them)."""
    report = RollupReport()
    now = now or utcnow()
    total: int | None = None
    while max_batches is None or report.batches < max_batches:
        plan = _read(db, tz, now, batch)
        if total is None:
            with db.read() as s:
                total = max(0, _max_event_id(conn_of(s)) - plan.before.last_event_id)
        if not _write(db, plan, now):
            report.retries += 1
            if report.retries > 100:
                break
            continue
        report.batches += 1
        report.events += plan.events
        report.contacts_new += sum(c.new for c in plan.contacts)
        report.contacts_changed += sum(not c.new for c in plan.contacts)
        report.days_rebuilt += len(plan.days)
        report.last_event_id = plan.after.last_event_id
        report.waiting_for = plan.after.gap_id
        if progress is not None and total:
            progress("rollup", min(report.events, total), total)
        if plan.events < batch or plan.after.gap_id is not None:
            break
    return report


def status(db: Database) -> dict[str, Any]:
    """How far the rollup has read: for the dashboard's "data as of" line."""
    with db.read() as s:
        row = s.execute(select(KpiState.last_event_id, KpiState.updated_at, KpiState.gap_id)
                        .where(KpiState.name == STATE)).first()
        newest = _max_event_id(conn_of(s))
    last = int(row[0]) if row else 0
    return {"last_event_id": last, "pending_events": max(0, newest - last),
            "updated_at": row[1] if row else None, "waiting_for": row[2] if row else None}


def reset(db: Database) -> None:
    """Forget everything rolled up (``careline report rollup --rebuild``)."""
    with db.transaction() as conn:
        for table in (KpiDaily, KpiContact):
            conn.execute(delete(table))
        conn.execute(delete(KpiState).where(KpiState.name == STATE))


# -- reading and computing --------------------------------------------------------------------


def _max_event_id(conn: Connection) -> int:
    return int(conn.execute(select(func.max(ConversationEvent.id))).scalar() or 0)


def _state_of(conn: Connection, *, lock: bool = False) -> _State:
    stmt = select(KpiState.last_event_id, KpiState.gap_id, KpiState.gap_seen_at,
                  KpiState.decided_through, KpiState.next_contact_id,
                  KpiState.events_done).where(KpiState.name == STATE)
    row = conn.execute(stmt.with_for_update() if lock else stmt).first()
    return _State(*row) if row is not None else _State()


def _events(conn: Connection, after: int, limit: int) -> list[Event]:
    e, c = ConversationEvent, Conversation
    data = case((e.type.in_(DATA_TYPES), e.data), else_=null())
    rows = conn.execute(
        select(e.id, e.conversation_id, e.customer_id, e.type, e.actor, e.ts, c.channel, data)
        .join(c, c.id == e.conversation_id).where(e.id > after).order_by(e.id).limit(limit))
    return [Event(*r) for r in rows]


def _contiguous(events: Sequence[Event], state: _State, now: datetime) -> tuple[int, _State]:
    """How many of ``events`` can be taken, and the state after them.

    The first missing id stops the batch and is remembered with the time it was first seen;
    once it has been missing for ``GAP_PATIENCE`` the ids up to the next present one are
    taken as rolled back and skipped."""
    after = replace(state, gap_id=None, gap_seen_at=None)
    known_gap = state.gap_id
    expected = state.last_event_id + 1
    for i, ev in enumerate(events):
        if ev.id != expected:
            stale = (known_gap == expected and state.gap_seen_at is not None
                     and now - state.gap_seen_at >= GAP_PATIENCE)
            if not stale:
                after.gap_id = expected
                after.gap_seen_at = state.gap_seen_at if known_gap == expected else now
                return i, after
            known_gap = None  # a later gap in this batch is a new one
        expected = ev.id + 1
        after.last_event_id = ev.id
    return len(events), after


def _latest(conn: Connection, column: Any, ids: Iterable[int]) -> list[Any]:
    keys = sorted(set(ids))
    if not keys:
        return []
    k = KpiContact
    newest = select(func.max(k.id)).where(column.in_(keys)).group_by(column)
    return list(conn.execute(select(*(getattr(k, name) for name in COLUMNS))
                             .where(k.id.in_(newest.scalar_subquery()))))


def _read(db: Database, tz: ZoneInfo, now: datetime, batch: int) -> _Plan:
    with db.read() as s:
        conn = conn_of(s)
        state = _state_of(conn)
        raw = _events(conn, state.last_event_id, batch)
        take, after = _contiguous(raw, state, now)
        events = raw[:take]
        plan = _Plan(before=state, after=after, events=len(events))
        if not events:
            return plan
        known: dict[int, Contact] = {}
        by_conv: dict[int, Contact] = {}
        by_cust: dict[int, Contact] = {}
        for row in [*_latest(conn, KpiContact.conversation_id, (e.conversation_id for e in events)),
                    *_latest(conn, KpiContact.customer_id, (e.customer_id for e in events))]:
            contact = known.setdefault(row.id, Contact(**row._mapping))
            by_conv.setdefault(contact.conversation_id, contact)
            by_cust.setdefault(contact.customer_id, contact)
        # a customer's latest contact may be newer than the one found per conversation
        for contact in known.values():
            if by_cust.get(contact.customer_id, contact).id < contact.id:
                by_cust[contact.customer_id] = contact
            if by_conv.get(contact.conversation_id, contact).id < contact.id:
                by_conv[contact.conversation_id] = contact

        def new_id() -> int:
            after.next_contact_id += 1
            return after.next_contact_id - 1

        seg = Segmenter(tz, by_conv, by_cust, new_id)
        for ev in events:
            seg.feed(ev)
        plan.contacts = list(seg.touched.values())
        _refresh_dims(conn, [c for c in plan.contacts if c.active])
        plan.days = {c.day for c in plan.contacts}
        after.events_done += len(events)
    return plan


def _refresh_dims(conn: Connection, contacts: list[Contact]) -> None:
    """Region and tier as the customer has them now (a booking may have set the region)."""
    ids = sorted({c.customer_id for c in contacts})
    dims: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), 2000):
        chunk = ids[start:start + 2000]
        dims.update((int(r[0]), (r[1] or "", r[2] or "")) for r in conn.execute(
            select(Customer.id, Customer.region, Customer.tier).where(Customer.id.in_(chunk))))
    for c in contacts:
        c.region, c.tier = (x[:n] for x, n in zip(dims.get(c.customer_id, ("", "")), (64, 16),
                                                   strict=True))


# -- writing ----------------------------------------------------------------------------------


def _write(db: Database, plan: _Plan, now: datetime) -> bool:
    """Store the batch if the mark is still where it was read; False if another worker
    moved it (the caller reads again)."""
    cutoff = now - REPEAT_WINDOW
    previous_cutoff = plan.before.decided_through
    moved = previous_cutoff is None or cutoff - previous_cutoff >= CUTOFF_STEP
    gap_changed = (plan.before.gap_id, plan.before.gap_seen_at) != (plan.after.gap_id,
                                                                    plan.after.gap_seen_at)
    if not plan.events and not moved and not gap_changed:
        return True
    with db.transaction() as conn:
        conn.execute(insert_ignore(conn.dialect.name, KpiState, ["name"]).values(
            name=STATE, last_event_id=0, next_contact_id=1, events_done=0))
        current = _state_of(conn, lock=True)
        if current.last_event_id != plan.before.last_event_id:
            return False
        new = [c.row() for c in plan.contacts if c.new]
        if new:
            conn.execute(insert(KpiContact), new)
        changed = [{f"b_{k}": v for k, v in c.row().items() if k in (*_MUTABLE, "id")}
                   for c in plan.contacts if not c.new]
        if changed:
            k = KpiContact
            conn.execute(update(k).where(k.id == bindparam("b_id"))
                         .values({name: bindparam(f"b_{name}") for name in _MUTABLE}), changed)
        days = set(plan.days)
        if previous_cutoff is None or cutoff > previous_cutoff:
            newly = select(KpiContact.day).distinct().where(KpiContact.last_at <= cutoff)
            if previous_cutoff is not None:
                newly = newly.where(KpiContact.last_at > previous_cutoff)
            days |= set(conn.execute(newly).scalars())
            decided = cutoff
        else:
            decided = previous_cutoff
        rebuild_days(conn, days, decided)
        plan.days = days
        after = plan.after
        conn.execute(update(KpiState).where(KpiState.name == STATE).values(
            last_event_id=after.last_event_id, gap_id=after.gap_id, gap_seen_at=after.gap_seen_at,
            decided_through=decided, next_contact_id=after.next_contact_id,
            events_done=after.events_done, updated_at=utcnow()))
    return True


def rebuild_days(conn: Connection, days: Iterable[date], decided_through: datetime) -> None:
    """Recount ``kpi_daily`` for ``days`` from the contacts (contacts that ended at or before
    ``decided_through`` have a known first-contact-resolution outcome)."""
    todo = sorted(set(days))
    k, d = KpiContact, KpiDaily
    for start in range(0, len(todo), 500):
        chunk = todo[start:start + 500]
        conn.execute(delete(d).where(d.day.in_(chunk)))
        counted = k.business_initiated.is_(False)
        decided = counted & (k.repeat.is_(True) | (k.last_at <= decided_through))
        resolved = counted & k.repeat.is_(False) & (k.last_at <= decided_through)
        dims = (k.day, k.channel, k.region, k.service, k.tier)
        query = select(
            *dims, func.count(), func.sum(case((k.person.is_(True), 0), else_=1)),
            func.sum(case((k.handoff.is_(True), 1), else_=0)),
            func.count(k.first_response_s), func.coalesce(func.sum(k.first_response_s), 0.0),
            func.count(k.agent_first_response_s),
            func.coalesce(func.sum(k.agent_first_response_s), 0.0),
            func.sum(case((decided, 1), else_=0)), func.sum(case((resolved, 1), else_=0)),
            func.sum(k.messages_in), func.sum(k.fallbacks),
        ).where(k.day.in_(chunk)).group_by(*dims)
        conn.execute(insert(d).from_select(
            ["day", "channel", "region", "service", "tier", "contacts", "contained", "handoffs",
             "frt_n", "frt_sum", "agent_frt_n", "agent_frt_sum", "fcr_decided", "fcr_resolved",
             "messages_in", "fallbacks"], query))
