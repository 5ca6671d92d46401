"""A broken ``loyalty:`` section is refused with file:line, what is wrong and how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.loader import load_bundle

from .conftest import SHIPPED_FLOWS
from .test_loyalty_support import scripts_dir

SHIPPED = (SHIPPED_FLOWS / "loyalty.yml").read_text(encoding="utf-8")


def errors_after(tmp_path: Path, old: str, new: str) -> tuple[str, list[str]]:
    """Load the scripts with one edit to loyalty.yml; (file, errors)."""
    assert old in SHIPPED, old
    directory = scripts_dir(tmp_path)
    path = directory / "loyalty.yml"
    path.write_text(SHIPPED.replace(old, new, 1), encoding="utf-8")
    result = load_bundle(directory)
    assert result.bundle is None
    return str(path), [str(e) for e in result.errors]


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The line of the ``nth`` line containing ``needle``."""
    return [i for i, line in enumerate(text.splitlines(), 1) if needle in line][nth - 1]


def test_the_shipped_section_is_valid(tmp_path: Path) -> None:
    result = load_bundle(scripts_dir(tmp_path))
    assert (result.errors, result.warnings) == ([], [])
    assert result.bundle is not None and {"points", "referral"} <= set(result.bundle.flows)


@pytest.mark.parametrize(("old", "new", "marker", "message"), [
    ("min_spend: 15000", "min_spend: 4000", "min_spend: 4000",
     "tier 'gold' min_spend 4000 is not above 'silver' (5000) — list tiers lowest first with "
     "rising thresholds"),
    ("min_services: 12", "min_services: 8", ("min_services: 8", 2),
     "tier 'diamond' min_services 8 is not above 'gold' (8)"),
    ("key: free_addon", "key: free_adon", "key: free_adon",
     "unknown milestone key 'free_adon' — did you mean 'free_addon'? use one of: "
     "priority_scheduling, free_addon, discount_package, lifetime_vip"),
    ("benefit: {zh: 折扣服务套餐, en: a discount package}", "benefit: {zh: 折扣服务套餐}",
     "benefit: {zh: 折扣服务套餐}",
     "loyalty/milestones/2/benefit: 'en' is a required property — add the missing key"),
    ('en: "{remaining} more services', 'en: "{left} more services', "{left} more",
     "texts.next_milestone (en) uses unknown placeholder {left} — allowed here: {benefit}, "
     "{remaining}"),
    ("lifetime_vip_floor: gold", "lifetime_vip_floor: platinum", "lifetime_vip_floor",
     "lifetime_vip_floor 'platinum' is not a tier — use one of: basic, silver, gold, diamond"),
    ("key: silver", "key: sliver", "key: sliver", "unknown tier 'sliver' — did you mean 'silver'?"),
    ("expiry: {mode: months, months: 12}", "expiry: {mode: monthly, months: 12}", "expiry:",
     "'monthly' is not one of ['months', 'year_end', 'never']"),
    ("    survey: 50", "    survey: -50", "survey: -50", "-50 is less than the minimum of 0"),
])
def test_broken_section(tmp_path: Path, old: str, new: str, marker: str | tuple[str, int],
                        message: str) -> None:
    file, errors = errors_after(tmp_path, old, new)
    needle, nth = marker if isinstance(marker, tuple) else (marker, 1)
    line = line_of(SHIPPED.replace(old, new, 1), needle, nth)
    assert any(e.startswith(f"{file}:{line}: ") and message in e for e in errors), errors


def test_a_missing_text_is_named(tmp_path: Path) -> None:
    start = SHIPPED.index("    tier_up:")
    end = SHIPPED.index("    referral_rewarded:")
    file, errors = errors_after(tmp_path, SHIPPED[start:end], "")
    # the loader points at the first entry of the mapping that lacks the key
    assert f"{file}:{line_of(SHIPPED, '    summary:')}: loyalty/texts: 'tier_up' is a required " \
           "property — add the missing key" in errors


def test_points_flow_without_a_loyalty_section(tmp_path: Path) -> None:
    start, end = SHIPPED.index("loyalty:\n"), SHIPPED.index("flows:\n")
    file, errors = errors_after(tmp_path, SHIPPED[start:end], "")
    edited = SHIPPED[:start] + SHIPPED[end:]
    assert errors == [
        f"{file}:{line_of(edited, f'- {name}')}: action '{action}' needs a valid `loyalty:` "
        "section — fix the errors reported for it, or add one (see docs/loyalty.md)"
        for name, action in (("action: show_points", "show_points"),
                             ("id: start", "referral_code"), ("action: referral_code", "referral_code"))]
