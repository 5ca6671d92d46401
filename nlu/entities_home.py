"""The customer's home: which floor, and whether there is a lift.

Values:

* ``floor`` — int, the storey as the customer numbers it: "6楼", "六楼", "6层", "第6层",
  "5th floor", "floor 5", "5/F" → 5 or 6; "ground floor" / "一楼" → 1; "地下一层",
  "负一楼", "basement" → -1. The floor is not also reported as a ``number``.
  Convention: the Chinese/US one, street level is 1. "ground floor" → 1, and "first floor"
  / "1st floor" → 1 as well, although in British use it is the storey above ground (UK 2):
  the text does not say which convention the customer means, and a one-storey error is
  what the mover confirms on the phone anyway. "500楼" → 500 (the flow rejects it).
* ``elevator`` — bool: True for "有电梯", "电梯房", "with a lift", "has an elevator";
  False for "没电梯", "无电梯", "不带电梯", "步梯", "no lift", "walk-up",
  "the lift is broken". Questions ("有没有电梯", "is there a lift?") give nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from nlu.numerals import EN_ORDINALS, parse_cn_number
from nlu.timex import Candidate

#: The extractor reports what was said ("500楼" → 500); whether such a floor exists is the
#: flow's question (it re-asks), so the cap only keeps out digit strings.
_MAX_FLOOR = 999
_CN_FLOOR_NUM = "[一二两三四五六七八九十百零]{1,4}"
# 6楼 / 六楼 / 6层 / 第六层; not 楼梯/楼道/楼盘..., not 三层保护膜 / 两层别墅 (layers, a house's height).
_ZH_FLOOR = re.compile(
    rf"(?P<di>第)?(?<![\d.一二两三四五六七八九十百零几])(?P<neg>负|地下)?"
    rf"(?P<n>\d{{1,3}}|{_CN_FLOOR_NUM})\s?"
    r"(?:(?P<lou>楼|樓)(?![梯道盘盤主层層下顶頂])|(?P<ceng>层|層)(?!楼?的|楼?高|[纸膜布箱皮床次面楼保包]|别墅|小楼|复式))"
)
_EN_FLOOR = re.compile(
    r"\b(?:(?P<n>\d{1,3})(?:st|nd|rd|th)|(?P<w>ground|" + "|".join(EN_ORDINALS) + r"))"
    r"[\s-]+(?:floor|fl\b\.?|storey|story)\b"
    r"|\bfloor\s+(?:no\.?\s*|number\s+|#\s*)?(?P<n2>\d{1,3})\b(?![.:]\d)"
    r"|(?<![\w/])(?P<n3>\d{1,3})/F\b"
    r"|\b(?P<base>basement)\b",
    re.IGNORECASE,
)

_ELEVATOR_NO_ZH = re.compile(
    r"(?<![有])(?:没有|没得|没|无|不带|不是)(?:电梯|電梯)(?!吗|么|嘛|[?？])"
    r"|(?:电梯|電梯)(?:坏了|停了|停用|在?维修|不能用|用不了)|步梯(?:房|楼)?|楼梯房"
)
_ELEVATOR_YES_ZH = re.compile(
    r"(?<![没无不])(?:有|带|能坐|可以坐|能用|可以用)(?:电梯|電梯)(?!吗|么|嘛|[?？]|坏|停)"
    r"|(?:电梯|電梯)(?:房|楼|公寓|直达)"
)
_LIFT = r"(?:lifts?|elevators?)"
_ELEVATOR_NO_EN = re.compile(
    rf"\b(?:(?:there\s+is|there'?s|is|has|have|with)\s+)?no\s+{_LIFT}\b"
    rf"|\bwithout\s+(?:an?\s+)?{_LIFT}\b"
    rf"|\b(?:doesn'?t|does\s+not|don'?t|do\s+not|didn'?t)\s+have\s+(?:an?\s+)?{_LIFT}\b"
    rf"|\b(?:isn'?t|is\s+not|there'?s\s+not)\s+(?:an?\s+)?{_LIFT}\b(?!\s*\?)"
    rf"|\b{_LIFT}\s+(?:is\s+|was\s+)?(?:broken|out\s+of\s+order|not\s+working)\b"
    r"|\bwalk-?ups?\b|\bwalk\s+up\s+(?:building|apartment|flat)\b|\bstairs\s+only\b",
    re.IGNORECASE,
)
_ELEVATOR_YES_EN = re.compile(
    rf"\b(?:with|has|have|got|there'?s|there\s+is)\s+(?:an?\s+|the\s+)?{_LIFT}\b(?!\s*\?)"
    rf"|\b{_LIFT}\s+(?:building|access|available)\b"
    r"|\b(?:lift|elevator)\s+is\s+(?:available|working|fine)\b",
    re.IGNORECASE,
)


def find_floors(text: str) -> Iterator[Candidate]:
    if "楼" in text or "层" in text or "樓" in text or "層" in text:
        for m in _ZH_FLOOR.finditer(text):
            n = m["n"]
            value = int(n) if n.isdecimal() else parse_cn_number(n)
            if value is None or not 0 < value <= _MAX_FLOOR:
                continue
            if m["ceng"] and not (n.isdigit() or m["di"] or m["neg"]) and value > 10:
                continue  # 二十层 without 第: more likely a building's height than a flat
            start = m.start("di") if m["di"] else m.start("neg") if m["neg"] else m.start("n")
            yield "floor", -value if m["neg"] else value, start, m.end()
    lower = text.lower()
    if "floor" in lower or "/f" in lower or " fl" in lower or "stor" in lower or "basement" in lower:
        for m in _EN_FLOOR.finditer(text):
            if m["base"]:
                yield "floor", -1, m.start(), m.end()
                continue
            if m["w"]:
                word = m["w"].lower()
                value = 1 if word == "ground" else EN_ORDINALS[word]
            else:
                value = int(m["n"] or m["n2"] or m["n3"])
            if 0 < value <= _MAX_FLOOR:
                yield "floor", value, m.start(), m.end()


def find_elevator(text: str) -> Iterator[Candidate]:
    if "梯" in text:
        for m in _ELEVATOR_NO_ZH.finditer(text):
            yield "elevator", False, m.start(), m.end()
        for m in _ELEVATOR_YES_ZH.finditer(text):
            yield "elevator", True, m.start(), m.end()
    lower = text.lower()
    if "lift" in lower or "elevator" in lower or "walk" in lower or "stairs" in lower:
        for m in _ELEVATOR_NO_EN.finditer(text):
            yield "elevator", False, m.start(), m.end()
        for m in _ELEVATOR_YES_EN.finditer(text):
            yield "elevator", True, m.start(), m.end()


__all__ = ["find_elevator", "find_floors"]
