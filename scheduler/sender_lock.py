"""One sending process at a time for a channel whose platform limits the whole bot.

Telegram allows a bot about 30 messages per second overall and one per second per chat. The
delivery worker keeps those counts in memory, so with ``careline serve --workers 2`` (or a
second ``careline scheduler``) two processes would each allow 30/s, and could each send to
one chat in the same second. Only the holder of this lock sends on such a channel; the others
keep checking and take over when it goes. The lock dies with its holder: PostgreSQL ends a
killed process's session and with it a session advisory lock; the operating system drops a
killed process's ``flock`` on a file beside the SQLite database.

A holder whose database connection is cut (the lock released with it) finds out before its
next batch; the batch in progress at that moment is the one window where two processes may
both send (Telegram then answers 429 with ``retry_after``, which is honoured).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import make_url

from storage.db import Database

log = logging.getLogger(__name__)


def _key(channel: str) -> int:
    digest = hashlib.sha256(f"careline-sender:{channel}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)  # a bigint advisory lock key


class SenderLock:
    def __init__(self, db: Database, channel: str,
                 on_acquire: Callable[[], object] | None = None) -> None:
        self.db, self.channel = db, channel
        #: run once each time this process becomes the sender (the previous one is gone)
        self.on_acquire = on_acquire
        self._conn: Any = None  # PostgreSQL: the session holding the advisory lock
        self._raw: Any = None  # ... and its pool entry
        self._file: int | None = None  # SQLite: the flocked file descriptor
        self._path: str | None = None
        if not db.is_postgres:
            database = make_url(db.url).database
            if database and database != ":memory:":
                self._path = f"{database}.{channel}-sender.lock"

    @property
    def path(self) -> str | None:
        """SQLite: the locked file (None on PostgreSQL and for an in-memory database)."""
        return self._path

    def taken(self) -> bool:
        """True when this process took the lock and has not seen it lost (no query)."""
        return self._conn is not None or self._file is not None

    def held(self) -> bool:
        """True when this process may send on the channel now (taking the lock if free)."""
        try:
            had = self._conn is not None or self._file is not None
            held = self._held_pg() if self.db.is_postgres else self._held_file()
            if held and not had and self.on_acquire is not None:
                self.on_acquire()
            return held
        except Exception:
            log.warning("could not check the %s sender lock; not sending this pass",
                        self.channel, exc_info=True)
            self.release()
            return False

    def _held_pg(self) -> bool:
        if self._conn is not None:
            try:
                self._conn.execute("SELECT 1")  # still our session, so still our lock
                self._conn.commit()
                return True
            except Exception:
                log.warning("lost the %s sender lock with its database connection",
                            self.channel)
                self.release()
        # A pooled connection in its normal (transactional) mode: a session advisory lock
        # outlives the commit, and a connection that did not get it goes back unchanged.
        raw: Any = self.db.engine.raw_connection()
        try:
            conn = raw.driver_connection
            got = conn.execute("SELECT pg_try_advisory_lock(%s)",
                               (_key(self.channel),)).fetchone()
            conn.commit()
        except BaseException:
            raw.invalidate()
            raise
        if got and got[0]:
            self._conn, self._raw = conn, raw
            log.info("this process now holds the %s lock", self.channel)
            return True
        raw.close()
        return False

    def _held_file(self) -> bool:
        if self._path is None:  # an in-memory database lives in one process only
            return True
        if self._file is not None:
            return True
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._file = fd
        return True

    def release(self) -> None:
        if self._conn is not None:
            raw, self._conn = self._raw, None
            with contextlib.suppress(Exception):  # the connection may already be gone
                raw.invalidate()  # never hand a session holding the lock back to the pool
        if self._file is not None:
            fd, self._file = self._file, None
            os.close(fd)  # closing the descriptor drops the flock
