"""The outbox dispatcher sends each due row once, retries what can be retried, and says why."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.cli import main
from scheduler.dispatcher import dispatch_due
from storage import repo
from storage.db import Database
from storage.models import OutboxMessage
from storage.repo import Claimed, NewOutbox
from storage.types import utcnow


@dataclass
class Outcome:
    ok: bool
    external_ref: str | None = None
    error: str | None = None
    retry_after: float | None = None
    permanent: bool = False
    skipped: bool = False


class RecordingChannel:
    """Stands in for a platform: records what it was asked to send, answers as told."""

    def __init__(self, answers: list[Outcome] | None = None) -> None:
        self.sent: list[tuple[str, str, dict[str, Any], str]] = []
        self.answers = answers or []
        self.lock = threading.Lock()

    def __call__(self, row: Claimed) -> Outcome | None:
        if row.channel == "nowhere":
            return None
        with self.lock:
            self.sent.append((row.channel, row.recipient, row.payload, row.idempotency_key))
            return (self.answers.pop(0) if self.answers
                    else Outcome(ok=True, external_ref=row.idempotency_key))


def add_rows(db: Database, n: int, *, channel: str = "telegram", due_in: float = 0) -> None:
    with db.session() as s:
        ref = repo.ensure_identity(s, channel, "42")
        repo.enqueue(s, [NewOutbox(f"k{i}", ref.customer_id, channel, "42", {"text": f"m{i}"},
                                   due_at=utcnow() + timedelta(seconds=due_in))
                         for i in range(n)])


def rows(db: Database) -> list[OutboxMessage]:
    with db.read() as s:
        return list(s.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def test_due_rows_are_sent_once_and_future_rows_wait(db: Database) -> None:
    add_rows(db, 3)
    add_rows_later = NewOutbox("later", 1, "telegram", "42", {"text": "later"},
                               due_at=utcnow() + timedelta(hours=2))
    with db.session() as s:
        repo.enqueue(s, [add_rows_later])
    channel = RecordingChannel()
    first = dispatch_due(db, channel)
    second = dispatch_due(db, channel)
    assert (first.sent, second.claimed) == (3, 0)
    assert [p["text"] for _, _, p, _ in channel.sent] == ["m0", "m1", "m2"]
    assert [r.status for r in rows(db)] == ["sent", "sent", "sent", "pending"]
    third = dispatch_due(db, channel, now=utcnow() + timedelta(hours=3))
    assert third.sent == 1 and len(channel.sent) == 4


def test_retry_after_and_permanent_failures(db: Database) -> None:
    add_rows(db, 2)
    channel = RecordingChannel([Outcome(ok=False, error="429 Too Many Requests", retry_after=30),
                                Outcome(ok=False, error="400 chat not found", permanent=True)])
    report = dispatch_due(db, channel)
    assert (report.retried, report.failed) == (1, 1)
    waiting, failed = rows(db)
    assert waiting.status == "pending" and waiting.due_at > utcnow() + timedelta(seconds=25)
    assert waiting.last_error == "429 Too Many Requests"
    assert failed.status == "failed" and failed.last_error == "400 chat not found"
    later = dispatch_due(db, channel, now=utcnow() + timedelta(minutes=1))
    assert later.sent == 1 and rows(db)[0].status == "sent" and rows(db)[0].attempts == 2


def test_transient_failures_give_up_after_five_attempts(db: Database) -> None:
    add_rows(db, 1)
    channel = RecordingChannel([Outcome(ok=False, error="502") for _ in range(10)])
    at = utcnow()
    for _ in range(8):
        dispatch_due(db, channel, now=at)
        at += timedelta(hours=1)
    (row,) = rows(db)
    assert row.status == "failed" and row.attempts == 5 and len(channel.sent) == 5


def test_unconfigured_channel_is_skipped_with_reason(db: Database) -> None:
    add_rows(db, 1, channel="nowhere")
    report = dispatch_due(db, RecordingChannel())
    (row,) = rows(db)
    assert report.skipped == 1 and row.status == "skipped"
    assert row.last_error == "channel 'nowhere' is not configured"


def test_two_dispatchers_never_send_a_row_twice(db: Database) -> None:
    add_rows(db, 150)
    channel = RecordingChannel()
    threads = [threading.Thread(target=dispatch_due, args=(db, channel),
                                kwargs={"batch": 10}) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = [key for *_, key in channel.sent]
    assert len(keys) == 150 and len(set(keys)) == 150
    assert {r.status for r in rows(db)} == {"sent"}


def test_cli_run_due(monkeypatch: Any, sqlite_url: str, capsys: Any) -> None:
    monkeypatch.setenv("CARELINE_DATABASE_URL", sqlite_url)
    db = Database(sqlite_url)
    add_rows(db, 2, channel="web", due_in=3600)
    assert main(["scheduler", "run-due"]) == 0
    assert "claimed 0" in capsys.readouterr().out
    later = (utcnow() + timedelta(hours=2)).isoformat()
    assert main(["scheduler", "run-due", "--now", later]) == 0
    assert "claimed 2: sent 2" in capsys.readouterr().out
    assert main(["scheduler", "run-due", "--now", "next tuesday"]) == 2
    db.dispose()
