"""``python -m bench.load``: simulated customers on the Telegram and WeChat webhooks of
``careline serve --workers 2`` on PostgreSQL, optionally under faults, then an exactly-once
check of the database against what the (fake) platforms received.

    python -m bench.load                      # 40 customers, no faults
    python -m bench.load --faults             # + kill -9 workers, dropped DB connections,
                                              #   429 / 500 / timeouts from the platform APIs
    python -m bench.load --db sqlite --customers 10 --scripts 2

The server runs the shipped scripts copied to a temporary folder with two changes so that
scheduled messages fall due during the run: the survey comes ``--survey-delay`` seconds
after ``careline bookings complete`` (2 h shipped) and quiet hours are off. Each customer
also gets one care message scheduled a few seconds ahead. Prints throughput, webhook
acknowledgement and end-to-end latency (until the reply reaches the fake platform API),
errors, and the exactly-once verdict; writes ``bench/results/load-latest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.exc import OperationalError

from bench.load_check import Verdict, check
from bench.load_customers import Customer, Stats, World, env_for_server
from bench.load_fake import Faults, LoadFake
from bench.load_faults import FaultLog, inject
from bench.load_report import render, write_json
from bench.load_scripts import BURST_TEXT, SCRIPTS
from bench.server import HOST, Server, migrate, postgres_admin_url, postgres_database

#: rows due within this are the run's own (care messages, surveys) and are waited for
HORIZON = timedelta(seconds=60)
#: a row ``sending`` for longer than this was claimed by a worker that was killed
STUCK_AFTER = timedelta(seconds=15)
SHIPPED_SCRIPTS = Path(__file__).resolve().parent.parent / "flows" / "scripts"


def prepare_scripts(workdir: Path, survey_delay: float) -> Path:
    """The shipped scripts, the survey due ``survey_delay`` s after completion, quiet hours off."""
    target = workdir / "scripts"
    shutil.copytree(SHIPPED_SCRIPTS, target)
    survey = target / "survey.yml"
    survey.write_text(survey.read_text("utf-8").replace(
        "delay_hours: 2\n", f"delay_hours: {survey_delay / 3600:.6f}\n", 1), "utf-8")
    messaging = target / "subscription.yml"
    text = messaging.read_text("utf-8")
    text = text.replace('quiet_hours: {start: "21:00", end: "09:00"}', "quiet_hours: off", 1)
    messaging.write_text(text, "utf-8")
    return target


def make_customers(world: World, n: int, per_customer: int, seed: int) -> list[Customer]:
    rng = random.Random(seed)
    names = sorted({s.name for s in SCRIPTS})
    customers = []
    for i in range(n):
        channel = "telegram" if i % 2 == 0 else "wechat"
        lang = "zh" if (i // 2) % 2 == 0 else "en"
        safe = channel == "wechat" and (i // 4) % 2 == 1  # half the WeChat traffic encrypted
        chosen = [names[(i + k) % len(names)] for k in range(min(per_customer, len(names)))]
        rng.shuffle(chosen)
        scripts = [next(s for s in SCRIPTS if s.name == name and s.lang == lang)
                   for name in chosen]
        customers.append(Customer(world, i, channel, lang, safe, scripts))
    return customers


class Harness:
    def __init__(self, args: argparse.Namespace, database_url: str, workdir: Path,
                 scripts_dir: Path, fake: LoadFake) -> None:
        from storage.db import Database

        self.args, self.url, self.workdir, self.fake = args, database_url, workdir, fake
        self.db = Database(database_url)
        self.env = {**env_for_server(fake), "CARELINE_FLOWS_DIR": str(scripts_dir),
                    "CARELINE_HOT_RELOAD": "false", "CARELINE_DATABASE_URL": database_url}
        self.completed = 0
        self.care_rows = 0
        from bot.settings import Settings
        from flows.actions import registry
        from flows.business.proactive import use_scripts
        from flows.reload import BundleHolder

        registry()  # the business modules and their booking hooks, as the CLI loads them
        scripts = BundleHolder(scripts_dir)
        use_scripts(lambda: scripts.bundle)  # the hooks read the server's scripts
        self.tz = Settings(database_url=database_url).tz

    async def complete(self, booking_id: str) -> bool:
        """What ``careline bookings complete ID`` does (the same function, in process: one
        CLI start per booking would cost seconds of CPU on a 2-core machine). It schedules
        the survey ``--survey-delay`` seconds later, awards points, queues care rows."""
        return await asyncio.to_thread(self._complete, booking_id)

    def _complete(self, booking_id: str) -> bool:
        from flows.business.booking import complete_booking

        for _ in range(5):  # the database may be dropped under it: try again
            try:
                with self.db.transaction() as conn:
                    complete_booking(conn, booking_id, datetime.now(self.tz), "cli")
                self.completed += 1
                return True
            except OperationalError:
                time.sleep(1.0)
        return False

    async def schedule_care(self, channel: str, recipient: str, lang: str) -> None:
        await asyncio.to_thread(self._schedule_care, channel, recipient, lang)

    def _schedule_care(self, channel: str, recipient: str, lang: str) -> None:
        from storage import repo
        from storage.repo import NewOutbox
        from storage.types import utcnow

        n = self.care_rows + 1
        body = (f"温馨提示（{n}）：天气转凉，注意保暖。" if lang == "zh"
                else f"Care tip ({n}): it is getting colder, keep warm.")
        for attempt in range(5):
            try:
                with self.db.session() as s:
                    ref = repo.ensure_identity(s, channel, recipient)
                    repo.enqueue(s, [NewOutbox(
                        f"loadcare:{channel}:{recipient}", ref.customer_id, channel, recipient,
                        {"text": body}, kind="care",
                        due_at=utcnow() + timedelta(seconds=random.uniform(2, 15)))])
                self.care_rows = n
                return
            except Exception:
                if attempt == 4:
                    raise
                time.sleep(1.0)

    def burst(self, n: int) -> None:
        """A campaign: one message to each of ``n`` new Telegram chats, all due now — what
        shows whether the bot as a whole keeps to Telegram's 30 messages per second."""
        from storage import repo
        from storage.repo import NewOutbox

        with self.db.session() as s:
            rows = []
            for i in range(n):
                chat = str(990_000_000 + i)
                ref = repo.ensure_identity(s, "telegram", chat)
                rows.append(NewOutbox(f"loadburst:{i}", ref.customer_id, "telegram", chat,
                                      {"text": f"{BURST_TEXT} #{i}"}, kind="care"))
            repo.enqueue(s, rows)

    def quiet(self) -> tuple[int, int]:
        """(inbound messages pending, outbox rows pending or sending that are due by now or
        soon: the run's care messages and surveys, not reminders days ahead)."""
        from sqlalchemy import text

        from storage.types import utcnow

        try:
            with self.db.read() as s:
                inbound = s.execute(text(
                    "SELECT count(*) FROM inbound_messages WHERE status = 'pending'")).scalar_one()
                outbox = s.execute(text(
                    "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending') "
                    "AND due_at <= :horizon"), {"horizon": utcnow() + HORIZON}).scalar_one()
        except Exception:
            return -1, -1
        return int(inbound), int(outbox)

    def stuck_in_sending(self) -> int:
        """Rows claimed long ago and still ``sending``: their worker was killed (a live
        one records each row within a second or two; a Telegram batch takes under 7 s)."""
        from sqlalchemy import text

        from storage.types import utcnow

        with self.db.read() as s:
            return int(s.execute(text(
                "SELECT count(*) FROM outbox WHERE status = 'sending' AND claimed_at < :before"),
                {"before": utcnow() - STUCK_AFTER}).scalar_one())


async def drain(h: Harness, timeout: float) -> tuple[int, int]:
    deadline = time.monotonic() + timeout
    left = (-1, -1)
    while time.monotonic() < deadline:
        left = await asyncio.to_thread(h.quiet)
        stuck = await asyncio.to_thread(h.stuck_in_sending) if left[1] > 0 else 0
        if left[0] == 0 and left[1] - stuck == 0:
            return left
        await asyncio.sleep(1.0)
    return left


async def progress(stats: Stats, fake: LoadFake, stop: asyncio.Event, started: float) -> None:
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), 10)
        except TimeoutError:
            print(f"  {time.monotonic() - started:5.0f} s: {stats.sent} updates acknowledged, "
                  f"{len(fake.arrivals)} messages at the platforms, turns ok {stats.turns_ok} / "
                  f"wrong {stats.turns_bad}, resends {stats.resends}", flush=True)


async def run(args: argparse.Namespace, h: Harness, server: Server,
              admin: str | None, dbname: str | None) -> dict[str, Any]:
    stats = Stats()
    world = World(f"http://{HOST}:{server.port}", h.fake, stats, h.complete, h.schedule_care,
                  reply_timeout=args.reply_timeout)
    world.listen()
    customers = make_customers(world, args.customers, args.scripts, args.seed)
    faults, stop = FaultLog(), asyncio.Event()
    started = time.monotonic()
    if args.faults:
        h.fake.faults_on.set()
    tasks = [asyncio.create_task(progress(stats, h.fake, stop, started))]
    if args.faults:
        tasks.append(asyncio.create_task(inject(
            server, stop, faults, kill_every=args.kill_every, drop_every=args.drop_every,
            admin_url=admin, database=dbname, seed=args.seed)))
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    async with httpx.AsyncClient(base_url=world.base_url, limits=limits) as client:
        async def one(c: Customer) -> None:
            await asyncio.sleep(random.uniform(0, args.ramp))
            try:
                await c.run(client)
            except Exception as exc:  # the harness's own trouble: counted, the others go on
                stats.turns_bad += 1
                stats.bad_samples.append(f"{c.key}: harness error {type(exc).__name__}: {exc}")
        await asyncio.gather(*(one(c) for c in customers))
    load_seconds = time.monotonic() - started
    if args.burst:
        print(f"customers done; a campaign to {args.burst} Telegram chats …", flush=True)
        await asyncio.to_thread(h.burst, args.burst)
    stop.set()
    h.fake.faults_on.clear()
    await asyncio.gather(*tasks)
    print("waiting for the outbox to drain …", flush=True)
    left = await drain(h, args.drain + args.burst / 30)
    stuck = await asyncio.to_thread(h.stuck_in_sending)
    return {"stats": stats, "faults": faults, "load_seconds": load_seconds,
            "left_after_drain": left, "stuck_in_sending": stuck}


def finish_stuck(h: Harness, server_factory: Any) -> dict[str, int]:
    """Rows a killed worker left ``sending``: what ``recover`` does once they are stale
    (10 min in production), then a server run to deliver the rows it requeued."""
    from scheduler.dispatcher import recover

    n = recover(h.db, stale_after=timedelta(0))
    if not n:
        return {"recovered": 0}
    server = server_factory()
    server.start(timeout=180)
    try:
        asyncio.run(drain(h, 60))
    finally:
        server.stop()
    return {"recovered": n}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    p.add_argument("--customers", type=int, default=40)
    p.add_argument("--scripts", type=int, default=3, help="conversations per customer")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--faults", action="store_true", help="kill -9, DB drops, API faults")
    p.add_argument("--kill-every", type=float, default=20.0)
    p.add_argument("--drop-every", type=float, default=25.0)
    p.add_argument("--rate-limited", type=float, default=0.03, help="share of sends: 429/-1")
    p.add_argument("--server-errors", type=float, default=0.03, help="share of sends: 500")
    p.add_argument("--timeouts", type=float, default=0.01, help="share of sends: timeout")
    p.add_argument("--survey-delay", type=float, default=10.0, help="seconds")
    p.add_argument("--reply-timeout", type=float, default=120.0)
    p.add_argument("--ramp", type=float, default=10.0, help="customers start over this many s")
    p.add_argument("--drain", type=float, default=120.0)
    p.add_argument("--burst", type=int, default=600,
                   help="then a campaign to this many Telegram chats, due at once (0: none)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", type=Path, help="also write the results here")
    args = p.parse_args(argv)
    faults = Faults(rate_limited=args.rate_limited, server_error=args.server_errors,
                    timeout=args.timeouts) if args.faults else Faults()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="careline-load-")))
        fake = stack.enter_context(LoadFake(faults, seed=args.seed))
        admin = dbname = None
        if args.db == "postgres":
            admin = postgres_admin_url()
            url = stack.enter_context(postgres_database(admin))
            dbname = url.rsplit("/", 1)[1].split("?")[0]
            migrate(url, workdir)
        else:
            url = f"sqlite:///{workdir}/load.db"
        scripts_dir = prepare_scripts(workdir, args.survey_delay)
        h = Harness(args, url, workdir, scripts_dir, fake)
        stack.callback(h.db.dispose)

        def new_server() -> Server:
            return Server(url, workdir, cpu=None, extra_env=h.env, workers=args.workers,
                          scheduler=True)

        server = new_server()
        print(f"careline serve --workers {args.workers} on {args.db}; {args.customers} customers "
              f"× {args.scripts} conversations{' under faults' if args.faults else ''} …",
              flush=True)
        t0 = time.monotonic()
        server.start(timeout=180)
        print(f"  ready in {time.monotonic() - t0:.1f} s", flush=True)
        try:
            out = asyncio.run(run(args, h, server, admin, dbname))
        finally:
            server.stop()
        out["errors_in_log"] = server.log_excerpt(30) if "Traceback" in (
            server.log_path.read_text("utf-8", "replace")) else ""
        out["finish"] = finish_stuck(h, new_server) if out["stuck_in_sending"] else {}
        verdict: Verdict = check(url, fake, out["stats"])
        print(render(args, out, verdict, fake))
        write_json(args, out, verdict, fake)
    return 0


if __name__ == "__main__":
    sys.exit(main())
