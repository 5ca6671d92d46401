"""WeChat rows claimed by a killed worker go out within seconds, not after 10 minutes.

Every ``serve`` worker sends on WeChat, so a worker could not tell a dead claimer from a slow
one and waited the 10-minute stale period. Now claims name their process, which holds a lock
by that name while it lives (scheduler/claimers.py). A real process claims a batch of WeChat
replies and is killed with SIGKILL in the middle of it; a delivery worker in another process
finds the claimer gone within seconds: the row that may have been in flight is failed
visibly (never sent twice), the rest reach the customers once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select

from bench.load_fake import LoadFake
from bot.channels.base import InboundMessage
from bot.channels.wechat import WeChatChannel
from bot.delivery import ChannelSender
from bot.pipeline import Pipeline
from bot.settings import Settings
from flows.reload import BundleHolder
from scheduler import claimers
from scheduler.delivery import DeliveryWorker
from storage import repo
from storage.db import Database
from storage.models import OutboxMessage
from storage.repo import NewOutbox
from storage.types import utcnow

from .conftest import SHIPPED_FLOWS, TZ

REPO = Path(__file__).resolve().parent.parent
#: A worker that claims the due WeChat rows under its name, then hangs "sending" the first.
_CLAIM_AND_HANG = textwrap.dedent("""
    import sys, time
    from scheduler.claimers import Claimer
    from storage import repo
    from storage.db import Database
    from storage.types import utcnow
    db = Database(sys.argv[1])
    me = Claimer(db)
    assert me.confirm()
    with db.session() as s:
        rows = repo.claim_due(s, utcnow(), channels=["wechat"], claimer=me.current())
    print(len(rows), flush=True)
    time.sleep(600)
""")


def _replies(db: Database, nlu: Any) -> None:
    """Three followers wrote '你好' (inside WeChat's 48-hour window); one reply each queued."""
    pipeline = Pipeline(db, nlu, BundleHolder(SHIPPED_FLOWS), tz=TZ)
    for i in range(3):
        pipeline.handle(InboundMessage(channel="wechat", message_id=f"k{i}",
                                       sender=f"oKill{i}", text="你好"))
    with db.session() as s:
        s.execute(OutboxMessage.__table__.delete())  # keep only the three below
        for i in range(3):
            ref = repo.ensure_identity(s, "wechat", f"oKill{i}")
            repo.enqueue(s, [NewOutbox(f"kill:{i}", ref.customer_id, "wechat", f"oKill{i}",
                                       {"text": f"your booking {i} is confirmed"})])


def _rows(db: Database) -> list[tuple[str, str, str | None]]:
    o = OutboxMessage
    with db.read() as s:
        return [(r[0], r[1], r[2]) for r in s.execute(
            select(o.idempotency_key, o.status, o.last_error).order_by(o.id))]


def test_a_killed_worker_s_wechat_claims_are_recovered_within_seconds(
        db_url: str, nlu: Any) -> None:
    db = Database(db_url)
    _replies(db, nlu)
    child = subprocess.Popen([sys.executable, "-c", _CLAIM_AND_HANG, db_url], cwd=REPO,
                             stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "3"
        took = _kill_and_deliver(db_url, db, child)
    finally:
        child.kill()
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
    rows = _rows(db)
    db.dispose()
    # The first row of the batch may have reached WeChat before the kill: failed, visibly.
    assert rows[0][1] == "failed" and "interrupted while sending" in (rows[0][2] or "")
    assert [status for _, status, _ in rows[1:]] == ["sent", "sent"]
    assert took < claimers.EVERY + 5, f"took {took:.1f} s"


def _kill_and_deliver(db_url: str, db: Database, child: subprocess.Popen[str]) -> float:
    """Kill the claimer once a delivery worker runs; seconds until its rows went out."""
    assert [status for _, status, _ in _rows(db)] == ["sending"] * 3
    with LoadFake() as fake:
        settings = Settings(database_url=db_url, wechat_appid="wxkill", hot_reload=False,
                            wechat_secret=SecretStr("s"), wechat_token=SecretStr("t"),
                            wechat_api_base=fake.base_url)
        wdb = Database(db_url)
        wechat = WeChatChannel.from_settings(settings, wdb)
        worker = DeliveryWorker(wdb, ChannelSender({"wechat": wechat}), ["wechat"],
                                idle_wait=0.5).start()
        try:
            # While the claimer lives, its claims are its own: nothing is taken from it.
            time.sleep(claimers.EVERY + 1)
            assert [status for _, status, _ in _rows(db)] == ["sending"] * 3
            child.send_signal(signal.SIGKILL)
            child.wait()
            killed = time.monotonic()
            while len(fake.arrivals) < 2 and time.monotonic() < killed + 30:
                time.sleep(0.05)
            took = time.monotonic() - killed
        finally:
            worker.stop()
            wechat.close()
            wdb.dispose()
    assert sorted(a.text for a in fake.arrivals) == [
        "your booking 1 is confirmed", "your booking 2 is confirmed"]
    return took


def test_claims_of_a_process_without_a_name_wait_for_the_stale_period(db: Database) -> None:
    """``careline scheduler run-due`` claims under no name: nothing to prove it dead."""
    with db.session() as s:
        ref = repo.ensure_identity(s, "wechat", "oAnon")
        repo.enqueue(s, [NewOutbox("anon:1", ref.customer_id, "wechat", "oAnon", {"text": "hi"})])
        assert len(repo.claim_due(s, utcnow(), channels=["wechat"])) == 1
    assert claimers.recover_dead(db) == 0
    assert [status for _, status, _ in _rows(db)] == ["sending"]
