"""``quote_price``: an itemised quote from the ``pricing:`` section and the flow's slots.

The pricing itself is pure (flows.business.pricing); this module only translates slots into
a :class:`QuoteRequest`, looks up the customer's tier, and turns the result into slots, an
event and — when the answers cannot be priced — a reply saying what to fix, so the flow can
ask again instead of failing.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from flows.actions import ActionContext, ActionResult, action
from flows.business.pricing import (
    DEFAULT_VALIDITY_DAYS,
    Quote,
    QuoteInputError,
    QuoteRequest,
    compute_quote,
)
from flows.business.pricing_render import problem_text, render_quote
from flows.model import Bundle, Flow, Reply, Step
from storage.models import Customer

SETS = ("quote_id", "quote_total", "quote_text", "quote_valid_until", "quote_currency", "quote_ok")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _finite(value: float | str) -> float | None:
    try:
        number = float(value)
    except OverflowError:  # an int beyond any float
        return None
    return number if math.isfinite(number) else None


def _number(raw: Any) -> float | None:
    """A slot as a number; free text such as "大概15" gives 15, "不知道" gives None, and so
    does a value no float can hold (NaN, infinity, 400 digits): there is nothing to price."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return _finite(raw)
    if isinstance(raw, Mapping):
        return _number(raw.get("amount", raw.get("value")))
    text = str(raw).replace(",", "")
    sign = -1 if text.strip().startswith(("-", "−", "负")) else 1
    found = _NUMBER.search(text)
    value = _finite(found.group()) if found else None
    return sign * value if value is not None else None


def _int(raw: Any) -> int | None:
    n = _number(raw)
    return int(n) if n is not None else None


def _word(raw: Any) -> str | None:
    """A choice slot (cleaning type, plan) as its key; anything but text is no choice."""
    return raw if isinstance(raw, str) else None


def _bool(raw: Any) -> bool | None:
    if isinstance(raw, bool) or raw is None:
        return raw
    return str(raw).lower() in ("yes", "true", "1", "y")


def _items(raw: Any) -> tuple[tuple[str, int], ...]:
    if not isinstance(raw, list):
        return ()
    out = []
    for entry in raw:
        if isinstance(entry, Mapping) and entry.get("item"):
            count = _int(entry.get("count"))
            out.append((str(entry["item"]), 1 if count is None else count))
    return tuple(out)


def request_from_slots(slots: Mapping[str, Any]) -> QuoteRequest:
    """The quote flow's slots as a pricing request (slot names: docs/pricing.md)."""
    return QuoteRequest(
        service=str(slots.get("service_type") or ""),
        rooms=_int(slots.get("rooms")), area=_number(slots.get("area")),
        volume=_number(slots.get("volume")),
        cleaning_type=_word(slots.get("cleaning_type")), plan=_word(slots.get("plan")),
        floor_from=_int(slots.get("floor")), elevator_from=_bool(slots.get("elevator")),
        floor_to=_int(slots.get("to_floor")), elevator_to=_bool(slots.get("to_elevator")),
        distance_km=_number(slots.get("distance")), items=_items(slots.get("large_items")),
        packing=bool(_bool(slots.get("packing"))),
        insured_value=_number(slots.get("insured_value")),
        insurance=bool(_bool(slots.get("insurance"))),
        storage_days=_int(slots.get("storage_days")) or 0,
        recycle_items=_int(slots.get("recycle_items")) or 0,
    )


def service_time(slots: Mapping[str, Any]) -> date | datetime | None:
    """The service day (and hour when the customer said one) for surcharges."""
    try:
        day = date.fromisoformat(str(slots["date"])) if slots.get("date") else None
    except ValueError:
        return None
    if day is not None and slots.get("time"):
        try:
            return datetime.combine(day, time.fromisoformat(str(slots["time"])))
        except ValueError:
            return day
    return day


def customer_tier(ctx: ActionContext) -> str | None:
    """The customer's stored tier; offline (no session) there is no discount."""
    if ctx.session is None or ctx.customer_id is None:
        return None
    tier = ctx.session.execute(select(Customer.tier).where(Customer.id == ctx.customer_id)).scalar()
    return str(tier) if tier else None


def new_quote_id(now: datetime) -> str:
    return "Q" + now.strftime("%y%m%d") + secrets.token_hex(3).upper()


def quote_event(quote: Quote, request: QuoteRequest) -> dict[str, Any]:
    inputs = {k: v for k, v in (
        ("rooms", request.rooms), ("area", request.area), ("volume", request.volume),
        ("cleaning_type", request.cleaning_type), ("plan", request.plan),
        ("floor", request.floor_from), ("elevator", request.elevator_from),
        ("to_floor", request.floor_to), ("to_elevator", request.elevator_to),
        ("distance_km", request.distance_km),
        ("items", [{"item": i, "count": n} for i, n in request.items] or None),
        ("packing", request.packing or None), ("insured_value", request.insured_value),
        ("storage_days", request.storage_days or None),
        ("recycle_items", request.recycle_items or None)) if v is not None}
    return {"quote_id": quote.quote_id, "service": quote.service, "total": quote.total,
            "currency": quote.currency, "subtotal": quote.subtotal, "discount": quote.discount,
            "lines": [{"key": x.key, "amount": x.amount, "values": x.values}
                      for x in quote.lines + quote.discounts],
            "inputs": inputs, "tier": quote.tier,
            "valid_until": quote.valid_until.isoformat() if quote.valid_until else None}


# -- script check: what the quote flow offers must have a price ------------------------------


def _check(bundle: Bundle, flow: Flow, step: Step) -> list[tuple[int, str, str]]:
    """Every service, cleaning type and plan the flow offers as a choice must have a price."""
    services = bundle.pricing.get("services", {})
    where = bundle.pricing.get("_source") or "the pricing script"
    if not services:
        return [(step.source.line, "action 'quote_price' needs a `pricing:` section",
                 "add pricing.services (see docs/pricing.md)")]
    problems = []
    for st in flow.steps:
        if st.kind != "collect" or not st.choices:
            continue
        for c in st.choices:
            if st.slot == "service_type" and c.value not in services:
                problems.append((st.source.line, f"service '{c.value}' offered by flow "
                                 f"'{flow.name}' has no price in pricing.services",
                                 f"add `{c.value}:` under pricing.services ({where})"))
            for key, label in (("cleaning_type", "types"), ("plan", "plans")):
                if st.slot != key:
                    continue
                for name, svc in services.items():
                    if svc.get("kind") == "housekeeping" and c.value not in svc.get(label, {}):
                        problems.append((st.source.line, f"{key.replace('_', ' ')} '{c.value}' "
                                         f"offered by flow '{flow.name}' has no price for "
                                         f"service '{name}'",
                                         f"add `{c.value}:` under pricing.services.{name}.{label} "
                                         f"({where})"))
    return problems


@action("quote_price", needs=("service_type",), sets=SETS, check=_check)
def quote_price(ctx: ActionContext) -> ActionResult:
    pricing = ctx.bundle.pricing
    request = request_from_slots(ctx.slots)
    days = int(pricing.get("validity_days", DEFAULT_VALIDITY_DAYS))
    try:
        quote = compute_quote(pricing, request, customer_tier(ctx), service_time(ctx.slots),
                              quote_id=new_quote_id(ctx.now),
                              valid_until=ctx.now.date() + timedelta(days=days))
    except QuoteInputError as err:
        return ActionResult(slots={"quote_ok": False}, replies=[Reply(problem_text(err, ctx.lang))],
                            events=[("quote_refused", {"field": err.field, "reason": err.reason})])
    text = render_quote(quote, pricing, ctx.lang)
    valid_until = quote.valid_until.isoformat() if quote.valid_until else None
    return ActionResult(
        slots={"quote_id": quote.quote_id, "quote_total": quote.total, "quote_text": text,
               "quote_valid_until": valid_until, "quote_currency": quote.currency,
               "quote_ok": True},
        events=[("quote_created", quote_event(quote, request))],
    )
