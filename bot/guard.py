"""Screening customer text before NLU: empty, huge, binary, foreign or emoji-only input."""

from __future__ import annotations

import unicodedata

#: Control characters other than tab/newline/carriage return mean binary, not text.
_ALLOWED_CONTROL = frozenset("\t\n\r")


def screen(text: str | None, *, max_chars: int) -> str | None:
    """The message key of a polite reply for unusable text, or None when it is fine."""
    if text is None or not text.strip():
        return "empty"
    if len(text) > max_chars:
        return "too_long"
    bad = sum(1 for ch in text if (unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")
                                   and ch not in _ALLOWED_CONTROL) or ch == "\ufffd")
    if (bad and bad * 10 >= len(text)) or "\x00" in text:
        return "unreadable"
    return None


def has_words(text: str) -> bool:
    """Letters or digits somewhere (not only emoji, symbols and punctuation)."""
    return any(unicodedata.category(ch)[0] in ("L", "N") for ch in text)
