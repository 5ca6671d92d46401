"""Money, distance, phone numbers and Chinese numerals: values and offsets, zh and en."""


import pytest

from nlu.numerals import parse_amount, parse_cn_number

from .entity_surfaces import surfaces


def cny(amount):
    return {"amount": amount, "currency": "CNY"}


MONEY = [
    ("500元", [("money", cny(500.0), "500元")]),
    ("五百块", [("money", cny(500.0), "五百块")]),
    ("一百块", [("money", cny(100.0), "一百块")]),
    ("三百五十块钱", [("money", cny(350.0), "三百五十块钱")]),
    ("¥500", [("money", cny(500.0), "¥500")]),
    ("￥1,200", [("money", cny(1200.0), "￥1,200")]),
    ("RMB 800", [("money", cny(800.0), "RMB 800")]),
    ("1.5万", [("money", cny(15000.0), "1.5万")]),
    ("预算1.5万够吗", [("money", cny(15000.0), "1.5万")]),
    ("一万五", [("money", cny(15000.0), "一万五")]),
    ("1万5", [("money", cny(15000.0), "1万5")]),
    ("两万", [("money", cny(20000.0), "两万")]),
    ("500多块", [("money", cny(500.0), "500多块")]),
    ("2k", [("money", cny(2000.0), "2k")]),
    ("budget is 2k", [("money", cny(2000.0), "2k")]),
    ("1,200 yuan", [("money", cny(1200.0), "1,200 yuan")]),
    ("300 rmb", [("money", cny(300.0), "300 rmb")]),
    ("$100", [("money", {"amount": 100.0, "currency": "USD"}, "$100")]),
    ("100 dollars", [("money", {"amount": 100.0, "currency": "USD"}, "100 dollars")]),
    ("US$200", [("money", {"amount": 200.0, "currency": "USD"}, "US$200")]),
    ("200美元", [("money", {"amount": 200.0, "currency": "USD"}, "200美元")]),
    ("HK$300", [("money", {"amount": 300.0, "currency": "HKD"}, "HK$300")]),
    ("€50", [("money", {"amount": 50.0, "currency": "EUR"}, "€50")]),
]

DISTANCES = [
    ("30公里", [("distance", 30.0, "30公里")]),
    ("三十公里", [("distance", 30.0, "三十公里")]),
    ("大概20多公里", [("distance", 20.0, "20多公里")]),
    ("5千米", [("distance", 5.0, "5千米")]),
    ("15km", [("distance", 15.0, "15km")]),
    ("15 km", [("distance", 15.0, "15 km")]),
    ("15 kilometres", [("distance", 15.0, "15 kilometres")]),
    ("2.5 kilometers", [("distance", 2.5, "2.5 kilometers")]),
    ("10 miles", [("distance", 16.09, "10 miles")]),
    ("five miles away", [("distance", 8.05, "five miles")]),
]

PHONES = [
    ("010-88886666", [("phone", "+861088886666", "010-88886666")]),
    ("座机 021 6666 8888", [("phone", "+862166668888", "021 6666 8888")]),
    ("+1 415 555 2671", [("phone", "+14155552671", "+1 415 555 2671")]),
    ("+1 (415) 555-2671", [("phone", "+14155552671", "+1 (415) 555-2671")]),
    ("+852 9123 4567", [("phone", "+85291234567", "+852 9123 4567")]),
    ("0044 20 7946 0958", [("phone", "+442079460958", "0044 20 7946 0958")]),
    ("+44 20 7946 0958 or 13812345678",
     [("phone", "+442079460958", "+44 20 7946 0958"), ("phone", "+8613812345678", "13812345678")]),
]

# Not money / distance / phone.
NOT_MEASURES = [
    "一块去吧",  # together
    "两块玻璃",  # a counter
    "千万别迟到",  # by all means
    "元旦搬家",
    "1.5万步",  # steps
    "1.5米的床",  # a bed's size, not a distance (500米 is one: see DISTANCES)
    "2米长",
    "a 2m wide sofa",
    "五六公里",  # a range said quickly is not 56 km
    "a 4K TV",
    "+12345678901234",  # not a valid number anywhere
    "订单号 20261123001",
    "0123",
]


@pytest.mark.parametrize(("text", "expected"), MONEY + DISTANCES + PHONES)
def test_money_distance_phone(text, expected):
    assert surfaces(text) == expected


@pytest.mark.parametrize("text", NOT_MEASURES)
def test_look_alikes_are_not_money_distance_or_phone(text):
    assert [e for e in surfaces(text) if e[0] in ("money", "distance", "phone")] == []


def test_amounts_inside_money_and_distance_are_not_numbers():
    assert [e[0] for e in surfaces("500元，30公里，$100，2k")] == ["money", "distance", "money", "money"]


@pytest.mark.parametrize(("text", "value"), [
    ("一万五", 15000), ("三万五", 35000), ("一万零五", 10005), ("两万五千", 25000), ("一亿五", 150_000_000),
    ("三百五", 350), ("一千二", 1200), ("二十五", 25), ("两", 2), ("二〇二六", 2026), ("十万", 100_000),
])
def test_parse_cn_number(text, value):
    assert parse_cn_number(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("500", 500.0), ("1,200", 1200.0), ("1.5万", 15000.0), ("2k", 2000.0), ("1.2w", 12000.0),
    ("1万5", 15000.0), ("3千5", 3500.0), ("五百", 500.0), ("", None), ("abc", None), ("1.2.3", None),
])
def test_parse_amount(text, value):
    assert parse_amount(text) == value
