"""Entity extraction: values and character offsets, anchored on Monday 2026-11-23 10:00 Shanghai."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from nlu.entities import extract

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # a Monday


def found(text, now=NOW):
    return [(e.entity, e.value, e.start, e.end) for e in extract(text, now)]


DATES_ZH = [
    ("今天", [("date", "2026-11-23", 0, 2)]),
    ("明天", [("date", "2026-11-24", 0, 2)]),
    ("后天", [("date", "2026-11-25", 0, 2)]),
    ("大后天", [("date", "2026-11-26", 0, 3)]),
    ("周六", [("date", "2026-11-28", 0, 2)]),
    ("星期六", [("date", "2026-11-28", 0, 3)]),
    ("礼拜六", [("date", "2026-11-28", 0, 3)]),
    ("这周六", [("date", "2026-11-28", 0, 3)]),
    ("本周六", [("date", "2026-11-28", 0, 3)]),
    ("下周六", [("date", "2026-12-05", 0, 3)]),
    ("下星期六", [("date", "2026-12-05", 0, 4)]),
    ("下下周六", [("date", "2026-12-12", 0, 4)]),
    ("周一", [("date", "2026-11-23", 0, 2)]),  # today is Monday: the coming one is today
    ("下周一", [("date", "2026-11-30", 0, 3)]),
    ("周日", [("date", "2026-11-29", 0, 2)]),
    ("12月5号", [("date", "2026-12-05", 0, 5)]),
    ("12月5日", [("date", "2026-12-05", 0, 5)]),
    ("十二月五号", [("date", "2026-12-05", 0, 5)]),
    ("5号", [("date", "2026-12-05", 0, 2)]),  # the 5th has passed this month
    ("23号", [("date", "2026-11-23", 0, 3)]),
    ("31号", [("date", "2026-12-31", 0, 3)]),  # November has no 31st
    ("1月5号", [("date", "2027-01-05", 0, 4)]),
    ("11月20号", [("date", "2027-11-20", 0, 6)]),  # never in the past
    ("下个月5号", [("date", "2026-12-05", 0, 5)]),
    ("2026-12-05", [("date", "2026-12-05", 0, 10)]),
    ("2026/12/5", [("date", "2026-12-05", 0, 9)]),
    ("2026年12月5日", [("date", "2026-12-05", 0, 10)]),
    ("我20号搬家", [("date", "2026-12-20", 1, 4)]),
]

DATES_EN = [
    ("today", [("date", "2026-11-23", 0, 5)]),
    ("tomorrow", [("date", "2026-11-24", 0, 8)]),
    ("day after tomorrow", [("date", "2026-11-25", 0, 18)]),
    ("Saturday", [("date", "2026-11-28", 0, 8)]),
    ("this Saturday", [("date", "2026-11-28", 0, 13)]),
    ("next Saturday", [("date", "2026-12-05", 0, 13)]),
    ("next Monday", [("date", "2026-11-30", 0, 11)]),
    ("can you come on Saturday?", [("date", "2026-11-28", 16, 24)]),
    ("Dec 5", [("date", "2026-12-05", 0, 5)]),
    ("December 5th", [("date", "2026-12-05", 0, 12)]),
    ("5 Dec", [("date", "2026-12-05", 0, 5)]),
    ("Dec 31, 2026", [("date", "2026-12-31", 0, 12)]),
    ("12/5", [("date", "2026-12-05", 0, 4)]),
    ("12/25/2026", [("date", "2026-12-25", 0, 10)]),
    ("on the 5th", [("date", "2026-12-05", 3, 10)]),
]

TIMES = [
    ("下午三点", [("time", "15:00", 0, 4)]),
    ("三点半", [("time", "15:30", 0, 3)]),  # no period given: a 1-7 o'clock visit is afternoon
    ("上午10点", [("time", "10:00", 0, 5)]),
    ("15:00", [("time", "15:00", 0, 5)]),
    ("晚上8点", [("time", "20:00", 0, 4)]),
    ("早上8点半", [("time", "08:30", 0, 5)]),
    ("中午12点", [("time", "12:00", 0, 5)]),
    ("两点钟", [("time", "14:00", 0, 3)]),
    ("3点15", [("time", "15:15", 0, 4)]),
    ("3pm", [("time", "15:00", 0, 3)]),
    ("3:30 pm", [("time", "15:30", 0, 7)]),
    ("10am", [("time", "10:00", 0, 4)]),
    ("12pm", [("time", "12:00", 0, 4)]),
    ("at 3", [("time", "15:00", 3, 4)]),
    ("at 10", [("time", "10:00", 3, 5)]),
    ("07:30", [("time", "07:30", 0, 5)]),
    ("at 3 in the afternoon", [("time", "15:00", 3, 21)]),
    ("3 o'clock", [("time", "15:00", 0, 9)]),
    ("明天下午三点来", [("date", "2026-11-24", 0, 2), ("time", "15:00", 2, 6)]),
    ("今晚8点", [("date", "2026-11-23", 0, 2), ("time", "20:00", 0, 4)]),
    ("上午", [("time_of_day", "morning", 0, 2)]),
    ("下午有空吗", [("time_of_day", "afternoon", 0, 2)]),
    ("晚上", [("time_of_day", "evening", 0, 2)]),
    ("morning", [("time_of_day", "morning", 0, 7)]),
    ("Saturday afternoon", [("date", "2026-11-28", 0, 8), ("time_of_day", "afternoon", 9, 18)]),
    ("evening", [("time_of_day", "evening", 0, 7)]),
]

PHONES = [
    ("13812345678", [("phone", "+8613812345678", 0, 11)]),
    ("+86 138 1234 5678", [("phone", "+8613812345678", 0, 17)]),
    ("138-1234-5678", [("phone", "+8613812345678", 0, 13)]),
    ("我的电话是 0086 13912345678", [("phone", "+8613912345678", 6, 22)]),
    ("Call me at +44 20 7946 0958", [("phone", "+442079460958", 11, 27)]),
]

AREAS_ROOMS = [
    ("80平", [("area", 80.0, 0, 3)]),
    ("80平米", [("area", 80.0, 0, 4)]),
    ("80平方", [("area", 80.0, 0, 4)]),
    ("80㎡", [("area", 80.0, 0, 3)]),
    ("80 m²", [("area", 80.0, 0, 5)]),
    ("80m2", [("area", 80.0, 0, 4)]),
    ("80 sqm", [("area", 80.0, 0, 6)]),
    ("80 square meters", [("area", 80.0, 0, 16)]),
    ("八十平", [("area", 80.0, 0, 3)]),
    ("两室一厅", [("rooms", 2, 0, 4)]),
    ("三室", [("rooms", 3, 0, 2)]),
    ("一居室", [("rooms", 1, 0, 3)]),
    ("2房", [("rooms", 2, 0, 2)]),
    ("3-bedroom", [("rooms", 3, 0, 9)]),
    ("3 bedroom", [("rooms", 3, 0, 9)]),
    ("3 bed", [("rooms", 3, 0, 5)]),
    ("3br", [("rooms", 3, 0, 3)]),
    ("studio", [("rooms", 1, 0, 6)]),
    # 6楼 became a floor (not a number) and 没电梯 an elevator entity: see test_nlu_entities_home.py.
    ("两室一厅，80平，6楼没电梯",
     [("rooms", 2, 0, 4), ("area", 80.0, 5, 8), ("floor", 6, 9, 11), ("elevator", False, 11, 14)]),
]

NUMBERS = [
    # 两个师傅三个小时 is a crew and hours now: see test_nlu_entities_crew.py.
    ("两个箱子三个袋子", [("number", 2, 0, 1), ("number", 3, 4, 5)]),
    ("十二箱", [("number", 12, 0, 2)]),  # 十二楼 is a floor now
    ("二十五个人", [("number", 25, 0, 3)]),
    ("一百斤", [("number", 100, 0, 2)]),  # 一百块 is money now
    ("搬5个箱子和1.5米的床",
     [("number", 5, 1, 2), ("number", 1.5, 6, 9), ("item", {"item": "bed", "count": 1}, 11, 12)]),
    ("1,200 boxes", [("number", 1200, 0, 5)]),  # 1,200 yuan is money now
    ("三", [("number", 3, 0, 1)]),
]

# Look-alikes that must stay silent.
NOTHING = [
    "便宜一点",  # "a bit", not one o'clock
    "十分满意",  # "very", not ten
    "二手冰箱",  # second-hand
    "晚上好",  # a greeting, not a time of day
    "good morning",
    "上周六",  # last week: never a booking date
    "last Saturday",
    "一周三次",  # three times a week, not Wednesday
    "I sat on the sofa",
    "我想问一下",
    "",
]


@pytest.mark.parametrize(("text", "expected"), DATES_ZH + DATES_EN)
def test_dates(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(("text", "expected"), TIMES)
def test_times(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(("text", "expected"), PHONES)
def test_phones(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(("text", "expected"), AREAS_ROOMS)
def test_area_and_rooms(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(("text", "expected"), NUMBERS)
def test_numbers(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text", NOTHING)
def test_look_alikes_extract_nothing_numeric_or_temporal(text):
    # A second-hand fridge and the sofa one sat on are still items; only numbers may remain.
    assert [e for e in found(text) if e[0] not in ("number", "item")] == []


def test_number_does_not_overlap_date_time_phone():
    text = "13812345678 明天下午3点 搬2个箱子 12月5号"
    entities = found(text)
    numbers = [e for e in entities if e[0] == "number"]
    assert numbers == [("number", 2, 20, 21)]


def test_a_full_booking_sentence():
    text = "我想搬家，两室一厅，下周六上午10点，电话13812345678"
    assert found(text) == [
        ("rooms", 2, 5, 9),
        ("date", "2026-12-05", 10, 13),
        ("time", "10:00", 13, 18),
        ("phone", "+8613812345678", 21, 32),
    ]


def test_entity_text_is_the_original_substring_even_for_full_width_digits():
    text = "２０２６年１２月５日 下午３：３０"
    for entity in extract(text, NOW):
        assert entity.text == text[entity.start:entity.end]
    assert found(text) == [("date", "2026-12-05", 0, 10), ("time", "15:30", 11, 17)]


def test_relative_dates_use_the_local_calendar_day():
    # 17:00 UTC on the 23rd is already 01:00 on the 24th in Shanghai.
    late_utc = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert found("明天", late_utc) == [("date", "2026-11-25", 0, 2)]
    assert [e.value for e in extract("tomorrow", late_utc, tz="Europe/London")] == ["2026-11-24"]


def test_naive_now_is_taken_as_local_time():
    assert found("明天", datetime(2026, 11, 23, 23, 30)) == [("date", "2026-11-24", 0, 2)]


def test_month_day_rolls_to_next_year_only_when_past():
    late_december = datetime(2026, 12, 28, 9, 0, tzinfo=SHANGHAI)
    assert found("12月5号", late_december) == [("date", "2027-12-05", 0, 5)]
    assert found("Jan 3", late_december) == [("date", "2027-01-03", 0, 5)]
    assert found("5号", late_december) == [("date", "2027-01-05", 0, 2)]
