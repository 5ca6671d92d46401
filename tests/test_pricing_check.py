"""A broken price table is rejected with file:line on the offending key, what is wrong and how
to fix it — by the pricing schema (structure) or the pricing check (meaning)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.business.pricing_check import check_pricing
from flows.loader import load_bundle
from flows.yamlio import load_yaml, plain

from .conftest import SHIPPED_FLOWS

PRICING = SHIPPED_FLOWS / "pricing.yml"
# Only the fallback flow is needed: the section is checked on its own.
CORE = """version: 1
flows:
  fallback:
    steps:
      - say: {zh: 嗯？, en: Sorry?}
"""


def load_with(tmp_path: Path, old: str, new: str) -> tuple[Path, list[str], int]:
    """The shipped pricing.yml with ``old`` replaced: (file, errors, line of the change)."""
    text = PRICING.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in pricing.yml"
    text = text.replace(old, new)
    directory = tmp_path / "scripts"
    directory.mkdir()
    (directory / "core.yml").write_text(CORE, encoding="utf-8")
    path = directory / "pricing.yml"
    path.write_text(text, encoding="utf-8")
    line = text[: text.index(new)].count("\n") + 1
    result = load_bundle(directory)
    assert result.bundle is None
    return path, [str(e) for e in result.errors], line


def test_the_shipped_prices_pass() -> None:
    data = plain(load_yaml(PRICING))["pricing"]
    assert check_pricing(data, None) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(("old", "new", "message", "hint"), [
    ("        piano: 600\n", "        piano: -600\n",
     "services.moving.large_items.piano is -600; prices and quantities cannot be negative",
     "write 600; a discount belongs under tiers or a cleaning plan"),
    ("      stairs: {free_floors: 1, per_floor: 50}", "      stairs: {free_floors: 1, per_floor: -50}",
     "services.moving.stairs.per_floor is -50; prices and quantities cannot be negative", "write 50"),
    ("        piano: 600\n", "        pianno: 600\n",
     "services.moving.large_items.pianno is not an item under pricing.items",
     "did you mean 'piano'? (or add `pianno: {zh: ..., en: ...}` under pricing.items"),
    ("    sofa: {zh: 沙发, en: sofa}", "    sofa: {zh: 沙发}",
     "items.sofa has no en text", "add `en: ...` beside the zh text"),
    ("      name: {zh: 保洁, en: Cleaning}", "      name: {en: Cleaning}",
     "services.cleaning.name has no zh text", "add `zh: ...` beside the en text"),
    ('    - "2026-10-02"', '    - "2026-13-02"',
     "holidays[1] '2026-13-02' is not a date", 'write it as "2026-10-01" (year-month-day, in quotes)'),
    ('    - "2026-10-02"', "    - 10月2日",
     "holidays[1] '10月2日' is not a date", "year-month-day"),
    ("gold: {name: {zh: 金卡会员, en: Gold member}, discount_pct: 10}",
     "gold: {name: {zh: 金卡会员, en: Gold member}, discount_pct: 110}",
     "tiers.gold.discount_pct is 110; a discount must be between 0 and 100 (%)",
     "write the percent as a plain number"),
    ("quarterly: {name: {zh: 包季, en: Quarterly}, discount_pct: 15}",
     "quarterly: {name: {zh: 包季, en: Quarterly}, discount_pct: -15}",
     "services.cleaning.plans.quarterly.discount_pct is -15; a discount must be between 0 and 100",
     "e.g. 10 for 10%"),
    ("            days_of_month: [25, 31]", "            days_of_month: [31, 25]",
     "services.moving.surcharges.peak[0].days_of_month [31, 25] is not a range of days",
     "1 <= first <= last <= 31"),
    ('            hours: ["18:00", "22:00"]', '            hours: ["18:00", "25:00"]',
     "services.moving.surcharges.peak[1].hours ['18:00', '25:00'] is not a time range", "HH:MM"),
])
def test_semantic_errors_point_at_the_key(tmp_path: Path, old: str, new: str, message: str,
                                          hint: str) -> None:
    path, errors, line = load_with(tmp_path, old, new)
    assert any(e.startswith(f"{path}:{line}: ") and message in e and " — " in e and hint in e
               for e in errors), (line, errors)


def test_a_gap_in_the_crew_table(tmp_path: Path) -> None:
    old = "            3: {cleaners: 2, hours: 4}\n"
    text = PRICING.read_text(encoding="utf-8")
    row_2 = text[: text.index(old)].count("\n")  # the gap opens after routine's row 2
    path, errors, _ = load_with(tmp_path, old, "")
    assert f"{path}:{row_2}: services.cleaning.types.routine.crew_by_rooms has no row for 3 " \
           "bedroom(s) — add `3: ...` after this row (the largest row covers bigger homes; rows " \
           "in between must all be there)" in errors


def test_a_gap_in_the_moving_base(tmp_path: Path) -> None:
    path, errors, _ = load_with(tmp_path, "        3: 1300\n", "")
    assert any(e.startswith(f"{path}:") and "base_by_rooms has no row for 3 bedroom(s)" in e
               for e in errors), errors


def test_unknown_keys_are_schema_errors_with_the_allowed_keys(tmp_path: Path) -> None:
    path, errors, _ = load_with(tmp_path, "      storage: {per_day: 30}\n",
                                "      storage: {per_day: 30}\n      weekend_surcharge_pct: 10\n")
    text = path.read_text(encoding="utf-8")
    moving_line = text[: text.index("      kind: moving")].count("\n") + 1  # the mapping's first line
    (err,) = errors
    assert err.startswith(f"{path}:{moving_line}: unknown key 'weekend_surcharge_pct' in "
                          "pricing/services/moving — allowed keys here: base_by_rooms, ")
    assert "surcharges" in err


def test_a_service_needs_a_kind(tmp_path: Path) -> None:
    path, errors, _ = load_with(tmp_path, "      kind: housekeeping\n", "")
    assert any(e.startswith(f"{path}:") and "'kind' is a required property" in e for e in errors)


def test_a_moving_service_needs_a_base_price(tmp_path: Path) -> None:
    text = PRICING.read_text(encoding="utf-8")
    start = text.index("      base_by_rooms:")
    end = text.index("      stairs:")
    _, errors, _ = load_with(tmp_path, text[start:end], "")
    assert any("services.moving has no base price — add base_by_rooms: {1: 500" in e for e in errors)
