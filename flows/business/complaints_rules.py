"""Which class and topic a complaint belongs to, from the ``complaints:`` section's rules.

Kept apart from the ticket state machine: operations tune keywords often, the state machine
almost never. The rules, all from the script:

* every topic lists keywords per language; a topic has a class (urgent, experience,
  suggestion) and may turn urgent on its own ``urgent_keywords`` ("没来" for lateness) or when
  the NLU reads a delay of at least ``urgent_after_hours`` ("迟到了三个小时");
* section-wide ``urgent_keywords`` (injury, safety) make any complaint urgent;
* of several matching topics the most severe class wins, then the one listed first;
* nothing matches → the NLU's ``feedback`` intent means a suggestion, else ``default_topic``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flows.matching import contains, normalise

_ASCII = re.compile(r"^[a-z0-9][a-z0-9 '\-]*$")

#: most severe first
CLASS_ORDER = ("urgent", "experience", "suggestion")


@dataclass(frozen=True, slots=True)
class Classification:
    ticket_class: str
    topic: str
    matched: tuple[str, ...] = ()  # the words that decided it, for the agent and the event
    delay_hours: float | None = None


def _words(raw: Any) -> list[str]:
    if isinstance(raw, Mapping):
        return [str(w) for words in raw.values() for w in words]
    return [str(w) for w in raw or ()]


def _hits(norm: str, raw: Any) -> list[str]:
    return [w for w in _words(raw) if contains(norm, w)]


def delay_hours(text: str, now: datetime | None = None) -> float | None:
    """The longest duration the message names ("迟到了三个小时" → 3.0), via the NLU."""
    from nlu.entities import extract

    found = [e.value for e in extract(text, now or datetime.now().astimezone())
             if e.entity == "hours" and isinstance(e.value, int | float)]
    return float(max(found)) if found else None


def classify(text: str, config: Mapping[str, Any], *, intent: str | None = None,
             now: datetime | None = None) -> Classification:
    norm = normalise(text)
    topics: Mapping[str, Any] = config.get("topics", {})
    hours = delay_hours(text, now)
    candidates: list[tuple[int, int, str, str, list[str]]] = []
    for order, (name, topic) in enumerate(topics.items()):
        hits = _hits(norm, topic.get("keywords"))
        if not hits:
            continue
        cls = str(topic["class"])
        urgent_hits = _hits(norm, topic.get("urgent_keywords"))
        limit = topic.get("urgent_after_hours")
        if urgent_hits or (limit is not None and hours is not None and hours >= float(limit)):
            cls, hits = "urgent", hits + urgent_hits
        candidates.append((CLASS_ORDER.index(cls), order, name, cls, hits))
    if candidates:
        _, _, topic_name, cls, hits = min(candidates)
    elif intent == "feedback" and "suggestion" in topics:
        topic_name, cls, hits = "suggestion", str(topics["suggestion"]["class"]), []
    else:
        topic_name = str(config.get("default_topic", "quality"))
        cls, hits = str(topics.get(topic_name, {}).get("class", "experience")), []
    danger = _hits(norm, config.get("urgent_keywords"))
    if danger:
        cls, hits = "urgent", hits + danger
    return Classification(cls, topic_name, tuple(dict.fromkeys(hits)), hours)


def keyword_overlaps(config: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(word, topic, other topic) for a keyword listed under two topics: the first would
    always win, which is rarely what the author meant."""
    seen: dict[str, str] = {}
    clashes = []
    for name, topic in config.get("topics", {}).items():
        for word in _words(topic.get("keywords")):
            key = normalise(word)
            if key in seen and seen[key] != name:
                clashes.append((word, name, seen[key]))
            seen.setdefault(key, name)
    return clashes


def describe(config: Mapping[str, Any], kind: str, name: str, lang: str) -> str:
    """A class or topic name in the customer's language ("紧急", "damage or loss")."""
    group: Mapping[str, Any] = config.get("classes" if kind == "class" else "topics", {})
    label: Mapping[str, str] = group.get(name, {}).get("name", {})
    return label.get(lang) or label.get("zh") or name


def strip_words(text: str, words: Sequence[str]) -> str:
    """The text without intro words and punctuation ("我要投诉！" → ""), to tell a bare
    "I want to complain" from a message that already says what happened."""
    rest = normalise(text)
    for w in sorted((normalise(w) for w in words), key=len, reverse=True):
        if w and _ASCII.match(w):  # whole words only: "a" must not eat the a of "late"
            rest = re.sub(rf"(?<![a-z0-9']){re.escape(w)}(?![a-z0-9'])", " ", rest)
        elif w:
            rest = rest.replace(w, " ")
    return " ".join("".join(ch if ch.isalnum() else " " for ch in rest).split())
