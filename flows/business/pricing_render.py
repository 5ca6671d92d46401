"""The quote as the customer reads it, in Chinese or English.

Line labels are sentences (they need grammar, not numbers) and live here; every name that
ops choose — services, items, cleaning types, plans, tiers, peaks, exclusions — comes from
the ``pricing:`` section, which the section check guarantees has both languages.
"""

from __future__ import annotations

from typing import Any

from flows.business.pricing import Line, Quote, QuoteInputError

SYMBOLS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$"}

_LABELS: dict[str, dict[str, str]] = {
    "base_rooms": {"zh": "基础价（{rooms}室）", "en": "Base price ({rooms}-bedroom home)"},
    "base_volume": {"zh": "基础价（{m3:g} 立方米 × {per_m3}{least}）",
                    "en": "Base price ({m3:g} m³ × {per_m3}{least})"},
    "stairs": {"zh": "楼层费：{end}{floor}楼无电梯（{floors}层 × {per_floor}）",
               "en": "Stairs at {end}: floor {floor}, no elevator ({floors} floors × {per_floor})"},
    "distance": {"zh": "超出距离：全程 {km:g} 公里，含 {included:g} 公里，超出 {beyond:g} 公里 × {per_km}",
                 "en": "Distance: {km:g} km, {included:g} km included, {beyond:g} km × {per_km}"},
    "item": {"zh": "{item} × {count}（{unit}/件）", "en": "{item} × {count} ({unit} each)"},
    "packing": {"zh": "打包服务（{rooms}室 × {unit}）", "en": "Packing ({rooms} bedrooms × {unit})"},
    "packing_flat": {"zh": "打包服务", "en": "Packing"},
    "recycling": {"zh": "旧物回收 {count} 件 × {unit}", "en": "Old-item recycling: {count} × {unit}"},
    "weekend": {"zh": "周末附加 {pct:g}%", "en": "Weekend surcharge {pct:g}%"},
    "holiday": {"zh": "节假日附加 {pct:g}%", "en": "Public holiday surcharge {pct:g}%"},
    "peak": {"zh": "{peak}附加 {pct:g}%", "en": "{peak} surcharge {pct:g}%"},
    "insurance": {"zh": "货物保险（保额 {value} × {pct:g}%{least}）",
                  "en": "Insurance ({pct:g}% of {value} declared{least})"},
    "insurance_flat": {"zh": "货物保险", "en": "Insurance"},
    "storage": {"zh": "仓储 {days} 天 × {unit}", "en": "Storage: {days} days × {unit}"},
    "area": {"zh": "{type}：{m2:g} 平方米 × {per_m2}{least}", "en": "{type}: {m2:g} m² × {per_m2}{least}"},
    "crew": {"zh": "{type}（{rooms}室：{cleaners} 人 × {hours:g} 小时 × {rate}/人·小时）",
             "en": "{type} ({rooms} bedrooms: {cleaners} cleaner(s) × {hours:g} h × {rate} per hour)"},
    "plan": {"zh": "{plan}优惠 −{pct:g}%", "en": "{plan} discount −{pct:g}%"},
    "tier": {"zh": "{tier}优惠 −{pct:g}%", "en": "{tier} discount −{pct:g}%"},
    "distance_assumed": {"zh": "未提供距离，按 {km:g} 公里以内估算，超出部分当天按公里加收。",
                         "en": "No distance given: priced as within {km:g} km; any extra "
                               "distance is charged per km on the day."},
    "item_on_site": {"zh": "{item} × {count}：上门核价。", "en": "{item} × {count}: priced on site."},
}
_WORDS: dict[str, dict[str, str]] = {
    "title": {"zh": "{service}报价{detail}：", "en": "{service} quote{detail}:"},
    "subtotal": {"zh": "小计", "en": "Subtotal"},
    "total": {"zh": "合计", "en": "Total"},
    "notes": {"zh": "说明：", "en": "Note: "},
    "excluded": {"zh": "不含：", "en": "Not included: "},
    "sep": {"zh": "、", "en": "; "},
    "valid": {"zh": "报价单号 {id}，有效期至 {until}。", "en": "Quote {id}, valid until {until}."},
    "least": {"zh": "，按最低收费 {minimum}", "en": ", minimum {minimum} applies"},
    "from": {"zh": "起点", "en": "pick-up"},
    "to": {"zh": "终点", "en": "drop-off"},
}
_PROBLEMS: dict[str, dict[str, str]] = {
    "not_positive": {"zh": "{what}不能是 {value}，请告诉我正确的数字。",
                     "en": "{what} can't be {value}; please tell me the right number."},
    "too_large": {"zh": "{what}是 {value}？这个数字太大了，请核对后再告诉我。",
                  "en": "{value} for {what}? That looks too large; please check the number."},
    "missing": {"zh": "报价还需要知道{what}。", "en": "To price this I still need {what}."},
    "unknown": {"zh": "暂时没有「{value}」的价格，请换一个{what}。",
                "en": "We have no price for \"{value}\"; please choose another {what}."},
    "unknown_service": {"zh": "暂时无法为这项服务报价，请联系人工客服。",
                        "en": "I can't price this service yet; please ask a human agent."},
}
_FIELDS: dict[str, dict[str, str]] = {
    "rooms": {"zh": "房间数（几室）", "en": "the number of bedrooms"},
    "area": {"zh": "面积（平方米）", "en": "the area (m²)"},
    "volume": {"zh": "体积（立方米）", "en": "the volume (m³)"},
    "floor": {"zh": "楼层", "en": "the floor"},
    "floor_to": {"zh": "新家楼层", "en": "the floor at the new home"},
    "distance": {"zh": "距离", "en": "the distance"},
    "insured_value": {"zh": "保额", "en": "the declared value"},
    "storage_days": {"zh": "仓储天数", "en": "the storage days"},
    "recycle_items": {"zh": "回收件数", "en": "the number of items to recycle"},
    "items": {"zh": "大件数量", "en": "the number of large items"},
    "cleaning_type": {"zh": "保洁类型（日常/深度）", "en": "the cleaning type (routine or deep)"},
    "plan": {"zh": "服务套餐", "en": "the plan"},
    "service_type": {"zh": "服务", "en": "the service"},
}


def format_money(amount: float, currency: str) -> str:
    """¥1,234 or ¥1,234.50; minus as "−¥12"."""
    symbol = SYMBOLS.get(currency, currency + " ")
    sign = "−" if amount < 0 else ""
    a = abs(round(amount, 2))
    digits = f"{a:,.0f}" if a == int(a) else f"{a:,.2f}"
    return f"{sign}{symbol}{digits}"


def _name(text: Any, lang: str, fallback: str) -> str:
    if isinstance(text, dict):
        return str(text.get(lang) or text.get("zh") or fallback)
    return fallback


def line_label(line: Line, quote: Quote, pricing: dict[str, Any], lang: str) -> str:
    """One line's label with its values filled in the customer's language."""
    svc = pricing.get("services", {}).get(quote.service, {})
    v = dict(line.values)
    key = line.key
    for k in ("per_m3", "per_floor", "per_km", "unit", "value", "per_m2", "rate"):
        if k in v:
            v[k] = format_money(v[k], quote.currency)
    if "end" in v:
        v["end"] = _WORDS[v["end"]][lang]
    if "item" in v:
        v["item"] = _name(pricing.get("items", {}).get(v["item"]), lang, str(v["item"]))
    if "type" in v:
        v["type"] = _name(svc.get("types", {}).get(v["type"], {}).get("name"), lang, str(v["type"]))
    if key == "plan":
        v["plan"] = _name(svc.get("plans", {}).get(v["plan"], {}).get("name"), lang, str(v["plan"]))
    if key == "tier":
        v["tier"] = _name(pricing.get("tiers", {}).get(v["tier"], {}).get("name"), lang, str(v["tier"]))
    if key == "peak":
        v["peak"] = _name(svc.get("surcharges", {}).get("peak", [])[v["peak"]].get("name"), lang, "")
    if key == "packing" and "unit" not in v:
        key = "packing_flat"
    if v.get("minimum") is True:
        least = line.values.get("least", line.amount)
        v["least"] = _WORDS["least"][lang].format(minimum=format_money(least, quote.currency))
    else:
        v["least"] = ""
    label = _LABELS[key][lang].format(**v)
    return label[:1].upper() + label[1:]  # "Piano × 1" when an item name starts the line


def render_quote(quote: Quote, pricing: dict[str, Any], lang: str) -> str:
    """The itemised quote: lines, subtotal and discounts, total, notes, exclusions, validity."""
    lang = lang if lang in ("zh", "en") else "zh"
    svc = pricing.get("services", {}).get(quote.service, {})
    cur = quote.currency
    detail = _title_detail(quote, svc, lang)
    out = [_WORDS["title"][lang].format(service=_name(svc.get("name"), lang, quote.service),
                                        detail=detail)]
    out += [f"• {line_label(x, quote, pricing, lang)}: {format_money(x.amount, cur)}"
            for x in quote.lines]
    if quote.discounts:
        out.append(f"{_WORDS['subtotal'][lang]}: {format_money(quote.subtotal, cur)}")
        out += [f"• {line_label(x, quote, pricing, lang)}: {format_money(-x.amount, cur)}"
                for x in quote.discounts]
    out.append(f"{_WORDS['total'][lang]}: {format_money(quote.total, cur)}")
    out += [_WORDS["notes"][lang] + line_label(x, quote, pricing, lang) for x in quote.notes]
    excluded = [_name(t, lang, "") for t in svc.get("not_included", ())]
    if excluded:
        out.append(_WORDS["excluded"][lang] + _WORDS["sep"][lang].join(excluded))
    if quote.quote_id and quote.valid_until:
        out.append(_WORDS["valid"][lang].format(id=quote.quote_id, until=quote.valid_until.isoformat()))
    return "\n".join(out)


def _title_detail(quote: Quote, svc: dict[str, Any], lang: str) -> str:
    """The cleaning plan is named in the title (its discount is a line below)."""
    plan = quote.request.plan if quote.request else None
    if not plan or plan not in svc.get("plans", {}):
        return ""
    name = _name(svc["plans"][plan].get("name"), lang, plan)
    return f"（{name}）" if lang == "zh" else f" ({name})"


def problem_text(err: QuoteInputError, lang: str) -> str:
    """Why a request cannot be priced, as a question the customer can answer."""
    lang = lang if lang in ("zh", "en") else "zh"
    what = _FIELDS.get(err.field, {}).get(lang, err.field)
    value = err.values.get("value")
    template = _PROBLEMS.get(err.reason, _PROBLEMS["missing"])[lang]
    text = template.format(what=what, value=value if value is not None else "")
    return text[:1].upper() + text[1:]
