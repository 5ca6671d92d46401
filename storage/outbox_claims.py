"""Claimed outbox batches: claim tokens, recording each row's outcome, and what a crash left.

A dispatcher claims a batch (status ``sending``, one claim token for the batch) in one
synchronously committed transaction, then sends the rows one by one in claim order and
records each outcome before sending the next, so after a crash only the first unrecorded
row of a batch may have reached the platform (``in_flight_window``).

On PostgreSQL waiting for a WAL flush per row was what capped the dispatcher (one commit
per row: 0.7–4 ms on a busy 2-core machine, against 0.1–0.2 ms without the flush). The
outcome commits are therefore asynchronous (``SET LOCAL synchronous_commit TO OFF``): the
server has applied the record before the next row is sent, so a killed dispatcher loses
nothing, but a crash of the *server* can lose the last unflushed records. Two things bound
that: every ``DURABLE_EVERY``-th record of a batch is a synchronous commit (which flushes
every record before it), and the claim token names the server incarnation
(``pg_postmaster_start_time()``, which a restart or a fail-over changes). Recovery of a
batch claimed on another incarnation treats its first ``DURABLE_EVERY`` unrecorded rows as
possibly sent instead of one. SQLite commits are already cheap (WAL, synchronous=NORMAL).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Table, bindparam, func, text, update

from storage.conn import Tx, conn_of
from storage.db import Database
from storage.models import OutboxMessage
from storage.types import UTCDateTime

_OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]

#: PostgreSQL: every this many outcomes of a batch, one synchronous commit (the rest are
#: asynchronous). Recorded in each claim token, so recovery uses the claimer's value.
DURABLE_EVERY = 16


@dataclass(frozen=True, slots=True)
class ClaimToken:
    """``<random>[:<claimer>].<durable_every>.<server incarnation>`` (incarnation empty on
    SQLite). ``claimer``: the claiming process's name, whose lock it holds while it lives
    (scheduler/claimers.py); empty for claims of a process that holds none (the CLI's
    ``run-due``, tokens written before claimers were named)."""

    raw: str
    durable_every: int
    incarnation: str
    claimer: str = ""

    @classmethod
    def parse(cls, raw: str | None) -> ClaimToken | None:
        parts = (raw or "").split(".", 2)
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        claimer = parts[0].partition(":")[2]
        return cls(raw or "", max(1, int(parts[1])), parts[2], claimer)


def server_incarnation(tx: Tx) -> str:
    """Which run of the database server this is: PostgreSQL's start time (changed by a
    restart and by a fail-over to another server); empty on SQLite."""
    conn = conn_of(tx)
    if conn.dialect.name != "postgresql":
        return ""
    started = conn.execute(text(
        "SELECT extract(epoch FROM pg_postmaster_start_time())::text")).scalar_one()
    return str(started)


def new_claim_token(tx: Tx, claimer: str | None = None) -> str:
    named = f"{secrets.token_hex(8)}:{claimer}" if claimer else secrets.token_hex(8)
    return f"{named}.{DURABLE_EVERY}.{server_incarnation(tx)}"


def in_flight_window(token: ClaimToken | None, incarnation: str) -> int:
    """How many of a crashed batch's unrecorded rows (in claim order) may have been sent:
    one, unless the server restarted since the claim and unflushed records were lost."""
    if token is None or token.incarnation == incarnation:
        return 1
    return token.durable_every


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """What to write for one claimed row. ``give_back``: not an attempt (held for later)."""

    status: str
    error: str | None = None
    sent_at: datetime | None = None
    external_ref: str | None = None
    due_at: datetime | None = None
    give_back: bool = False


class Recorder(Protocol):
    def __call__(self, row_id: int, outcome: RowOutcome) -> bool: ...


_RECORD_PG = (
    "UPDATE outbox SET status = %s, last_error = %s, sent_at = COALESCE(%s, sent_at), "
    "external_ref = COALESCE(%s, external_ref), due_at = COALESCE(%s, due_at), "
    "attempts = attempts - %s WHERE id = %s AND status = 'sending' AND claim_token = %s")
_c = _OUTBOX.c
_RECORD_CORE = update(_OUTBOX).where(
    _c.id == bindparam("row_id"), _c.status == "sending",
    _c.claim_token == bindparam("token"),
).values(status=bindparam("new_status"), last_error=bindparam("error"),
         sent_at=func.coalesce(bindparam("at", type_=UTCDateTime()), _c.sent_at),
         external_ref=func.coalesce(bindparam("xref"), _c.external_ref),
         due_at=func.coalesce(bindparam("due", type_=UTCDateTime()), _c.due_at),
         attempts=_c.attempts - bindparam("back"))


@contextmanager
def recorder(db: Database, token: str) -> Iterator[Recorder]:
    """Writes one row's outcome in its own commit, before the next row is sent; ``False``
    when the row is no longer this batch's (``recover`` took it back: stop sending)."""
    if not db.is_postgres:
        yield _SqliteRecorder(db, token)
        return
    raw: Any = db.engine.raw_connection()  # one pooled connection for the whole batch
    conn = raw.driver_connection
    try:
        conn.autocommit = True  # one round trip per record: the UPDATE is its transaction
        conn.execute("SET synchronous_commit TO OFF")
        yield _PostgresRecorder(conn, token)
        conn.execute("RESET synchronous_commit")
        conn.autocommit = False
    except BaseException:
        raw.invalidate()  # never hand a connection with asynchronous commits to the pool
        raise
    finally:
        raw.close()


class _PostgresRecorder:
    def __init__(self, conn: Any, token: str) -> None:
        self.conn, self.token, self.count = conn, token, 0

    def __call__(self, row_id: int, outcome: RowOutcome) -> bool:
        self.count += 1
        params = (outcome.status, outcome.error, outcome.sent_at, outcome.external_ref,
                  outcome.due_at, 1 if outcome.give_back else 0, row_id, self.token)
        if self.count % DURABLE_EVERY:
            return bool(self.conn.execute(_RECORD_PG, params, prepare=True).rowcount)
        with self.conn.transaction():  # this one waits for the flush, and so every one before
            self.conn.execute("SET LOCAL synchronous_commit TO ON")
            return bool(self.conn.execute(_RECORD_PG, params, prepare=True).rowcount)


class _SqliteRecorder:
    def __init__(self, db: Database, token: str) -> None:
        self.db, self.token = db, token

    def __call__(self, row_id: int, outcome: RowOutcome) -> bool:
        with self.db.transaction() as conn:
            existing = conn.execute(_RECORD_CORE, {
                "row_id": row_id, "token": self.token, "new_status": outcome.status,
                "error": outcome.error, "at": outcome.sent_at, "xref": outcome.external_ref,
                "due": outcome.due_at, "back": 1 if outcome.give_back else 0})
            return bool(existing.rowcount)
