"""Chinese and English number words to integers (十二 → 12, 一百零五 → 105, two → 2)."""

from __future__ import annotations

CN_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "俩": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}
CN_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_BIG: dict[str, int] = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}

#: Character class body usable inside a regex ``[...]``.
CN_NUM_CHARS = "".join([*CN_DIGITS, *CN_UNITS, *CN_BIG])

EN_NUMBERS: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}


def _section(text: str) -> int | None:
    """Value of a run below 万, e.g. 三千零五 → 3005, 一千二 → 1200 (spoken shorthand)."""
    total = 0
    digit: int | None = None
    last_unit = 1
    for ch in text:
        if ch in CN_DIGITS:
            if digit is not None and digit != 0 and CN_DIGITS[ch] != 0:
                return None  # two digits in a row ("二五") is a digit string, not a number
            digit = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            unit = CN_UNITS[ch]
            if unit >= last_unit and total:
                return None  # 十百 / 百千: units must decrease
            total += (1 if digit is None else digit) * unit
            last_unit = unit
            digit = None
        else:
            return None
    if digit is not None:
        # 一千二 means 1200 and 三百五 means 350: a trailing digit scales by the next unit down.
        total += digit * (last_unit // 10 if last_unit >= 100 and text[-2] not in "零〇" else 1)
    return total


def parse_cn_number(text: str) -> int | None:
    """Parse a Chinese numeral run; None if it is not a well-formed number.

    >>> parse_cn_number("二十五"), parse_cn_number("两"), parse_cn_number("一百零五")
    (25, 2, 105)
    """
    if not text:
        return None
    if all(ch in CN_DIGITS for ch in text) and len(text) > 1:
        # 二〇二六 style year: read digit by digit.
        return int("".join(str(CN_DIGITS[ch]) for ch in text))
    total = 0
    rest = text
    for big_char, big in sorted(CN_BIG.items(), key=lambda kv: -kv[1]):
        if big_char in rest:
            head, _, rest = rest.partition(big_char)
            head_value = _section(head) if head else 1
            if head_value is None:
                return None
            total += head_value * big
    if rest:
        value = _section(rest)
        if value is None:
            return None
        total += value
    return total
