"""Whose claims are these? Recovering the outbox claims of a dead process at once.

A batch a process claimed stays ``sending`` if the process dies. On Telegram the process
that takes over the sender lock knows the claims are the dead sender's (scheduler/delivery.py).
On channels where every process sends (WeChat, web), another process could not tell a dead
claimer from a slow one, so ``recover`` waited 10 minutes. Now each delivery worker names
itself in its claim tokens (storage/outbox_claims.py) and holds a lock by that name while it
lives — the same lock as the sender's (scheduler/sender_lock.py: a PostgreSQL session
advisory lock, or a ``flock`` beside the SQLite file; both die with the process). Every
``EVERY`` s each worker looks at the batches still ``sending``; a claimer whose lock can be
taken is gone, and its batches are recovered at once by the same ``recover`` as always: the
row that may have been in flight is failed visibly (at most once), the rest go back to
``pending``.

A live claimer whose database connection was cut loses its lock and may be taken for dead:
its batches are then recovered while it still sends, and its next record finds the row no
longer its own and stops the batch (``dispatch_due``), so no row is sent twice.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
from datetime import timedelta

from sqlalchemy import select, text

from scheduler.dispatcher import recover
from scheduler.sender_lock import SenderLock
from storage.db import Database
from storage.models import OutboxMessage
from storage.outbox_claims import ClaimToken

#: How often a delivery worker looks for batches of dead claimers (one indexed read).
EVERY = 5.0


def _lock(db: Database, name: str) -> SenderLock:
    return SenderLock(db, f"claimer-{name}")


class Claimer:
    """This process's name in its claim tokens, and the lock that says it is alive."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.name = secrets.token_hex(6)
        self._lock = _lock(db, self.name)

    def current(self) -> str | None:
        """The name to claim under, or None while the lock is not held (then claims carry
        no name and are recovered after the stale period, as before)."""
        return self.name if self._lock.taken() else None

    def confirm(self) -> bool:
        """Take the lock, or check it is still held (one query on PostgreSQL)."""
        return self._lock.held()

    def release(self) -> None:
        path = self._lock.path
        self._lock.release()
        if path is not None:
            with contextlib.suppress(OSError):
                os.unlink(path)


def _dead(db: Database, name: str) -> bool:
    """True when no process holds ``name``'s lock (taking it proves it, then lets it go)."""
    probe = _lock(db, name)
    if not db.is_postgres and probe.path is None:
        return False  # an in-memory database: one process, and it is this one
    got = probe.held()
    path = probe.path
    if got and path is not None:
        with contextlib.suppress(OSError):
            os.unlink(path)  # unlinked while locked: the dead claimer's file goes with it
    probe.release()
    return got


def sweep_files(db: Database) -> None:
    """SQLite: remove the lock files of claimers that died with nothing left to recover."""
    probe = _lock(db, "x").path
    if probe is None:
        return
    suffix = probe[probe.rindex("claimer-x") + len("claimer-x"):]
    prefix = probe[: -len("x" + suffix)]
    for path in glob.glob(glob.escape(prefix) + "*" + glob.escape(suffix)):
        _dead(db, path[len(prefix):-len(suffix)])


def recover_dead(db: Database, me: str | None = None) -> int:
    """Recover every batch whose claimer (not ``me``) is gone; how many rows."""
    o = OutboxMessage
    with db.read() as s:
        tokens = s.execute(select(o.claim_token).where(
            text("status IN ('pending', 'sending')"), o.status == "sending").distinct()).scalars()
        by_claimer: dict[str, list[str]] = {}
        for raw in tokens:
            claim = ClaimToken.parse(raw)
            if claim is not None and claim.claimer and claim.claimer != me:
                by_claimer.setdefault(claim.claimer, []).append(claim.raw)
    dead = [t for name, ts in by_claimer.items() if _dead(db, name) for t in ts]
    return recover(db, stale_after=timedelta(0), tokens=dead) if dead else 0
