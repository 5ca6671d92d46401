"""The ``care:`` section: what the care calendar sends, to whom and when, and its checks.

A rule has an id, a trigger and a text per language. Booking rules are relative to the
slot's start (``booking_before``, ``booking_after`` with ``from: start``) or to completion
(``booking_after``, the default); the others are found by the daily scans (care_scans.py).
Each trigger has its own set of ``{placeholders}`` (:data:`PLACEHOLDERS`), so a text that
names one the trigger cannot fill is an error at the text's line, with a "did you mean".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from flows.hints import did_you_mean
from flows.sections import Problem, SectionRef
from flows.templates import placeholders

LANGS = ("zh", "en")
BOOKING_TRIGGERS = ("booking_before", "booking_after")
LUNAR_HOLIDAYS = {"spring_festival": (1, 1), "mid_autumn": (8, 15)}
HOLIDAY_NAMES = {"spring_festival": {"zh": "春节", "en": "Spring Festival"},
                 "mid_autumn": {"zh": "中秋节", "en": "the Mid-Autumn Festival"}}
#: customers.tier values a campaign can select ("standard" is the column default = basic).
KNOWN_TIERS = ("standard", "basic", "silver", "gold", "diamond")

_BOOKING = frozenset({"name", "booking_id", "service", "date", "time", "address", "preferences"})
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "booking_before": _BOOKING,
    "booking_after": _BOOKING,
    "birthday": frozenset({"name"}),
    "holiday": frozenset({"name", "holiday"}),
    "points_expiring": frozenset({"name", "points", "expires_on"}),
    "winback": frozenset({"name", "offer_code", "valid_until"}),
    "campaign": frozenset({"name"}),
}
#: outbox kind per trigger ("care" rows are proactive; hygiene applies to them at dispatch)
KIND = {"campaign": "campaign"}
BRIEFING_KIND = "briefing"

_OFFSET = re.compile(r"^([+-])(\d+)([hdw])$")
_UNIT = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_offset(raw: str) -> timedelta:
    """'-3d' -> -3 days, '+72h' -> 72 hours, '+1w' -> 7 days."""
    match = _OFFSET.match(raw.strip())
    if match is None:
        raise ValueError(f"bad offset {raw!r}: use a sign, a number and h, d or w ('-3d')")
    sign, amount, unit = match.groups()
    return (-1 if sign == "-" else 1) * int(amount) * _UNIT[unit]


def parse_clock(raw: str) -> time:
    hours, minutes = raw.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    trigger: str
    text: Mapping[str, str]
    offset: timedelta = timedelta(0)
    offset_text: str = ""  # as written ("+72h"), for people
    day_granular: bool = False  # a d/w offset: sent at ``at`` on the day it lands on
    anchor: str = "start"  # start | completion (booking rules)
    at: time = time(10, 0)
    audience: str = "customer"
    services: tuple[str, ...] = ()
    days_before: int = 0
    holiday: str = ""
    holiday_name: Mapping[str, str] = field(default_factory=dict)
    within_days: int = 30
    after_days: int = 90
    cooldown_days: int = 90
    offer_prefix: str = "WB"
    valid_days: int = 14
    segment: Mapping[str, Sequence[str]] = field(default_factory=dict)
    send_at: datetime | None = None  # naive local time

    @property
    def kind(self) -> str:
        if self.audience == "crew":
            return BRIEFING_KIND
        return KIND.get(self.trigger, "care")

    def applies_to(self, service: str) -> bool:
        return not self.services or service in self.services

    def render(self, lang: str, values: Mapping[str, Any]) -> str:
        template = self.text.get(lang) or self.text.get("zh") or ""
        return re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*)\}",
                      lambda m: str(values.get(m.group(1), "")), template)


@dataclass(frozen=True, slots=True)
class CareConfig:
    rules: tuple[Rule, ...]
    scan_ahead_days: int = 1

    def by_trigger(self, *triggers: str) -> list[Rule]:
        return [r for r in self.rules if r.trigger in triggers]

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def config_of(section: Mapping[str, Any]) -> CareConfig:
    """The checked section as rules (an empty section: no rules)."""
    default_at = parse_clock(str(section.get("send_time", "10:00")))
    rules = []
    for raw in section.get("rules", ()):
        offset_raw = str(raw.get("offset", "+0h"))
        send_at = raw.get("send_at")
        values: dict[str, Any] = {
            "offset": parse_offset(offset_raw), "offset_text": offset_raw,
            "day_granular": offset_raw[-1] in "dw",
            "anchor": raw.get("from", "completion" if raw["trigger"] == "booking_after"
                              else "start"),
            "at": parse_clock(raw["at"]) if "at" in raw else default_at,
            "services": tuple(raw.get("services", ())),
            "holiday_name": dict(raw.get("holiday_name") or
                                 HOLIDAY_NAMES.get(str(raw.get("holiday", "")), {})),
            "segment": {k: tuple(v) for k, v in (raw.get("segment") or {}).items()},
            "send_at": datetime.fromisoformat(str(send_at)).replace(tzinfo=None)
            if send_at else None,
            "cooldown_days": int(raw.get("cooldown_days", raw.get("after_days", 90))),
        }
        for key in ("audience", "days_before", "holiday", "within_days", "after_days",
                    "offer_prefix", "valid_days"):
            if key in raw:
                values[key] = raw[key]
        rules.append(Rule(str(raw["id"]), str(raw["trigger"]), dict(raw["text"]), **values))
    return CareConfig(tuple(rules), int(section.get("scan_ahead_days", 1)))


# -- the semantic check ------------------------------------------------------------------------


@dataclass
class _Siblings:
    """What the other sections of the same scripts directory say (services, horizons)."""

    horizons: dict[str, int] = field(default_factory=dict)

    @classmethod
    def read(cls, ref: SectionRef) -> _Siblings:
        from flows.loader import script_files
        from flows.yamlio import YamlSyntaxError, load_yaml, plain

        found = cls()
        folder = Path(ref.file).parent
        if not folder.is_dir():
            return found
        for path in script_files(folder):
            try:
                data = plain(load_yaml(path))
            except (YamlSyntaxError, OSError):
                continue  # the loader reports that file itself
            services = (data.get("booking") or {}).get("services") if isinstance(data, dict) \
                else None
            for key, raw in (services or {}).items():
                found.horizons[str(key)] = int((raw or {}).get("horizon_days", 30))
        return found


def check_care(data: dict[str, Any], ref: SectionRef) -> list[Problem]:
    problems: list[Problem] = []
    known = _Siblings.read(ref)
    seen: set[str] = set()
    for i, raw in enumerate(data.get("rules", ())):
        at = ["rules", i]
        if raw["id"] in seen:
            problems.append(Problem([*at, "id"], f"care rule '{raw['id']}' is defined twice",
                                    "give each rule its own id"))
        seen.add(raw["id"])
        problems += _check_text(raw, at)
        problems += _check_trigger(raw, at, known)
    return problems


def _check_text(raw: Mapping[str, Any], at: list[Any]) -> list[Problem]:
    problems = []
    allowed = PLACEHOLDERS[raw["trigger"]]
    for lang in LANGS:
        if lang not in raw["text"]:
            problems.append(Problem([*at, "text"], f"care rule '{raw['id']}' has no {lang} text",
                                    f"add `{lang}:` under text (every customer-facing text is "
                                    "in both languages)"))
    for lang, text in raw["text"].items():
        for name in sorted(placeholders(text) - allowed):
            problems.append(Problem([*at, "text", lang],
                                    f"unknown placeholder {{{name}}} in care rule "
                                    f"'{raw['id']}' ({raw['trigger']})",
                                    did_you_mean(name, allowed)))
    return problems


def _check_trigger(raw: Mapping[str, Any], at: list[Any], known: _Siblings) -> list[Problem]:
    trigger, rid = raw["trigger"], raw["id"]
    need = {"booking_before": ("offset",), "booking_after": ("offset",),
            "holiday": ("holiday",), "points_expiring": ("within_days",),
            "winback": ("after_days", "offer_prefix", "valid_days"),
            "campaign": ("segment", "send_at")}.get(trigger, ())
    problems = [Problem(at, f"care rule '{rid}' ({trigger}) needs `{key}`",
                        "see docs/care-calendar.md for each trigger's settings")
                for key in need if key not in raw]
    if problems:
        return problems
    if raw.get("audience") == "crew" and trigger not in BOOKING_TRIGGERS:
        problems.append(Problem([*at, "audience"], "only booking rules can brief the crew",
                                "remove `audience: crew` or use booking_before"))
    for j, service in enumerate(raw.get("services", ())):
        if known.horizons and service not in known.horizons:
            problems.append(Problem([*at, "services", j], f"unknown service '{service}'",
                                    did_you_mean(service, known.horizons)))
    if trigger in BOOKING_TRIGGERS:
        problems += _check_offset(raw, at, known)
    elif trigger == "holiday":
        problems += _check_holiday(raw, at)
    elif trigger == "campaign":
        problems += _check_campaign(raw, at, known)
    return problems


def _check_offset(raw: Mapping[str, Any], at: list[Any], known: _Siblings) -> list[Problem]:
    offset = parse_offset(str(raw["offset"]))
    where = [*at, "offset"]
    if raw["trigger"] == "booking_after" and offset < timedelta(0):
        return [Problem(where, f"offset {raw['offset']} of booking_after rule '{raw['id']}' "
                               "lands before the booking",
                        f"use a positive offset ('+{raw['offset'][1:]}'), or trigger "
                        "booking_before for a reminder")]
    if raw["trigger"] == "booking_before":
        if offset > timedelta(0):
            return [Problem(where, f"offset {raw['offset']} of booking_before rule "
                                   f"'{raw['id']}' is after the booking starts",
                            f"use '-{raw['offset'][1:]}', or trigger booking_after")]
        services = raw.get("services") or list(known.horizons)
        horizons = [known.horizons[s] for s in services if s in known.horizons]
        if horizons and -offset > timedelta(days=max(horizons)):
            return [Problem(where, f"offset {raw['offset']} lands before the booking is "
                                   f"made: bookings are taken at most {max(horizons)} days "
                                   "ahead, so this message would never be sent",
                            f"use at most -{max(horizons)}d")]
    if "at" in raw and str(raw["offset"]).endswith("h"):
        return [Problem([*at, "at"], "`at` only applies to day and week offsets",
                        "remove `at`, or give the offset in days ('-1d')", "warning")]
    return []


def _check_holiday(raw: Mapping[str, Any], at: list[Any]) -> list[Problem]:
    name = str(raw["holiday"])
    if name in LUNAR_HOLIDAYS:
        return []
    try:
        date.fromisoformat(f"2024-{name}")  # a leap year, so 02-29 is a valid fixed date
    except ValueError:
        return [Problem([*at, "holiday"], f"unknown holiday '{name}'",
                        f"{did_you_mean(name, LUNAR_HOLIDAYS)} (or a fixed date MM-DD)")]
    if "holiday_name" not in raw:
        return [Problem([*at, "holiday"], f"fixed-date holiday {name} needs holiday_name",
                        "add holiday_name: {zh: 国庆节, en: National Day}")]
    return []


def _check_campaign(raw: Mapping[str, Any], at: list[Any], known: _Siblings) -> list[Problem]:
    problems = []
    try:
        datetime.fromisoformat(str(raw["send_at"]))
    except ValueError:
        problems.append(Problem([*at, "send_at"], f"send_at {raw['send_at']!r} is not a time",
                                "use local ISO time: 2026-12-20T10:00"))
    segment = raw["segment"]
    for j, tier in enumerate(segment.get("tiers", ())):
        if tier not in KNOWN_TIERS:
            problems.append(Problem([*at, "segment", "tiers", j],
                                    f"no customer can have tier '{tier}': the segment is empty",
                                    did_you_mean(tier, KNOWN_TIERS)))
    for j, service in enumerate(segment.get("services", ())):
        if known.horizons and service not in known.horizons:
            problems.append(Problem([*at, "segment", "services", j],
                                    f"unknown service '{service}': the segment is empty",
                                    did_you_mean(service, known.horizons)))
    return problems
