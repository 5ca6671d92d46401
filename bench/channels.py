"""``python -m bench.channels``: delivery under Telegram's limits, and WeChat acknowledgement.

1. Delivery: a backlog of outbox rows (default 10 000, four per chat, each chat's rows in a
   row — the worst case for the per-chat limit) delivered by the real delivery worker through
   the real Telegram adapter to a loopback fake Bot API. Reports the achieved rate against
   the allowed 30 msg/s (target ≥ 95 %) and duplicates (target 0).
2. WeChat: signed text messages POSTed to ``/webhooks/wechat`` at a fixed 200 req/s (open loop,
   latency from the scheduled send time); reports p50/p99 of the acknowledgement (target p99
   < 100 ms; the platform allows 5 s).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
import tempfile
import time
from collections import Counter
from itertools import count
from pathlib import Path

from pydantic import SecretStr

from bench.fakeplatform import FakePlatform, chat_gaps_under
from bench.loadgen import open_loop
from bench.server import HOST, Server

ALLOWED_RATE = 30.0  # Telegram: messages per second overall


def delivery(messages: int, per_chat: int, timeout: float) -> bool:
    from bot.delivery import ChannelSender
    from bot.services import make_channels
    from bot.settings import Settings
    from scheduler.delivery import DeliveryWorker
    from storage import repo
    from storage.db import Database
    from storage.migrate import upgrade
    from storage.repo import NewOutbox

    with tempfile.TemporaryDirectory() as tmp, FakePlatform() as fake:
        url = f"sqlite:///{tmp}/delivery.db"
        upgrade(url)
        db = Database(url)
        settings = Settings(database_url=url, telegram_token=SecretStr("123456:BENCH"),
                            telegram_api_base=fake.base_url, hot_reload=False)
        channels = make_channels(settings, db)
        with db.session() as s:
            ref = repo.ensure_identity(s, "telegram", "bench")
            rows = [NewOutbox(f"bench:{i}", ref.customer_id, "telegram",
                              str(100_000 + i // per_chat), {"text": f"message {i}"})
                    for i in range(messages)]
            for start in range(0, messages, 1000):
                repo.enqueue(s, rows[start:start + 1000])
        print(f"delivering {messages} messages to {messages // per_chat} chats "
              f"({per_chat} each) at Telegram's limits …", flush=True)
        worker = DeliveryWorker(db, ChannelSender(channels), ["telegram"], idle_wait=0.2)
        started = time.perf_counter()
        worker.start()
        last = -1
        try:
            while len(fake.arrivals) < messages and time.perf_counter() - started < timeout:
                time.sleep(1.0)
                if len(fake.arrivals) // 1000 != last // 1000:
                    last = len(fake.arrivals)
                    print(f"  {last}/{messages} sent after {time.perf_counter() - started:.0f} s",
                          flush=True)
        finally:
            worker.stop()
            for channel in channels.values():
                getattr(channel, "close", lambda: None)()
            with db.read() as s:
                statuses = Counter({str(status): repo.count_outbox(s, status=status)
                                    for status in ("sent", "pending", "sending", "failed")})
            db.dispose()
    times = sorted(t for t, _, _ in fake.arrivals)
    texts = [text for _, _, text in fake.arrivals]
    duplicates = len(texts) - len(set(texts))
    rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    per_chat_violations = chat_gaps_under((t, chat) for t, chat, _ in fake.arrivals)
    ok = rate >= 0.95 * ALLOWED_RATE and duplicates == 0 and len(texts) == messages
    print(f"delivered {len(texts)}/{messages}; outbox {dict(statuses)}")
    print(f"achieved rate {rate:.2f} msg/s = {rate / ALLOWED_RATE:.1%} of the allowed "
          f"{ALLOWED_RATE:.0f}/s (target >= 95%): {'PASS' if rate >= 0.95 * ALLOWED_RATE else 'FAIL'}")
    print(f"duplicates {duplicates} (target 0): {'PASS' if duplicates == 0 else 'FAIL'}; "
          f"sends closer than 1 s to the same chat: {per_chat_violations}")
    return ok


def wechat_ack(rate: float, duration: float, connections: int) -> bool:
    token = "BenchToken"
    timestamp, nonce = str(int(time.time())), "bench"
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    path = f"/webhooks/wechat?signature={signature}&timestamp={timestamp}&nonce={nonce}"
    texts = ["你好", "我想搬家，两室一厅，下周六，多少钱？", "你们几点上班", "谢谢", "2", "明天"]
    ids = count(10_000_000_000)

    def body() -> bytes:
        n = next(ids)
        return (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>"
                f"<FromUserName><![CDATA[oBench{n % 500}]]></FromUserName>"
                f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                f"<Content><![CDATA[{texts[n % len(texts)]}]]></Content><MsgId>{n}</MsgId></xml>"
                ).encode()

    def check(data: bytes) -> str | None:
        return None if data == b"success" or data.startswith(b"<xml>") else "not a WeChat reply"

    with tempfile.TemporaryDirectory() as tmp, FakePlatform() as fake:
        env = {"CARELINE_WECHAT_APPID": "wxbench", "CARELINE_WECHAT_SECRET": "secret",
               "CARELINE_WECHAT_TOKEN": token, "CARELINE_WECHAT_API_BASE": fake.base_url}
        server = Server(f"sqlite:///{tmp}/wechat.db", Path(tmp), cpu=0, extra_env=env)
        server.start()
        try:
            result = asyncio.run(open_loop(HOST, server.port, path,
                                           [body] * connections, rate=rate, warmup=2,
                                           duration=duration, check=check, name="wechat"))
        finally:
            server.stop()
    r = result
    print(f"WeChat webhook at {rate:.0f} req/s for {duration:.0f} s, {connections} connections: "
          f"{r.rate:.1f} req/s answered, p50 {r.p50:.2f} ms, p99 {r.p99:.2f} ms, "
          f"max {r.max:.2f} ms, errors {r.errors} {r.error_kinds or ''}")
    ok = r.p99 < 100 and not r.errors
    print(f"acknowledgement p99 {r.p99:.2f} ms (target < 100 ms): {'PASS' if ok else 'FAIL'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.channels", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", choices=["delivery", "wechat"], help="run one of the two")
    p.add_argument("--messages", type=int, default=10_000, help="delivery backlog size")
    p.add_argument("--per-chat", type=int, default=4, help="messages per chat in the backlog")
    p.add_argument("--rate", type=float, default=200.0, help="WeChat requests per second")
    p.add_argument("--duration", type=float, default=10.0, help="WeChat phase seconds")
    p.add_argument("--connections", type=int, default=8)
    args = p.parse_args(argv)
    # Exit 0 whatever the figures: the report says PASS/FAIL; non-zero means the harness broke.
    if args.only in (None, "wechat"):
        wechat_ack(args.rate, args.duration, args.connections)
    if args.only in (None, "delivery"):
        delivery(args.messages, args.per_chat, args.messages / ALLOWED_RATE * 2 + 60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
