"""The ``loyalty:`` section as typed values, and its semantic check.

The JSON Schema (loyalty.schema.json) says what each key may hold; this module checks what a
schema cannot: thresholds that rise from tier to tier, milestone keys the rest of the system
knows, placeholders each text may use. Every number the loyalty code uses comes from here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flows.hints import did_you_mean
from flows.sections import Problem, SectionRef
from flows.templates import placeholders

#: Benefits other parts act on (booking gives priority slots, pricing the package, ...).
MILESTONE_KEYS = ("priority_scheduling", "free_addon", "discount_package", "lifetime_vip")
#: customers.tier values; pricing reads them for tier discounts. "standard" (the column
#: default, before any recompute) means basic.
TIER_KEYS = ("basic", "silver", "gold", "diamond")
#: Texts and the placeholders each may use.
TEXT_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "summary": frozenset({"points", "tier"}),
    "expiring": frozenset({"expiring", "date"}),
    "next_milestone": frozenset({"remaining", "benefit"}),
    "next_milestone_one": frozenset({"benefit"}),
    "all_milestones": frozenset(),
    "unlocked": frozenset({"benefits"}),
    "milestone_reached": frozenset({"services", "benefit", "points"}),
    "tier_up": frozenset({"tier"}),
    "referral_rewarded": frozenset({"points"}),
    "referral_welcome": frozenset({"points"}),
}


@dataclass(frozen=True, slots=True)
class Milestone:
    services: int
    key: str
    benefit: Mapping[str, str]
    points: int


@dataclass(frozen=True, slots=True)
class Tier:
    key: str
    name: Mapping[str, str]
    min_spend: float
    min_services: int


@dataclass(frozen=True, slots=True)
class LoyaltyConfig:
    survey_points: int
    referrer_points: int
    referred_points: int
    spend_points: int
    spend_per_amount: float
    expiry_mode: str  # months | year_end | never
    expiry_months: int
    expiry_years_after: int
    expiring_notice_days: int
    milestones: tuple[Milestone, ...]
    tiers: tuple[Tier, ...]  # lowest first
    window_months: int
    match: str  # any | all
    vip_floor: str | None
    texts: Mapping[str, Mapping[str, str]]

    def text(self, key: str, lang: str, **values: Any) -> str:
        by_lang = self.texts.get(key) or {}
        raw = by_lang.get(lang) or by_lang.get("zh") or ""
        return raw.format(**values) if values else raw

    def tier(self, key: str | None) -> Tier:
        """A tier by key; ``standard``, unknown or empty keys mean the lowest tier."""
        return next((t for t in self.tiers if t.key == key), self.tiers[0])

    def milestone(self, key: str) -> Milestone | None:
        return next((m for m in self.milestones if m.key == key), None)

    def spend_award(self, amount: float) -> int:
        """Points for ``amount`` spent: whole blocks of ``per_amount`` only."""
        if amount <= 0 or self.spend_per_amount <= 0:
            return 0
        return math.floor(amount / self.spend_per_amount + 1e-9) * self.spend_points

    def expires_at(self, earned: datetime) -> datetime | None:
        """When points earned at ``earned`` (aware, business time zone) run out."""
        if self.expiry_mode == "months":
            return add_months(earned, self.expiry_months)
        if self.expiry_mode == "year_end":
            return earned.replace(year=earned.year + 1 + self.expiry_years_after, month=1, day=1,
                                  hour=0, minute=0, second=0, microsecond=0)
        return None


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months later (or earlier); the 31st becomes the month's last day."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    first_next = datetime(year + (month == 12), month % 12 + 1, 1)
    last_day = (first_next - timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def config_of(section: Mapping[str, Any]) -> LoyaltyConfig:
    """Typed view of a section that passed the schema (defaults fill optional keys)."""
    points = section.get("points", {})
    referral = points.get("referral", {})
    spend = points.get("spend", {})
    expiry = points.get("expiry", {"mode": "months", "months": 12})
    tiers = section.get("tiers", {})
    return LoyaltyConfig(
        survey_points=int(points.get("survey", 0)),
        referrer_points=int(referral.get("referrer", 0)),
        referred_points=int(referral.get("referred", 0)),
        spend_points=int(spend.get("points", 0)),
        spend_per_amount=float(spend.get("per_amount", 1)),
        expiry_mode=str(expiry.get("mode", "months")),
        expiry_months=int(expiry.get("months", 12)),
        expiry_years_after=int(expiry.get("years_after", 0)),
        expiring_notice_days=int(section.get("expiring_notice_days", 30)),
        milestones=tuple(sorted(
            (Milestone(int(m["services"]), str(m["key"]), dict(m["benefit"]), int(m.get("points", 0)))
             for m in section.get("milestones", [])), key=lambda m: m.services)),
        tiers=tuple(Tier(str(t["key"]), dict(t["name"]), float(t.get("min_spend", 0)),
                         int(t.get("min_services", 0))) for t in tiers.get("levels", [])),
        window_months=int(tiers.get("window_months", 12)),
        match=str(tiers.get("match", "any")),
        vip_floor=tiers.get("lifetime_vip_floor"),
        texts={k: dict(v) for k, v in section.get("texts", {}).items()},
    )


def _guess(word: str, options: tuple[str, ...]) -> str:
    found = did_you_mean(word, options, fallback="")
    return f"{found} " if found else ""


def check_loyalty(data: dict[str, Any], ref: SectionRef) -> list[Problem]:
    """What the schema cannot say: order, known keys, placeholders."""
    problems: list[Problem] = []
    seen_services: set[int] = set()
    for i, m in enumerate(data.get("milestones", [])):
        if m["key"] not in MILESTONE_KEYS:
            problems.append(Problem(["milestones", i, "key"], f"unknown milestone key '{m['key']}'",
                                    _guess(m["key"], MILESTONE_KEYS)
                                    + "use one of: " + ", ".join(MILESTONE_KEYS)))
        if m["services"] in seen_services:
            problems.append(Problem(["milestones", i, "services"],
                                    f"two milestones at {m['services']} services",
                                    "give each milestone its own number of completed services"))
        seen_services.add(m["services"])
    problems += _check_tiers(data.get("tiers", {}), [m["key"] for m in data.get("milestones", [])])
    for key, text in data.get("texts", {}).items():
        allowed = TEXT_PLACEHOLDERS.get(key, frozenset())
        for lang, value in text.items():
            for name in sorted(placeholders(value) - allowed):
                problems.append(Problem(
                    ["texts", key, lang], f"texts.{key} ({lang}) uses unknown placeholder {{{name}}}",
                    "allowed here: " + (", ".join(f"{{{a}}}" for a in sorted(allowed)) or "none")))
    return problems


def _check_tiers(tiers: dict[str, Any], milestone_keys: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    levels = tiers.get("levels", [])
    keys = [t["key"] for t in levels]
    for i, t in enumerate(levels):
        if t["key"] not in TIER_KEYS:
            problems.append(Problem(["tiers", "levels", i, "key"], f"unknown tier '{t['key']}'",
                                    _guess(t["key"], TIER_KEYS) + "pricing knows the tiers "
                                    + ", ".join(TIER_KEYS)))
        elif keys.index(t["key"]) != i:
            problems.append(Problem(["tiers", "levels", i, "key"], f"tier '{t['key']}' is listed twice",
                                    "list each tier once, lowest first"))
    if levels and (levels[0].get("min_spend", 0) or levels[0].get("min_services", 0)):
        problems.append(Problem(["tiers", "levels", 0], f"the first tier '{levels[0]['key']}' has "
                                "thresholds, so some customers would have no tier",
                                "set min_spend: 0 and min_services: 0 on the lowest tier"))
    for field in ("min_spend", "min_services"):
        for i in range(1, len(levels)):
            prev, cur = levels[i - 1].get(field, 0), levels[i].get(field, 0)
            if cur <= prev:
                problems.append(Problem(
                    ["tiers", "levels", i, field],
                    f"tier '{levels[i]['key']}' {field} {cur} is not above "
                    f"'{levels[i - 1]['key']}' ({prev})",
                    "list tiers lowest first with rising thresholds"))
    floor = tiers.get("lifetime_vip_floor")
    if floor is not None and floor not in keys:
        problems.append(Problem(["tiers", "lifetime_vip_floor"], f"lifetime_vip_floor '{floor}' is "
                                "not a tier", "use one of: " + ", ".join(keys)))
    if floor is not None and "lifetime_vip" not in milestone_keys:
        problems.append(Problem(["tiers", "lifetime_vip_floor"], "lifetime_vip_floor is set but no "
                                "milestone has key lifetime_vip",
                                "add a lifetime_vip milestone or remove the floor", "warning"))
    return problems
