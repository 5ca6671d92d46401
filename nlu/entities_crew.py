"""How many workers and for how long: "2个阿姨4小时", "2 cleaners for 4 hours".

Values:

* ``crew`` — int, the number of workers asked for: "两个保洁员", "2位阿姨", "三个师傅",
  "2 cleaners", "two movers", "3 men". A bare "N个人" is a crew only next to a word
  that sends people ("派两个人", "两个人来"); "家里三个人" is a household, not a crew.
* ``hours`` — float, a duration in hours: "4小时", "四个小时", "3个钟头", "半小时",
  "两个半小时", "1.5h", "4 hours", "an hour", "half an hour", "2 and a half hours".
  "3-4 hours" / "3到4个小时" give the lower bound, 3.0.

The count inside either span is not also reported as a ``number``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from nlu.numerals import EN_NUMBERS, finite, parse_cn_number
from nlu.timex import Candidate

_CN = "[一二两俩三四五六七八九十]{1,3}"
_N = rf"(?:\d{{1,2}}|{_CN})"
_EN_N = r"\d{1,2}|" + "|".join(EN_NUMBERS)

_ZH_WORKERS = (
    "保洁阿姨|保洁员|保洁师傅|保洁|阿姨|家政员|家政阿姨|钟点工|搬运工|搬家师傅|师傅|工人|小工"
    "|月嫂|育儿嫂|保姆|护工|司机"
)
_ZH_CREW = re.compile(
    rf"(?<![\d.第])(?P<n>{_N})\s*(?:个|位|名)\s*(?P<w>{_ZH_WORKERS})"
    rf"|(?<![\d.第])(?P<n2>{_N})\s*(?:个|位|名)人(?=\s*(?:来|上门|过来|干|做|搬|打扫|一起|同时))"
    rf"|(?:派|安排|要|需要|叫|请|找|来)\s*(?P<n3>{_N})\s*(?:个|位|名)人"
)
_EN_CREW = re.compile(
    rf"\b(?P<n>{_EN_N})\s+(?:(?:extra|more|strong|female|male|experienced)\s+)?"
    r"(?P<w>cleaners|movers|men|guys|workers|helpers|maids|housekeepers|porters|nannies|carers"
    r"|caregivers|staff|people|persons|hands|crew\s+members|cleaning\s+ladies)\b"
    rf"|\b(?:a\s+)?(?:team|crew)\s+of\s+(?P<n2>{_EN_N})\b",
    re.IGNORECASE,
)

_ZH_HOURS = re.compile(
    rf"(?<![\d.第])(?:(?P<n>\d{{1,2}}(?:\.\d+)?|{_CN})(?:\s*(?:-|~|到|至)\s*(?:\d{{1,2}}|{_CN}))?"
    r"\s*(?:个)?(?P<half>半)?\s*(?:小时|钟头|个钟(?![点头表])|h\b)"
    r"|(?P<only>半)(?:个)?(?:小时|钟头))",
    re.IGNORECASE,
)
_EN_RANGE = rf"(?:\s*(?:-|to|or)\s*(?:\d{{1,2}}(?:\.\d+)?|{_EN_N})\b)?"
_EN_HALF = r"(?P<half>\s*and\s+a\s+half\s+)?"
_EN_HOURS = re.compile(
    rf"(?:(?<![\d.])(?P<n>\d{{1,2}}(?:\.\d+)?){_EN_RANGE}\s*|\b(?P<w>{_EN_N}|an?){_EN_RANGE}\s+)"
    rf"{_EN_HALF}(?:hours?|hrs?|(?<=\d)h)\b(?P<half2>\s+and\s+a\s+half)?"
    r"|\b(?P<only>half\s+an?\s+hour)\b",
    re.IGNORECASE,
)
# Cheap pre-checks: most messages mention neither.
_ZH_HINT = re.compile(f"{_ZH_WORKERS}|个人|位人|名人|小时|钟头|个钟|\\dh")
_EN_HINT = re.compile(
    r"cleaner|mover|men\b|guys|worker|helper|maid|housekeep|porter|nann|carer|caregiver|staff"
    r"|people|person|hands|crew|team|lad|hour|hr|\dh|\d\s+h\b",
    re.IGNORECASE,
)


def _count(token: str) -> float | None:
    low = token.lower()
    if low in ("a", "an"):
        return 1.0
    if low in EN_NUMBERS:
        return float(EN_NUMBERS[low])
    if low[0].isdigit():
        return finite(low)
    return finite(parse_cn_number(token.replace("俩", "两")))


def find_crew(text: str) -> Iterator[Candidate]:
    if _ZH_HINT.search(text) is not None:
        for m in _ZH_CREW.finditer(text):
            value = _count(m["n"] or m["n2"] or m["n3"])
            if value is not None and 0 < value <= 50:
                start = m.start("n3") if m["n3"] else m.start()
                yield "crew", int(value), start, m.end()
    if _EN_HINT.search(text) is not None:
        for m in _EN_CREW.finditer(text):
            value = _count(m["n"] or m["n2"])
            if value is not None and 0 < value <= 50:
                yield "crew", int(value), m.start(), m.end()


def find_hours(text: str) -> Iterator[Candidate]:
    if _ZH_HINT.search(text) is not None:
        for m in _ZH_HOURS.finditer(text):
            value = 0.0 if m["only"] else _count(m["n"])
            if value is None:
                continue
            value += 0.5 if (m["half"] or m["only"]) else 0.0
            if 0 < value <= 24 * 31:
                yield "hours", value, m.start(), m.end()
    if _EN_HINT.search(text) is not None:
        for m in _EN_HOURS.finditer(text):
            value = 0.0 if m["only"] else _count(m["n"] or m["w"])
            if value is None:
                continue
            value += 0.5 if (m["half"] or m["half2"] or m["only"]) else 0.0
            if 0 < value <= 24 * 31:
                yield "hours", value, m.start(), m.end()


__all__ = ["find_crew", "find_hours"]
