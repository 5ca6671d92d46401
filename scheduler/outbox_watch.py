"""Tell a delivery worker that another process may have queued outbox rows, without polling.

Rows this process queues wake its delivery worker directly (``Pipeline.on_outbox``). Rows
other processes queue — the other ``serve`` workers, a ``--no-scheduler`` web process, the
CLI — used to be found by polling: the Telegram sender queried every 0.1 s, ~20 statements
a second with nothing to send. Now:

* PostgreSQL: ``storage.outbox.enqueue`` sends ``NOTIFY careline_outbox, '<channel>'`` in the
  queuing transaction (delivered at its commit); one connection per process ``LISTEN``\\ s and
  wakes that channel's senders. Waiting for a notification is no query.
* SQLite: a commit by any process writes the ``-wal`` file (or the database file); a
  ``stat`` of both every ``SQLITE_EVERY`` s (a system call, no query) wakes every sender when
  they changed. This process's own commits wake them too, which costs one cheap read each.

Either way the senders still look every ``idle_wait`` s (a notification lost while the
listener reconnects, a clock step), so a missed signal delays a row, never loses it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import make_url

from storage.db import Database
from storage.outbox import NOTIFY_CHANNEL

log = logging.getLogger(__name__)
#: How often the SQLite watcher compares the database files' size and modification time.
SQLITE_EVERY = 0.05
#: After a lost listening connection, wait this long before listening again.
RECONNECT_AFTER = 1.0

#: Called with the outbox channel that got rows, or None for "any channel may have".
OnChange = Callable[[str | None], None]


class OutboxWatch:
    """A daemon thread calling ``on_change`` when other processes may have queued rows."""

    def __init__(self, db: Database, on_change: OnChange) -> None:
        self.db, self.on_change = db, on_change
        self._stop = threading.Event()
        self._files: tuple[str, ...] = ()
        if not db.is_postgres:
            database = make_url(db.url).database
            if database and database != ":memory:":  # in memory: one process only
                self._files = (database, f"{database}-wal")
        run = self._listen if db.is_postgres else self._watch_files
        self._thread = threading.Thread(target=run, name="careline-outbox-watch", daemon=True)

    def start(self) -> OutboxWatch:
        if self.db.is_postgres or self._files:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _listen(self) -> None:
        while not self._stop.is_set():
            raw: Any = None
            try:
                raw = self.db.engine.raw_connection()  # held while listening, never reused
                conn = raw.driver_connection
                conn.autocommit = True
                conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                self.on_change(None)  # whatever was queued while nobody listened
                while not self._stop.is_set():
                    for note in conn.notifies(timeout=1.0):
                        self.on_change(note.payload or None)
            except Exception:
                if not self._stop.is_set():
                    log.warning("lost the outbox notification connection; listening again "
                                "in %.0f s", RECONNECT_AFTER, exc_info=True)
                    self._stop.wait(RECONNECT_AFTER)
            finally:
                if raw is not None:
                    with contextlib.suppress(Exception):  # the connection may be gone
                        raw.invalidate()  # a LISTENing session never goes back to the pool

    def _signature(self) -> tuple[tuple[int, int, int], ...]:
        found = []
        for path in self._files:
            try:
                st = os.stat(path)
                found.append((st.st_ino, st.st_size, st.st_mtime_ns))
            except OSError:  # no -wal file between checkpoints
                found.append((0, 0, 0))
        return tuple(found)

    def _watch_files(self) -> None:
        last = self._signature()
        while not self._stop.wait(SQLITE_EVERY):
            now = self._signature()
            if now != last:
                last = now
                self.on_change(None)
