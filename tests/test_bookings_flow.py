"""Booking conversations that need data a transcript cannot set up: full days, a crew taken
mid-conversation, a booking straight from a quote, the crew's ETA, hooks, cutoff refusals."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.channels.base import InboundMessage
from bot.pipeline import Pipeline
from flows.business import booking as biz
from flows.reload import BundleHolder
from flows.runtime import Runtime
from flows.turn import Env, Turn
from storage import bookings as repo
from storage import repo as core
from storage.bookings import BookingRow, NewBooking
from storage.db import Database
from storage.models import OutboxMessage

from .conftest import NOW, SHIPPED_FLOWS, TZ

SAT = date(2026, 12, 5)


class Customer:
    """One web-chat customer talking to the real pipeline, on a clock that moves 30 s a turn."""

    def __init__(self, db: Database, nlu: Any, flows: Path, name: str = "") -> None:
        self.db, self.now = db, NOW
        self.user = name or "c-" + uuid.uuid4().hex[:8]
        self.pipeline = Pipeline(db, nlu, BundleHolder(flows), tz=TZ, clock=lambda: self.now)
        self.last: Any = None

    def say(self, text: str) -> list[str]:
        self.last = self.pipeline.handle(InboundMessage(
            channel="web", message_id=uuid.uuid4().hex, sender=self.user, text=text))
        self.now += timedelta(seconds=30)
        return [r.text for r in self.last.replies]

    @property
    def buttons(self) -> list[str]:
        return list(self.last.replies[-1].buttons) if self.last.replies else []


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Database]:
    database = Database(sqlite_url)
    yield database
    database.dispose()


def fill(db: Database, day: date, slot: str, crews: int, service: str = "cleaning") -> None:
    """Other customers take ``crews`` bookings of (day, slot)."""
    for _ in range(crews):
        with db.transaction() as conn:
            other = core.conversation_for(conn, "web", "other-" + uuid.uuid4().hex[:6])
            made = repo.create_booking(conn, NewBooking(other.customer_id, service, day, slot),
                                       capacity=crews, now=NOW)
            assert made is not None


def test_a_full_day_offers_the_nearest_free_days(db: Database, nlu: Any) -> None:
    for slot, crews in (("morning", 4), ("afternoon", 4), ("evening", 1)):
        fill(db, SAT, slot, crews)
    me = Customer(db, nlu, SHIPPED_FLOWS)
    assert me.say("我想约下周六保洁") == [
        "12月5日（周六）已经约满了。\n最近可约：12月3日（周四）上午、12月4日（周五）上午、12月6日（周日）上午",
        "请问哪天上门？（例如：明天、下周六、12月5号）"]
    assert me.buttons == ["12月3日（周四）上午", "12月4日（周五）上午", "12月6日（周日）上午"]
    assert me.say("12月6日（周日）上午") == ["请告诉我上门地址（小区、楼号、门牌号）。"]


def test_a_full_slot_offers_only_the_free_ones_in_english(db: Database, nlu: Any) -> None:
    fill(db, SAT, "morning", 4)
    me = Customer(db, nlu, SHIPPED_FLOWS)
    assert me.say("book a cleaning next Saturday morning") == [
        "Sat Dec 5 Morning is fully booked.", "Which time on Sat Dec 5?"]
    assert me.buttons == ["Afternoon", "Evening"]
    assert me.say("2") == ["What's the address? (building, street, flat number)"]


def test_the_last_crew_taken_while_the_customer_types(db: Database, nlu: Any) -> None:
    me = Customer(db, nlu, SHIPPED_FLOWS)
    me.say("约下周六晚上的保洁")
    me.say("朝阳区建国路88号3单元501")
    me.say("13812345678")
    fill(db, SAT, "evening", 1)  # someone else books the only evening crew meanwhile
    assert me.say("没有") == ["12月5日（周六）晚上已经约满了。",
                            "请选择12月5日（周六）的上门时段："]
    assert me.buttons == ["上午", "下午"]
    reply = me.say("下午")
    assert reply[0].startswith("预约成功 ✅") and "12月5日（周六）下午 13:00–17:00" in reply[0]


def test_booking_right_after_a_quote_keeps_the_price(db: Database) -> None:
    """The quote flow ends with `goto: booking` carrying its slots; booking asks the rest."""
    bundle = BundleHolder(SHIPPED_FLOWS).bundle
    with db.transaction() as conn:
        conv = core.conversation_for(conn, "web", "quoted")
        core.set_profile(conn, conv.customer_id, phone="+8613800000000")
        carried = {"service_type": "moving", "date": "2026-12-05", "home_size": "two_rooms",
                   "quote_id": "Q261123ABCDEF", "quote_total": 990.0,
                   "from_address": "朝阳区建国路88号", "to_address": "海淀区中关村大街1号"}
        state = {"stack": [{"flow": "booking", "step": "prepare", "slots": carried,
                            "retries": 0}]}
        env = Env(tz=TZ, customer_id=conv.customer_id, conversation_id=conv.id, session=conn,
                  channel="web")
        runtime = Runtime(bundle, TZ)
        out = runtime.handle(state, Turn("预约", "zh", NOW, "book", 0.98), env)
        assert [r.text for r in out.replies] == ["请选择12月5日（周六）的上门时段："]
        assert out.replies[0].buttons == ("上午", "下午")
        out = runtime.handle(out.state, Turn("上午", "zh", NOW, None, 0.0), env)
        assert [r.text for r in out.replies] == [
            "有什么特别要求吗？（例如：不要柠檬味清洁剂）没有请回复“没有”。"]
        out = runtime.handle(out.state, Turn("钢琴要特别小心", "zh", NOW, None, 0.0), env)
        (text,) = [r.text for r in out.replies]
        made = repo.list_for_customer(conn, conv.customer_id)
    assert "地址：朝阳区建国路88号 → 海淀区中关村大街1号" in text
    assert "电话：+8613800000000" in text and "价格：¥990（Q261123ABCDEF）" in text
    assert "特别要求：钢琴要特别小心" in text and "上门前请准备：请提前把小件物品装箱" in text
    assert [(b.service, b.day, b.slot, b.total, b.quote_id) for b in made] == [
        ("moving", SAT, "morning", 990.0, "Q261123ABCDEF")]


def book_one(me: Customer, when: str = "下周六上午") -> str:
    """Book and answer whatever is still asked (the phone only the first time)."""
    answers = {"地址": "朝阳区建国路88号3单元501", "电话": "13812345678", "特别要求": "没有"}
    reply = me.say(f"约{when}的保洁")[-1]
    for _ in range(4):
        if reply.startswith("预约成功"):
            return reply.split("预约号：")[1].split("\n")[0]
        reply = me.say(next(a for k, a in answers.items() if k in reply))[-1]
    raise AssertionError(f"booking did not finish: {reply}")


def test_status_with_the_eta_ops_set(db: Database, nlu: Any) -> None:
    me = Customer(db, nlu, SHIPPED_FLOWS)
    public_id = book_one(me, "明天上午")
    with db.transaction() as conn:
        biz.set_status(conn, public_id, "on_the_way", "09:40", "路上有点堵", "agent:li",
                       now=NOW + timedelta(hours=23), tz=TZ)
        pushed = conn.execute(select(OutboxMessage.payload, OutboxMessage.ref)
                              .where(OutboxMessage.kind == "booking")).all()
    assert [(p["text"], ref) for p, ref in pushed] == [
        (f"您的预约 {public_id}（11月24日（周二）上午）：师傅已出发，预计 09:40 到达。",
         f"booking:{public_id}")]
    (reply,) = me.say("师傅到哪了？")
    assert reply.endswith("状态：师傅已出发，预计 09:40 到达\n备注：路上有点堵")
    (reply,) = me.say("where is the crew")
    assert "Status: the crew is on the way, expected at 09:40" in reply


def test_hooks_see_every_change(db: Database, nlu: Any) -> None:
    seen: list[tuple[str, str, str]] = []

    def hook(name: str) -> biz.Hook:
        return lambda conn, row, now: seen.append((name, row.public_id, row.status))

    hooks = [(biz.ON_CREATED, hook("created")), (biz.ON_RESCHEDULED, hook("rescheduled")),
             (biz.ON_CANCELLED, hook("cancelled")), (biz.ON_COMPLETED, hook("completed"))]
    for hooks_list, fn in hooks:
        hooks_list.append(fn)
    try:
        me = Customer(db, nlu, SHIPPED_FLOWS)
        first = book_one(me)
        me.say("改到下周日下午")
        me.say("取消预约")
        me.say("确认取消")
        second = book_one(me, "下周五上午")
        with db.transaction() as conn:
            done: BookingRow = biz.complete_booking(conn, second, NOW, "ops")
    finally:
        for hooks_list, fn in hooks:
            hooks_list.remove(fn)
    assert done.status == "completed"
    assert seen == [("created", first, "confirmed"), ("rescheduled", first, "confirmed"),
                    ("cancelled", first, "cancelled"), ("created", second, "confirmed"),
                    ("completed", second, "completed")]


def scripts_with(tmp_path: Path, old: str, new: str) -> Path:
    directory = tmp_path / "scripts"
    shutil.copytree(SHIPPED_FLOWS, directory)
    path = directory / "booking.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return directory


def test_reschedule_inside_the_cutoff_can_be_refused(db: Database, nlu: Any,
                                                      tmp_path: Path) -> None:
    flows = scripts_with(tmp_path, "    late: fee                              # later: fee "
                         "(late_fee_pct of the price) or refuse\n    late_fee_pct: 20",
                         "    late: refuse")
    me = Customer(db, nlu, flows)
    book_one(me, "明天上午")
    assert me.say("改期") == ["距离上门已不足 24 小时，无法在线改期。如需帮助请输入“转人工”。"]
    assert me.last.active_flow is None
    assert me.say("reschedule my booking") == [
        "It's less than 24 hours before the visit, so it can't be rescheduled online. Type "
        "\"human\" for help."]


def test_a_complaint_in_the_middle_offers_to_resume(db: Database, nlu: Any,
                                                     tmp_path: Path) -> None:
    flows = tmp_path / "scripts"
    shutil.copytree(SHIPPED_FLOWS, flows)
    bundle = BundleHolder(flows).bundle
    if not any("complain" in f.triggers.intents for f in bundle.flows.values()):
        (flows / "complaint_stub.yml").write_text(
            "version: 1\nflows:\n  complaint:\n    title: {zh: 投诉, en: complaint}\n"
            "    triggers: {intents: [complain], keywords: {zh: [投诉]}}\n    steps:\n"
            "      - say: {zh: 已记录您的投诉。, en: Your complaint is recorded.}\n      - end\n",
            encoding="utf-8")
    me = Customer(db, nlu, flows)
    me.say("我想预约下周六上午的保洁")
    replies = me.say("我要投诉，上次阿姨态度不好")  # not urgent: no handoff
    for _ in range(6):  # answer the complaint flow's questions as briefly as it allows
        if replies[-1] == "要继续刚才的「预约」吗？":
            break
        replies = me.say("跳过" if "跳过" in replies[-1] else
                         me.buttons[0] if me.buttons else "没有了")
    assert replies[-1] == "要继续刚才的「预约」吗？"
    assert me.buttons == ["继续", "不用了"]
    assert me.say("继续") == ["请告诉我上门地址（小区、楼号、门牌号）。"]


def test_no_upcoming_booking(db: Database, nlu: Any) -> None:
    me = Customer(db, nlu, SHIPPED_FLOWS)
    assert me.say("取消预约") == ["您目前没有待服务的预约。需要预约请说“我想预约”。"]
    assert me.say("reschedule my booking") == [
        "You have no upcoming bookings. Say \"book\" to make one."]
    assert me.last.active_flow is None


def test_eta_is_read_in_local_time() -> None:
    row = BookingRow(1, "B2611230001", 1, None, None, "cleaning", SAT, "morning", "confirmed",
                     None, None, None, "CNY", {}, None, None, NOW, NOW, None, None)
    assert biz.parse_eta(row, "14:30", TZ) == datetime(2026, 12, 5, 14, 30, tzinfo=TZ)
    assert biz.parse_eta(row, "2026-12-05T06:30:00+00:00", TZ) == datetime(
        2026, 12, 5, 14, 30, tzinfo=TZ)
    assert biz.parse_eta(row, None, TZ) is None
