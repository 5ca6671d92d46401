"""The scheduler process of ``python -m bench.scheduler``: the production delivery path.

``python -m bench.scheduler_child --url URL --log FILE`` runs what ``careline serve`` runs
for scheduled messages — the per-channel DeliveryWorker (dispatch_due with message hygiene)
woken every second by APScheduler, plus the periodic ``recover`` — against a fake channel
that records every send as ``<idempotency key>\\t<unix time>`` in FILE. Each line is one
``write`` on a line-buffered file, so it is in the kernel before the row is marked sent and
survives a ``kill -9``: the log is what the customer would have received.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from storage.repo import Claimed

#: the bench's message hygiene: no quiet hours (the run may fall at night), a generous cap
#: so the per-customer count query still runs for every batch
BENCH_MESSAGING: dict[str, Any] = {"quiet_hours": "off", "daily_cap": 1000}


@dataclass(frozen=True, slots=True)
class Sent:
    ok: bool = True
    external_ref: str | None = None
    error: str | None = None
    retry_after: float | None = None
    permanent: bool = False
    skipped: bool = False


class FakeChannel:
    """An unthrottled platform that records every send (one ``write`` per message)."""

    def __init__(self, log: IO[str]) -> None:
        self.log = log
        self.lock = threading.Lock()

    def __call__(self, row: Claimed) -> Sent:
        with self.lock:
            self.log.write(f"{row.idempotency_key}\t{time.time():.6f}\n")
        return Sent(external_ref=row.idempotency_key)


class _Scripts:
    """Stands in for the live script bundle: only the ``messaging`` section."""

    def section(self, name: str) -> dict[str, Any]:
        return dict(BENCH_MESSAGING) if name == "messaging" else {}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench.scheduler_child")
    p.add_argument("--url", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--stale-after", type=float, default=600.0)
    p.add_argument("--in-flight", choices=("fail", "resend"), default="fail")
    args = p.parse_args(argv)

    from apscheduler.schedulers.background import BackgroundScheduler

    from flows.business.proactive import use_scripts
    from scheduler.delivery import DeliveryWorker
    from scheduler.dispatcher import recover
    from storage.db import Database

    use_scripts(_Scripts)  # type: ignore[arg-type]
    db = Database(args.url)
    stale = timedelta(seconds=args.stale_after)
    recover(db, stale_after=stale, in_flight=args.in_flight)
    log = open(args.log, "a", buffering=1, encoding="utf-8")  # noqa: SIM115
    worker = DeliveryWorker(db, FakeChannel(log), ["fake"]).start()
    sched = BackgroundScheduler(timezone="UTC")
    sched.add_job(worker.wake, "interval", seconds=1.0, id="careline-outbox",
                  max_instances=1, coalesce=True)
    sched.add_job(recover, "interval", seconds=1.0, id="careline-recover",
                  kwargs={"db": db, "stale_after": stale, "in_flight": args.in_flight},
                  max_instances=1, coalesce=True)
    sched.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"ready {os.getpid()}", flush=True)
    stop.wait()
    sched.shutdown(wait=False)
    worker.stop()
    log.close()
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
