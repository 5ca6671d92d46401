"""Matching customer text against words, choices and collect types."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date
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
    if allow_index and core.isdecimal() and 1 <= int(core) <= len(choices):
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


YES_WORDS = ("是", "是的", "有", "有的", "对", "对的", "要", "需要", "好", "好的", "可以", "嗯", "行",
             "yes", "y", "yeah", "yep", "sure", "ok", "okay", "please", "need", "i do", "we do")
NO_WORDS = ("没有", "没", "无", "不", "不要", "不用", "不需要", "否", "没了", "都没有", "no", "n", "nope",
            "none", "nothing", "not needed", "no need", "don't need", "i don't", "we don't")


def parse_value(step: Step, text: str, entities: Sequence[Entity], today: date,
                intent: str | None = None) -> tuple[bool, Any, str | None]:
    """Read the value a collect step asks for: (ok, value, reason-message-key).

    A step with ``entity:`` takes that NLU entity first ("6楼没电梯" answers both the floor
    and the elevator question); otherwise, or when the message has none, the text is read
    by the step's type.
    """
    if step.entity:
        found = [e for e in entities if e.entity == step.entity]
        if found:
            return from_entities(step, found, today)
    kind, rules = step.type, step.validate
    if kind == "choice":
        choice = match_choice(step.choices, text, allow_index=True)
        return (True, choice.value, None) if choice else (False, None, None)
    if kind in ("date", "time", "phone"):
        ent = next((e for e in entities if e.entity == kind), None)
        if ent is not None:
            return from_entities(step, [ent], today)
        if kind == "phone" and len(re.findall(r"\d", text)) >= 5:  # "138abc5678": a bad number
            return False, None, "reask_phone"
        return False, None, None
    if kind == "bool":
        norm = normalise(text)
        if intent == "affirm" or is_exactly(norm, YES_WORDS):
            return True, True, None
        if intent == "deny" or is_exactly(norm, NO_WORDS):
            return True, False, None
        return False, None, None
    if kind == "items":
        items = [e for e in entities if e.entity == "item"]
        if items:
            return from_entities(step, items, today)
        if intent == "deny" or is_exactly(normalise(text), NO_WORDS):
            return True, [], None
        return False, None, None
    if kind in ("int", "number"):
        # A step bound to an entity ("rooms") does not take another one ("80平") as its answer.
        value = _number(text, [e for e in entities if e.entity == "number"] if step.entity
                        else entities)
        return _in_range(step, value) if value is not None else (False, None, None)
    cleaned = text.strip()
    if not cleaned or len(cleaned) < int(rules.get("min_length", 1)):
        return False, None, None
    if len(cleaned) > int(rules.get("max_length", 1000)):
        return False, None, None
    if "pattern" in rules and not re.search(str(rules["pattern"]), cleaned):
        return False, None, None
    return True, cleaned, None


def from_entities(step: Step, found: Sequence[Entity], today: date) -> tuple[bool, Any, str | None]:
    """The slot value that NLU entities give for ``step`` (prefill and corrections use this
    alone: a bare "6" is never read as a floor unless the floor question is the one asked)."""
    kind, rules, value = step.type, step.validate, found[0].value
    if kind == "date":
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            return False, None, None
        if day < today and not rules.get("allow_past"):
            return False, None, "reask_date_past"
        ahead = rules.get("max_days_ahead")
        if ahead is not None and (day - today).days > int(ahead):
            return False, None, None
        return True, day.isoformat(), None
    if kind in ("time", "phone"):
        return True, str(value), None
    if kind == "items":
        merged: dict[str, int] = {}
        for ent in found:
            if isinstance(ent.value, dict) and ent.value.get("item"):
                name = str(ent.value["item"])
                merged[name] = merged.get(name, 0) + int(ent.value.get("count") or 1)
        return True, [{"item": k, "count": n} for k, n in merged.items()], None
    if kind == "bool":
        return (True, value, None) if isinstance(value, bool) else (False, None, None)
    if kind in ("int", "number"):
        if isinstance(value, dict):
            value = value.get("amount", value.get("value"))
        try:
            return _in_range(step, float(value))
        except (TypeError, ValueError):
            return False, None, None
    if kind == "choice":
        choice = match_choice(step.choices, str(value), allow_index=False)
        return (True, choice.value, None) if choice else (False, None, None)
    return True, str(value), None


def _in_range(step: Step, value: float) -> tuple[bool, Any, str | None]:
    if step.type == "int" and value != int(value):
        return False, None, None
    number: int | float = int(value) if step.type == "int" else float(value)
    lo, hi = step.validate.get("min"), step.validate.get("max")
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        return False, None, "reask_range"
    return True, number, None


#: Entities that answer "how many / which number" questions when no plain number was found:
#: the NLU reports "6楼" as a floor, "30公里" as a distance, "80平" as an area, not a number.
_NUMERIC_ENTITIES = ("number", "floor", "distance", "area", "rooms", "crew", "hours")


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

