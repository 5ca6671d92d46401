"""The conversations the simulated customers of ``python -m bench.load`` hold, in both languages.

Each turn is what the customer types and a pattern the bot's answer to it (all the replies
to that turn, joined) must match — so a run checks that the bot makes sense, not only that
the webhooks answer 200. Patterns allow the answers a busy shared calendar can legitimately
give (a slot that filled up offers another time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Turn:
    text: str  # "{date_en}" / "{date_zh}": the customer's own day (see ``for_day``)
    expect: str  # a regular expression searched in the joined replies
    #: skip this turn when the previous turn's replies match this (the bot already knew:
    #: a phone number remembered from an earlier booking is not asked again)
    unless: str | None = None
    #: send this turn only when the previous turn's replies match this (the bot asked
    #: something it asks only sometimes: "is it about this booking?" after a booking)
    when: str | None = None

    def matches(self, replies: list[str]) -> bool:
        return re.search(self.expect, "\n".join(replies), re.S) is not None

    def for_day(self, day: date) -> str:
        """The text with the customer's day in it: customers book different days, as real
        ones do, instead of all wanting the same slot (which the calendar would refuse)."""
        return self.text.format(date_en=f"{day:%b} {day.day}",
                                date_zh=f"{day.month}月{day.day}日")


@dataclass(frozen=True, slots=True)
class Script:
    name: str
    lang: str
    turns: tuple[Turn, ...]


def _s(name: str, lang: str, *turns: tuple[str, ...]) -> Script:
    return Script(name, lang, tuple(Turn(*t) for t in turns))


_ASKED_EXTRAS_EN = r"special requests"
_ASKED_EXTRAS_ZH = r"特别要求"


_BOOKED_EN = r"You're booked|fully booked|no longer|Which time|not available|full"
_BOOKED_ZH = r"预约成功|已约满|约满|请选择|不可预约|已满"

SCRIPTS: tuple[Script, ...] = (
    _s("quote_booking", "en",
       ("How much to move a 2 bedroom flat from Chaoyang to Haidian, "
        "6th floor, no lift, on {date_en}?", r"km|distance|far"),
       ("about 25 km", r"large|piano|fridge|items"),
       ("no large items", r"¥[\d,]+"),
       ("Book it", r"Which time|time"),
       ("afternoon", r"phone number|Which time|special requests"),
       ("+86 139 8765 4321", r"special requests|phone", _ASKED_EXTRAS_EN),
       ("none", _BOOKED_EN)),
    _s("quote_booking", "zh",
       ("{date_zh}从朝阳搬到海淀，两室一厅，6楼没电梯，多少钱？", r"公里|距离|多远"),
       ("大概25公里", r"大件|钢琴|冰箱|物品"),
       ("没有大件", r"¥[\d,]+"),
       ("预约", r"时段|时间"),
       ("上午", r"联系电话|时段|特别要求"),
       ("13812345678", r"特别要求|电话", _ASKED_EXTRAS_ZH),
       ("没有", _BOOKED_ZH)),
    _s("complaint", "en",
       ("I have a complaint, the cleaner was rude and shouted at me", r"photos|this booking"),
       ("Not about a booking", r"photos", None, r"this booking"),
       ("skip", r"put it right"),
       ("An apology", r"ticket T\d{10}")),
    _s("complaint", "zh",
       ("我要投诉，阿姨态度很差，说话很凶", r"如有照片|这个订单"),
       ("与订单无关", r"如有照片", None, r"这个订单"),
       ("跳过", r"如何处理"),
       ("道歉", r"工单号 T\d{10}")),
    _s("faq", "en",
       ("hello", r"Careline assistant"),
       ("What are your opening hours?", r"8:00 to 20:00"),
       ("How can I pay?", r"WeChat Pay, Alipay"),
       ("thanks, bye", r"Thanks for reaching out")),
    _s("faq", "zh",
       ("你好", r"Careline 客服小助手"),
       ("你们几点上班？", r"8:00–20:00"),
       ("怎么付款？", r"微信支付、支付宝"),
       ("谢谢，再见", r"感谢您的咨询")),
    _s("handoff", "en",
       ("I want to talk to a human", r"queue|position|agent"),
       ("never mind", r"cancelled the request for an agent")),
    _s("handoff", "zh",
       ("转人工", r"排在第 \d+ 位"),
       ("算了", r"已取消转人工")),
    _s("cancel_booking", "en",
       ("book a cleaning for {date_en} morning", r"address"),
       ("Flat 302, 1 Zhongguancun Street, Haidian", r"phone number|special requests"),
       ("+86 139 1234 5678", r"special requests", _ASKED_EXTRAS_EN),
       ("none", _BOOKED_EN),
       ("cancel my booking", r"Cancel this booking|no upcoming bookings"),
       ("yes, cancel it", r"is cancelled|no upcoming|Anything else|cancel")),
    _s("cancel_booking", "zh",
       ("{date_zh}上午约个保洁", r"上门地址"),
       ("海淀区中关村大街1号2单元302", r"联系电话|特别要求"),
       ("13912345678", r"特别要求", _ASKED_EXTRAS_ZH),
       ("没有", _BOOKED_ZH),
       ("取消预约", r"取消这个预约|确认取消|没有待上门|取消"),
       ("确认取消", r"已取消|没有待上门|还有什么")),
)

#: the campaign sent to many Telegram chats at once after the conversations (``--burst``)
BURST_TEXT = "Weekend offer: 10% off deep cleaning"
