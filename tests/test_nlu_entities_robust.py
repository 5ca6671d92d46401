"""Any string gives a valid entity list: empty, huge, binary-looking, mixed scripts, adversarial."""

import random
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from nlu.entities import extract

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

VALUE_TYPES = {
    "date": str, "time": str, "time_of_day": str, "phone": str, "area": float, "rooms": int,
    "floor": int, "elevator": bool, "money": dict, "distance": float, "item": dict,
    "from_address": str, "to_address": str, "number": (int, float),
}

FRAGMENTS = [
    "明天", "下周六上午", "3点", "6楼", "没电梯", "两台冰箱", "从", "搬到", "到", "海淀", "500元", "1.5万", "30公里",
    "13812345678", "+44 20 7946 0958", "from", " to ", "Dec 5", "at 3pm", "2 fridges", "no lift", "5th floor",
    "$", "¥", "k", "万", "，", ",", ".", " ", "\n", "\x00", "\ud800", "😀", "ＡＢＣ１２３", "١٢٣", "²", "零", "十",
    "moving", "walk-up", "号", "楼", "层", "块", "safe", "a ", "the ", "St.", "0086", "00", "+",
]


def check(text):
    entities = extract(text, NOW)
    assert isinstance(entities, list)
    for e in entities:
        assert 0 <= e.start < e.end <= len(text)
        assert e.text == text[e.start:e.end]
        assert isinstance(e.value, VALUE_TYPES[e.entity]), e
        if e.entity == "money":
            assert set(e.value) == {"amount", "currency"} and e.value["amount"] > 0
        if e.entity == "item":
            assert set(e.value) == {"item", "count"} and e.value["count"] >= 1
    return entities


GARBAGE = [
    "", " ", "\n\t", "\x00\x01\x02\xff", "\ud800\udfff", "😀" * 50, "1" * 50_000, "+" + "1" * 40,
    "from " * 2000, "从" * 3000, "到" * 3000, "from a to b " * 500, "从朝阳搬到海淀" * 500, "at 3 " * 1000,
    "万" * 1000, "1万" * 1000, "$" * 1000, "楼" * 1000, "6楼" * 1000, "k" * 1000, "2k" * 1000,
    "a safe " * 500, "两台" * 1000, "...." * 1000, "１２：３０" * 300, "明天tomorrow" * 300,
    bytes(range(256)).decode("latin-1") * 20,
]


@pytest.mark.parametrize("text", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_never_raises(text):
    check(text)


def test_random_mixed_script_text_never_raises():
    rng = random.Random(20261123)
    for _ in range(400):
        check("".join(rng.choice(FRAGMENTS) for _ in range(rng.randrange(1, 30))))


def test_random_code_points_never_raise():
    rng = random.Random(5)
    for _ in range(100):
        check("".join(chr(rng.randrange(0, 0x30000)) for _ in range(rng.randrange(1, 200))))


def test_a_clipped_4000_char_message_stays_fast():
    # The engine clips messages to 4000 characters; junk that size must not backtrack for seconds.
    rng = random.Random(7)
    text = "".join(rng.choice(FRAGMENTS) for _ in range(4000))[:4000]
    started = time.perf_counter()
    check(text)
    assert time.perf_counter() - started < 1.0
