"""Script-based language detection: "zh", "en", "other" or None.

Careline only answers in Chinese and English, so the question is not "which of
200 languages" but "which of our two, or neither". Counting letters per script
answers that in a few microseconds and never needs training data.
"""

from __future__ import annotations

import re

_HAN = re.compile(
    "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df\U0002a700-\U0002ebef]"
)
_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9d]")
# Latin letters including the accented Latin-1 / Extended-A ranges (café, naïve).
# A word of two or more letters; letters glued to digits ("ABC123", "B2611230001", "3pm") are
# codes and ids, not language.
_LATIN_WORD = re.compile("(?<![0-9A-Za-z\u00c0-\u024f])[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]{2,}"
                         "(?![0-9A-Za-z\u00c0-\u024f])")
_LATIN = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")
# Any other letter: str.isalpha() is true for letters of every script, so whatever
# is alphabetic and not Han / kana / Latin counts here (Cyrillic, Arabic, Hangul...).


def detect(text: str) -> str | None:
    """Return "zh", "en", "other", or None when the text carries no language signal.

    Any Han character makes the text Chinese (mixed "我想book一下" is "zh"), unless
    kana shows it to be Japanese. Latin letters forming a word make it "en".
    Emoji, digits and punctuation alone give None.
    """
    if not text:
        return None
    han = len(_HAN.findall(text))
    kana = len(_KANA.findall(text))
    if kana and kana * 4 >= han + kana:
        return "other"
    if han:
        return "zh"
    latin = len(_LATIN.findall(text))
    other = sum(1 for ch in text if ch.isalpha()) - latin - kana
    if other > 0 and other >= latin:
        return "other"
    if _LATIN_WORD.search(text):
        return "en"
    if other > 0:
        return "other"
    return None
