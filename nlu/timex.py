"""Date and time expressions in Chinese and English, resolved against a local "today".

Every finder yields ``(entity, value, start, end)`` candidates; :mod:`nlu.entities`
resolves overlaps. Home-service customers book ahead, so a date without a year
never lands in the past: "12月5号" asked in December after the 5th means next year.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

from nlu.numerals import parse_cn_number

Candidate = tuple[str, object, int, int]

_CN_SMALL = "[零〇一二两三四五六七八九十]"
_NUM = rf"(?:\d{{1,2}}|{_CN_SMALL}{{1,3}})"
_WEEKDAY_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_WEEKDAY_EN = {
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
}
_MONTHS_EN = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH_RE = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORD = r"(?:st|nd|rd|th)?"

_ZH_RELATIVE = re.compile("大后天|后天|明天|明日|今天|今日|今晚|明晚|今早|明早")
_ZH_REL_DAYS = {"今": 0, "明": 1, "后": 2, "大": 3}
# 一周三次 / 每周三次 are frequencies, not Wednesdays.
_ZH_WEEKDAY = re.compile(
    r"(?<![\d一二两三四五六七八九十几个])(?P<pre>上上|上|下下|下|这|本)?个?"
    r"(?:周|星期|礼拜)(?P<d>[一二三四五六日天七1-7]|末)(?![次回遍趟个])"
)
_ZH_YMD = re.compile(
    rf"(?<!\d)(?:(?P<y>\d{{4}}|[〇零一二三四五六七八九]{{4}})年)?(?P<m>{_NUM})月份?"
    rf"(?P<d>{_NUM})(?:(?:号|號|日)|(?![\d次回遍趟个天]))"
)
_ZH_REL_MONTH = re.compile(rf"(?P<rel>这个月|本月|下个?月)(?P<d>{_NUM})(?:号|號|日)")
# "5日" with a Chinese numeral is too often "一日游"/"三日内"; 号 is safe either way.
_ZH_DAY = re.compile(
    rf"(?<![\d月./:\-])(?:(?P<dn>\d{{1,2}})(?:号|號|日)|(?P<dc>{_CN_SMALL}{{1,3}})(?:号|號))"
    r"(?![楼樓线線床门門院栋棟单元室房座车位机码碼])"
)
_ISO = re.compile(r"(?<![\d/.])(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})[日号]?(?![\d/.])")
_SLASH_MD = re.compile(r"(?<![\d/.-])(?P<m>\d{1,2})/(?P<d>\d{1,2})(?:/(?P<y>\d{4}))?(?![\d/])")

_EN_RELATIVE = re.compile(
    r"\b(?:(?:the\s+)?day\s+after\s+(?:tomorrow|tmrw?)|today|tonight|tomorrow|tomorow|tmrw?)\b",
    re.IGNORECASE,
)
_EN_WEEKDAY = re.compile(
    r"\b(?:(?P<pre>this|next|coming|last|on)\s+)?(?P<d>(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?"
    r"|fri|sat(?:ur)?|sun)(?:day)?|weekend)\b(?P<dot>\.)?",
    re.IGNORECASE,
)
_EN_MONTH_DAY = re.compile(
    rf"\b{_MONTH_RE}\.?\s+(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}\b(?:,?\s*(?P<y>\d{{4}})\b)?",
    re.IGNORECASE,
)
_EN_DAY_MONTH = re.compile(
    rf"\b(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?{_MONTH_RE}\b\.?(?:,?\s*(?P<y>\d{{4}})\b)?",
    re.IGNORECASE,
)
_EN_THE_DAY = re.compile(
    r"\bthe\s+(?P<d>\d{1,2})(?:st|nd|rd|th)\b"
    r"(?!\s+(?:floor|fl|storey|story|level|time|room|bedroom|apartment|unit))",
    re.IGNORECASE,
)

_ZH_PERIODS = (
    "凌晨|早上|早晨|清早|上午|中午|午后|下午|傍晚|晚上|夜里|夜间|半夜|今晚|明晚|今早|明早|早|晚"
)
_ZH_PERIOD_KIND = {
    "凌晨": "night", "半夜": "night", "夜里": "night", "夜间": "night",
    "早上": "am", "早晨": "am", "清早": "am", "上午": "am", "今早": "am", "明早": "am", "早": "am",
    "中午": "noon",
    "午后": "pm", "下午": "pm",
    "傍晚": "eve", "晚上": "eve", "今晚": "eve", "明晚": "eve", "晚": "eve",
}
_ZH_TIME = re.compile(
    rf"(?P<p>{_ZH_PERIODS})?(?<!\d)(?P<h>\d{{1,2}}|{_CN_SMALL}{{1,3}})(?P<dian>点|點|时|時)"
    rf"(?P<zhong>钟|鐘)?(?:(?P<half>半)|(?P<q>[一三13]刻)|(?P<m>\d{{1,2}}|{_CN_SMALL}{{1,3}})(?P<fen>分)?)?"
)
_COLON_TIME = re.compile(
    rf"(?P<p>{_ZH_PERIODS})?(?<![\d:])(?P<h>\d{{1,2}})[:：](?P<m>\d{{2}})(?![\d:])"
    r"(?:\s*(?P<ap>[ap]\.?m\b\.?))?",
    re.IGNORECASE,
)
_EN_AMPM = re.compile(r"(?<![\d:.])(?P<h>\d{1,2})\s*(?P<ap>[ap]\.?m\b\.?)", re.IGNORECASE)
_EN_PERIOD_SUFFIX = r"(?:\s+(?:in\s+the\s+(?P<per>morning|afternoon|evening)|(?P<ton>tonight)))?"
_NOT_A_TIME = (
    r"(?![\d:.]|\s*[ap]\.?m\b|\s*(?:hours?|hrs?|h\b|mins?|minutes?|days?|weeks?|months?|years?"
    r"|people|persons|men|movers|cleaners|rooms?|bedrooms?|beds?|br\b|boxes|items|floors?|km|kg"
    r"|m\b|sq|square|%|percent|yuan|rmb|dollars?|bucks|pieces|pcs))"
)
# "at 3" only with digits: "at one point" / "at two places" are not times.
_EN_AT = re.compile(
    rf"\b(?:at|around|by|@)\s*(?P<h>\d{{1,2}})\b(?P<oc>\s*o'?clock)?{_EN_PERIOD_SUFFIX}"
    + _NOT_A_TIME,
    re.IGNORECASE,
)
_EN_OCLOCK = re.compile(
    r"\b(?P<h>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
    rf"\s*o'?clock{_EN_PERIOD_SUFFIX}",
    re.IGNORECASE,
)
_EN_PERIOD_BEFORE = re.compile(
    r"\b(?P<w>morning|afternoon|evening|tonight|night)\b[^.!?\d]{0,12}$", re.IGNORECASE
)
_EN_NOON = re.compile(r"\b(?P<w>noon|midday|midnight)\b", re.IGNORECASE)
_ZH_TOD = re.compile("(上午|早上|早晨|清早|今早|明早|中午|午后|下午|傍晚|晚上|今晚|明晚|夜里)(?!好)")
_ZH_TOD_KIND = {
    "上午": "morning", "早上": "morning", "早晨": "morning", "清早": "morning", "今早": "morning",
    "明早": "morning", "中午": "afternoon", "午后": "afternoon", "下午": "afternoon",
    "傍晚": "evening", "晚上": "evening", "今晚": "evening", "明晚": "evening", "夜里": "evening",
}
_EN_TOD = re.compile(r"(?<!good )\b(morning|afternoon|evening|tonight|night)\b", re.IGNORECASE)
_EN_TOD_KIND = {"night": "evening", "tonight": "evening"}
_EN_SMALL = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}


def _num(token: str) -> int | None:
    if token.isdecimal():
        return int(token)
    if token.lower() in _EN_SMALL:
        return _EN_SMALL[token.lower()]
    return parse_cn_number(token)


def _valid(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _month_day(today: date, m: int, d: int, year: int | None) -> date | None:
    if year is not None:
        return _valid(year, m, d)
    for y in range(today.year, today.year + 9):  # 9 years always reaches a 29 Feb
        found = _valid(y, m, d)
        if found is not None and found >= today:
            return found
    return None


def _day_of_month(today: date, d: int) -> date | None:
    y, m = today.year, today.month
    for _ in range(13):
        found = _valid(y, m, d)
        if found is not None and found >= today:
            return found
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return None


def _weekday(today: date, weekday: int, weeks_ahead: int) -> date:
    """weeks_ahead 0: the coming one (today counts); 1: in next calendar week (Mon-Sun)."""
    if weeks_ahead == 0:
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(days=7 * weeks_ahead + weekday)


_DIGIT = re.compile(r"\d")
_NONE: tuple[re.Match[str], ...] = ()


def _scan(rx: re.Pattern[str], text: str, needed: bool) -> Iterable[re.Match[str]]:
    """``rx.finditer(text)``, skipped when a cheap test shows the pattern cannot match."""
    return rx.finditer(text) if needed else _NONE


def find_dates(text: str, today: date) -> Iterator[Candidate]:
    """Date candidates, most specific patterns first (ISO before month/day before day)."""
    digit = _DIGIT.search(text) is not None
    has_month = "月" in text
    for m in _scan(_ISO, text, digit):
        found = _valid(int(m["y"]), int(m["m"]), int(m["d"]))
        if found:
            yield "date", found.isoformat(), m.start(), m.end()
    for m in _scan(_ZH_YMD, text, has_month):
        month, day = _num(m["m"]), _num(m["d"])
        year = _num(m["y"]) if m["y"] else None
        if month and day and (found := _month_day(today, month, day, year)):
            yield "date", found.isoformat(), m.start(), m.end()
    for rx in (_EN_MONTH_DAY, _EN_DAY_MONTH):
        for m in _scan(rx, text, digit):
            month_en = _MONTHS_EN[m["mon"][:3].lower()]
            year = int(m["y"]) if m["y"] else None
            if found := _month_day(today, month_en, int(m["d"]), year):
                yield "date", found.isoformat(), m.start(), m.end()
    for m in _scan(_SLASH_MD, text, "/" in text):
        year = int(m["y"]) if m["y"] else None
        if found := _month_day(today, int(m["m"]), int(m["d"]), year):
            yield "date", found.isoformat(), m.start(), m.end()
    for m in _scan(_ZH_REL_MONTH, text, has_month):
        day = _num(m["d"])
        if day is None:
            continue
        if m["rel"].startswith("下"):
            y, mo = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
            found = _valid(y, mo, day)
        else:
            found = _day_of_month(today, day)
        if found:
            yield "date", found.isoformat(), m.start(), m.end()
    for m in _scan(_ZH_DAY, text, "号" in text or "號" in text or "日" in text):
        day = int(m["dn"]) if m["dn"] else _num(m["dc"])
        if day and (found := _day_of_month(today, day)):
            yield "date", found.isoformat(), m.start(), m.end()
    for m in _scan(_EN_THE_DAY, text, digit):
        if found := _day_of_month(today, int(m["d"])):
            yield "date", found.isoformat(), m.start(), m.end()
    for m in _ZH_RELATIVE.finditer(text):
        days = _ZH_REL_DAYS[m.group()[0]]
        yield "date", (today + timedelta(days=days)).isoformat(), m.start(), m.end()
    for m in _EN_RELATIVE.finditer(text):
        word = m.group().lower()
        days = 2 if word.startswith(("day", "the")) else 0 if word in ("today", "tonight") else 1
        yield "date", (today + timedelta(days=days)).isoformat(), m.start(), m.end()
    yield from _weekdays(text, today)


def _weekdays(text: str, today: date) -> Iterator[Candidate]:
    zh_week = "周" in text or "星期" in text or "礼拜" in text
    for m in _scan(_ZH_WEEKDAY, text, zh_week):
        pre = m["pre"] or ""
        if pre.startswith("上"):
            continue  # last week: never a booking date
        wd = 5 if m["d"] == "末" else (int(m["d"]) - 1 if m["d"].isdecimal() else _WEEKDAY_ZH[m["d"]])
        yield "date", _weekday(today, wd, pre.count("下")).isoformat(), m.start(), m.end()
    lower = text.lower()
    en_week = any(stem in lower for stem in ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "weekend"))
    for m in _scan(_EN_WEEKDAY, text, en_week):
        pre = (m["pre"] or "").lower()
        word = m["d"].lower()
        full = word.endswith("day") or word == "weekend"
        if pre == "last" or (not full and pre in ("", "on") and not m["dot"]):
            continue  # "sat"/"sun"/"wed" alone are too often ordinary words
        wd = 5 if word == "weekend" else _WEEKDAY_EN[word[:3]]
        start = m.start("d") if pre == "on" else m.start()
        end = m.end("d")
        yield "date", _weekday(today, wd, 1 if pre == "next" else 0).isoformat(), start, end


def _hour_zh(h: int, period: str | None, bare_digit: bool) -> int | None:
    kind = _ZH_PERIOD_KIND.get(period or "")
    if h > 24:
        return None
    if kind in ("pm", "eve") and h < 12:
        return h + 12
    if kind == "eve" and h == 12:
        return 0
    if kind == "noon":
        return h + 12 if h < 11 else h
    if kind == "night":
        return 0 if h == 12 else h
    if kind is None and bare_digit and 1 <= h <= 7:
        return h + 12  # "三点半" with no period: home visits happen in the afternoon
    return h % 24


def _hhmm(h: int, minute: int) -> str | None:
    if not (0 <= h <= 23 and 0 <= minute <= 59):
        return None
    return f"{h:02d}:{minute:02d}"


def _en_hour(h: int, ap: str | None, period: str | None) -> int:
    if ap:
        pm = ap.lower().startswith("p")
        return (h % 12) + (12 if pm else 0)
    if period in ("afternoon", "evening", "tonight", "night") and h < 12:
        return h + 12
    if period == "morning":
        return h % 12
    return h + 12 if 1 <= h <= 7 else h


def find_times(text: str) -> Iterator[Candidate]:
    """Clock-time candidates ("HH:MM"), then bare parts of day ("time_of_day")."""
    digit = _DIGIT.search(text) is not None
    lower = text.lower()
    for m in _scan(_COLON_TIME, text, ":" in text or "：" in text):
        h, minute = int(m["h"]), int(m["m"])
        if m["ap"]:
            hour: int | None = _en_hour(h, m["ap"], None)
        else:
            hour = _hour_zh(h, m["p"], bare_digit=len(m["h"]) == 1)
        if hour is not None and (value := _hhmm(hour, minute)):
            yield "time", value, m.start(), m.end()
    for m in _scan(_EN_AMPM, text, digit):
        if (value := _hhmm(_en_hour(int(m["h"]), m["ap"], None), 0)) and int(m["h"]) <= 12:
            yield "time", value, m.start(), m.end()
    for m in _scan(_ZH_TIME, text, "点" in text or "點" in text or "时" in text or "時" in text):
        if (c := _zh_time(m)) is not None:
            yield c
    for rx, needed in ((_EN_AT, digit), (_EN_OCLOCK, "clock" in lower)):
        for m in _scan(rx, text, needed):
            spoken = _num(m["h"])
            if spoken is None or spoken > 24:
                continue
            period = (m["per"] or m["ton"] or "").lower() or None
            # "tonight at 8", "this afternoon around 4": the period may come first.
            before = _EN_PERIOD_BEFORE.search(text, max(0, m.start() - 30), m.start())
            if period is None and before:
                period = before["w"].lower()
            if value := _hhmm(_en_hour(spoken, None, period) % 24, 0):
                yield "time", value, m.start("h"), m.end()
    for m in _scan(_EN_NOON, text, "noon" in lower or "midday" in lower or "midnight" in lower):
        yield "time", "00:00" if m["w"].lower() == "midnight" else "12:00", m.start(), m.end()
    for m in _ZH_TOD.finditer(text):
        yield "time_of_day", _ZH_TOD_KIND[m.group()], m.start(), m.end()
    for m in _EN_TOD.finditer(text):
        word = m.group().lower()
        yield "time_of_day", _EN_TOD_KIND.get(word, word), m.start(), m.end()


def _zh_time(m: re.Match[str]) -> Candidate | None:
    h_text = m["h"]
    end = m.end()
    minute = 0
    if m["half"]:
        minute = 30
    elif m["q"]:
        minute = 15 if m["q"][0] in "一1" else 45
    elif m["m"]:
        mt = m["m"]
        # Without 分 only unmistakable minutes count: "3点15", "三点二十", "三点零五";
        # "3点2个人" / "三点两个师傅" end at 点.
        if m["fen"] or (mt.isdigit() and len(mt) == 2) or "十" in mt or mt[0] in "零〇":
            parsed = _num(mt)
            if parsed is None:
                return None
            minute = parsed
        else:
            end = m.end("zhong") if m["zhong"] else m.end("dian")
    detailed = bool(m["zhong"] or minute or m["half"])
    if h_text in ("一", "两") and not m["p"] and not detailed:
        return None  # 便宜一点 / 有两点要求: "a bit", not one o'clock
    if m["dian"] in "时時" and not h_text.isdigit():
        return None  # 一时半会儿
    h = _num(h_text)
    if h is None:
        return None
    hour = _hour_zh(h, m["p"], bare_digit=not (h_text.isdigit() and len(h_text) == 2))
    if hour is None or (value := _hhmm(hour, minute)) is None:
        return None
    return "time", value, m.start(), end


__all__ = ["Candidate", "find_dates", "find_times"]
