"""Shared pieces for the loyalty tests (no tests here): the section the hand-computed
numbers come from, customers, completed bookings and a pipeline driven like a chat."""

from __future__ import annotations

import copy
import shutil
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bot.channels.base import InboundMessage
from bot.pipeline import Pipeline
from flows.business.loyalty import on_booking_completed
from flows.yamlio import load_yaml, plain
from storage.conn import Tx, conn_of
from storage.db import Database
from storage.models import ChannelIdentity, Customer
from storage.models_business import Booking

from .conftest import NOW, SHIPPED_FLOWS

#: The shipped texts with the numbers these tests compute by hand, spelled out here.
SECTION: dict[str, Any] = copy.deepcopy(plain(load_yaml(SHIPPED_FLOWS / "loyalty.yml"))["loyalty"])
SECTION["points"] = {"survey": 50, "referral": {"referrer": 200, "referred": 100},
                     "spend": {"points": 1, "per_amount": 10},
                     "expiry": {"mode": "months", "months": 12}}
SECTION["tiers"].update(window_months=12, match="any", lifetime_vip_floor="gold")
SECTION["tiers"]["levels"] = [
    {"key": "basic", "name": {"zh": "普通会员", "en": "Basic"}},
    {"key": "silver", "name": {"zh": "银卡会员", "en": "Silver"}, "min_spend": 5000,
     "min_services": 4},
    {"key": "gold", "name": {"zh": "金卡会员", "en": "Gold"}, "min_spend": 15000,
     "min_services": 8},
    {"key": "diamond", "name": {"zh": "钻石会员", "en": "Diamond"}, "min_spend": 30000,
     "min_services": 12},
]
assert [(m["services"], m["key"], m.get("points", 0)) for m in SECTION["milestones"]] == [
    (1, "priority_scheduling", 0), (2, "free_addon", 0), (3, "discount_package", 0),
    (5, "lifetime_vip", 500)]


def new_customer(tx: Tx, *, tier: str = "standard") -> int:
    return int(conn_of(tx).execute(insert(Customer).values(
        display_name="t", lang="zh", tier=tier, points=0, profile={},
        created_at=NOW, updated_at=NOW).returning(Customer.id)).scalar_one())


_seq = iter(range(1, 10**6))


def complete_booking(tx: Tx, customer_id: int, total: float, completed_at: datetime, *,
                     section: dict[str, Any] | None = None, hooks: bool = True) -> str:
    """A booking row stored as completed (as the bookings module does), then the loyalty hook."""
    public_id = f"B{completed_at:%y%m%d}{next(_seq):04d}"
    row = {"public_id": public_id, "customer_id": customer_id, "service": "cleaning",
           "day": completed_at.date(), "slot": "am", "status": "completed", "total": total,
           "currency": "CNY", "details": {}, "created_at": completed_at,
           "updated_at": completed_at, "completed_at": completed_at}
    conn_of(tx).execute(insert(Booking).values(**row))
    if hooks:
        on_booking_completed(tx, row, completed_at, section=section or SECTION)
    return public_id


def months_ago(n: int, now: datetime = NOW) -> datetime:
    return now - timedelta(days=round(30.44 * n))


def scripts_dir(tmp: Path) -> Path:
    """Core + loyalty scripts only: these tests do not depend on the other domains' files."""
    directory = tmp / "scripts"
    directory.mkdir()
    for name in ("core.yml", "faq.yml", "loyalty.yml"):
        shutil.copy(SHIPPED_FLOWS / name, directory / name)
    return directory


class Chat:
    """Customers writing to the bot on the web channel, with a clock the test moves."""

    def __init__(self, db: Database, nlu: Any, scripts: Path) -> None:
        from flows.reload import BundleHolder

        from .conftest import TZ

        self.db, self.now = db, NOW
        self.pipeline = Pipeline(db, nlu, BundleHolder(scripts), tz=TZ, clock=lambda: self.now)

    def say(self, sender: str, text: str) -> str:
        result = self.pipeline.handle(InboundMessage(channel="web", message_id=uuid.uuid4().hex,
                                                     sender=sender, text=text))
        return "\n".join(r.text for r in result.replies)

    def customer(self, sender: str) -> int:
        with self.db.read() as s:
            return int(s.execute(select(ChannelIdentity.customer_id).where(
                ChannelIdentity.channel == "web", ChannelIdentity.external_id == sender)
            ).scalar_one())
