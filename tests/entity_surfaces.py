"""Shared by the entity tests: what extract() found, with offsets checked."""

from datetime import datetime
from zoneinfo import ZoneInfo

from nlu.entities import extract

#: Monday 2026-11-23 10:00 in Shanghai.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def surfaces(text):
    """(entity, value, matched surface); the surface is ``text[start:end]``, so offsets are checked."""
    out = []
    for e in extract(text, NOW):
        assert e.text == text[e.start:e.end]
        out.append((e.entity, e.value, text[e.start:e.end]))
    return out
