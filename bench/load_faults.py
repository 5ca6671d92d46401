"""Faults during ``python -m bench.load --faults``: kill -9 a worker, drop the database.

- ``kill -9`` one of the uvicorn workers every ``kill_every`` seconds (uvicorn's supervisor
  starts a new one; the next kill waits until both workers are back);
- every ``drop_every`` seconds, ``pg_terminate_backend`` every connection to the bench's
  own database (never another database on the shared server): in-flight transactions fail,
  pooled connections die;
- the fake platform APIs answer 429/500/timeouts (bench/load_fake.py) while faults are on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import time
from dataclasses import dataclass, field

from bench.server import Server, _admin_connect


@dataclass
class FaultLog:
    kills: list[float] = field(default_factory=list)
    restarts_seen: int = 0
    db_drops: list[tuple[float, int]] = field(default_factory=list)  # (time, connections)
    errors: list[str] = field(default_factory=list)


async def inject(server: Server, stop: asyncio.Event, log: FaultLog, *, kill_every: float,
                 drop_every: float, admin_url: str | None, database: str | None,
                 seed: int = 0) -> None:
    rng = random.Random(seed)
    started = time.monotonic()
    next_kill = started + kill_every if kill_every > 0 else float("inf")
    next_drop = started + drop_every if drop_every > 0 and admin_url else float("inf")
    while not stop.is_set():
        now = time.monotonic()
        if now >= next_kill:
            pids = server.worker_pids()
            if len(pids) >= server.workers:  # both up again since the last kill
                victim = rng.choice(pids)
                try:
                    os.kill(victim, signal.SIGKILL)
                    log.kills.append(now - started)
                except ProcessLookupError:
                    pass
                next_kill = now + kill_every
        if now >= next_drop and admin_url and database:
            try:
                n = await asyncio.to_thread(terminate_backends, admin_url, database)
                log.db_drops.append((now - started, n))
            except Exception as exc:
                log.errors.append(f"drop: {exc}")
            next_drop = now + drop_every
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.25)


def terminate_backends(admin_url: str, database: str) -> int:
    """Ends every session on ``database`` (only the bench's own); returns how many."""
    with _admin_connect(admin_url) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()", (database,)).fetchall()
    return sum(1 for (ok,) in rows if ok)
