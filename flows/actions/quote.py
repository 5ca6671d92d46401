"""``quote_price``: an itemised price from the ``pricing:`` script (v1: size, date)."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from flows.actions import ActionContext, ActionResult, action
from flows.business import pricing as _pricing  # noqa: F401  (registers the section)
from flows.model import Bundle, Flow, Step

_LABELS = {
    "base": {"zh": "基础价", "en": "Base price"},
    "weekend": {"zh": "周末附加 {pct}%", "en": "Weekend surcharge {pct}%"},
    "total": {"zh": "合计", "en": "Total"},
    "valid": {"zh": "报价单号 {id}，有效期至 {until}。", "en": "Quote {id}, valid until {until}."},
}


def _money(amount: float, currency: str) -> str:
    symbol = {"CNY": "¥", "USD": "$", "EUR": "€"}.get(currency, currency + " ")
    return f"{symbol}{amount:,.0f}" if amount == int(amount) else f"{symbol}{amount:,.2f}"


def compute_lines(pricing: dict[str, Any], service: str, size: str,
                  day: date | None) -> list[tuple[str, float, dict[str, Any]]]:
    """[(label key, amount, label values)] — the itemised quote, total excluded."""
    svc = pricing["services"][service]
    lines: list[tuple[str, float, dict[str, Any]]] = [("base", float(svc["base_by_size"][size]), {})]
    pct = float(svc.get("weekend_surcharge_pct", 0))
    if day is not None and day.weekday() >= 5 and pct:
        lines.append(("weekend", round(lines[0][1] * pct / 100, 2), {"pct": f"{pct:g}"}))
    return lines


def _check(bundle: Bundle, flow: Flow, step: Step) -> list[tuple[int, str, str]]:
    """Every service and size the flow offers must have a price."""
    services = bundle.pricing.get("services", {})
    where = bundle.pricing.get("_source") or "the pricing script"
    if not services:
        return [(step.source.line, "action 'quote_price' needs a `pricing:` section",
                 "add pricing.services with base_by_size for each home size")]
    problems = []
    choices = {s.slot: s for s in flow.steps if s.kind == "collect" and s.choices}
    for slot, needed_in in (("service_type", "pricing.services"), ("home_size", "base_by_size")):
        st = choices.get(slot)
        if st is None:
            continue
        for c in st.choices:
            if slot == "service_type" and c.value not in services:
                problems.append((st.source.line, f"service '{c.value}' offered by flow "
                                 f"'{flow.name}' has no price in {needed_in}",
                                 f"add `{c.value}:` under pricing.services ({where})"))
            if slot == "home_size":
                for name, svc in services.items():
                    if c.value not in svc.get("base_by_size", {}):
                        problems.append((st.source.line, f"home size '{c.value}' has no price for "
                                         f"service '{name}'",
                                         f"add `{c.value}: <amount>` to base_by_size ({where})"))
    return problems


@action("quote_price", needs=("service_type", "home_size"),
        sets=("quote_id", "quote_total", "quote_lines", "quote_valid_until"), check=_check)
def quote_price(ctx: ActionContext) -> ActionResult:
    pricing = ctx.bundle.pricing
    currency = str(pricing.get("currency", "CNY"))
    service, size = str(ctx.slots["service_type"]), str(ctx.slots["home_size"])
    raw_day = ctx.slots.get("date")
    day = date.fromisoformat(str(raw_day)) if raw_day else None
    lines = compute_lines(pricing, service, size, day)
    total = round(sum(amount for _, amount, _ in lines), 2)
    lang = ctx.lang if ctx.lang in ("zh", "en") else "zh"
    svc_name = pricing["services"][service]["name"].get(lang, service)
    text_lines = []
    for key, amount, values in lines:
        label = _LABELS[key][lang].format(**values)
        if key == "base":
            label = f"{svc_name} · {ctx.display('home_size')} · {label}"
        text_lines.append(f"• {label}: {_money(amount, currency)}")
    text_lines.append(f"{_LABELS['total'][lang]}: {_money(total, currency)}")
    quote_id = "Q" + ctx.now.strftime("%y%m%d") + secrets.token_hex(3).upper()
    until = (ctx.now.date() + timedelta(days=int(pricing.get("validity_days", 14)))).isoformat()
    text_lines.append(_LABELS["valid"][lang].format(id=quote_id, until=until))
    return ActionResult(
        slots={"quote_id": quote_id, "quote_total": _money(total, currency),
               "quote_lines": "\n".join(text_lines), "quote_valid_until": until},
        events=[("quote_created", {"quote_id": quote_id, "service": service, "size": size,
                                   "date": raw_day, "total": total, "currency": currency,
                                   "lines": [[k, a] for k, a, _ in lines]})],
    )
