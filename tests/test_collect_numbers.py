"""An int/number question accepts the way customers say numbers (floors, km, ㎡, money)."""

from __future__ import annotations

from typing import Any

import pytest

from flows.matching import parse_value
from flows.model import Source, Step

from .conftest import NOW


@pytest.mark.parametrize(("answer", "kind", "value"), [
    ("6楼", "int", 6), ("住在六楼", "int", 6), ("5th floor", "int", 5),
    ("三十公里", "number", 30.0), ("80平", "number", 80.0), ("两室", "int", 2),
    ("500元", "number", 500.0), ("12", "int", 12), ("三个", "int", 3),
])
def test_numeric_answers(nlu: Any, answer: str, kind: str, value: float) -> None:
    step = Step(id="ask", kind="collect", source=Source("t.yml", 1), slot="n", type=kind)
    ok, got, _ = parse_value(step, answer, nlu.parse(answer, now=NOW).entities, NOW.date())
    assert ok and got == value
