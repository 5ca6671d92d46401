"""Where from and where to: "从朝阳搬到海淀", "朝阳到海淀", "from Chaoyang to Haidian".

Values: ``from_address`` / ``to_address`` — str, the place as the customer wrote it
(the original characters; ``value == text[start:end]``). "从望京SOHO搬去天通苑北二区" →
"望京SOHO" / "天通苑北二区"; "moving from 12 Baker St to Oxford Rd" → "12 Baker St" /
"Oxford Rd". A place ends at punctuation, at another entity (a date, rooms, a floor...;
house numbers are not entities), at a following word such as 大概/要/吗 or
"on"/"at"/"please", and it is at most 40 characters (zh) or 10 words (en).

Without 从 or a moving verb, "X到Y" is read as from X to Y only when both sides look like
places: 2-15 characters each, no digits, no people or time words, and not overlapping
another entity, so "3点到5点", "周一到周五", "9到11点", "一直到现在" and "师傅到小区门口了" stay
times, dates or nothing.

Runs after the other entities are resolved (their spans are the ``stops``), so this
module never competes with them; numbers inside a place are dropped by the caller.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from nlu.timex import Candidate

# 从来/从不/从小/从头到尾... are adverbs, not "from".
_ZH_FROM = re.compile(
    r"(?<![自服遵听打])从(?!来|不|没|未|小|前|此|而|事|中|头|新|容|简|业|早|晚|今往|何|哪|那以后|一开始|开始)"
)
_ZH_MOVE_TO = r"搬家到|搬家去|搬到|搬去|搬往|搬至|运到|运去|送到|送去|拉到|拉去"
_ZH_TO_MARK = re.compile(
    rf"{_ZH_MOVE_TO}|(?<![看听收找想做遇得见达受感提等迟报签拿买办用碰学回])(?:到|去|至|往)"
)
_ZH_TO_ALONE = re.compile(_ZH_MOVE_TO)
_ZH_MOVE_VERB = re.compile("搬家|搬|出发|运走|拉走")
_ZH_STOP = re.compile(
    "大概|大约|大致|差不多|多少|需要|要|想|可以|能不能|能否|能|吗|呢|吧|啊|呀|哈|了|的话|的时候|怎么|费用"
    "|价格|报价|一共|总共|请问|麻烦|谢谢|有|没|时间|什么时候|哪天|搬家|搬运|搬|大件|东西"
)
_ZH_TRAILING = re.compile("(?:那边|这边|那里|这里|附近|一带|那儿|这儿|去|来|的)+$")
_PUNCT = re.compile(r"[，,。！!？?；;、：:\n\r\t（）()【】\[\]“”\"'《》~～…|/]")

_EN_FROM = re.compile(r"\bfrom\s+", re.IGNORECASE)
_EN_TO_MARK = re.compile(r"\s+(?:to|into|towards)\s+", re.IGNORECASE)
_EN_MOVE_BEFORE = re.compile(
    r"\b(?:mov(?:e|es|ing|ed)|relocat(?:e|es|ing|ed))\b(?:\s+[\w']+){0,3}\s*$", re.IGNORECASE
)
_EN_TO_ALONE = re.compile(
    r"\b(?:mov(?:e|es|ing|ed)|relocat(?:e|es|ing|ed))\s+(?:(?:house|home|flat|apartment|office"
    r"|everything|it|them|us|me|our\s+stuff|my\s+stuff)\s+)?(?:to|into)\s+",
    re.IGNORECASE,
)
_EN_STOP = re.compile(
    r"\s+(?:on|at|next|this|tomorrow|today|tonight|please|pls|asap|around|by|for|with|and|but|how"
    r"|what|when|can|could|would|will|is|are|it|we|i|if|so|because|as|about|approx(?:imately)?"
    r"|roughly|within|before|after|via|then|which|that|thanks|thank)\b",
    re.IGNORECASE,
)
_EN_PUNCT = re.compile(r"[,;!?()\n\r\t\"“”，。！？；]|\.(?=\s|$)")
_EN_ABBREV = {"st", "rd", "ave", "dr", "no", "blvd", "ln", "ct", "sq", "mt", "apt", "bldg", "rm", "fl"}
# First words that make "from X to Y" an idiom or a source, not a move: "from time to time",
# "a number from a friend to ask", "from top to bottom".
_EN_NOT_PLACE = {
    "you", "your", "us", "them", "him", "her", "it", "me", "here", "there", "now", "then", "time",
    "top", "bottom", "start", "beginning", "end", "head", "scratch", "a", "an", "the", "my", "our",
    "ask", "book", "get", "see", "know", "check", "make", "help", "find", "pay", "come", "go", "be",
    "do", "have", "say", "tell", "call", "arrange", "schedule", "request", "inquire", "enquire",
}
_EN_DETERMINERS = {"a", "an", "the", "my", "our", "your", "their", "his", "her"}
_ZH_NOT_PLACE = {
    "这", "那", "这儿", "那儿", "这里", "那里", "哪", "哪里", "哪儿", "里", "外", "上", "下", "内",
}
_CN_NUMERAL_CHARS = set("零〇一二两三四五六七八九十百千万")
# "朝阳到海淀" with no 从 or 搬: a place, 到/至, a place. Each side is 2-15 characters with
# no digit; the left side starts after the last word that cannot be in a place name.
_ZH_BARE_TO = re.compile("到(?![了过达家底时点处期手账帐位])|至(?![今少多于])")
_ZH_LEFT_STOP = re.compile(
    f"{_ZH_STOP.pattern}|我们|我|你们|你|请问|问一下|问下|想问|咨询|就是|还是|还有|然后|另外"
)
# People and times are not places: "师傅到小区门口了", "一直到现在", "老公到公司了".
_ZH_NOT_BARE = re.compile(
    "师傅|阿姨|司机|工人|保洁|月嫂|护工|保姆|老公|老婆|老人|孩子|妈|爸|他|她|朋友|快递|外卖|人"
    "|现在|目前|以后|之前|之后|为止|时候|月底|年底|周末|几点|多久|一直|每天|晚上|白天|中午|早上"
    "|上午|下午|凌晨|今年|明年|下班|上班"
)


class _Stops:
    """The first entity span at or after a position (spans sorted by start)."""

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]

    def next_start(self, pos: int, default: int) -> int:
        i = bisect_left(self.starts, pos)
        if i > 0 and self.spans[i - 1][1] > pos:
            return pos  # pos is inside an entity
        return min(default, self.starts[i]) if i < len(self.starts) else default


def _en_punct(text: str, pos: int, limit: int) -> int:
    for m in _EN_PUNCT.finditer(text, pos, limit):
        if m.group() == ".":
            word = text[max(pos, m.start() - 5):m.start()].split()
            if word and word[-1].lower() in _EN_ABBREV:
                continue  # "12 Baker St. to ..." keeps going
        return m.start()
    return limit


def _zh_place(text: str, start: int, end: int) -> tuple[int, int] | None:
    stop = _ZH_STOP.search(text, start, end)
    if stop is not None:
        end = stop.start()
    while start < end and text[start].isspace():
        start += 1
    trail = _ZH_TRAILING.search(text[start:end].rstrip())
    end = start + (trail.start() if trail else len(text[start:end].rstrip()))
    place = text[start:end]
    if not place or len(place) > 40 or place in _ZH_NOT_PLACE or "哪" in place:
        return None
    if all(ch in _CN_NUMERAL_CHARS for ch in place):
        return None  # 从一到十: counting, not places
    return (start, end) if any(ch.isalpha() for ch in place) else None


def _en_place(text: str, start: int, end: int) -> tuple[int, int] | None:
    stop = _EN_STOP.search(text, start, end)
    if stop is not None:
        end = stop.start()
    place = text[start:end].strip()
    if not place:
        return None
    start = text.index(place, start)
    end = start + len(place)
    words = place.lower().split()
    if len(words) > 10 or not any(ch.isalpha() for ch in place):
        return None
    if all(w in _EN_DETERMINERS for w in words):
        return None  # "move it to the 5th floor": the floor is its own entity
    if words[0] in _EN_NOT_PLACE and not (words[0] in _EN_DETERMINERS and len(words) > 1):
        return None
    return start, end


def _zh(text: str, stops: _Stops) -> list[Candidate]:
    found: list[Candidate] = []
    used = -1
    for m in _ZH_FROM.finditer(text):
        pos = m.end()
        limit = _zh_limit(text, pos, stops)
        mark = _ZH_TO_MARK.search(text, pos + 1, limit)
        verb = mark or _ZH_MOVE_VERB.search(text, pos + 1, limit)
        if verb is None or (span := _zh_place(text, pos, verb.start())) is None:
            continue
        to = _zh_place(text, mark.end(), _zh_limit(text, mark.end(), stops)) if mark else None
        if mark is not None and to is None and len(mark.group()) == 1:
            continue  # 从X到 with nothing after: not a move
        found.append(("from_address", None, *span))
        used = verb.end()
        if to is not None:
            found.append(("to_address", None, *to))
            used = to[1]
    for m in _ZH_TO_ALONE.finditer(text):
        if m.start() >= used and (to := _zh_place(text, m.end(), _zh_limit(text, m.end(), stops))):
            found.append(("to_address", None, *to))
            used = to[1]
    return found


def _zh_bare(text: str, stops: _Stops) -> list[Candidate]:
    """"朝阳到海淀": from and to without 从 or a moving verb (both or nothing)."""
    for m in _ZH_BARE_TO.finditer(text):
        left_end = m.start()
        begin = max(0, left_end - 15)
        for p in _PUNCT.finditer(text, begin, left_end):
            begin = p.end()
        for span in stops.spans:  # the left side starts after any entity before it
            if begin < span[1] <= left_end:
                begin = span[1]
        for w in _ZH_LEFT_STOP.finditer(text, begin, left_end):
            begin = w.end()
        while begin < left_end and text[begin].isspace():
            begin += 1
        if stops.next_start(begin, left_end) < left_end:
            continue
        to = _zh_place(text, m.end(), _zh_limit(text, m.end(), stops))
        if to is None or left_end - begin < 2 or to[1] - to[0] < 2:
            continue
        left, right = text[begin:left_end], text[to[0]:to[1]]
        if any(ch.isdigit() or ch == "哪" for ch in left + right) or _ZH_NOT_BARE.search(left + right):
            continue
        if _zh_place(text, begin, left_end) != (begin, left_end):
            continue
        return [("from_address", None, begin, left_end), ("to_address", None, *to)]
    return []


def _zh_limit(text: str, pos: int, stops: _Stops) -> int:
    limit = stops.next_start(pos, min(len(text), pos + 40))
    p = _PUNCT.search(text, pos, limit)
    return limit if p is None else p.start()


def _en(text: str, stops: _Stops) -> list[Candidate]:
    found: list[Candidate] = []
    used = -1
    for m in _EN_FROM.finditer(text):
        pos = m.end()
        limit = _en_limit(text, pos, stops)
        mark = _EN_TO_MARK.search(text, pos, limit)
        moving = _EN_MOVE_BEFORE.search(text, max(0, m.start() - 40), m.start()) is not None
        span = _en_place(text, pos, mark.start() if mark else limit)
        to = _en_place(text, mark.end(), _en_limit(text, mark.end(), stops)) if mark else None
        if span is None or (to is None and not moving):
            continue  # "a friend from work", "a number from a friend to ask about prices"
        found.append(("from_address", None, *span))
        used = span[1]
        if to is not None:
            found.append(("to_address", None, *to))
            used = to[1]
    for m in _EN_TO_ALONE.finditer(text):
        if m.start() >= used and (to := _en_place(text, m.end(), _en_limit(text, m.end(), stops))):
            found.append(("to_address", None, *to))
            used = to[1]
    return found


def _en_limit(text: str, pos: int, stops: _Stops) -> int:
    return _en_punct(text, pos, stops.next_start(pos, min(len(text), pos + 80)))


def find_places(text: str, stops: Sequence[tuple[int, int]], original: str) -> list[Candidate]:
    """From/to places in ``text`` (full-width folded); values are slices of ``original``."""
    lower = text.lower()
    has_zh = "从" in text or "搬" in text or "运" in text or "送" in text or "拉" in text
    has_en = "from" in lower or "mov" in lower or "relocat" in lower
    bare = "到" in text or "至" in text
    if not (has_zh or has_en or bare):
        return []
    spans = _Stops(stops)
    found = (_zh(text, spans) if has_zh else []) + (_en(text, spans) if has_en else [])
    if bare and not found:
        found = _zh_bare(text, spans)
    return [(kind, original[start:end], start, end) for kind, _, start, end in found]


__all__ = ["find_places"]
