"""compute_quote against quotes worked out by hand; render_quote in both languages.

The price table is written here, as ops would write it, so a change to the shipped
pricing.yml never changes what these tests check. Arithmetic is in the comments.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import pytest
from ruamel.yaml import YAML

from flows.business.pricing import (
    QuoteInputError,
    QuoteRequest,
    canonical_tier,
    compute_quote,
    pick_by_rooms,
)
from flows.business.pricing_render import format_money, problem_text, render_quote
from flows.yamlio import plain

PRICING_YAML = """
currency: CNY
validity_days: 14
holidays: ["2026-10-01", 2026-12-05]      # 2026-12-05 is a Saturday
items:
  piano: {zh: 钢琴, en: piano}
  fridge: {zh: 冰箱, en: fridge}
tiers:
  basic: {name: {zh: 普通会员, en: Basic member}, discount_pct: 0, aliases: [standard]}
  silver: {name: {zh: 银卡会员, en: Silver member}, discount_pct: 5}
  gold: {name: {zh: 金卡会员, en: Gold member}, discount_pct: 10}
services:
  moving:
    kind: moving
    name: {zh: 搬家, en: Moving}
    base_by_rooms: {1: 500, 2: 900, 3: 1300, 4: 1900}
    base_by_volume: {per_m3: 60, minimum: 500}
    stairs: {free_floors: 1, per_floor: 50}
    distance: {included_km: 10, per_km: 8}
    large_items: {piano: 600, fridge: 100}
    packing: {per_room: 150}
    insurance: {pct_of_value: 0.5, minimum: 50}
    storage: {per_day: 30}
    recycling: {per_item: 40}
    surcharges:
      weekend_pct: 10
      holiday_pct: 30
      peak:
        - {name: {zh: 月底高峰, en: Month-end peak}, days_of_month: [25, 31], pct: 10}
        - {name: {zh: 晚间, en: Evening}, hours: ["18:00", "22:00"], pct: 20}
    not_included:
      - {zh: 空调拆装, en: air conditioner removal}
  cleaning:
    kind: housekeeping
    name: {zh: 保洁, en: Cleaning}
    types:
      routine:
        name: {zh: 日常保洁, en: Routine cleaning}
        per_m2: 5
        minimum: 200
        hourly_per_cleaner: 50
        crew_by_rooms:
          1: {cleaners: 1, hours: 3}
          2: {cleaners: 2, hours: 3}
          3: {cleaners: 2, hours: 4}
          4: {cleaners: 3, hours: 4}
      deep:
        name: {zh: 深度保洁, en: Deep cleaning}
        per_m2: 10
        minimum: 400
    plans:
      one_off: {name: {zh: 单次, en: One-off}, discount_pct: 0}
      monthly: {name: {zh: 包月, en: Monthly}, discount_pct: 10}
      quarterly: {name: {zh: 包季, en: Quarterly}, discount_pct: 15}
    surcharges: {holiday_pct: 20}
    not_included:
      - {zh: 外墙玻璃, en: outside windows}
"""
PRICING: dict[str, Any] = plain(YAML(typ="rt").load(io.StringIO(PRICING_YAML)))

WEDNESDAY = date(2026, 12, 2)
SATURDAY = date(2026, 12, 12)
HOLIDAY_SATURDAY = date(2026, 12, 5)
MONTH_END_FRIDAY = date(2026, 11, 27)


def lines(quote: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in quote.lines + quote.discounts:
        key = line.key if line.key != "stairs" else f"stairs_{line.values['end']}"
        key = key if line.key != "item" else f"item_{line.values['item']}"
        out[key] = line.amount
    return out


def moving(**kw: Any) -> QuoteRequest:
    return QuoteRequest("moving", **kw)


# -- moving -----------------------------------------------------------------------------------


def test_stairs_at_both_ends_without_elevator() -> None:
    q = compute_quote(PRICING, moving(rooms=3, floor_from=5, elevator_from=False, floor_to=3,
                                      elevator_to=False, distance_km=10), when=WEDNESDAY)
    # 1300 base + (5 − 1) × 50 = 200 + (3 − 1) × 50 = 100; 10 km is included.
    assert lines(q) == {"base_rooms": 1300, "stairs_from": 200, "stairs_to": 100}
    assert (q.subtotal, q.discount, q.total) == (1600, 0, 1600)


def test_an_elevator_or_the_free_floor_costs_nothing() -> None:
    q = compute_quote(PRICING, moving(rooms=1, floor_from=12, elevator_from=True, floor_to=1,
                                      elevator_to=False, distance_km=3), when=WEDNESDAY)
    assert lines(q) == {"base_rooms": 500} and q.total == 500


def test_the_largest_rooms_row_covers_bigger_homes() -> None:
    assert compute_quote(PRICING, moving(rooms=7, distance_km=1)).total == 1900
    assert pick_by_rooms({"1": 10, "2": 20}, 5) == (2, 20)
    assert pick_by_rooms({1: 10, 2: 20}, 1) == (1, 10)


def test_volume_is_the_alternative_base() -> None:
    # 30 m³ × 60 = 1800; 5 m³ × 60 = 300 is below the 500 minimum.
    assert compute_quote(PRICING, moving(volume=30, distance_km=1)).total == 1800
    small = compute_quote(PRICING, moving(volume=5, distance_km=1))
    assert small.total == 500 and small.lines[0].values["minimum"] is True


def test_distance_beyond_the_included_radius() -> None:
    q = compute_quote(PRICING, moving(rooms=2, distance_km=23.5))
    # (23.5 − 10) × 8 = 108
    assert lines(q) == {"base_rooms": 900, "distance": 108} and q.total == 1008
    assert q.lines[1].values == {"km": 23.5, "included": 10, "beyond": 13.5, "per_km": 8}


def test_unknown_distance_assumes_the_radius_and_says_so() -> None:
    q = compute_quote(PRICING, moving(rooms=2))
    assert q.total == 900
    assert [(n.key, n.values) for n in q.notes] == [("distance_assumed", {"km": 10})]


def test_large_items_piano_and_fridges() -> None:
    q = compute_quote(PRICING, moving(rooms=2, distance_km=5,
                                      items=(("piano", 1), ("fridge", 2), ("bicycle", 1))))
    # 900 + 600 piano + 2 × 100 fridges = 1700; the bicycle has no price: priced on site.
    assert lines(q) == {"base_rooms": 900, "item_piano": 600, "item_fridge": 200}
    assert q.total == 1700
    assert [(n.key, n.values["item"]) for n in q.notes] == [("item_on_site", "bicycle")]


def test_packing_recycling_insurance_and_storage() -> None:
    q = compute_quote(PRICING, moving(rooms=2, distance_km=5, packing=True, recycle_items=3,
                                      insured_value=80_000, storage_days=4), when=WEDNESDAY)
    # 900 + packing 2 × 150 = 300 + recycling 3 × 40 = 120
    # + insurance 0.5% × 80,000 = 400 + storage 4 × 30 = 120  → 1840
    assert lines(q) == {"base_rooms": 900, "packing": 300, "recycling": 120, "insurance": 400,
                        "storage": 120}
    assert q.total == 1840


def test_insurance_minimum_and_flat() -> None:
    q = compute_quote(PRICING, moving(rooms=1, distance_km=1, insured_value=4000))
    # 0.5% × 4000 = 20, below the 50 minimum
    assert lines(q)["insurance"] == 50 and q.lines[-1].values["minimum"] is True
    flat = {**PRICING, "services": {"moving": {**PRICING["services"]["moving"],
                                               "insurance": {"flat": 120},
                                               "packing": {"flat": 250}}}}
    q = compute_quote(flat, moving(rooms=3, distance_km=1, insurance=True, packing=True))
    assert lines(q) == {"base_rooms": 1300, "packing": 250, "insurance_flat": 120}


def test_weekend_surcharge_is_on_the_job_not_on_insurance_or_storage() -> None:
    q = compute_quote(PRICING, moving(rooms=2, distance_km=5, items=(("piano", 1),),
                                      insured_value=10_000, storage_days=2), when=SATURDAY)
    # job 900 + 600 = 1500; weekend 10% = 150; insurance 0.5% × 10,000 = 50; storage 2 × 30 = 60
    assert lines(q) == {"base_rooms": 900, "item_piano": 600, "weekend": 150, "insurance": 50,
                        "storage": 60}
    assert q.total == 1760


def test_a_holiday_on_a_weekend_is_a_holiday_only() -> None:
    q = compute_quote(PRICING, moving(rooms=2, distance_km=5), when=HOLIDAY_SATURDAY)
    # 900 × 30% = 270, no weekend line
    assert lines(q) == {"base_rooms": 900, "holiday": 270} and q.total == 1170
    assert compute_quote(PRICING, moving(rooms=2, distance_km=5),
                         when=date(2026, 10, 1)).total == 1170


def test_month_end_and_evening_peaks() -> None:
    q = compute_quote(PRICING, moving(rooms=2, distance_km=5), when=MONTH_END_FRIDAY)
    assert lines(q) == {"base_rooms": 900, "peak": 90}  # 25th–31st: +10%
    evening = datetime(2026, 11, 27, 19, 30)
    q = compute_quote(PRICING, moving(rooms=2, distance_km=5), when=evening)
    # both peaks on the job: 900 × 10% = 90 and 900 × 20% = 180
    assert [line.amount for line in q.lines] == [900, 90, 180] and q.total == 1170
    assert compute_quote(PRICING, moving(rooms=2, distance_km=5),
                         when=datetime(2026, 12, 2, 22, 0)).total == 900  # 22:00 is not before 22:00


# -- housekeeping -------------------------------------------------------------------------


def cleaning(**kw: Any) -> QuoteRequest:
    return QuoteRequest("cleaning", **kw)


def test_area_times_rate_with_a_minimum() -> None:
    assert compute_quote(PRICING, cleaning(area=80, cleaning_type="routine")).total == 400  # 80 × 5
    q = compute_quote(PRICING, cleaning(area=30, cleaning_type="routine"))
    assert q.total == 200 and q.lines[0].values["minimum"] is True  # 30 × 5 = 150 < 200
    assert compute_quote(PRICING, cleaning(area=30, rooms=1, cleaning_type="deep")).total == 400


def test_crew_times_hours_from_the_rooms() -> None:
    q = compute_quote(PRICING, cleaning(rooms=3, cleaning_type="routine", plan="one_off"))
    # 3 rooms → 2 cleaners × 4 h × 50 = 400
    assert q.lines[0].values | {} == {"type": "routine", "rooms": 3, "cleaners": 2, "hours": 4,
                                      "rate": 50}
    assert q.total == 400 and q.discounts == []
    assert compute_quote(PRICING, cleaning(rooms=6, cleaning_type="routine")).total == 600  # 3 × 4 × 50


def test_quarterly_plan_is_15_percent_off() -> None:
    q = compute_quote(PRICING, cleaning(rooms=3, cleaning_type="routine", plan="quarterly"))
    # 400 − 15% = 400 − 60 = 340
    assert (q.subtotal, lines(q)["plan"], q.total) == (400, 60, 340)


def test_holiday_cleaning_surcharge() -> None:
    q = compute_quote(PRICING, cleaning(rooms=2, cleaning_type="routine"), when=date(2026, 10, 1))
    assert lines(q) == {"crew": 300, "holiday": 60} and q.total == 360  # 2 × 3 × 50; +20%


# -- tiers --------------------------------------------------------------------------------


@pytest.mark.parametrize(("tier", "discount", "total"), [
    ("silver", 57.5, 1092.5),  # 900 + 250 stairs = 1150; 5% = 57.50
    ("gold", 115, 1035),       # 10% = 115
    ("standard", 0, 1150),     # an alias of basic
    ("basic", 0, 1150),
    ("platinum", 0, 1150),     # unknown tiers give nothing
    (None, 0, 1150),
])
def test_tier_discounts_on_the_subtotal(tier: str | None, discount: float, total: float) -> None:
    q = compute_quote(PRICING, moving(rooms=2, floor_from=6, elevator_from=False, distance_km=5),
                      tier=tier, when=WEDNESDAY)
    assert (q.subtotal, q.discount, q.total) == (1150, discount, total)


def test_plan_and_tier_discounts_do_not_compound() -> None:
    q = compute_quote(PRICING, cleaning(rooms=3, cleaning_type="routine", plan="monthly"), tier="gold")
    # subtotal 400; monthly 10% = 40 and gold 10% = 40, both of the subtotal → 320
    assert [(d.key, d.amount) for d in q.discounts] == [("plan", 40), ("tier", 40)]
    assert q.total == 320 and q.tier == "gold"
    assert canonical_tier(PRICING, "standard") == "basic"


# -- what cannot be priced ----------------------------------------------------------------


@pytest.mark.parametrize(("request_", "field", "reason"), [
    (QuoteRequest("moving", rooms=-3), "rooms", "not_positive"),
    (QuoteRequest("moving", rooms=2, floor_from=-1), "floor", "not_positive"),
    (QuoteRequest("moving", distance_km=5), "rooms", "missing"),
    (QuoteRequest("cleaning", rooms=2), "cleaning_type", "missing"),
    (QuoteRequest("cleaning", rooms=2, cleaning_type="spotless"), "cleaning_type", "unknown"),
    (QuoteRequest("cleaning", cleaning_type="deep", rooms=2), "area", "missing"),
    (QuoteRequest("cleaning", rooms=2, cleaning_type="routine", plan="weekly"), "plan", "unknown"),
    (QuoteRequest("gardening", rooms=2), "service_type", "unknown_service"),
])
def test_requests_that_cannot_be_priced(request_: QuoteRequest, field: str, reason: str) -> None:
    with pytest.raises(QuoteInputError) as exc:
        compute_quote(PRICING, request_)
    assert (exc.value.field, exc.value.reason) == (field, reason)


def test_problem_text_in_both_languages() -> None:
    err = QuoteInputError("rooms", "not_positive", value=-3)
    assert problem_text(err, "zh") == "房间数（几室）不能是 -3，请告诉我正确的数字。"
    assert problem_text(err, "en") == "The number of bedrooms can't be -3; please tell me the right number."


# -- rendering ----------------------------------------------------------------------------


def full_quote() -> Any:
    return compute_quote(
        PRICING, moving(rooms=2, floor_from=6, elevator_from=False, distance_km=15,
                        items=(("piano", 1), ("fridge", 2)), insured_value=20_000),
        tier="gold", when=SATURDAY, quote_id="Q2611230A1B2C", valid_until=date(2026, 12, 7))


def test_render_zh_lists_every_line_and_the_terms() -> None:
    # 900 + 250 stairs + 40 distance (5 × 8) + 600 + 200 = 1990; weekend 199;
    # insurance 0.5% × 20,000 = 100 → subtotal 2289; gold 10% = 228.90 → 2060.10
    text = render_quote(full_quote(), PRICING, "zh")
    assert text.splitlines() == [
        "搬家报价：",
        "• 基础价（2室）: ¥900",
        "• 楼层费：起点6楼无电梯（5层 × ¥50）: ¥250",
        "• 超出距离：全程 15 公里，含 10 公里，超出 5 公里 × ¥8: ¥40",
        "• 钢琴 × 1（¥600/件）: ¥600",
        "• 冰箱 × 2（¥100/件）: ¥200",
        "• 周末附加 10%: ¥199",
        "• 货物保险（保额 ¥20,000 × 0.5%）: ¥100",
        "小计: ¥2,289",
        "• 金卡会员优惠 −10%: −¥228.90",
        "合计: ¥2,060.10",
        "不含：空调拆装",
        "报价单号 Q2611230A1B2C，有效期至 2026-12-07。",
    ]


def test_render_en_lists_every_line_and_the_terms() -> None:
    text = render_quote(full_quote(), PRICING, "en")
    assert text.splitlines() == [
        "Moving quote:",
        "• Base price (2-bedroom home): ¥900",
        "• Stairs at pick-up: floor 6, no elevator (5 floors × ¥50): ¥250",
        "• Distance: 15 km, 10 km included, 5 km × ¥8: ¥40",
        "• Piano × 1 (¥600 each): ¥600",
        "• Fridge × 2 (¥100 each): ¥200",
        "• Weekend surcharge 10%: ¥199",
        "• Insurance (0.5% of ¥20,000 declared): ¥100",
        "Subtotal: ¥2,289",
        "• Gold member discount −10%: −¥228.90",
        "Total: ¥2,060.10",
        "Not included: air conditioner removal",
        "Quote Q2611230A1B2C, valid until 2026-12-07.",
    ]


def test_render_cleaning_and_notes() -> None:
    q = compute_quote(PRICING, cleaning(area=30, cleaning_type="routine", plan="quarterly"),
                      quote_id="Q1", valid_until=date(2026, 12, 7))
    # 30 × 5 = 150 → minimum 200; quarterly 15% = 30 → 170
    assert render_quote(q, PRICING, "zh").splitlines()[:5] == [
        "保洁报价（包季）：", "• 日常保洁：30 平方米 × ¥5，按最低收费 ¥200: ¥200", "小计: ¥200",
        "• 包季优惠 −15%: −¥30", "合计: ¥170"]
    moved = compute_quote(PRICING, moving(rooms=1, items=(("bicycle", 2),)))
    en = render_quote(moved, PRICING, "en")
    assert "Note: No distance given: priced as within 10 km" in en
    assert "Note: Bicycle × 2: priced on site." in en


@pytest.mark.parametrize(("amount", "currency", "text"), [
    (1234, "CNY", "¥1,234"), (1234.5, "CNY", "¥1,234.50"), (-12, "CNY", "−¥12"),
    (99.999, "USD", "$100"), (5, "JPY", "JPY 5"),
])
def test_money(amount: float, currency: str, text: str) -> None:
    assert format_money(amount, currency) == text
