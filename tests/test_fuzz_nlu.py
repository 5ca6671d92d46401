"""Hostile text through the NLU: every extractor and the full parse take any ``str`` —
arbitrary unicode, very long, binary-looking, mixed scripts — and give well-formed values
that survive a strict JSON encoder (``/model/parse`` answers with one; NaN or infinity
there is a 500).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from nlu.entities import extract
from nlu.entities_crew import find_crew, find_hours
from nlu.entities_home import find_elevator, find_floors
from nlu.entities_items import find_items
from nlu.entities_measures import find_distance, find_money
from nlu.entities_phone import find_phones
from nlu.numerals import parse_amount, parse_cn_number
from nlu.timex import find_dates, find_times

from .fuzz_strategies import hostile_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
ZONES = ["Asia/Shanghai", "UTC", "America/Los_Angeles", "Pacific/Kiritimati", "Pacific/Pago_Pago"]
#: A customer's "now" is today give or take a century (calendar arithmetic must hold there).
moments = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2199, 12, 31),
                       timezones=st.just(UTC))
long_text = st.tuples(hostile_text, st.integers(1, 300)).map(lambda p: p[0] * p[1])
BIG = ["9" * 400 + "元", "9" * 400 + "平米", "9" * 400 + "公里", "¥" + "9" * 400, "9" * 320 + ".5万元",
       "亿" * 60 + "元", "一二三四五六七八九〇" * 500, "9" * 5000 + "楼", "万亿" * 40 + "平米",
       "9" * 400 + " sqm", "9" * 400 + " km", "9" * 400 + " miles", "$" + "9" * 400 + "k"]


def _json_safe(value: Any) -> None:
    json.dumps(value, allow_nan=False, ensure_ascii=False)


def _finite(value: Any) -> None:
    if isinstance(value, float):
        assert math.isfinite(value), value
    elif isinstance(value, dict):
        for v in value.values():
            _finite(v)


@given(hostile_text | long_text, moments, st.sampled_from(ZONES))
@example(BIG[0], NOW, "Asia/Shanghai")
@example(BIG[1], NOW, "Asia/Shanghai")
@example(BIG[2], NOW, "Asia/Shanghai")
@example(BIG[3], NOW, "Asia/Shanghai")
@example(BIG[4], NOW, "Asia/Shanghai")
def test_entities_of_any_text_are_well_formed(text: str, now: datetime, tz: str) -> None:
    for e in extract(text, now, tz):
        assert 0 <= e.start < e.end <= len(text)
        assert e.text == text[e.start:e.end]
        _finite(e.value)
        _json_safe(e.value)


@pytest.mark.parametrize("text", BIG)
def test_huge_numbers_are_not_entities_of_infinite_value(text: str) -> None:
    for e in extract(text, NOW):
        _finite(e.value)


EXTRACTORS = [find_phones, find_times, find_floors, find_elevator, find_items, find_money,
              find_distance, find_crew, find_hours]


@given(hostile_text | long_text, st.sampled_from(EXTRACTORS))
def test_each_extractor_takes_any_text(text: str, extractor: Any) -> None:
    for kind, value, start, end in extractor(text):
        assert isinstance(kind, str) and 0 <= start <= end <= len(text)
        _finite(value)


@given(hostile_text, moments)
def test_dates_of_any_text_are_real_days(text: str, now: datetime) -> None:
    today = now.date()
    for _, value, _, _ in find_dates(text, today):
        day = datetime.fromisoformat(value).date()
        assert abs(day - today) < timedelta(days=3700), (text, value)


_cn = st.text(alphabet="零〇一二两三四五六七八九十百千万亿点半负", max_size=60)


@given(_cn | hostile_text)
@example("一二三四五六七八九〇" * 500)
@example("亿" * 60)
def test_chinese_numerals_parse_to_a_number_or_none(text: str) -> None:
    value = parse_cn_number(text)
    assert value is None or isinstance(value, int)


@given(_cn | hostile_text | st.from_regex(r"[0-9.,]{1,400}[万千kKwW]?[0-9]?", fullmatch=True))
@example("9" * 400)
@example("亿" * 60)
@example("¹万")  # '¹'.isdigit() is true but float('¹') fails
def test_amounts_parse_to_a_finite_number_or_none(text: str) -> None:
    value = parse_amount(text)
    assert value is None or math.isfinite(value)


# -- the full parse ---------------------------------------------------------------------------


@given(hostile_text | long_text)
@example("\ud800\udfff")
@example(BIG[0])
def test_the_parse_of_any_text_is_valid_json_with_a_ranking(nlu: Any, text: str) -> None:
    result = nlu.parse(text, now=NOW).to_dict()
    _json_safe(result)
    assert result["text"] == text
    assert 0.0 <= result["intent"]["confidence"] <= 1.0
    assert -1.0 <= result["sentiment"]["score"] <= 1.0
    for entity in result["entities"]:
        assert 0 <= entity["start"] < entity["end"] <= len(text)
