"""Rule-based entity extraction, Chinese and English, with character offsets.

Pure regex on purpose: these values feed prices and bookings, so they must be
exact and explainable, and a short sentence takes well under a millisecond.
Offsets (``start``/``end``) index the caller's original string; ``text`` is
``original[start:end]``.

Entities and their values:

========================  ==========================================================
``date``                  "YYYY-MM-DD", resolved in ``tz`` (:mod:`nlu.timex`)
``time``                  "HH:MM" (24 h)
``time_of_day``           "morning" | "afternoon" | "evening"
``phone``                 E.164 "+<digits>", "+86..." for China (:mod:`nlu.entities_phone`)
``area``                  float, square metres
``rooms``                 int, bedrooms ("两室一厅" → 2, "studio" → 1; "-3 rooms" → -3)
``floor``                 int, storey; ground = 1, basement = -1 (:mod:`nlu.entities_home`)
``elevator``              bool, a lift in the building or not
``money``                 {"amount": float, "currency": "CNY"|...} (:mod:`nlu.entities_measures`)
``distance``              float, kilometres (miles converted)
``item``                  {"item": id, "count": int} (:mod:`nlu.entities_items`)
``crew``                  int, workers asked for ("2个阿姨", "2 cleaners") (:mod:`nlu.entities_crew`)
``hours``                 float, a duration in hours ("4小时", "4 hours")
``from_address``          str, the place as written (:mod:`nlu.entities_places`)
``to_address``            str, the place as written
``number``                int | float, any other quantity
========================  ==========================================================

Overlaps: each character belongs to at most one entity, except that a date may share
characters with a time or time of day (今晚8点). A more specific entity wins over a
less specific one, so "6楼" is a ``floor`` and "500元" ``money``, not a ``number``.
Numbers inside an address ("12 Baker St") are part of it and not reported.
:func:`combined_datetime` joins a message's date and time ("YYYY-MM-DDTHH:MM").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from nlu.base import Entity
from nlu.entities_crew import find_crew, find_hours
from nlu.entities_home import find_elevator, find_floors
from nlu.entities_items import find_items
from nlu.entities_measures import find_distance, find_money
from nlu.entities_phone import find_phones
from nlu.entities_places import find_places
from nlu.numerals import CN_DIGITS, CN_NUM_CHARS, EN_NUMBERS, finite, parse_cn_number
from nlu.timex import Candidate, find_dates, find_times

# Full-width ASCII (１２：３０, ＰＭ) to ASCII, one char for one char so offsets survive.
# The full-width comma stays: in Chinese it separates clauses ("$100，2k"), never thousands.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if cp != 0xFF0C} | {0x3000: 0x20}

_CN = f"[{CN_NUM_CHARS}]"
_CN_ROOM = "[一二两三四五六七八九十]"

_AREA = re.compile(
    rf"(?<![\d.])(?P<n>\d+(?:\.\d+)?|{_CN}{{1,6}})\s*"
    r"(?:平方米|平方|平米|平(?![时安台常均板衡稳])|㎡|m²|m2\b|sqm\b|sq\.?\s?m\b\.?"
    r"|square\s+met(?:er|re)s?\b|met(?:er|re)s?\s+squared\b)",
    re.IGNORECASE,
)
_ZH_ROOMS = re.compile(
    rf"(?<!\d)(?P<n>\d{{1,2}}|{_CN_ROOM})\s*(?:室|房(?![东子间屋产租源价])|居室|居(?![民住委然家]))"
    rf"(?:\s*(?:\d|{_CN_ROOM})\s*厅)?(?:\s*(?:\d|{_CN_ROOM})\s*卫)?"
    rf"|(?<!\d)(?P<n2>\d{{1,2}}|{_CN_ROOM})\s*(?:个|间)?\s*(?:卧室|房间)"
)
_EN_ROOMS = re.compile(
    r"\b(?P<n>\d{1,2}|one|two|three|four|five|six)[\s-]*(?:bedrooms?|beds?|bdrms?|bdr|br|rooms?)\b"
    r"|\b(?P<studio>studio)\b",
    re.IGNORECASE,
)
_ARABIC = re.compile(r"(?<![\d.])(?<!\d,)(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d])")
_CN_RUN = re.compile(f"{_CN}+")
_EN_WORD_NUM = re.compile(r"\b(?:" + "|".join(EN_NUMBERS) + r")\b", re.IGNORECASE)
# After a Chinese numeral, these make it a quantity (两个师傅, 三箱, 十二楼) rather than
# part of a word (二手, 四川, 十分满意, 一下).
_MEASURES = re.compile(
    "个|位|间|套|台|件|次|天|小时|钟头|分钟|人|箱|层|楼|张|辆|趟|名|口|元|块|米|室|厅|卫"
    "|房|周|月|年|号|岁|斤|公斤|吨|桌|床|柜|把|只|扇|遍|成|折|倍|部|条|袋|包|盆|株|晚"
)

_PRIORITY = {
    "phone": 0, "date": 1, "time": 2, "area": 3, "rooms": 4, "floor": 5, "money": 6,
    "distance": 7, "item": 8, "crew": 9, "hours": 10, "elevator": 11, "time_of_day": 12,
    "number": 13, "from_address": 14, "to_address": 15,
}
# A date and a clock time may share characters: 今晚8点 is both "today" and "20:00".
_MAY_OVERLAP = {frozenset({"date", "time"}), frozenset({"date", "time_of_day"})}


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_today(now: datetime, tz: str) -> date:
    """``now`` as a calendar date in ``tz``; a naive ``now`` is taken to be in ``tz``."""
    zone = _zone(tz)
    local = now.replace(tzinfo=zone) if now.tzinfo is None else now.astimezone(zone)
    return local.date()


def _cn_or_int(token: str) -> int | None:
    return int(token) if token.isdecimal() else parse_cn_number(token)


def _areas(text: str) -> Iterator[Candidate]:
    for m in _AREA.finditer(text):
        n = m["n"]
        value = finite(n if n[0].isdigit() else parse_cn_number(n))
        if value is not None and value > 0:
            yield "area", value, m.start(), m.end()


def _rooms(text: str) -> Iterator[Candidate]:
    for m in _ZH_ROOMS.finditer(text):
        value = _cn_or_int(m["n"] or m["n2"])
        start = m.start()
        before = text[max(0, start - 1):start]
        if value is not None and before in ("-", "－", "负") and (
                start < 2 or not text[start - 2].isdigit()):
            yield "rooms", -value, start - 1, m.end()  # "负3室", "-3室": the flow rejects it
        elif value is not None and 0 < value <= 20:
            yield "rooms", value, start, m.end()
    for m in _EN_ROOMS.finditer(text):
        if m["studio"]:
            yield "rooms", 1, m.start(), m.end()
            continue
        token = m["n"].lower()
        count = int(token) if token.isdecimal() else EN_NUMBERS[token]
        start = m.start()
        if start and text[start - 1] == "-" and (start < 2 or not text[start - 2].isalnum()):
            # "-3 rooms": a minus sign, not a range ("2-3 rooms"); reported as typed, the
            # flow rejects it.
            yield "rooms", -count, start - 1, m.end()
        elif 0 < count <= 20:
            yield "rooms", count, start, m.end()


def _numbers(text: str) -> Iterator[Candidate]:
    for m in _ARABIC.finditer(text):
        raw = m.group().replace(",", "")
        if len(raw) > 18:
            continue  # a pasted digit string, not a quantity (and int() refuses > 4300 digits)
        value: int | float = float(raw) if "." in raw else int(raw)
        yield "number", value, m.start(), m.end()
    for m in _CN_RUN.finditer(text):
        run = m.group()
        if not any(ch in CN_DIGITS or ch == "十" for ch in run):
            continue  # 万科 / 百度: unit characters alone are words
        followed = _MEASURES.match(text, m.end()) is not None
        alone = text.strip() == run
        if followed or alone or (len(run) > 1 and any(ch in "十百千万" for ch in run)):
            if run in ("千万", "万一", "一一") or (run == "十" and not (followed or alone)):
                continue
            parsed = parse_cn_number(run)
            if parsed is not None:
                yield "number", parsed, m.start(), m.end()
    for m in _EN_WORD_NUM.finditer(text):
        word = m.group().lower()
        if word != "one" or text.strip().lower() == "one":  # "no one", "the one you sent"
            yield "number", EN_NUMBERS[word], m.start(), m.end()


def _resolve(candidates: Iterable[Candidate], size: int) -> list[Candidate]:
    """Keep the best candidates that do not clash: higher priority first, then longer."""
    ordered = sorted(candidates, key=lambda c: (_PRIORITY[c[0]], c[2] - c[3], c[2]))
    # Per-character occupancy keeps this linear in the text length; pairwise checks
    # went quadratic on junk such as "at 3 " * 1000.
    taken: list[tuple[str, ...]] = [()] * size
    kept: list[Candidate] = []
    for cand in ordered:
        kind, _, start, end = cand
        clash = any(
            other == kind or frozenset((kind, other)) not in _MAY_OVERLAP
            for pos in range(start, end) for other in taken[pos]
        )
        if not clash:
            kept.append(cand)
            for pos in range(start, end):
                taken[pos] = (*taken[pos], kind)
    kept.sort(key=lambda c: (c[2], _PRIORITY[c[0]]))
    return kept


def _with_places(kept: list[Candidate], norm: str, text: str) -> list[Candidate]:
    """Add from/to places, bounded by the other entities; drop numbers inside them."""
    places = find_places(norm, [(c[2], c[3]) for c in kept if c[0] != "number"], text)
    if not places:
        return kept
    inside = [
        c for c in kept if c[0] == "number" and any(p[2] <= c[2] and c[3] <= p[3] for p in places)
    ]
    merged = [c for c in kept if c not in inside] + places
    merged.sort(key=lambda c: (c[2], _PRIORITY[c[0]]))
    return merged


def extract(text: str, now: datetime, tz: str = "Asia/Shanghai") -> list[Entity]:
    """Extract entities from ``text``; relative dates resolve against ``now`` in ``tz``.

    Values are listed in the module docstring. Any ``str`` gives a list, never an error.
    """
    if not text or text.isspace():
        return []
    norm = text.translate(_FULLWIDTH)
    today = local_today(now, tz)
    candidates: list[Candidate] = [
        *find_phones(norm), *find_dates(norm, today), *find_times(norm), *_areas(norm),
        *_rooms(norm), *find_floors(norm), *find_money(norm), *find_distance(norm),
        *find_items(norm), *find_crew(norm), *find_hours(norm), *find_elevator(norm),
        *_numbers(norm),
    ]
    kept = _with_places(_resolve(candidates, len(norm)), norm, text)
    return [Entity(kind, value, start, end, text[start:end]) for kind, value, start, end in kept]


def combined_datetime(entities: Sequence[Entity]) -> str | None:
    """"YYYY-MM-DDTHH:MM" when the message has exactly one date and one clock time, else None.

    >>> from datetime import datetime
    >>> combined_datetime(extract("后天下午三点", datetime(2026, 11, 23, 10)))
    '2026-11-25T15:00'
    """
    dates = [e for e in entities if e.entity == "date"]
    times = [e for e in entities if e.entity == "time"]
    if len(dates) != 1 or len(times) != 1:
        return None
    return f"{dates[0].value}T{times[0].value}"
