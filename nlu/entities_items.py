"""Large household items and how many: pianos, fridges, sofas, wardrobes...

Value: ``{"item": <canonical English id>, "count": int}``. "钢琴" → piano ×1,
"两台冰箱" / "冰箱两台" → fridge ×2, "a sofa" → sofa ×1, "2 fridges" → fridge ×2.
The span covers the count when there is one ("两台冰箱", "2 fridges", "a sofa"),
and that count is not also reported as a ``number``. Ids are listed in :data:`ITEMS`.

The table lives in code (not YAML) because each word needs its own guard against
look-alikes: 床 in 起床/床单, 电视 in 电视剧, "safe" in "is it safe".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from nlu.numerals import EN_NUMBERS, parse_cn_number
from nlu.timex import Candidate

#: id -> (Chinese words, English words); English words are singular, plurals are derived.
ITEMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "piano": (("三角钢琴", "立式钢琴", "钢琴"), ("grand piano", "upright piano", "piano")),
    "fridge": (("双开门冰箱", "对开门冰箱", "电冰箱", "冰箱"), ("fridge-freezer", "fridge", "refrigerator")),
    "freezer": (("冰柜",), ("chest freezer", "freezer")),
    "washing_machine": (("滚筒洗衣机", "洗衣机"), ("washing machine", "washer")),
    "dryer": (("烘干机", "干衣机"), ("tumble dryer", "dryer")),
    "dishwasher": (("洗碗机",), ("dishwasher",)),
    "air_conditioner": (("空调",), ("air conditioner", "air-conditioner", "aircon")),
    "tv": (("电视机", "电视"), ("television", "tv")),
    "tv_cabinet": (("电视柜",), ("tv cabinet", "tv stand")),
    "sofa": (("沙发床", "沙发"), ("sofa bed", "sofa", "couch")),
    "wardrobe": (("大衣柜", "衣柜", "衣橱"), ("wardrobe", "armoire")),
    "bed": (("双人床", "单人床", "上下铺", "高低床", "儿童床", "床"), ("bunk bed", "bed")),
    "mattress": (("床垫",), ("mattress",)),
    "nightstand": (("床头柜",), ("nightstand", "bedside table")),
    "dining_table": (("餐桌",), ("dining table",)),
    "desk": (("书桌", "办公桌", "写字台"), ("desk",)),
    "bookcase": (("书柜", "书架"), ("bookcase", "bookshelf", "bookshelves")),
    "fish_tank": (("鱼缸",), ("fish tank", "aquarium")),
    "safe": (("保险柜", "保险箱"), ("safe",)),
    "massage_chair": (("按摩椅",), ("massage chair",)),
    "treadmill": (("跑步机",), ("treadmill",)),
    "e_bike": (("电动车", "电瓶车"), ("e-bike", "electric scooter")),
    "bicycle": (("自行车",), ("bicycle", "bike")),
}

_ZH_ID = {word: item for item, (zh, _) in ITEMS.items() for word in zh}
_EN_ID = {word: item for item, (_, en) in ITEMS.items() for word in en}
# Single-character and short words that are part of other words.
_ZH_GUARD = {
    "床": re.compile(r"(?<![起临病车机温河苗上下])床(?![单上下前边头品位罩笠沿铺友])"),
    "电视": re.compile(r"电视(?![剧台节广购塔])"),
    "空调": re.compile(r"空调(?![费])"),
    "冰箱": re.compile(r"冰箱(?![贴])"),
    "钢琴": re.compile(r"钢琴(?![课曲家老声])"),
}
_ZH_WORDS = "|".join(sorted(_ZH_ID, key=len, reverse=True))
_CLASSIFIER = "(?:台|架|个|張|张|件|组|套|只|部|座|把|口|辆)"
_ZH_ADJ = (
    r"(?:大|小|老|旧|新|的|双人|单人|实木|真皮|布艺|进口|大型|中型|小型|立式|卧式|挂式|柜式|超大|很重的?"
    r"|\d(?:\.\d+)?米的?){0,2}"
)
_ZH_COUNT = rf"(?P<n>\d{{1,2}}|[一二两三四五六七八九十]{{1,3}})\s*{_CLASSIFIER}"
_ZH_ITEM = re.compile(
    rf"(?:{_ZH_COUNT}\s*{_ZH_ADJ})?(?P<w>{_ZH_WORDS})"
    rf"(?:\s*(?P<n2>\d{{1,2}}|[一二两三四五六七八九十]{{1,3}})\s*{_CLASSIFIER})?"
)

_EN_ALT = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(_EN_ID, key=len, reverse=True))
_EN_COUNTS = {"a": 1, "an": 1, "a couple of": 2, "couple of": 2, "a pair of": 2, **EN_NUMBERS}
_EN_COUNT_ALT = r"a\s+couple\s+of|couple\s+of|a\s+pair\s+of|an?|\d{1,2}|" + "|".join(EN_NUMBERS)
_EN_ADJ = (
    r"(?:(?:big|large|small|heavy|old|new|huge|tall|double|single|king|queen|king-size|queen-size"
    r"|american-style|american|chest|corner|leather|glass|wooden|3-seater|three-seater|2-door"
    r"|two-door|flat-screen|\d{2}-inch)\s+){0,3}"
)
_EN_ITEM = re.compile(
    rf"\b(?:(?P<n>{_EN_COUNT_ALT})\s+{_EN_ADJ})?(?P<w>{_EN_ALT})(?P<pl>s|es)?\b"
    r"(?!-|\s+(?:to|and\s+sound|place|bet|way|side|option|choice|distance|enough|trip|journey))",
    re.IGNORECASE,
)
# Cheap pre-checks: a message without any item word skips the count-aware patterns.
_ZH_HINT = re.compile(_ZH_WORDS)
_EN_STEMS = tuple(sorted({w.split()[0][:5] for w in _EN_ID}))
# "safe" on its own is an adjective: only "a safe", "the safe", "2 safes", "my safe" count.
_SAFE_BEFORE = re.compile(r"\b(?:the|my|our|his|her|their|this|that|a|an|heavy|big)\s+$", re.IGNORECASE)


def _zh_count(token: str | None) -> int | None:
    if token is None:
        return None
    return int(token) if token.isdecimal() else parse_cn_number(token)


def find_items(text: str) -> Iterator[Candidate]:
    if _ZH_HINT.search(text) is not None:
        yield from _zh_items(text)
    lower = text.lower()
    if any(stem in lower for stem in _EN_STEMS):
        yield from _en_items(text)


def _zh_items(text: str) -> Iterator[Candidate]:
    for m in _ZH_ITEM.finditer(text):
        word = m["w"]
        guard = _ZH_GUARD.get(word)
        if guard is not None and not guard.match(text, m.start("w")):
            continue
        count = _zh_count(m["n"]) or _zh_count(m["n2"]) or 1
        if 0 < count <= 99:
            yield "item", {"item": _ZH_ID[word], "count": count}, m.start(), m.end()


def _en_items(text: str) -> Iterator[Candidate]:
    for m in _EN_ITEM.finditer(text):
        word = " ".join(m["w"].lower().split())
        count_word = " ".join((m["n"] or "").lower().split())
        if word == "safe" and not count_word and not m["pl"]:
            before = _SAFE_BEFORE.search(text, max(0, m.start("w") - 8), m.start("w"))
            if before is None:
                continue  # "is it safe", "safe with you"
        count = int(count_word) if count_word.isdecimal() else _EN_COUNTS.get(count_word, 1)
        if 0 < count <= 99:
            yield "item", {"item": _EN_ID[word], "count": count}, m.start(), m.end()


__all__ = ["ITEMS", "find_items"]
