"""Crew and hours, metres, price-context money, bare "X到Y" places and the booking-flow
sentences (nlu/entities_crew.py, entities_measures.py, entities_places.py)."""

import pytest

from tests.entity_surfaces import surfaces


def cny(amount):
    return {"amount": amount, "currency": "CNY"}


CREW_AND_HOURS = [
    ("2个阿姨4小时", [("crew", 2, "2个阿姨"), ("hours", 4.0, "4小时")]),
    ("两个保洁员干4个小时", [("crew", 2, "两个保洁员"), ("hours", 4.0, "4个小时")]),
    ("两个师傅三个小时", [("crew", 2, "两个师傅"), ("hours", 3.0, "三个小时")]),
    ("派两个人来", [("crew", 2, "两个人")]),
    ("三位阿姨", [("crew", 3, "三位阿姨")]),
    ("2 cleaners for 4 hours", [("crew", 2, "2 cleaners"), ("hours", 4.0, "4 hours")]),
    ("2 cleaners 4 hours", [("crew", 2, "2 cleaners"), ("hours", 4.0, "4 hours")]),
    ("two movers for 3 hours", [("crew", 2, "two movers"), ("hours", 3.0, "3 hours")]),
    ("a team of 3", [("crew", 3, "a team of 3")]),
    ("两个半小时", [("hours", 2.5, "两个半小时")]),
    ("半小时", [("hours", 0.5, "半小时")]),
    ("4个钟", [("hours", 4.0, "4个钟")]),
    ("3到4个小时", [("hours", 3.0, "3到4个小时")]),  # a range: the lower bound
    ("1.5h", [("hours", 1.5, "1.5h")]),
    ("an hour and a half", [("hours", 1.5, "an hour and a half")]),
    ("2 and a half hours", [("hours", 2.5, "2 and a half hours")]),
    ("half an hour", [("hours", 0.5, "half an hour")]),
    ("3-4 hours", [("hours", 3.0, "3-4 hours")]),
]

NOT_CREW_OR_HOURS = ["家里三个人", "二十五个人", "ah ok", "someone here?", "3点到4点", "第2个阿姨"]


@pytest.mark.parametrize(("text", "expected"), CREW_AND_HOURS)
def test_crew_and_hours(text, expected):
    assert surfaces(text) == expected


@pytest.mark.parametrize("text", NOT_CREW_OR_HOURS)
def test_no_crew_or_hours(text):
    assert [e for e in surfaces(text) if e[0] in ("crew", "hours")] == []


MONEY_AND_COUNTS = [
    ("400", [("number", 400, "400")]),  # a bare figure is a number: the flow's question decides
    ("四百", [("number", 400, "四百")]),
    ("八百块", [("money", cny(800.0), "八百块")]),
    ("四百块左右", [("money", cny(400.0), "四百块")]),
    ("预算四百", [("money", cny(400.0), "四百")]),
    ("价格八百", [("money", cny(800.0), "八百")]),
    ("能便宜到800吗", [("money", cny(800.0), "800")]),
    ("my budget is 400", [("money", cny(400.0), "400")]),
    ("the price is 800", [("money", cny(800.0), "800")]),
    ("预算够4个人", [("number", 4, "4")]),  # a unit follows: not an amount
    ("四百个箱子", [("number", 400, "四百")]),
    ("两台冰箱", [("item", {"item": "fridge", "count": 2}, "两台冰箱")]),
    ("一架钢琴", [("item", {"item": "piano", "count": 1}, "一架钢琴")]),
    ("三个衣柜", [("item", {"item": "wardrobe", "count": 3}, "三个衣柜")]),
    # 几台 is "how many / a few": the count is unknown, so the item keeps its default 1
    # and the span leaves 几台 out (the flow asks how many).
    ("几台空调", [("item", {"item": "air_conditioner", "count": 1}, "空调")]),
]


@pytest.mark.parametrize(("text", "expected"), MONEY_AND_COUNTS)
def test_money_and_counts(text, expected):
    assert surfaces(text) == expected


METRES = [
    ("500米", [("distance", 0.5, "500米")]),
    ("五百米", [("distance", 0.5, "五百米")]),
    ("5000米", [("distance", 5.0, "5000米")]),
    ("500 meters", [("distance", 0.5, "500 meters")]),
    ("800m", [("distance", 0.8, "800m")]),
    ("停车离楼门口大概50多米", [("distance", 0.05, "50多米")]),
    ("120平米", [("area", 120.0, "120平米")]),  # square metres stay an area
]


@pytest.mark.parametrize(("text", "expected"), METRES)
def test_metres_are_distances(text, expected):
    assert surfaces(text) == expected


PLACES = [
    ("朝阳到海淀", [("from_address", "朝阳", "朝阳"), ("to_address", "海淀", "海淀")]),
    ("请问朝阳到海淀多少钱", [("from_address", "朝阳", "朝阳"), ("to_address", "海淀", "海淀")]),
    ("天通苑至亦庄", [("from_address", "天通苑", "天通苑"), ("to_address", "亦庄", "亦庄")]),
    ("浦东到闵行 6楼没电梯", [("from_address", "浦东", "浦东"), ("to_address", "闵行", "闵行"),
                            ("floor", 6, "6楼"), ("elevator", False, "没电梯")]),
]

NOT_PLACES = ["3点到5点", "周一到周五", "9到11点", "明天到后天", "上午到下午", "1到2个小时",
              "一直到现在", "师傅到小区门口了", "老公到公司了", "我到家了", "说到做到", "快到了吗",
              "阿姨到哪了", "收到 谢谢"]


@pytest.mark.parametrize(("text", "expected"), PLACES)
def test_bare_from_to(text, expected):
    assert surfaces(text) == expected


@pytest.mark.parametrize("text", NOT_PLACES)
def test_times_and_phrases_are_not_places(text):
    assert [e for e in surfaces(text) if e[0] in ("from_address", "to_address")] == []


FLOW_SENTENCES = [
    ("下周六从朝阳搬到海淀，两室一厅，6楼没电梯，多少钱？",
     [("date", "2026-12-05", "下周六"), ("from_address", "朝阳", "朝阳"),
      ("to_address", "海淀", "海淀"), ("rooms", 2, "两室一厅"), ("floor", 6, "6楼"),
      ("elevator", False, "没电梯")]),
    ("新家8楼有电梯", [("floor", 8, "8楼"), ("elevator", True, "有电梯")]),
    ("3-bedroom", [("rooms", 3, "3-bedroom")]),
    ("3室2厅120平米", [("rooms", 3, "3室2厅"), ("area", 120.0, "120平米")]),
    ("不对，是下周日", [("date", "2026-12-06", "下周日")]),
    ("-3 rooms", [("rooms", -3, "-3 rooms")]),  # reported as typed; the flow rejects it
    ("负3室", [("rooms", -3, "负3室")]),
    ("-3室", [("rooms", -3, "-3室")]),
    ("负三室", [("rooms", -3, "负三室")]),
    ("2-3 rooms", [("number", 2, "2"), ("rooms", 3, "3 rooms")]),  # a range, not a minus
    ("500楼", [("floor", 500, "500楼")]),  # reported; the flow rejects it
    ("ground floor", [("floor", 1, "ground floor")]),
    # British "first floor" is the storey above ground; we keep street level = 1 for
    # "1st floor" and "first floor" (nlu/entities_home.py explains the convention).
    ("first floor", [("floor", 1, "first floor")]),
    ("1st floor", [("floor", 1, "1st floor")]),
]


@pytest.mark.parametrize(("text", "expected"), FLOW_SENTENCES)
def test_booking_flow_sentences(text, expected):
    assert surfaces(text) == expected
