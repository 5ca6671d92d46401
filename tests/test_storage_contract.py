"""One storage contract, run on SQLite and on PostgreSQL (the db fixture is parametrised)."""

from __future__ import annotations

import threading
from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from storage import repo
from storage.db import Database
from storage.models import Base, ConversationEvent, OutboxMessage
from storage.repo import NewEvent, NewOutbox
from storage.types import utcnow


class TestStorageContract:
    def test_migrations_create_exactly_the_models(self, db: Database) -> None:
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []

    def test_a_channel_identity_is_one_customer(self, db: Database) -> None:
        with db.session() as s:
            first = repo.ensure_identity(s, "telegram", "42", display_name="Li")
            again = repo.ensure_identity(s, "telegram", "42")
            other = repo.ensure_identity(s, "wechat", "42")
        assert first.created and not again.created
        assert (again.customer_id, again.identity_id) == (first.customer_id, first.identity_id)
        assert other.customer_id != first.customer_id

    def test_inbound_is_stored_once_per_channel_message_id(self, db: Database) -> None:
        with db.session() as s:
            first = repo.record_inbound(s, channel="telegram", external_id="1001", sender="42",
                                        text="你好")
        with db.session() as s:
            repeat = repo.record_inbound(s, channel="telegram", external_id="1001",
                                         sender="42", text="你好")
            same_id_other_channel = repo.record_inbound(s, channel="wechat", external_id="1001",
                                                        sender="o1", text="hi")
        assert first is not None and repeat is None and same_id_other_channel is not None
        with db.read() as s:
            row = repo.find_inbound(s, "telegram", "1001")
            assert row is not None and row.status == "pending" and row.text == "你好"
            assert repo.pending_inbound_ids(s) == [first, same_id_other_channel]

    def test_events_append_in_order_and_snapshot_updates(self, db: Database) -> None:
        with db.session() as s:
            ref = repo.ensure_identity(s, "web", "u1")
            conv = repo.lock_conversation(s, ref, "web")
            repo.append_events(s, conv, [NewEvent("message_in", "customer", {"text": "你好"}),
                                         NewEvent("message_out", "bot", {"text": "您好"})])
            repo.save_conversation(s, conv, state={"stack": []}, lang="zh")
        with db.session() as s:
            conv = repo.lock_conversation(s, ref, "web")
            repo.append_events(s, conv, [NewEvent("message_in", "customer", {"text": "报价"})])
        with db.read() as s:
            events = repo.events_of(s, conv.id)
            found = repo.conversation_by_public_id(s, conv.public_id)
        assert [(e.type, e.data["text"]) for e in events] == [
            ("message_in", "你好"), ("message_out", "您好"), ("message_in", "报价")]
        assert all(e.ts.tzinfo is not None for e in events)
        assert found is not None and found.lang == "zh" and found.turns == 1

    def test_outbox_idempotency_key_makes_enqueue_repeatable(self, db: Database) -> None:
        with db.session() as s:
            ref = repo.ensure_identity(s, "telegram", "42")
            item = NewOutbox("in1:0", ref.customer_id, "telegram", "42", {"text": "hi"})
            repo.enqueue(s, [item])
            repo.enqueue(s, [item])
        with db.read() as s:
            assert repo.count_outbox(s) == 1

    def test_claimed_rows_are_not_claimed_again(self, db: Database) -> None:
        now = utcnow()
        with db.session() as s:
            ref = repo.ensure_identity(s, "telegram", "42")
            repo.enqueue(s, [NewOutbox(f"k{i}", ref.customer_id, "telegram", "42", {"i": i},
                                       due_at=now - timedelta(seconds=i)) for i in range(5)])
            repo.enqueue(s, [NewOutbox("later", ref.customer_id, "telegram", "42", {},
                                       due_at=now + timedelta(hours=1))])
        with db.session() as s:
            first = [r.idempotency_key for r in repo.claim_due(s, now, limit=3)]
            assert [r.attempts for r in repo.claim_due(s, now, limit=0)] == []
        with db.session() as s:
            second = [r.idempotency_key for r in repo.claim_due(s, now, limit=10)]
        assert first == ["k4", "k3", "k2"]  # oldest due first
        assert second == ["k1", "k0"]
        with db.session() as s:
            repo.finish_outbox(s, 1, status="sent", external_ref="m1")
        with db.read() as s:
            assert repo.count_outbox(s, status="sent") == 1
            assert repo.count_outbox(s, status="sending") == 4
            assert repo.count_outbox(s, status="pending") == 1

    def test_concurrent_claims_split_the_rows(self, db: Database) -> None:
        now = utcnow()
        with db.session() as s:
            ref = repo.ensure_identity(s, "telegram", "42")
            repo.enqueue(s, [NewOutbox(f"k{i}", ref.customer_id, "telegram", "42", {})
                             for i in range(60)])
        claimed: list[list[int]] = []

        def worker() -> None:
            mine: list[int] = []
            while True:
                with db.session() as s:
                    rows = repo.claim_due(s, now + timedelta(seconds=1), limit=7)
                    if not rows:
                        break
                    mine += [r.id for r in rows]
            claimed.append(mine)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        every = [i for ids in claimed for i in ids]
        assert sorted(every) == sorted(set(every)) and len(every) == 60

    def test_interrupted_sends_are_failed_not_resent(self, db: Database) -> None:
        with db.session() as s:
            ref = repo.ensure_identity(s, "telegram", "42")
            repo.enqueue(s, [NewOutbox("k", ref.customer_id, "telegram", "42", {})])
        with db.session() as s:
            repo.claim_due(s, utcnow())
        with db.session() as s:
            assert repo.expire_interrupted(s, utcnow() + timedelta(seconds=1)) == 1
        with db.read() as s:
            row = s.execute(select(OutboxMessage)).scalar_one()
        assert row.status == "failed" and "not resent" in (row.last_error or "")

    def test_events_table_is_append_only_by_convention(self, db: Database) -> None:
        # The application has no code path that updates or deletes events.
        import inspect

        source = inspect.getsource(repo)
        assert "update(ConversationEvent" not in source
        assert "delete(ConversationEvent" not in source
        with db.read() as s:
            assert s.execute(select(ConversationEvent)).first() is None


def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    with db.read() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    db.dispose()
