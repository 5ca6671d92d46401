"""What the pricing JSON Schema cannot see: meaning, ranges and cross-references.

Each rule returns a :class:`Problem` whose path points into the ``pricing:`` section, so ops
read ``pricing.yml:41: services.moving.large_items.pianno is not an item … — did you mean
'piano'?`` with the line of the offending key. Ranges live here rather than in the schema
(``minimum: 0``) because here the message can say how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from typing import Any

from flows.hints import did_you_mean
from flows.sections import Problem, SectionRef

LANGS = ("zh", "en")
Path_ = tuple[Any, ...]
SURCHARGE_MAX = 300  # a surcharge above 300% is a typo, not a price


def _where(path: Sequence[Any]) -> str:
    """services.moving.base_by_rooms.3, services.cleaning.not_included[1]."""
    out = ""
    for i, p in enumerate(path):
        table = i and str(path[i - 1]).endswith("by_rooms")
        out += f"[{p}]" if isinstance(p, int) and not table else ("." if out else "") + str(p)
    return out


def _key(k: str) -> Any:
    """Unquoted YAML numbers are int keys in the document: look lines up with the int."""
    return int(k) if k.isdecimal() else k


def check_pricing(data: dict[str, Any], ref: SectionRef) -> list[Problem]:
    """The section's semantic check (registered in flows.business.pricing)."""
    del ref  # paths are enough: the loader turns them into lines
    problems = list(_check_top(data))
    for name, svc in data.get("services", {}).items():
        problems += _check_service(data, ("services", name), svc)
    return problems


def _text(path: Path_, value: Any) -> Iterator[Problem]:
    missing = [lang for lang in LANGS if not (isinstance(value, dict) and value.get(lang))]
    if missing:
        have = next((lang for lang in LANGS if lang not in missing), None)
        yield Problem(path, f"{_where(path)} has no {'/'.join(missing)} text",
                      f"add `{missing[0]}: ...`" + (f" beside the {have} text" if have else
                                                    " (customers see both languages)"))


def _pct(path: Path_, value: Any, high: float = 100) -> Iterator[Problem]:
    if isinstance(value, (int, float)) and not 0 <= value <= high:
        kind = "a discount" if high == 100 else "a surcharge"
        yield Problem(path, f"{_where(path)} is {value}; {kind} must be between 0 and {high:g} (%)",
                      "write the percent as a plain number, e.g. 10 for 10%")


def _amounts(path: Path_, node: Any) -> Iterator[Problem]:
    """Every number under ``node`` except percents must be 0 or more."""
    if isinstance(node, dict):
        for k, v in node.items():
            if not str(k).endswith("pct"):
                yield from _amounts((*path, _key(str(k))), v)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _amounts((*path, i), v)
    elif isinstance(node, (int, float)) and not isinstance(node, bool) and node < 0:
        yield Problem(path, f"{_where(path)} is {node}; prices and quantities cannot be negative",
                      f"write {-node:g}; a discount belongs under tiers or a cleaning plan")


def _check_top(data: dict[str, Any]) -> Iterator[Problem]:
    for item, name in data.get("items", {}).items():
        yield from _text(("items", item), name)
    for key, tier in data.get("tiers", {}).items():
        yield from _text(("tiers", key, "name"), tier.get("name"))
        yield from _pct(("tiers", key, "discount_pct"), tier.get("discount_pct"))
    for i, raw in enumerate(data.get("holidays", ())):
        if not isinstance(raw, (date, datetime)):
            try:
                date.fromisoformat(str(raw))
            except ValueError:
                yield Problem(("holidays", i), f"holidays[{i}] {str(raw)!r} is not a date",
                              'write it as "2026-10-01" (year-month-day, in quotes)')


def _check_service(data: dict[str, Any], path: Path_, svc: dict[str, Any]) -> Iterator[Problem]:
    yield from _text((*path, "name"), svc.get("name"))
    for i, text in enumerate(svc.get("not_included", ())):
        yield from _text((*path, "not_included", i), text)
    yield from _amounts(path, svc)
    yield from _check_surcharges((*path, "surcharges"), svc.get("surcharges", {}))
    if svc.get("kind") == "moving":
        yield from _check_moving(data, path, svc)
    else:
        yield from _check_housekeeping(path, svc)


def _check_surcharges(path: Path_, rules: dict[str, Any]) -> Iterator[Problem]:
    for key in ("weekend_pct", "holiday_pct"):
        yield from _pct((*path, key), rules.get(key), SURCHARGE_MAX)
    for i, peak in enumerate(rules.get("peak", ())):
        here = (*path, "peak", i)
        yield from _text((*here, "name"), peak.get("name"))
        yield from _pct((*here, "pct"), peak.get("pct"), SURCHARGE_MAX)
        days = peak.get("days_of_month")
        if days and not 1 <= days[0] <= days[1] <= 31:
            yield Problem((*here, "days_of_month"), f"{_where(here)}.days_of_month {days} is not "
                          "a range of days", "write [first, last] with 1 <= first <= last <= 31, "
                          "e.g. [25, 31]")
        hours = peak.get("hours")
        if hours:
            parsed = [_hhmm(h) for h in hours]
            if None in parsed or parsed[0] >= parsed[1]:  # type: ignore[operator]
                yield Problem((*here, "hours"), f"{_where(here)}.hours {hours} is not a time range",
                              'write ["17:00", "20:00"] (24-hour HH:MM, from before to)')


def _hhmm(raw: Any) -> time | None:
    try:
        return time.fromisoformat(str(raw))
    except ValueError:
        return None


def _check_moving(data: dict[str, Any], path: Path_, svc: dict[str, Any]) -> Iterator[Problem]:
    if not svc.get("base_by_rooms") and not svc.get("base_by_volume"):
        yield Problem(path, f"{_where(path)} has no base price",
                      "add base_by_rooms: {1: 500, 2: 900, 3: 1300, 4: 1900} (or base_by_volume)")
    if svc.get("base_by_rooms"):
        yield from _gaps((*path, "base_by_rooms"), svc["base_by_rooms"])
    known = data.get("items", {})
    for item in svc.get("large_items", {}):
        if item not in known:
            close = did_you_mean(item, known, fallback="")
            hint = f"{close} " if close else ""
            yield Problem((*path, "large_items", item),
                          f"{_where(path)}.large_items.{item} is not an item under pricing.items",
                          hint + f"(or add `{item}: {{zh: ..., en: ...}}` under pricing.items so "
                          "the quote can name it)")
    packing = svc.get("packing")
    if packing is not None and len({"per_room", "flat"} & set(packing)) != 1:
        yield Problem((*path, "packing"), f"{_where(path)}.packing needs exactly one of per_room, flat",
                      "per_room is charged × bedrooms; flat is one amount")
    insurance = svc.get("insurance")
    if insurance is not None:
        if not {"pct_of_value", "flat"} & set(insurance):
            yield Problem((*path, "insurance"), f"{_where(path)}.insurance needs pct_of_value or flat",
                          "e.g. {pct_of_value: 0.5, minimum: 50} or {flat: 100}")
        yield from _pct((*path, "insurance", "pct_of_value"), insurance.get("pct_of_value"))


def _check_housekeeping(path: Path_, svc: dict[str, Any]) -> Iterator[Problem]:
    for key, kind in svc.get("types", {}).items():
        here = (*path, "types", key)
        yield from _text((*here, "name"), kind.get("name"))
        crew = kind.get("crew_by_rooms")
        if "per_m2" not in kind and not crew:
            yield Problem(here, f"{_where(here)} has no price",
                          "add per_m2 (with minimum) or crew_by_rooms with hourly_per_cleaner")
        if crew:
            yield from _gaps((*here, "crew_by_rooms"), crew)
            if "hourly_per_cleaner" not in kind:
                yield Problem((*here, "crew_by_rooms"), f"{_where(here)} has crew_by_rooms but no "
                              "hourly_per_cleaner", "add hourly_per_cleaner: <rate per cleaner-hour>")
            for rooms, row in crew.items():
                if row.get("cleaners", 0) < 1 or row.get("hours", 0) <= 0:
                    yield Problem((*here, "crew_by_rooms", _key(str(rooms))),
                                  f"{_where(here)}.crew_by_rooms.{rooms} sends nobody",
                                  "cleaners must be 1 or more and hours above 0")
    for key, plan in svc.get("plans", {}).items():
        yield from _text((*path, "plans", key, "name"), plan.get("name"))
        yield from _pct((*path, "plans", key, "discount_pct"), plan.get("discount_pct"))


def _gaps(path: Path_, table: dict[str, Any]) -> Iterator[Problem]:
    """Rows 1..max without holes: a missing 3 would price a 3-bedroom home as a 2-bedroom.

    The problem points at the row after which the gap opens, where the missing row belongs.
    """
    keys = sorted(int(k) for k in table)
    if keys and keys[0] != 1:
        yield Problem((*path, keys[0]), f"{_where(path)} starts at {keys[0]} bedrooms",
                      "add a row for 1 (rows are bedroom counts)")
    missing = sorted(set(range(max(keys[0], 1), keys[-1] + 1)) - set(keys)) if keys else []
    if missing:
        before = max(k for k in keys if k < missing[0])
        yield Problem((*path, before), f"{_where(path)} has no row for "
                      f"{', '.join(map(str, missing))} bedroom(s)",
                      f"add `{missing[0]}: ...` after this row (the largest row covers bigger "
                      "homes; rows in between must all be there)")
