"""/link (绑定): one customer across channels — history, points and conversations shared."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from bot.channels.base import InboundMessage
from bot.pipeline import Pipeline
from flows.reload import BundleHolder
from storage import repo
from storage.db import Database
from storage.models import ChannelIdentity, Customer

from .conftest import NOW, SHIPPED_FLOWS, TZ


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def say(p: Pipeline, channel: str, sender: str, text: str) -> list[str]:
    result = p.handle(InboundMessage(channel=channel, message_id=uuid.uuid4().hex,
                                     sender=sender, text=text))
    return [r.text for r in result.replies]


def customer_of(db: Database, channel: str, sender: str) -> int:
    with db.read() as s:
        return int(s.execute(select(ChannelIdentity.customer_id).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == sender)).scalar_one())


def test_link_wechat_and_telegram(db: Database, nlu: Any) -> None:
    clock = Clock()
    p = Pipeline(db, nlu, BundleHolder(SHIPPED_FLOWS), tz=TZ, clock=clock)
    say(p, "wechat", "oWx1", "我想搬家，两室，下周六，多少钱")
    say(p, "wechat", "oWx1", "算了")  # leave the quote; history is what matters here
    with db.session() as s:
        s.execute(update(Customer).where(Customer.id == customer_of(db, "wechat", "oWx1"))
                  .values(points=120))
    (issued,) = say(p, "wechat", "oWx1", "绑定")
    code = re.search(r"\d{6}", issued).group(0)  # type: ignore[union-attr]
    assert "10 分钟内有效" in issued
    say(p, "telegram", "555", "hello")
    assert customer_of(db, "telegram", "555") != customer_of(db, "wechat", "oWx1")
    clock.now += timedelta(minutes=3)
    assert say(p, "telegram", "555", f"/link {code}") == [
        "Linked! Your history, bookings and points are now shared across channels."]
    one = customer_of(db, "wechat", "oWx1")
    assert customer_of(db, "telegram", "555") == one
    with db.read() as s:
        history = repo.customer_events(s, one)
        customer = s.get(Customer, one)
        assert customer is not None and customer.points == 120
        assert s.execute(select(Customer)).scalars().all() == [customer]
    channels = {h.channel for h in history if h.type == "message_in"}
    assert channels == {"wechat", "telegram"}
    # the code is single-use
    assert say(p, "telegram", "555", f"/link {code}") == [
        "That link code is invalid or has expired. Send \"/link\" for a new one."]


def test_expired_or_same_channel_codes_are_refused(db: Database, nlu: Any) -> None:
    clock = Clock()
    p = Pipeline(db, nlu, BundleHolder(SHIPPED_FLOWS), tz=TZ, clock=clock)
    code = re.search(r"\d{6}", say(p, "wechat", "oA", "绑定")[0]).group(0)  # type: ignore[union-attr]
    assert say(p, "wechat", "oA", f"绑定 {code}") == ["请在另一个渠道发送这个绑定码。"]
    code = re.search(r"\d{6}", say(p, "wechat", "oA", "绑定")[0]).group(0)  # type: ignore[union-attr]
    clock.now += timedelta(minutes=11)
    assert say(p, "telegram", "9", f"绑定 {code}") == ["这个绑定码无效或已过期，请重新发送“绑定”获取新码。"]
    assert customer_of(db, "telegram", "9") != customer_of(db, "wechat", "oA")
