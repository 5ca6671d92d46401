"""Scheduled messages at scale: ``python -m bench.scheduler [--rows 1000000] [--db sqlite|postgres]``.

On a fresh database (a temporary SQLite file, or a throw-away PostgreSQL database on
CARELINE_BENCH_POSTGRES_URL / CARELINE_TEST_POSTGRES_URL) it measures, with the real
scheduler process (bench/scheduler_child.py) and an unthrottled fake channel that logs
every send:

1. creating ``--rows`` scheduled outbox rows (COPY on PostgreSQL, executemany on SQLite);
2. start to first dispatch; dispatch lateness (log time − due time) at ``--rate`` due
   messages a second; the scheduler process's peak RSS;
3. ``kill -9`` in the middle of dispatching, restart (restart to first dispatch), then from
   the database and the fake's log: duplicates, losses and the at-most/at-least-once
   window, once per ``recover`` policy for the one row that may have been in flight;
4. the same with one APScheduler job per message in its SQLAlchemy job store
   (bench/scheduler_aps.py; ``--aps-jobs``, extrapolated to ``--rows`` where labelled).
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.benchdb import copy_rows, each_database, fresh_database, sqlite_time
from bench.scheduler_report import report
from storage.db import Database

COLUMNS = ("idempotency_key", "customer_id", "channel", "recipient", "kind", "payload",
           "status", "due_at", "attempts", "created_at")
CUSTOMERS = 50_000


def _row(key: str, i: int, due: datetime, now: datetime) -> tuple[Any, ...]:
    return (key, i % CUSTOMERS + 1, "fake", f"u{i % CUSTOMERS}", "care",
            json.dumps({"text": f"您好，这是第 {i} 条关怀消息。", "rule": "bench"}),
            "pending", due, 0, now)


def insert_rows(db: Database, rows: Iterable[tuple[Any, ...]], *, chunk: int = 50_000) -> int:
    """Bulk-insert outbox rows: COPY on PostgreSQL, executemany on SQLite; the count."""
    if not db.is_postgres:
        rows = ((*r[:7], sqlite_time(r[7]), r[8], sqlite_time(r[9])) for r in rows)
    return copy_rows(db, "outbox", COLUMNS, rows, chunk=chunk)


def rss_of(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Child:
    """The scheduler process, with its RSS sampled while we wait."""

    def __init__(self, url: str, log: Path, *, in_flight: str = "fail",
                 stale_after: float = 3.0) -> None:
        self.spawned = time.time()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.scheduler_child", "--url", url, "--log", str(log),
             "--stale-after", str(stale_after), "--in-flight", in_flight],
            stdout=subprocess.PIPE, text=True)
        self.peak_rss = 0.0

    def sample(self) -> None:
        self.peak_rss = max(self.peak_rss, rss_of(self.proc.pid))

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def read_log(log: Path) -> list[tuple[str, float]]:
    if not log.exists():
        return []
    out = []
    for line in log.read_text(encoding="utf-8").splitlines():
        key, _, at = line.partition("\t")
        if at:
            out.append((key, float(at)))
    return out


def wait_until(cond: Any, child: Child | None, timeout: float, every: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child is not None:
            child.sample()
        if cond():
            return True
        time.sleep(every)
    return False


def first_after(log: Path, since: float, prefix: str) -> float | None:
    times = [at for key, at in read_log(log) if key.startswith(prefix) and at >= since]
    return min(times) if times else None


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def statuses(db: Database, prefix: str) -> dict[str, str]:
    with db.engine.connect() as conn:
        return {str(k): str(s) for k, s in conn.execute(text(  # a range: the unique index
            "SELECT idempotency_key, status FROM outbox WHERE idempotency_key >= :lo "
            "AND idempotency_key < :hi"),
            {"lo": prefix, "hi": prefix[:-1] + chr(ord(prefix[-1]) + 1)})}


def phase_lateness(db: Database, url: str, work: Path, args: argparse.Namespace,
                   out: dict[str, Any]) -> None:
    now = datetime.now(UTC)
    insert_rows(db, [_row("probe:start", 0, now - timedelta(seconds=1), now)])
    t0 = now + timedelta(seconds=8)
    n = int(args.rate * args.duration)
    insert_rows(db, (_row(f"late:{i}", i, t0 + timedelta(seconds=i / args.rate), now)
                     for i in range(n)))
    log = work / "lateness.log"
    child = Child(url, log)
    wait_until(lambda: first_after(log, 0, "probe:") is not None, child, 60)
    first = first_after(log, 0, "probe:")
    out["start_to_first_dispatch_s"] = (first - child.spawned) if first else None
    wait_until(lambda: sum(1 for k, _ in read_log(log) if k.startswith("late:")) >= n,
               child, args.duration + 60, every=0.5)  # reading the log costs CPU too
    due0 = t0.timestamp()
    by_second: dict[int, list[float]] = {}
    for k, at in read_log(log):
        if k.startswith("late:"):
            due = int(k[5:]) / args.rate
            by_second.setdefault(int(due), []).append(at - (due0 + due))
    late = [v for values in by_second.values() for v in values]
    child.stop()
    out["lateness"] = {"messages": n, "delivered": len(late), "rate_per_s": args.rate,
                       "p50_s": pct(late, 0.50), "p99_s": pct(late, 0.99),
                       "max_s": max(late) if late else None,
                       # a rising line: the dispatcher falls behind the rate
                       "p99_by_second": [pct(by_second.get(i, []), 0.99)
                                         for i in range(max(by_second, default=-1) + 1)]}
    out["scheduler_peak_rss_mib"] = child.peak_rss


def phase_kill(db: Database, url: str, work: Path, n: int, policy: str) -> dict[str, Any]:
    prefix = f"kill-{policy}:"
    now = datetime.now(UTC)
    insert_rows(db, (_row(f"{prefix}{i}", i, now - timedelta(seconds=1, microseconds=n - i),
                          now) for i in range(n)))  # distinct due times, in key order
    log = work / f"kill-{policy}.log"
    child = Child(url, log, in_flight=policy)
    def mine() -> list[str]:
        return [k for k, _ in read_log(log) if k.startswith(prefix)]

    wait_until(lambda: len(mine()) >= n // 2, child, 120)
    child.kill9()
    killed_at = time.time()
    at_kill = statuses(db, prefix)
    logged_before = set(mine())
    in_sending = [k for k, s in at_kill.items() if s == "sending"]
    window = [k for k in in_sending if k in logged_before]  # sent, not yet marked sent
    restarted = Child(url, log, in_flight=policy)
    wait_until(lambda: first_after(log, killed_at, prefix) is not None, restarted, 60)
    first = first_after(log, killed_at, prefix)
    wait_until(lambda: all(s in ("sent", "failed") for s in statuses(db, prefix).values()),
               restarted, 120, every=0.5)
    restarted.stop()
    final = statuses(db, prefix)
    sends = Counter(mine())
    return {
        "policy": policy, "rows": n, "logged_before_kill": len(logged_before),
        "sending_at_kill": len(in_sending), "sent_but_not_marked_at_kill": len(window),
        "restart_to_first_dispatch_s": (first - restarted.spawned) if first else None,
        "wire_sends": sum(sends.values()),
        "wire_duplicates": sum(c - 1 for c in sends.values() if c > 1),
        "delivered_unique": len(sends),
        "lost": sum(1 for k in final if k not in sends),
        "lost_and_not_marked_failed": sum(1 for k, s in final.items()
                                          if k not in sends and s != "failed"),
        "failed_rows": sum(1 for s in final.values() if s == "failed"),
        "delivered_but_marked_failed": sum(1 for k, s in final.items()
                                           if s == "failed" and k in sends),
    }


def phase_aps(url: str, work: Path, jobs: int, rows: int) -> dict[str, Any]:
    marker = work / "aps.marker"
    made = _json_of([sys.executable, "-m", "bench.scheduler_aps", "create", "--url", url,
                     "--jobs", str(jobs), "--marker", str(marker)])
    spawned = time.time()
    started = _json_of([sys.executable, "-m", "bench.scheduler_aps", "start", "--url", url,
                        "--marker", str(marker)])
    first = started.get("first_run_at") or 0.0
    return {**made, **started, "start_to_first_run_s": (first - spawned) if first else None,
            "create_s_extrapolated_to_rows": made["create_s"] * rows / jobs,
            "rss_after_get_jobs_extrapolated_mib":
                started["rss_after_start_mib"] + (started["rss_after_get_jobs_mib"]
                                                  - started["rss_after_start_mib"]) * rows / jobs}


def _json_of(cmd: list[str]) -> dict[str, Any]:
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=3600)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix=f"careline-sched-{kind}-"))
    url, drop = fresh_database(kind, work)
    db = Database(url)
    out: dict[str, Any] = {"db": kind, "rows": args.rows}
    try:
        now = datetime.now(UTC)
        started = time.perf_counter()
        made = insert_rows(db, (_row(f"bulk:{i}", i, now + timedelta(
            days=1, seconds=i * 2_592_000 // args.rows), now) for i in range(args.rows)))
        out["create_s"] = time.perf_counter() - started
        out["create_per_s"] = made / out["create_s"]
        phase_lateness(db, url, work, args, out)
        out["kill"] = [phase_kill(db, url, work, args.kill_rows, p) for p in ("fail", "resend")]
        aps_url = (f"sqlite:///{work / 'aps.db'}" if kind == "sqlite" else url)
        jobs = args.aps_jobs or (10_000 if kind == "sqlite" else 100_000)
        out["apscheduler"] = phase_aps(aps_url, work, min(jobs, args.rows), args.rows)
    finally:
        db.dispose()
        drop()
        shutil.rmtree(work, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.scheduler", description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    p.add_argument("--rate", type=float, default=1000.0, help="due messages per second")
    p.add_argument("--duration", type=float, default=20.0, help="seconds of due messages")
    p.add_argument("--kill-rows", type=int, default=20_000)
    p.add_argument("--aps-jobs", type=int, default=None,
                   help="APScheduler jobs to create (default 100,000 on PostgreSQL, 10,000 "
                        "on SQLite, where each add_job commits at ~75/s); extrapolated")
    p.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    p.add_argument("--json", help="also write the figures to this file")
    args = p.parse_args(argv)
    if args.quick:
        args.rows, args.rate, args.duration = 2_000, 200.0, 2.0
        args.kill_rows, args.aps_jobs = 600, 200
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    results = each_database(kinds, lambda kind: run(kind, args), report)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
