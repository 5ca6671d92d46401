"""Phone numbers: Chinese mobiles by regex, international and Chinese landlines checked by phonenumbers.

Value: E.164, "+<country code><number>" ("+8613812345678", "+442079460958").

A Chinese mobile (1[3-9]x xxxx xxxx, optionally after +86 / 0086) is matched by
regex alone: the pattern is exact and it is by far the most common case. Numbers
that start with "+" or "00" (other countries) and Chinese landlines ("010-8888
6666") are confirmed with Google's libphonenumber metadata (the ``phonenumbers``
package) so that order numbers and other digit runs are not taken for phones.
The package is imported on the first such candidate; without it, international
numbers fall back to a length check (8-15 digits) and landlines are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from nlu.timex import Candidate

_CN_MOBILE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)\s*86[\s-]*)?(?P<a>1[3-9]\d)[\s-]?(?P<b>\d{4})[\s-]?(?P<c>\d{4})(?!\d)"
)
_INTL_PHONE = re.compile(
    r"(?<![\d+\w])(?:\+|00(?=[1-9]))\s*\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?){1,6}(?![\d)])"
)
# 0 + area code (2-3 digits) + 7-8 digit subscriber number: 010-88886666, 021 6666 8888.
_CN_LANDLINE = re.compile(r"(?<![\d+\w.-])(?P<area>0[1-9]\d{1,2})[\s-]?(?P<n>\d{3,4}[\s-]?\d{4})(?![\d-])")
_NON_DIGIT = re.compile(r"\D")

Validator = Callable[[str, str | None], str | None]


@lru_cache(maxsize=1)
def _validator() -> Validator | None:
    """``phonenumbers`` when installed: (raw, region) -> E.164 or None."""
    try:
        import phonenumbers
    except ImportError:  # pragma: no cover - the package is a declared dependency
        return None

    def check(raw: str, region: str | None) -> str | None:
        try:
            parsed = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_valid_number(parsed):
            return None
        return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))

    return check


def find_phones(text: str) -> Iterator[Candidate]:
    if not any(ch.isdigit() for ch in text):
        return
    for m in _CN_MOBILE.finditer(text):
        yield "phone", "+86" + m["a"] + m["b"] + m["c"], m.start(), m.end()
    for m in _INTL_PHONE.finditer(text):
        digits = _NON_DIGIT.sub("", m.group())
        if digits.startswith("00"):
            digits = digits[2:]
        if not 8 <= len(digits) <= 15:
            continue
        check = _validator()
        value = "+" + digits if check is None else check("+" + digits, None)
        if value is not None:
            yield "phone", value, m.start(), m.end()
    for m in _CN_LANDLINE.finditer(text):
        check = _validator()
        if check is not None and (value := check(m.group(), "CN")) is not None:
            yield "phone", value, m.start(), m.end()


__all__ = ["find_phones"]
