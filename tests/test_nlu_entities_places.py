"""From/to addresses and date+time combinations (now = Monday 2026-11-23 10:00 Shanghai)."""


import pytest

from nlu.entities import combined_datetime, extract

from .entity_surfaces import NOW, surfaces


def frm(place):
    return ("from_address", place, place)


def to(place):
    return ("to_address", place, place)


PLACES = [
    ("从朝阳搬到海淀", [frm("朝阳"), to("海淀")]),
    ("从望京SOHO搬去天通苑北二区", [frm("望京SOHO"), to("天通苑北二区")]),
    ("从浦东搬到闵行要多少钱", [frm("浦东"), to("闵行")]),
    ("从朝阳到海淀", [frm("朝阳"), to("海淀")]),
    ("从朝阳那边搬到海淀这边", [frm("朝阳"), to("海淀")]),
    ("从朝阳区搬家", [frm("朝阳区")]),
    ("我要搬到海淀", [to("海淀")]),
    ("from Chaoyang to Haidian", [frm("Chaoyang"), to("Haidian")]),
    ("moving from 12 Baker St to Oxford Rd", [frm("12 Baker St"), to("Oxford Rd")]),  # 12 is no number
    ("how much to move from pudong to jing'an?", [frm("pudong"), to("jing'an")]),
    ("I'm moving from Chaoyang next week", [frm("Chaoyang")]),
    ("we're moving to Haidian", [to("Haidian")]),
    ("from 朝阳 to 海淀", [frm("朝阳"), to("海淀")]),
]

# A place stops at punctuation and at other entities.
PLACES_WITH_OTHERS = [
    ("下周六从朝阳搬到海淀，两室一厅",
     [("date", "2026-12-05", "下周六"), frm("朝阳"), to("海淀"), ("rooms", 2, "两室一厅")]),
    ("从朝阳搬到海淀6楼没电梯",
     [frm("朝阳"), to("海淀"), ("floor", 6, "6楼"), ("elevator", False, "没电梯")]),
    ("从朝阳搬到海淀，大概30公里", [frm("朝阳"), to("海淀"), ("distance", 30.0, "30公里")]),
    ("from Chaoyang to Haidian on Dec 5", [frm("Chaoyang"), to("Haidian"), ("date", "2026-12-05", "Dec 5")]),
    ("moving from Chaoyang to Haidian tomorrow at 10",
     [frm("Chaoyang"), to("Haidian"), ("date", "2026-11-24", "tomorrow"), ("time", "10:00", "10")]),
]

NOT_PLACES = [
    "从来没有", "从下周六开始", "从上午9点到下午5点", "从网上看到的", "从一到十", "从头到尾", "从哪里搬到哪里",
    "from 9 to 5", "from Monday to Friday", "a friend from work", "from time to time",
    "I got your number from a friend to ask about prices", "hello from Tom",
]


@pytest.mark.parametrize(("text", "expected"), PLACES + PLACES_WITH_OTHERS)
def test_from_and_to_addresses(text, expected):
    assert surfaces(text) == expected


@pytest.mark.parametrize("text", NOT_PLACES)
def test_look_alikes_are_not_addresses(text):
    assert [e for e in surfaces(text) if e[0].endswith("_address")] == []


def test_address_value_is_the_original_text_even_when_full_width():
    assert surfaces("从１２号院搬到ＳＯＨＯ") == [frm("１２号院"), to("ＳＯＨＯ")]


DATE_TIME = [
    ("下周六上午", [("date", "2026-12-05", "下周六"), ("time_of_day", "morning", "上午")], None),
    ("后天下午三点", [("date", "2026-11-25", "后天"), ("time", "15:00", "下午三点")], "2026-11-25T15:00"),
    ("next Saturday morning",
     [("date", "2026-12-05", "next Saturday"), ("time_of_day", "morning", "morning")], None),
    ("Dec 5 at 3pm", [("date", "2026-12-05", "Dec 5"), ("time", "15:00", "3pm")], "2026-12-05T15:00"),
    ("tomorrow at 10", [("date", "2026-11-24", "tomorrow"), ("time", "10:00", "10")], "2026-11-24T10:00"),
    ("周日晚上7点半", [("date", "2026-11-29", "周日"), ("time", "19:30", "晚上7点半")], "2026-11-29T19:30"),
    ("12月5号下午3点", [("date", "2026-12-05", "12月5号"), ("time", "15:00", "下午3点")], "2026-12-05T15:00"),
    ("下午三点", [("time", "15:00", "下午三点")], None),  # no date: nothing to combine
    ("明天或者后天下午三点",
     [("date", "2026-11-24", "明天"), ("date", "2026-11-25", "后天"), ("time", "15:00", "下午三点")], None),
]


@pytest.mark.parametrize(("text", "expected", "combined"), DATE_TIME)
def test_date_and_time_come_out_together(text, expected, combined):
    assert surfaces(text) == expected
    assert combined_datetime(extract(text, NOW)) == combined
