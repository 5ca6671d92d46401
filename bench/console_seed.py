"""Seeding the console bench's database: customers, identities, conversations, events."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bench.console_live import USERS


def seed(db_url: str, conversations: int, events_each: int = 8) -> None:
    """Customers, identities, conversations and events, straight into the tables."""
    from sqlalchemy import insert, text

    from storage.db import Database
    from storage.models import ChannelIdentity, Conversation, ConversationEvent, Customer

    rnd = random.Random(6)
    now = datetime.now(UTC)
    agents = [n for n, r in USERS.items() if r == "agent"]
    customers, identities, convs, events = [], [], [], []
    for i in range(1, conversations + 1):
        channel = ("telegram", "wechat", "web")[i % 3]
        lang = "zh" if i % 4 else "en"
        tier = "gold" if i % 20 == 0 else "standard"
        customers.append({"id": i, "display_name": f"客户 {i}", "lang": lang, "tier": tier,
                          "points": rnd.randrange(0, 5000), "profile": {}, "created_at": now,
                          "updated_at": now})
        identities.append({"id": i, "customer_id": i, "channel": channel,
                           "external_id": str(7_000_000 + i), "display_name": f"客户 {i}",
                           "created_at": now, "last_inbound_at": now})
        bucket = i % 100
        status = ("queued" if bucket < 5 else "agent" if bucket < 8 else
                  "closed" if bucket < 30 else "bot")
        handed = status in ("queued", "agent")
        waited = timedelta(seconds=rnd.randrange(5, 900))
        convs.append({
            "id": i, "public_id": f"c_bench{i:08d}", "customer_id": i, "identity_id": i,
            "channel": channel, "status": status, "lang": lang, "state": {}, "turns": 4,
            "created_at": now - timedelta(days=1), "updated_at": now - waited,
            "last_inbound_at": now - waited,
            "assigned_agent": rnd.choice(agents) if status == "agent" else None,
            "handoff_reason": rnd.choice(("anger", "asked", "negative", "failed_turns"))
            if handed else None,
            "priority": rnd.choice((20, 40, 50, 60, 80, 100)) if handed else 0,
            "queued_at": now - waited if handed else None,
            "claimed_at": now - waited / 2 if status == "agent" else None,
            "sentiment": round(rnd.uniform(-1, 0.5), 3) if handed else None,
            "angry": handed and bucket % 2 == 0})
        for k in range(events_each):
            inbound = k % 2 == 0
            events.append({
                "conversation_id": i, "customer_id": i,
                "type": "message_in" if inbound else "message_out",
                "actor": "customer" if inbound else "bot",
                "ts": now - waited - timedelta(seconds=(events_each - k) * 30),
                "data": {"text": f"消息 {k} / message {k} of {i}", "kind": "text"}
                if inbound else {"text": "好的，请稍等。", "buttons": []}})
    db = Database(db_url)
    try:
        with db.engine.begin() as conn:
            for table, rows in ((Customer, customers), (ChannelIdentity, identities),
                                (Conversation, convs)):
                for start in range(0, len(rows), 2000):
                    conn.execute(insert(table), rows[start:start + 2000])
            for start in range(0, len(events), 5000):
                conn.execute(insert(ConversationEvent), events[start:start + 5000])
            if conn.dialect.name == "postgresql":  # explicit ids: move the sequences past them
                for name in ("customers", "channel_identities", "conversations"):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                      f"(SELECT max(id) FROM {name}))"))
                conn.execute(text("ANALYZE"))
    finally:
        db.dispose()
