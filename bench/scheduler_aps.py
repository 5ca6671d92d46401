"""The other design, for comparison: one APScheduler job per message in the SQLAlchemy job
store (what ``python -m bench.scheduler`` weighs the outbox against).

``create --url U --jobs N --marker F``: N jobs, the first due at once, the rest over the next
30 days, added one by one as an application would (each ``add_job`` is a pickled row and a
commit); prints JSON with the time taken. ``start --url U --marker F``: a fresh process
starts the scheduler on that store; the first job writes the time to F. Prints JSON with the
resident memory after start and after ``get_jobs()`` (listing what is scheduled, as a care
preview or console must), and how long that took.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path


def deliver(marker: str, message_id: int) -> None:
    """The job: in a real app, send message ``message_id``; here, note the first run."""
    with open(marker, "a", encoding="utf-8") as f:
        f.write(f"{message_id}\t{time.time():.6f}\n")


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _scheduler(url: str) -> object:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    return BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(url=url)},
                               timezone="UTC")


def create(url: str, jobs: int, marker: str) -> dict[str, float]:
    sched = _scheduler(url)
    sched.start(paused=True)  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    started = time.perf_counter()
    for i in range(jobs):
        due = now if i == 0 else now + timedelta(days=1, seconds=i * 2_592_000 // jobs)
        sched.add_job(deliver, "date", run_date=due, args=(marker, i),  # type: ignore[attr-defined]
                      id=f"msg-{i}", misfire_grace_time=None)
    took = time.perf_counter() - started
    sched.shutdown(wait=False)  # type: ignore[attr-defined]
    return {"jobs": jobs, "create_s": took, "per_s": jobs / took if took else 0.0}


def start(url: str, marker: str) -> dict[str, float]:
    t0 = time.time()
    sched = _scheduler(url)
    sched.start()  # type: ignore[attr-defined]
    started = time.time()
    deadline = time.monotonic() + 60
    first = None
    while time.monotonic() < deadline:
        text = Path(marker).read_text() if Path(marker).exists() else ""
        if text:
            first = float(text.split()[1])
            break
        time.sleep(0.01)
    rss_start = rss_mib()
    listed = time.perf_counter()
    jobs = sched.get_jobs()  # type: ignore[attr-defined]
    listed = time.perf_counter() - listed
    result = {"import_and_start_s": started - t0, "first_run_at": first or 0.0,
              "rss_after_start_mib": rss_start, "get_jobs_s": listed,
              "rss_after_get_jobs_mib": rss_mib(), "jobs_listed": len(jobs)}
    sched.shutdown(wait=False)  # type: ignore[attr-defined]
    return result


def main() -> int:
    p = argparse.ArgumentParser(prog="bench.scheduler_aps")
    p.add_argument("mode", choices=("create", "start"))
    p.add_argument("--url", required=True)
    p.add_argument("--jobs", type=int, default=1000)
    p.add_argument("--marker", required=True)
    args = p.parse_args()
    out = (create(args.url, args.jobs, args.marker) if args.mode == "create"
           else start(args.url, args.marker))
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
