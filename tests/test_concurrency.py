"""One message at a time per conversation, also across processes; duplicates answered once."""

from __future__ import annotations

import multiprocessing
import random
from itertools import groupby

from sqlalchemy import select

from storage.db import Database
from storage.models import Conversation, ConversationEvent, InboundMessage

TEXTS = ["你好", "我想搬家多少钱", "两室", "下周六", "你们几点上班", "hello", "how much for cleaning",
         "2", "tomorrow", "算了"]


def customer(db_url: str, ids: list[str], seed: int) -> None:
    """A worker process: its own engine, NLU and pipeline, like a second uvicorn worker."""
    from zoneinfo import ZoneInfo

    from bot.channels.base import InboundMessage as Msg
    from bot.pipeline import Pipeline
    from bot.settings import SHIPPED_FLOWS_DIR
    from flows.reload import BundleHolder
    from nlu.builtin import default_nlu

    db = Database(db_url)
    pipeline = Pipeline(db, default_nlu(), BundleHolder(SHIPPED_FLOWS_DIR),
                        tz=ZoneInfo("Asia/Shanghai"))
    order = list(ids)
    random.Random(seed).shuffle(order)
    for message_id in order:
        n = int(message_id.split("-")[1])
        pipeline.handle(Msg(channel="web", message_id=message_id, sender="same-customer",
                            text=TEXTS[n % len(TEXTS)]))
    db.dispose()


def test_two_processes_one_conversation(db_url: str) -> None:
    ids = [f"m-{i}" for i in range(24)]
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=customer, args=(db_url, ids, seed)) for seed in (1, 2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    db = Database(db_url)
    with db.read() as s:
        inbound = s.execute(select(InboundMessage)).scalars().all()
        events = s.execute(select(ConversationEvent).order_by(ConversationEvent.id)).scalars().all()
        (conv,) = s.execute(select(Conversation)).scalars().all()
    db.dispose()
    # Each message id stored and processed once, although both processes sent all of them.
    assert sorted(m.external_id for m in inbound) == sorted(ids)
    assert {m.status for m in inbound} == {"processed"}
    assert [e.type for e in events].count("message_in") == len(ids)
    assert conv.turns == len(ids)
    # Serialised: the events of one message are never interleaved with another's.
    runs = [key for key, _ in groupby(events, key=lambda e: e.inbound_id)]
    assert len(runs) == len(set(runs)) == len(ids)
