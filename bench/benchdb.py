"""Throw-away databases for the benchmarks that fill tables with a million rows.

``fresh_database`` makes a migrated SQLite file or PostgreSQL database (and a function that
drops it), ``copy_rows`` bulk-loads rows into it (COPY on PostgreSQL, executemany in one
transaction on SQLite), and ``each_database`` runs a benchmark on SQLite and/or PostgreSQL,
skipping PostgreSQL with a line when no server answers.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from storage.db import Database
from storage.migrate import upgrade


def fresh_database(kind: str, work: Path) -> tuple[str, Callable[[], None]]:
    """A migrated database URL and a function that drops it."""
    if kind == "sqlite":
        url = f"sqlite:///{work / 'sched.db'}"
        upgrade(url)
        return url, lambda: None
    admin = (os.environ.get("CARELINE_BENCH_POSTGRES_URL") or
             os.environ.get("CARELINE_TEST_POSTGRES_URL") or
             "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    admin_url = make_url(admin.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"careline_bench_{uuid.uuid4().hex[:8]}"
    conninfo = admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    upgrade(url)

    def drop() -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return url, drop


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
        except psycopg.OperationalError as exc:
            print(f"== {kind} == skipped: PostgreSQL not reachable ({exc})")
            continue
        report(results[-1])
    return results
