"""``python -m bench.quote``: server time of a complete quote conversation (target < 50 ms).

A virtual customer opens with the question customers really ask ("下周六从朝阳搬到海淀，两室一厅，
6楼没电梯，多少钱？") and answers whatever the bot still asks, until the itemised quote arrives.
"Server time" is the time spent inside the pipeline for all the bot's turns of that
conversation (NLU, flows, pricing, storage, commit) — what a webhook request costs us, without
the HTTP client. Runs on SQLite, and on PostgreSQL when ``CARELINE_TEST_POSTGRES_URL`` (or
``--postgres URL``) is given. Also reports the number of customer turns (target: at most 6).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.channels.base import InboundMessage
from bot.services import build_services
from bot.settings import Settings

TARGET_MS = 50.0
MAX_TURNS = 6
QUOTE_ID = re.compile(r"\bQ\d{6}[0-9A-Z]+")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

#: Opening message and the answers a customer gives to the questions the bot may still ask
#: (matched on the bot's question, first match wins).
CONVERSATIONS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "moving_zh": ("下周六从朝阳搬到海淀，两室一厅，6楼没电梯，多少钱？", [
        (r"公里|距离|多远", "大概15公里"), (r"大件|钢琴|冰箱|家具", "有一台冰箱"),
        (r"新家|目的地|搬到.*几楼", "新家3楼有电梯"), (r"电梯", "没有"), (r"几楼|楼层", "6楼"),
        (r"打包|包装", "不用"), (r"保险|保价", "不用"), (r"哪天|日期|时间", "下周六"),
        (r"户型|几室|多大", "两室一厅"), (r"服务", "搬家"), (r".", "不用"),
    ]),
    "moving_en": ("How much to move a 2-bedroom flat from Pudong to Xuhui next Saturday? "
                  "5th floor, no lift.", [
        (r"km|far|distance", "about 15 km"), (r"large|piano|fridge|furniture", "one fridge"),
        (r"new (home|place)|destination", "3rd floor with a lift"), (r"lift|elevator", "no"),
        (r"floor", "5th floor"), (r"pack", "no"), (r"insur", "no"), (r"day|date|when", "next Saturday"),
        (r"bedroom|big|size", "2 bedrooms"), (r"service", "moving"), (r".", "no"),
    ]),
    "cleaning_zh": ("下周三想做个保洁，三室一厅，多少钱", [
        (r"深度|日常|类型", "日常保洁"), (r"周期|每月|套餐|一次", "就一次"), (r"面积|平米", "100平"),
        (r"哪天|日期", "下周三"), (r"户型|几室", "三室"), (r".", "不用"),
    ]),
}


@dataclass
class Run:
    name: str
    ms: float
    turns: int
    quoted: bool


def converse(services: object, name: str, user: str) -> Run:
    pipeline = services.pipeline  # type: ignore[attr-defined]
    opening, answers = CONVERSATIONS[name]
    text, spent, turns = opening, 0.0, 0
    lang = "en" if name.endswith("_en") else "zh"
    for turns in range(1, MAX_TURNS * 2 + 1):
        msg = InboundMessage(channel="web", sender=user, text=text, message_id=f"{user}-{turns}",
                             lang_hint=lang)
        t0 = time.perf_counter()
        result = pipeline.handle(msg, inline=100)
        spent += time.perf_counter() - t0
        said = "\n".join(r.text for r in result.replies)
        if QUOTE_ID.search(said):
            return Run(name, spent * 1000, turns, True)
        text = next(a for pattern, a in answers if re.search(pattern, said, re.I))
    return Run(name, spent * 1000, turns, False)


def measure(url: str, label: str, rounds: int) -> list[Run]:
    from nlu.builtin import default_nlu

    settings = Settings(database_url=url)
    services = build_services(settings, nlu=default_nlu(), migrate=True, clock=lambda: NOW)
    try:
        for name in CONVERSATIONS:  # warm caches (regexes, statements, the NLU model)
            converse(services, name, f"warm-{name}")
        runs = [converse(services, name, f"{label}-{name}-{i}")
                for i in range(rounds) for name in CONVERSATIONS]
    finally:
        services.db.dispose()
    return runs


def report(label: str, runs: Sequence[Run]) -> bool:
    print(f"\n{label}: {len(runs)} complete quote conversations")
    print(f"{'conversation':<14}{'turns':>6}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}  quoted")
    ok = True
    for name in CONVERSATIONS:
        mine = [r for r in runs if r.name == name]
        ms = sorted(r.ms for r in mine)
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        turns = max(r.turns for r in mine)
        quoted = all(r.quoted for r in mine)
        ok &= quoted and p99 < TARGET_MS and turns <= MAX_TURNS
        print(f"{name:<14}{turns:>6}{statistics.median(ms):>9.1f}{p99:>9.1f}{ms[-1]:>9.1f}  "
              f"{'yes' if quoted else 'NO'}")
    all_ms = [r.ms for r in runs]
    print(f"all: mean {statistics.fmean(all_ms):.1f} ms per conversation; target < {TARGET_MS:.0f} ms "
          f"p99 and <= {MAX_TURNS} turns: {'met' if ok else 'MISSED'}")
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.quote", description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=50, help="conversations of each kind (50)")
    p.add_argument("--postgres", default=os.environ.get("CARELINE_TEST_POSTGRES_URL"),
                   help="PostgreSQL URL (default $CARELINE_TEST_POSTGRES_URL); omit to skip")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        report("SQLite", measure(f"sqlite:///{Path(tmp) / 'quote.db'}", "sqlite", args.rounds))
    if args.postgres:
        from bench.server import postgres_database

        with postgres_database(args.postgres) as url:
            report("PostgreSQL", measure(url, "pg", args.rounds))
    else:
        print("\nPostgreSQL: skipped (set CARELINE_TEST_POSTGRES_URL or --postgres)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
