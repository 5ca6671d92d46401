"""Any slot values give a quote or a clear refusal — never an exception — and every quote
adds up: the subtotal is the sum of its lines, the total the subtotal less the discounts,
every amount finite and non-negative, and it renders in both languages.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from flows.actions.quote import request_from_slots, service_time
from flows.business.pricing import QuoteInputError, compute_quote
from flows.business.pricing_render import problem_text, render_quote
from flows.loader import load_bundle

from .conftest import SHIPPED_FLOWS
from .fuzz_strategies import hostile_text, json_values


@pytest.fixture(scope="module")
def pricing() -> dict[str, Any]:
    result = load_bundle(SHIPPED_FLOWS)
    assert result.bundle is not None
    return result.bundle.pricing


_PRICING = load_bundle(SHIPPED_FLOWS).bundle
assert _PRICING is not None
SERVICES = sorted(_PRICING.pricing["services"])
ITEMS = sorted({i for s in _PRICING.pricing["services"].values() for i in s.get("large_items", {})})
TIERS = [*sorted(_PRICING.pricing.get("tiers", {})), "standard", "vip", "", None]

_number = (st.integers(min_value=-(10**30), max_value=10**30)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.from_regex(r"[-负−]?[0-9]{1,400}(\.[0-9]{1,5})?", fullmatch=True))
_value = _number | st.booleans() | st.none() | hostile_text | json_values
_item = st.fixed_dictionaries({"item": st.sampled_from(ITEMS) | st.text(max_size=8),
                               "count": _value})
SLOTS = st.fixed_dictionaries(
    {"service_type": st.sampled_from(SERVICES) | _value},
    optional={
        "rooms": _value, "area": _value, "volume": _value, "floor": _value, "to_floor": _value,
        "elevator": _value, "to_elevator": _value, "distance": _value, "packing": _value,
        "insured_value": _value, "insurance": _value, "storage_days": _value,
        "recycle_items": _value, "cleaning_type": st.sampled_from(["routine", "deep"]) | _value,
        "plan": st.sampled_from(["monthly", "quarterly"]) | _value,
        "large_items": st.lists(_item | json_values, max_size=4) | _value,
        "date": st.dates().map(date.isoformat) | _value,
        "time": st.sampled_from(["09:00", "18:30", "25:00"]) | _value,
    })


def _all_finite(*amounts: float) -> None:
    for amount in amounts:
        assert math.isfinite(amount) and amount >= 0, amount


@given(SLOTS, st.sampled_from(TIERS))
@example({"service_type": "moving", "rooms": "9" * 400}, None)
@example({"service_type": "moving", "rooms": float("nan")}, None)
@example({"service_type": "moving", "rooms": 2, "distance": float("inf")}, None)
@example({"service_type": "moving", "rooms": 2, "large_items": [{"item": "piano", "count": "两"}]}, None)
@example({"service_type": "moving", "rooms": 2, "large_items": [{"item": "piano", "count": 10**30}]}, None)
@example({"service_type": "housekeeping", "cleaning_type": ["deep"], "rooms": 2}, None)
@example({"service_type": "housekeeping", "cleaning_type": "deep", "area": 10**300}, None)
def test_any_slots_give_a_quote_that_adds_up_or_a_clear_refusal(
        pricing: dict[str, Any], slots: dict[str, Any], tier: str | None) -> None:
    try:
        request = request_from_slots(slots)
        quote = compute_quote(pricing, request, tier, service_time(slots))
    except QuoteInputError as err:
        for lang in ("zh", "en"):
            assert problem_text(err, lang).strip()
        return
    lines = [x.amount for x in quote.lines]
    _all_finite(*lines, quote.subtotal, quote.discount, quote.total,
                *(x.amount for x in quote.discounts))
    assert quote.subtotal == round(sum(lines), 2)
    assert quote.discount == round(sum(x.amount for x in quote.discounts), 2)
    assert quote.total == round(quote.subtotal - quote.discount, 2)
    assert quote.discount <= quote.subtotal
    for lang in ("zh", "en"):
        assert render_quote(quote, pricing, lang).strip()
