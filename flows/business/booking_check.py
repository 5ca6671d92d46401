"""What the booking schema cannot see: impossible times, unusable services, typos in texts.

``check_section`` runs when the ``booking:`` section is loaded; ``check_flow`` runs for
each flow step that calls a booking action and compares the flow's choices with the
section (a time slot customers can pick must exist, and every slot must be pickable).
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from flows.business.booking_schedule import WEEKDAYS, parse_time
from flows.business.booking_texts import DEFAULTS
from flows.hints import did_you_mean
from flows.model import Bundle, Flow, Step
from flows.sections import Problem, SectionRef
from flows.templates import placeholders


def _dates(raw: Any, path: list[Any]) -> list[Problem]:
    problems = []
    for i, value in enumerate(raw or ()):
        if isinstance(value, date):
            continue
        try:
            date.fromisoformat(str(value))
        except ValueError:
            problems.append(Problem([*path, i], f"{value!r} is not a date",
                                    "write it as \"YYYY-MM-DD\", e.g. \"2027-02-17\""))
    return problems


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _times(svc: dict[str, Any], base: list[Any]) -> list[Problem]:
    """Every clock time is "HH:MM" (checked before anything computes with them)."""
    found = [([*base, "same_day_until"], svc.get("same_day_until"))]
    for i, slot in enumerate(svc["slots"]):
        found += [([*base, "slots", i, "start"], slot["start"]),
                  ([*base, "slots", i, "end"], slot["end"])]
    return [Problem(path, f"{value!r} is not a time of day",
                    "write it as \"HH:MM\" in quotes, 24-hour clock, e.g. \"08:00\" or \"18:30\"")
            for path, value in found if value is not None and not _HHMM.match(str(value))]


def _service(key: str, svc: dict[str, Any]) -> list[Problem]:
    base = ["services", key]
    bad_times = _times(svc, base)
    if bad_times:
        return bad_times
    problems = _dates(svc.get("closed_dates"), [*base, "closed_dates"])
    seen: dict[str, int] = {}
    spans: list[tuple[str, time, time]] = []
    for i, slot in enumerate(svc["slots"]):
        where = [*base, "slots", i]
        if slot["id"] in seen:
            problems.append(Problem([*where, "id"], f"time slot '{slot['id']}' of service '{key}' "
                                    "is defined twice", f"rename or remove one (the first is "
                                    f"slot {seen[slot['id']] + 1})"))
        seen[slot["id"]] = i
        start, end = parse_time(slot["start"]), parse_time(slot["end"])
        if end <= start:
            problems.append(Problem([*where, "end"], f"slot '{slot['id']}' ends at {slot['end']}, "
                                    f"not after it starts ({slot['start']})",
                                    "make `end` later than `start` (slots cannot span midnight)"))
        for other_id, other_start, other_end in spans:
            if start < other_end and other_start < end:
                problems.append(Problem([*where, "start"], f"slot '{slot['id']}' overlaps slot "
                                        f"'{other_id}' of service '{key}'",
                                        "customers may be confused which one to pick; make the "
                                        "times follow each other", "warning"))
        spans.append((slot["id"], start, end))
    closed = set(svc.get("closed_weekdays", ()))
    open_days = [d for d in WEEKDAYS if d not in closed and any(
        int((s.get("crews_by_weekday") or {}).get(d, s["crews"])) > 0 for s in svc["slots"])]
    if not open_days:
        problems.append(Problem(base, f"service '{key}' has no crew on any day, so it can never "
                                "be booked", "give a slot `crews:` above 0 or open a weekday "
                                "(closed_weekdays)"))
    horizon, lead = int(svc.get("horizon_days", 30)), float(svc.get("min_lead_hours", 0))
    if lead >= horizon * 24:
        problems.append(Problem([*base, "min_lead_hours"], f"min_lead_hours {lead:g} is not "
                                f"less than horizon_days ({horizon} days = {horizon * 24} h): no "
                                "day can be booked", "lower min_lead_hours or raise horizon_days"))
    return problems


def _terms(data: dict[str, Any], kind: str) -> list[Problem]:
    cfg = data.get(kind) or {}
    if cfg.get("late", "fee") == "fee" and "late_fee_pct" not in cfg and kind in data:
        return [Problem([kind, "late"] if "late" in cfg else [kind],
                        f"{kind}: `late: fee` needs `late_fee_pct`",
                        "add e.g. `late_fee_pct: 20` (percent of the price), or `late: refuse`")]
    if cfg.get("late") == "refuse" and "late_fee_pct" in cfg:
        return [Problem([kind, "late_fee_pct"], f"{kind}: late_fee_pct is ignored with `late: "
                        "refuse`", "remove it, or use `late: fee`", "warning")]
    return []


def _texts(raw: dict[str, Any]) -> list[Problem]:
    problems = []
    for key, value in (raw or {}).items():
        if key not in DEFAULTS:
            problems.append(Problem(["texts", key], f"unknown booking text '{key}'",
                                    did_you_mean(key, DEFAULTS)))
            continue
        allowed = placeholders(DEFAULTS[key]["zh"]) | placeholders(DEFAULTS[key]["en"])
        for lang, template in value.items():
            unknown = placeholders(template) - allowed
            if unknown:
                problems.append(Problem(["texts", key, lang], f"text '{key}' ({lang}) uses "
                                        f"{', '.join('{' + u + '}' for u in sorted(unknown))}, "
                                        "which this text does not have",
                                        "use only: " + (", ".join('{' + a + '}' for a in
                                                                  sorted(allowed)) or "none")))
    return problems


def check_section(data: dict[str, Any], ref: SectionRef) -> list[Problem]:
    problems = _dates(data.get("closed_dates"), ["closed_dates"])
    for key, svc in data["services"].items():
        problems += _service(key, svc)
    problems += _terms(data, "reschedule") + _terms(data, "cancel")
    return problems + _texts(data.get("texts") or {})


def check_flow(bundle: Bundle, flow: Flow, step: Step) -> list[tuple[int, str, str]]:
    """A flow that books must offer only services and time slots the section has."""
    section = bundle.section("booking")
    where = bundle.section_sources.get("booking")
    if not section:
        return [(step.source.line, f"action '{step.action}' needs a valid `booking:` section",
                 "add booking.services with slots and crews, or fix the errors reported in it "
                 "(see docs/bookings.md)")]
    services = section.get("services", {})
    slot_ids = {s["id"] for svc in services.values() for s in svc["slots"]}
    problems = []
    for st in flow.steps:
        if st.kind != "collect" or not st.choices:
            continue
        values = {c.value for c in st.choices}
        if st.slot == "service_type":
            for value in sorted(values - set(services)):
                problems.append((st.source.line, f"service '{value}' offered by flow '{flow.name}' "
                                 "has no booking rules", f"add `{value}:` under booking.services "
                                 f"({where}) or remove the choice"))
        if st.slot == "time_slot":
            for value in sorted(values - slot_ids):
                problems.append((st.source.line, f"time slot '{value}' offered by flow "
                                 f"'{flow.name}' is not a slot of any service",
                                 f"add it to a service's slots ({where}) or remove the choice"))
            for value in sorted(slot_ids - values):
                problems.append((st.source.line, f"time slot '{value}' ({where}) is not among "
                                 f"the choices of flow '{flow.name}', so nobody can pick it",
                                 f"add a choice with `value: {value}`"))
    return problems
