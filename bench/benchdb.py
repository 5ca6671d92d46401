"""Throw-away databases for the benchmarks that fill tables with a million rows.

``fresh_database`` makes a migrated SQLite file or PostgreSQL database (and a function that
drops it), ``copy_rows`` bulk-loads rows into it (COPY on PostgreSQL, executemany in one
transaction on SQLite), and ``each_database`` runs a benchmark on SQLite and/or PostgreSQL,
skipping PostgreSQL with a line when no server answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench.server import Unavailable, postgres_admin_url, postgres_database
from storage.db import Database
from storage.migrate import upgrade


def fresh_database(kind: str, work: Path) -> tuple[str, Callable[[], None]]:
    """A migrated database URL and a function that drops it (PostgreSQL: a throw-away
    database on CARELINE_BENCH_POSTGRES_URL / CARELINE_TEST_POSTGRES_URL, bench/server.py)."""
    if kind == "sqlite":
        url = f"sqlite:///{work / 'sched.db'}"
        upgrade(url)
        return url, lambda: None
    admin = postgres_admin_url().replace("postgresql://", "postgresql+psycopg://", 1)
    made = ExitStack()
    url = made.enter_context(postgres_database(admin))
    try:
        upgrade(url)
    except BaseException:
        made.close()
        raise
    return url, made.close


def sqlite_time(at: datetime) -> str:
    """How SQLAlchemy stores a UTC time in SQLite (for rows written past it)."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def copy_rows(db: Database, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]],
              *, chunk: int = 20_000) -> int:
    """Bulk-insert ``rows`` (values in ``columns`` order, times already as SQLite wants them
    there); how many were written."""
    raw: Any = db.engine.raw_connection()
    names = ", ".join(columns)
    n = 0
    try:
        if db.is_postgres:
            with raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
        else:
            cur = raw.cursor()
            cur.execute("BEGIN IMMEDIATE")
            sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= chunk:
                    cur.executemany(sql, batch)
                    n, batch = n + len(batch), []
            cur.executemany(sql, batch)
            n += len(batch)
            cur.execute("COMMIT")
        raw.commit()
    finally:
        raw.close()
    return n


def each_database(kinds: Sequence[str], run: Callable[[str], dict[str, Any]],
                  report: Callable[[dict[str, Any]], None]) -> list[dict[str, Any]]:
    """``run`` then ``report`` per database kind; PostgreSQL is skipped when unreachable."""
    results = []
    for kind in kinds:
        try:
            results.append(run(kind))
        except (psycopg.OperationalError, Unavailable) as exc:
            print(f"== {kind} == skipped: PostgreSQL not reachable ({exc})")
            continue
        report(results[-1])
    return results
