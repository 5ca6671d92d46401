"""Money and distance, in Chinese and English.

Values:

* ``money`` — ``{"amount": float, "currency": "CNY"|"USD"|"HKD"|"EUR"|"GBP"}``.
  No unit or a Chinese one (元, 块, 块钱, 人民币, ¥, RMB, yuan, kuai, "bucks") means CNY:
  "500元", "五百块", "¥500", "1.5万", "2k" → 500.0 / 500.0 / 500.0 / 15000.0 / 2000.0 CNY.
  "$100" / "100 dollars" / "US$100" → USD, "HK$"/"港币" → HKD, "€"/"欧元" → EUR,
  "£"/"英镑" → GBP. Amounts are never converted between currencies. "500多块" → 500.0
  (the lower bound). A bare "1.5万" / "2k" / "1.2w" counts as money (CNY); a bare "500" /
  "四百" is only a ``number``, unless a price word is right before it: "预算四百", "价格八百",
  "budget 400", "pay 800" → money (CNY; the span is the amount).
* ``distance`` — float kilometres: "30公里", "三十公里", "15km", "15 kilometres" → 30.0 /
  30.0 / 15.0 / 15.0; miles are converted, "10 miles" → 16.09 (two decimals); metres too,
  "500米" / "500 meters" / "800m" → 0.5 / 0.5 / 0.8 (from 10 m up, and not a size:
  "1.5米的床", "2米长", "a 2m wide sofa" stay numbers).

The amount inside a money or distance span is not also reported as a ``number``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from nlu.numerals import EN_NUMBERS, finite, parse_amount
from nlu.timex import Candidate

_CN_NUM = "[零〇一二两三四五六七八九十百千万萬亿]"
_CN_DIGIT = set("零〇一二两三四五六七八九")
_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# An amount: 500, 1,200.50, 1.5万, 1万5, 2k, 1.2w, 五百, 一万五.
_AMOUNT = (
    rf"(?P<amt>(?:{_ARABIC})(?:\s?[万萬千百亿](?:\d(?![\d.]))?|\s?[kKwW]\b)?|{_CN_NUM}{{1,8}})"
)
_CURRENCY_WORDS = {
    "元": "CNY", "块": "CNY", "块钱": "CNY", "人民币": "CNY", "rmb": "CNY", "yuan": "CNY",
    "kuai": "CNY", "cny": "CNY", "bucks": "CNY", "¥": "CNY", "￥": "CNY",
    "$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "美元": "USD",
    "美金": "USD", "hk$": "HKD", "hkd": "HKD", "港币": "HKD", "港元": "HKD", "€": "EUR",
    "eur": "EUR", "euro": "EUR", "euros": "EUR", "欧元": "EUR", "£": "GBP", "gbp": "GBP",
    "英镑": "GBP",
}
_PREFIX = r"(?P<pre>HK\$|US\$|[¥￥$€£]|\b(?:RMB|CNY|USD|HKD|EUR|GBP)(?![a-z])|人民币)"
# 块 is also a counter (两块玻璃, 一块地毯) and 元 starts words (元旦, 元素).
_SUFFIX = (
    r"(?P<suf>[$¥￥€£]|块钱|块(?![玻木石地砖布板表屏肉蛋糖瓷钱手大小])|元(?![旦素宵件器老气首])|人民币|美元|美金|港币|港元|欧元|英镑"
    r"|(?:rmb|yuan|kuai|cny|usd|hkd|eur|gbp|dollars?|bucks|euros?)\b)"
)
_MONEY_BEFORE = re.compile(rf"{_PREFIX}\s*{_AMOUNT}", re.IGNORECASE)
_MONEY_AFTER = re.compile(
    rf"(?<![\d.])(?<!\d,){_AMOUNT}\s*(?P<more>多|来|余)?\s*{_SUFFIX}", re.IGNORECASE
)
# 1.5万 / 两万 / 2k on their own: money, unless a unit follows (1.5万步, 2万人, 3w粉丝).
_BARE_BIG = re.compile(
    r"(?<![\d.A-Za-z])(?<!\d,)(?P<amt>(?:\d+(?:\.\d+)?)(?:[万萬](?:\d(?![\d.]))?|[kKwW]\b)"
    r"|[一二两三四五六七八九十]{1,3}[万萬][一二三四五六七八九]?)"
    r"(?![个位间套台件次天人步米公平方里层楼张辆趟名字年月号岁斤吨条袋包粉元块]"
    r"|\s*(?:km|kg|m\b|steps|people|tv|monitor|screen|video|resolution))",
    re.IGNORECASE,
)
# A bare amount right after a price word is money too: "预算四百", "价格八百", "便宜到800",
# "budget 400", "pay 800" (the span is the amount alone). Not when a unit follows
# ("预算够4个人"), and not after "for" ("for 4 hours").
_PRICE_CONTEXT = re.compile(
    r"(?:预算|价格|价位|价钱|报价|出价|开价|要价|便宜到|最多给|最多出|最多|给你|花了|付了|收了|收我|一口价"
    r"|\b(?:budget|price|pay|paid|charged?|offer|quoted?|costs?)(?:\s+(?:is|was|of|me|you|around|about"
    r"|max|maximum|up\s+to))?)\s*(?:是|在|就|大概|大约|差不多|around|about|~)?\s*"
    rf"(?<![\d.])(?P<amt>{_ARABIC}|{_CN_NUM}{{1,8}})(?P<more>多|来|余)?"
    r"(?![\d.,a-z%]|\s*(?:[个位间套台件次天人箱层楼张辆趟名点号月年岁斤米平室厅卫折]|小时|分钟|公里)"
    r"|\s+(?:hours?|hrs?|people|persons|men|cleaners|movers|boxes|items|rooms|floors?|km|miles?"
    r"|sq|square|m|meters?|metres?|days?|weeks?|months?|years?|times|pieces|pcs|percent)\b)",
    re.IGNORECASE,
)
_DISTANCE = re.compile(
    rf"(?<![\d.])(?<!\d,)(?P<n>{_ARABIC}|{_CN_NUM}{{1,6}}|\b(?:" + "|".join(EN_NUMBERS) + r"))"
    r"\s*(?P<more>多)?\s*"
    r"(?P<u>公里|千米|km\b|kms\b|kilomet(?:er|re)s?\b|miles?\b)",
    re.IGNORECASE,
)
# Metres: a carry or walking distance ("500米" → 0.5 km, "停车离楼门30米"). Sizes are not
# distances: 1.5米的床, 2米长, 宽3米, "a 2m sofa" — so at least 10 m, and no 长/宽/高/深
# (long/wide/high/deep) or furniture next to it. 平米/平方米 are areas (found elsewhere).
_METRES = re.compile(
    rf"(?<![\d.长宽高深])(?<!\d,)(?P<n>{_ARABIC}|{_CN_NUM}{{1,6}})\s*(?P<more>多)?\s*"
    r"(?:米(?![长宽高深饭粉线色]|的?(?:床|柜|桌|沙发|窗|门|车))|m\b(?![²2])|met(?:er|re)s?\b)"
    r"(?!\s*(?:long|wide|tall|high|deep|in\s+(?:length|width|height))\b)",
    re.IGNORECASE,
)
_MIN_METRES = 10
_MILE_KM = 1.609344
# Cheap pre-checks: most messages mention neither money nor distance.
_MONEY_HINT = re.compile(
    r"预算|价|花了|付了|收|给|便宜|budget|price|pay|paid|charge|offer|quote|cost|[元块¥￥$€£万萬]|\d\s?[kw]\b|rmb|cny|usd|hkd|eur|gbp|yuan|kuai|dollar|buck|人民币|美[元金]|港[币元]|英镑",
    re.IGNORECASE,
)
_DISTANCE_HINTS = ("公里", "千米", "km", "kilomet", "mile")
_METRE_HINT = re.compile(r"米|\dm\b|\d\s+m\b|met(?:er|re)", re.IGNORECASE)


def _amount(token: str) -> float | None:
    if not token[0].isdigit():
        if not any(ch in _CN_DIGIT or ch == "十" for ch in token):
            return None  # 千万 / 百万: "by all means", not a figure
        if len(token) > 1 and all(ch in _CN_DIGIT for ch in token):
            return None  # 五六 / 三四: a range said quickly, not 56 or 34
    value = parse_amount(token)
    return value if value is not None and value > 0 else None


def find_money(text: str) -> Iterator[Candidate]:
    if _MONEY_HINT.search(text) is None:
        return
    for m in _MONEY_BEFORE.finditer(text):
        if (amount := _amount(m["amt"])) is not None:
            money = {"amount": amount, "currency": _CURRENCY_WORDS[m["pre"].lower()]}
            yield "money", money, m.start(), m.end()
    for m in _MONEY_AFTER.finditer(text):
        amount = _amount(m["amt"])
        unit = m["suf"].lower()
        if amount is None or (unit == "块" and not m["amt"][0].isdigit() and amount <= 10):
            continue  # 一块去 / 两块玻璃: "together" or a counter, not one or two yuan
        yield "money", {"amount": amount, "currency": _CURRENCY_WORDS[unit]}, m.start(), m.end()
    for m in _PRICE_CONTEXT.finditer(text):
        if (amount := _amount(m["amt"])) is not None:
            yield "money", {"amount": amount, "currency": "CNY"}, m.start("amt"), m.end("amt")
    for m in _BARE_BIG.finditer(text):
        amount = _amount(m["amt"].replace(" ", ""))
        if amount is not None:
            yield "money", {"amount": amount, "currency": "CNY"}, m.start(), m.end()


def find_distance(text: str) -> Iterator[Candidate]:
    if _METRE_HINT.search(text) is not None:
        yield from _metres(text)
    lower = text.lower()
    if not any(hint in lower for hint in _DISTANCE_HINTS):
        return
    for m in _DISTANCE.finditer(text):
        token = m["n"]
        if token.lower() in EN_NUMBERS:
            value: float | None = float(EN_NUMBERS[token.lower()])
        elif token[0].isdigit():
            value = finite(token.replace(",", ""))
        else:
            value = _amount(token)
        if not value:
            continue
        if m["u"].lower().startswith("mile"):
            value = round(value * _MILE_KM, 2)
        yield "distance", value, m.start(), m.end()


def _metres(text: str) -> Iterator[Candidate]:
    for m in _METRES.finditer(text):
        token = m["n"]
        value = finite(token.replace(",", "")) if token[0].isdigit() else _amount(token)
        if value is not None and value >= _MIN_METRES:
            yield "distance", round(value / 1000, 3), m.start(), m.end()


__all__ = ["find_distance", "find_money"]
