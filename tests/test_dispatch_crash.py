"""A dispatcher that dies while sending: nothing is sent twice, and nothing vanishes.

Rows are sent in claim order and each outcome is recorded before the next send, so after a
crash ``recover`` knows which single row may have reached the customer (both databases).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from scheduler.dispatcher import dispatch_due, recover
from storage.db import Database
from storage.models import OutboxMessage
from storage.outbox_claims import DURABLE_EVERY
from storage.repo import Claimed

from .test_dispatcher import Outcome, RecordingChannel, add_rows


class Killed(BaseException):
    """The process is gone (``kill -9``): no handler of ours runs after this."""


class DyingChannel(RecordingChannel):
    """Delivers every row it is given, and the process dies right after the platform
    accepted the ``die_after``-th."""

    def __init__(self, die_after: int) -> None:
        super().__init__()
        self.die_after = die_after

    def __call__(self, row: Claimed) -> Outcome | None:
        answer = super().__call__(row)
        if len(self.sent) == self.die_after:
            raise Killed
        return answer


def delivered(*channels: RecordingChannel) -> Counter[str]:
    return Counter(key for channel in channels for *_, key in channel.sent)


def statuses(db: Database) -> dict[str, tuple[str, str | None]]:
    with db.read() as s:
        return {r.idempotency_key: (r.status, r.last_error)
                for r in s.execute(select(OutboxMessage)).scalars()}


def test_a_crash_mid_batch_fails_the_one_row_in_flight_and_sends_the_rest_once(
        db: Database) -> None:
    add_rows(db, 10)
    dying = DyingChannel(die_after=4)
    with pytest.raises(Killed):
        dispatch_due(db, dying, batch=50)
    # k3 reached the platform but its outcome was never written; k4..k9 were never tried
    assert recover(db, stale_after=timedelta(0)) == 7
    after = RecordingChannel()
    assert dispatch_due(db, after).sent == 6
    got = delivered(dying, after)
    assert set(got) == {f"k{i}" for i in range(10)} and max(got.values()) == 1
    state = statuses(db)
    assert state["k3"][0] == "failed" and "not resent" in (state["k3"][1] or "")
    assert {k for k, (status, _) in state.items() if status == "sent"} == set(got) - {"k3"}


def test_resend_policy_sends_the_row_in_flight_again_and_loses_nothing(db: Database) -> None:
    add_rows(db, 10)
    dying = DyingChannel(die_after=4)
    with pytest.raises(Killed):
        dispatch_due(db, dying, batch=50)
    recover(db, stale_after=timedelta(0), in_flight="resend")
    after = RecordingChannel()
    dispatch_due(db, after)
    got = delivered(dying, after)
    # the one repeat is the row that was in flight: a channel keyed by idempotency key
    # shows it once
    assert set(got) == {f"k{i}" for i in range(10)}
    assert [k for k, n in got.items() if n > 1] == ["k3"]
    assert {status for status, _ in statuses(db).values()} == {"sent"}


def test_a_dispatcher_that_stalls_past_recovery_stops_instead_of_sending_twice(
        db: Database) -> None:
    add_rows(db, 6)

    class Stalling(RecordingChannel):
        """While the platform takes row 2, the dispatcher is frozen long enough for another
        process to recover its batch as abandoned."""

        def __call__(self, row: Claimed) -> Outcome | None:
            answer = super().__call__(row)
            if len(self.sent) == 2:
                recover(db, stale_after=timedelta(0))
            return answer

    stalled = Stalling()
    report = dispatch_due(db, stalled, batch=50)
    assert len(stalled.sent) == 2 and report.sent == 2  # stopped: the rest are not its own
    after = RecordingChannel()
    dispatch_due(db, after)
    got = delivered(stalled, after)
    assert set(got) == {f"k{i}" for i in range(6)} and max(got.values()) == 1
    assert statuses(db)["k1"][0] == "failed"  # sent, but recovery could not know


def test_a_failed_attempt_is_recorded_at_once_so_nothing_is_left_in_flight(
        db: Database) -> None:
    add_rows(db, 3)
    flaky = RecordingChannel([Outcome(ok=False, error="502 Bad Gateway")])
    dispatch_due(db, flaky, batch=50)
    state = statuses(db)
    assert state["k0"] == ("pending", "502 Bad Gateway")
    assert recover(db, stale_after=timedelta(0)) == 0  # nothing was left in flight


def test_after_a_database_restart_the_unflushed_window_is_not_resent(postgres_url: str) -> None:
    """PostgreSQL records outcomes with asynchronous commits; a crash of the server itself
    can lose the last unflushed ones, so for a batch claimed before the server restarted
    the first DURABLE_EVERY unrecorded rows count as possibly sent."""
    db = Database(postgres_url)
    try:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE outbox, channel_identities, customers "
                                 "RESTART IDENTITY CASCADE")
        add_rows(db, 40)
        dying = DyingChannel(die_after=21)
        with pytest.raises(Killed):
            dispatch_due(db, dying, batch=50)
        # what a restart of the server leaves: the claim names the server run before it
        # (and the records after the last synchronous one may be missing)
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE outbox SET claim_token = "
                              "regexp_replace(claim_token, '[^.]*$', '1.5'), status = 'sending' "
                              "WHERE idempotency_key IN ('k16', 'k17', 'k18', 'k19') "
                              "OR status = 'sending'"))
        recover(db, stale_after=timedelta(0))
        after = RecordingChannel()
        dispatch_due(db, after)
        got = delivered(dying, after)
        assert max(got.values()) == 1  # nothing twice, even for rows whose record was lost
        failed = {k for k, (status, _) in statuses(db).items() if status == "failed"}
        assert failed == {f"k{i}" for i in range(16, 16 + DURABLE_EVERY)}
        # the price of a server crash: rows of that window never sent are failed, visibly
        assert failed - set(got) == {f"k{i}" for i in range(21, 16 + DURABLE_EVERY)}
        assert set(got) | failed == {f"k{i}" for i in range(40)}
    finally:
        db.dispose()
