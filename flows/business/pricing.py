"""Pricing rules: the ``pricing:`` section and the itemised quote it gives.

Every number lives in the script (flows/scripts/pricing.yml, documented in docs/pricing.md);
this module only adds them up, so a price change never needs a release. The API is pure —
no database, no clock — so tests and other modules can price a job directly::

    quote = compute_quote(bundle.pricing, QuoteRequest("moving", rooms=2, floor_from=6,
                          elevator_from=False, distance_km=25), tier="gold", when=date(2026, 12, 5))
    text = render_quote(quote, bundle.pricing, "zh")        # flows.business.pricing_render

Order of a quote: the job lines (base, stairs, distance, items, packing, recycling), then
weekend / holiday / peak surcharges as a percent of the job, then insurance and storage
(not surcharged: they do not get dearer on a Saturday), the subtotal, then each discount
(plan, tier) as a percent of the subtotal — discounts never compound, so ops can predict them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from flows.business.pricing_check import check_pricing
from flows.sections import register_section

SECTION = register_section("pricing", schema=Path(__file__).with_name("pricing.schema.json"),
                           check=check_pricing, required_by=("quote_price",))

DEFAULT_VALIDITY_DAYS = 14  # only when the script leaves validity_days out


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    """What the customer told us. ``None`` means not said (never "zero")."""

    service: str
    rooms: int | None = None
    area: float | None = None  # m², housekeeping
    volume: float | None = None  # m³, moving alternative to rooms
    cleaning_type: str | None = None
    plan: str | None = None
    floor_from: int | None = None
    elevator_from: bool | None = None
    floor_to: int | None = None
    elevator_to: bool | None = None
    distance_km: float | None = None  # None = unknown: the included radius is assumed
    items: tuple[tuple[str, int], ...] = ()  # (item id, count)
    packing: bool = False
    insured_value: float | None = None
    insurance: bool = False  # flat insurance without a declared value
    storage_days: int = 0
    recycle_items: int = 0


@dataclass(frozen=True, slots=True)
class Line:
    """One priced line; ``key`` picks the label, ``values`` fill it (pricing_render)."""

    key: str
    amount: float
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Quote:
    service: str
    currency: str
    lines: list[Line]  # charges, surcharges included
    subtotal: float
    discounts: list[Line]  # amounts are positive; shown as minus
    discount: float
    total: float
    notes: list[Line] = field(default_factory=list)  # assumptions and unpriced items
    tier: str | None = None  # the tier that gave a discount (canonical key)
    quote_id: str = ""
    valid_until: date | None = None
    request: QuoteRequest | None = None


class QuoteInputError(ValueError):
    """The request cannot be priced; ``field`` names what to ask the customer again."""

    def __init__(self, field_: str, reason: str, **values: Any) -> None:
        super().__init__(f"{field_}: {reason} {values or ''}".strip())
        self.field = field_
        self.reason = reason
        self.values = values


def _money(x: float) -> float:
    """Cents, and never "-0.0" in an event (adding 0.0 turns -0.0 into 0.0)."""
    return round(x + 0.0, 2)


def _pct_of(amount: float, pct: float) -> float:
    return _money(amount * pct / 100)


def pick_by_rooms(table: dict[Any, Any], rooms: int) -> tuple[int, Any]:
    """The row for ``rooms``: the largest key not above it (so 4 covers 5, 6...)."""
    keys = sorted(int(k) for k in table)
    key = max((k for k in keys if k <= rooms), default=keys[0])
    return key, table[str(key)] if str(key) in table else table[key]


def compute_quote(pricing: dict[str, Any], request: QuoteRequest, tier: str | None = None,
                  when: date | datetime | None = None, *, quote_id: str = "",
                  valid_until: date | None = None) -> Quote:
    """Price ``request`` with the ``pricing:`` section.

    ``when`` is the service day (a datetime also enables hourly peaks); ``tier`` is the
    customer's tier as stored (unknown tiers give no discount). Raises
    :class:`QuoteInputError` when the request lacks or contradicts what the price needs.
    """
    svc = pricing.get("services", {}).get(request.service)
    if svc is None:
        raise QuoteInputError("service_type", "unknown_service", service=request.service)
    _check_request(request)
    day = when.date() if isinstance(when, datetime) else when
    at = when.time() if isinstance(when, datetime) else None
    notes: list[Line] = []
    discounts: list[Line] = []
    if svc["kind"] == "moving":
        job = _moving_job(pricing, svc, request, notes)
    else:
        job = _housekeeping_job(svc, request)
    lines = job + _surcharges(pricing, svc, sum(x.amount for x in job), day, at)
    if svc["kind"] == "moving":
        lines += _moving_extras(svc, request)
    subtotal = _money(sum(x.amount for x in lines))
    plan = svc.get("plans", {}).get(request.plan or "")
    if plan and plan["discount_pct"]:
        discounts.append(Line("plan", _pct_of(subtotal, plan["discount_pct"]),
                              {"plan": request.plan, "pct": plan["discount_pct"]}))
    tier_key = canonical_tier(pricing, tier)
    tier_pct = pricing.get("tiers", {}).get(tier_key or "", {}).get("discount_pct", 0)
    if tier_pct:
        discounts.append(Line("tier", _pct_of(subtotal, tier_pct), {"tier": tier_key, "pct": tier_pct}))
    discount = _money(sum(x.amount for x in discounts))
    return Quote(request.service, str(pricing.get("currency", "CNY")), lines, subtotal, discounts,
                 discount, _money(subtotal - discount), notes, tier_key, quote_id, valid_until,
                 request)


def canonical_tier(pricing: dict[str, Any], tier: str | None) -> str | None:
    """The ``tiers:`` key for a stored tier value (aliases such as standard → basic)."""
    if not tier:
        return None
    tiers = pricing.get("tiers", {})
    if tier in tiers:
        return tier
    return next((key for key, t in tiers.items() if tier in t.get("aliases", ())), None)


#: Beyond these a value is a typo (or a joke), not a job: asked again, never priced — a
#: quote must stay a finite amount someone could pay.
LIMITS = {"rooms": 100, "area": 100_000, "volume": 10_000, "floor": 300, "floor_to": 300,
          "distance": 10_000, "insured_value": 1e9, "storage_days": 3650, "recycle_items": 1000,
          "items": 1000}


def _check_request(r: QuoteRequest) -> None:
    """Impossible values are the customer's typo, not a price: ask again rather than quote."""
    for name, value in (("rooms", r.rooms), ("area", r.area), ("volume", r.volume),
                        ("floor", r.floor_from), ("floor_to", r.floor_to),
                        ("distance", r.distance_km), ("insured_value", r.insured_value),
                        ("storage_days", r.storage_days), ("recycle_items", r.recycle_items)):
        if value is None:
            continue
        if not value >= 0 or (value == 0 and name in ("rooms", "area", "volume")):  # NaN too
            raise QuoteInputError(name, "not_positive", value=value)
        if value > LIMITS[name]:
            raise QuoteInputError(name, "too_large", value=value)
    for item, count in r.items:
        if count < 0:
            raise QuoteInputError("items", "not_positive", item=item, value=count)
        if count > LIMITS["items"]:
            raise QuoteInputError("items", "too_large", item=item, value=count)


# -- moving ---------------------------------------------------------------------------------


def _moving_job(pricing: dict[str, Any], svc: dict[str, Any], r: QuoteRequest,
                notes: list[Line]) -> list[Line]:
    lines = [_moving_base(svc, r)]
    stairs = svc.get("stairs")
    if stairs:
        for end, floor, elevator in (("from", r.floor_from, r.elevator_from),
                                     ("to", r.floor_to, r.elevator_to)):
            if floor is None or elevator is not False:
                continue
            floors = max(0, floor - int(stairs.get("free_floors", 1)))
            if floors:
                lines.append(Line("stairs", _money(floors * stairs["per_floor"]),
                                  {"end": end, "floor": floor, "floors": floors,
                                   "per_floor": stairs["per_floor"]}))
    distance = svc.get("distance")
    if distance:
        included = distance["included_km"]
        if r.distance_km is None:
            notes.append(Line("distance_assumed", 0, {"km": included}))
        elif r.distance_km > included:
            beyond = round(r.distance_km - included, 1)
            lines.append(Line("distance", _money(beyond * distance["per_km"]),
                              {"km": r.distance_km, "included": included, "beyond": beyond,
                               "per_km": distance["per_km"]}))
    prices = svc.get("large_items", {})
    for item, count in r.items:
        if count == 0:
            continue
        if item in prices:
            lines.append(Line("item", _money(prices[item] * count),
                              {"item": item, "count": count, "unit": prices[item]}))
        else:
            notes.append(Line("item_on_site", 0, {"item": item, "count": count}))
    if r.packing and svc.get("packing"):
        lines.append(_packing(svc["packing"], r))
    if r.recycle_items and svc.get("recycling"):
        per = svc["recycling"]["per_item"]
        lines.append(Line("recycling", _money(per * r.recycle_items),
                          {"count": r.recycle_items, "unit": per}))
    return lines


def _moving_base(svc: dict[str, Any], r: QuoteRequest) -> Line:
    if r.rooms is not None and svc.get("base_by_rooms"):
        key, amount = pick_by_rooms(svc["base_by_rooms"], r.rooms)
        top = max(int(k) for k in svc["base_by_rooms"])
        return Line("base_rooms", _money(amount), {"rooms": r.rooms, "plus": key == top and r.rooms > key})
    by_volume = svc.get("base_by_volume")
    if r.volume is not None and by_volume:
        raw = r.volume * by_volume["per_m3"]
        minimum = by_volume.get("minimum", 0)
        return Line("base_volume", _money(max(raw, minimum)),
                    {"m3": r.volume, "per_m3": by_volume["per_m3"], "minimum": raw < minimum})
    raise QuoteInputError("rooms" if svc.get("base_by_rooms") else "volume", "missing")


def _packing(packing: dict[str, Any], r: QuoteRequest) -> Line:
    if "per_room" in packing:
        if r.rooms is None:
            raise QuoteInputError("rooms", "missing")
        return Line("packing", _money(packing["per_room"] * r.rooms),
                    {"rooms": r.rooms, "unit": packing["per_room"]})
    return Line("packing", _money(packing.get("flat", 0)), {})


def _moving_extras(svc: dict[str, Any], r: QuoteRequest) -> list[Line]:
    lines = []
    insurance = svc.get("insurance")
    if insurance and (r.insured_value or r.insurance):
        if r.insured_value and "pct_of_value" in insurance:
            raw = _pct_of(r.insured_value, insurance["pct_of_value"])
            amount = max(raw, insurance.get("minimum", 0))
            lines.append(Line("insurance", _money(amount),
                              {"value": r.insured_value, "pct": insurance["pct_of_value"],
                               "minimum": raw < amount}))
        elif "flat" in insurance:
            lines.append(Line("insurance_flat", _money(insurance["flat"]), {}))
    storage = svc.get("storage")
    if storage and r.storage_days:
        lines.append(Line("storage", _money(storage["per_day"] * r.storage_days),
                          {"days": r.storage_days, "unit": storage["per_day"]}))
    return lines


# -- housekeeping ---------------------------------------------------------------------------


def _housekeeping_job(svc: dict[str, Any], r: QuoteRequest) -> list[Line]:
    types = svc["types"]
    if r.cleaning_type not in types:
        raise QuoteInputError("cleaning_type", "missing" if r.cleaning_type is None else "unknown",
                              value=r.cleaning_type)
    if r.plan is not None and r.plan not in svc.get("plans", {}):
        raise QuoteInputError("plan", "unknown", value=r.plan)
    kind = types[r.cleaning_type]
    if r.area is not None and "per_m2" in kind:
        raw = r.area * kind["per_m2"]
        minimum = kind.get("minimum", 0)
        return [Line("area", _money(max(raw, minimum)),
                     {"type": r.cleaning_type, "m2": r.area, "per_m2": kind["per_m2"],
                      "minimum": raw < minimum, "least": minimum})]
    if r.rooms is not None and kind.get("crew_by_rooms"):
        _, crew = pick_by_rooms(kind["crew_by_rooms"], r.rooms)
        rate = kind["hourly_per_cleaner"]
        return [Line("crew", _money(crew["cleaners"] * crew["hours"] * rate),
                     {"type": r.cleaning_type, "rooms": r.rooms, "cleaners": crew["cleaners"],
                      "hours": crew["hours"], "rate": rate})]
    raise QuoteInputError("area" if "per_m2" in kind and not kind.get("crew_by_rooms") else "rooms",
                          "missing")


# -- surcharges -----------------------------------------------------------------------------


def holidays_of(pricing: dict[str, Any]) -> set[date]:
    """The valid dates under ``holidays:`` (the section check reports the others)."""
    out = set()
    for raw in pricing.get("holidays", ()):
        parsed = parse_date(raw)
        if parsed is not None:
            out.add(parsed)
    return out


def parse_date(raw: Any) -> date | None:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        return None


def parse_hhmm(raw: Any) -> time | None:
    try:
        return time.fromisoformat(str(raw))
    except ValueError:
        return None


def _surcharges(pricing: dict[str, Any], svc: dict[str, Any], job: float, day: date | None,
                at: time | None) -> list[Line]:
    rules = svc.get("surcharges", {})
    if day is None or not rules:
        return []
    lines = []
    if day in holidays_of(pricing):
        if rules.get("holiday_pct"):
            lines.append(Line("holiday", _pct_of(job, rules["holiday_pct"]), {"pct": rules["holiday_pct"]}))
    elif day.weekday() >= 5 and rules.get("weekend_pct"):
        lines.append(Line("weekend", _pct_of(job, rules["weekend_pct"]), {"pct": rules["weekend_pct"]}))
    for i, peak in enumerate(rules.get("peak", ())):
        if peak["pct"] and _in_peak(peak, day, at):
            lines.append(Line("peak", _pct_of(job, peak["pct"]), {"peak": i, "pct": peak["pct"]}))
    return lines


def _in_peak(peak: dict[str, Any], day: date, at: time | None) -> bool:
    if "days_of_month" in peak:
        first, last = peak["days_of_month"]
        if not first <= day.day <= last:
            return False
    if "hours" in peak:
        start, end = (parse_hhmm(h) for h in peak["hours"])
        if at is None or start is None or end is None or not start <= at < end:
            return False
    return True
