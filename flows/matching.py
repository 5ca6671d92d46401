"""Matching customer text against words, choices and collect types."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from flows.model import Choice, Step
from nlu.base import Entity

_ASCII_WORD = re.compile(r"^[a-z0-9][a-z0-9 '\-]*$")
_TRAILING = re.compile(r"[\s\.,!?;:~。，！？；：…、～吧啦呀啊哈呢嘛了]+$")


def normalise(text: str) -> str:
    """NFKC (full-width -> half-width), lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


@lru_cache(maxsize=8192)
def _matcher(word: str) -> tuple[str, re.Pattern[str] | None]:
    """A script word, normalised once; ASCII words get a whole-word pattern."""
    w = normalise(word)
    if w and _ASCII_WORD.match(w):
        return w, re.compile(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])")
    return w, None


def contains(text_norm: str, word: str) -> bool:
    """``word`` occurs in normalised text; ASCII words must stand alone ("move" ≠ "removed")."""
    w, pattern = _matcher(word)
    if not w or w not in text_norm:
        return False
    return pattern is None or pattern.search(text_norm) is not None


@lru_cache(maxsize=8192)
def _core(word: str) -> str:
    return _TRAILING.sub("", normalise(word)).strip()


def is_exactly(text_norm: str, words: Iterable[str]) -> bool:
    """The whole message is one of ``words`` (ignoring punctuation and particles like 吧)."""
    core = _TRAILING.sub("", text_norm).strip()
    return any(core == _core(w) for w in words)


def match_choice(choices: Sequence[Choice], text: str, *, allow_index: bool) -> Choice | None:
    """The choice the text names; a number picks by position; ambiguous -> None."""
    t = normalise(text)
    core = _TRAILING.sub("", t)
    if allow_index and core.isdigit() and 1 <= int(core) <= len(choices):
        return choices[int(core) - 1]
    best: tuple[int, Choice] | None = None
    tie = False
    for choice in choices:
        names = (choice.value.replace("_", " "), *choice.label.by_lang.values(), *choice.synonyms)
        length = max((len(_matcher(n)[0]) for n in names if contains(t, n)), default=0)
        if not length:
            continue
        if best is None or length > best[0]:
            best, tie = (length, choice), False
        elif length == best[0] and best[1] is not choice:
            tie = True
    return None if best is None or tie else best[1]


def parse_value(step: Step, text: str, entities: Sequence[Entity], today: date) -> tuple[
        bool, Any, str | None]:
    """Read the value a collect step asks for: (ok, value, reason-message-key)."""
    kind, rules = step.type, step.validate
    if kind == "choice":
        choice = match_choice(step.choices, text, allow_index=True)
        return (True, choice.value, None) if choice else (False, None, None)
    if kind in ("date", "time", "phone"):
        ent = next((e for e in entities if e.entity == kind), None)
        if ent is None:
            return False, None, None
        if kind == "date":
            day = date.fromisoformat(str(ent.value))
            if day < today and not rules.get("allow_past"):
                return False, None, "reask_date_past"
            ahead = rules.get("max_days_ahead")
            if ahead is not None and (day - today).days > int(ahead):
                return False, None, None
        return True, str(ent.value), None
    if kind in ("int", "number"):
        value = _number(text, entities)
        if value is None or (kind == "int" and value != int(value)):
            return False, None, None
        value = int(value) if kind == "int" else float(value)
        lo, hi = rules.get("min"), rules.get("max")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            return False, None, "reask_range"
        return True, value, None
    cleaned = text.strip()
    if not cleaned or len(cleaned) < int(rules.get("min_length", 1)):
        return False, None, None
    if len(cleaned) > int(rules.get("max_length", 1000)):
        return False, None, None
    if "pattern" in rules and not re.search(str(rules["pattern"]), cleaned):
        return False, None, None
    return True, cleaned, None


#: Entities that answer "how many / which number" questions when no plain number was found:
#: the NLU reports "6楼" as a floor, "30公里" as a distance, "80平" as an area, not a number.
_NUMERIC_ENTITIES = ("number", "floor", "distance", "area", "rooms")


def _number(text: str, entities: Sequence[Entity]) -> float | None:
    for kind in _NUMERIC_ENTITIES:
        ent = next((e for e in entities if e.entity == kind), None)
        if ent is None:
            continue
        try:
            return float(ent.value)
        except (TypeError, ValueError):
            return None
    money = next((e for e in entities if e.entity == "money"), None)
    if money is not None and isinstance(money.value, dict):
        return float(money.value.get("amount", 0.0))
    try:
        return float(normalise(text).replace(",", ""))
    except ValueError:
        return None


def today_in(now: datetime) -> date:
    return now.date()
