"""Which slots one message fills: prefill (answers given before the question) and corrections.

"下周六从朝阳搬到海淀，两室一厅，6楼没电梯" answers five questions at once; "不对，是下周日"
changes one already answered. Only what the message clearly names counts here — choice
names, dates, times, phones and the NLU entity a step declares (``entity:``); a bare "6" is
read as a floor only when the floor question is the one being asked.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from flows.matching import contains, from_entities, match_choice
from flows.model import Flow, Step
from nlu.base import Entity


def named_value(step: Step, text: str, entities: Sequence[Entity], today: date) -> tuple[bool, Any]:
    """The value the message names for ``step``'s slot, without reading bare answers."""
    if step.entity:
        found = [e for e in entities if e.entity == step.entity]
        if found:
            ok, value, _ = from_entities(step, found, today)
            return ok, value
    if step.type == "choice":
        choice = match_choice(step.choices, text, allow_index=False)
        return (True, choice.value) if choice else (False, None)
    if step.type in ("date", "time", "phone"):
        found = [e for e in entities if e.entity == step.type]
        if found:
            ok, value, _ = from_entities(step, found, today)
            return ok, value
    return False, None


def _collects(flow: Flow) -> Iterator[Step]:
    seen: set[str] = set()
    for step in flow.steps:
        if step.kind == "collect" and step.slot and step.slot not in seen:
            seen.add(step.slot)
            yield step


def prefill(flow: Flow, slots: dict[str, Any], text: str, entities: Sequence[Entity],
            today: date) -> dict[str, Any]:
    """Values for the flow's still-empty slots that this message already gives."""
    found: dict[str, Any] = {}
    for step in _collects(flow):
        if step.slot in slots:
            continue
        ok, value = named_value(step, text, entities, today)
        if ok:
            found[step.slot or ""] = value
    return found


def corrections(flow: Flow, slots: dict[str, Any], text: str, entities: Sequence[Entity],
                today: date) -> list[tuple[Step, Any]]:
    """Filled slots this message gives a different value for, in flow order."""
    changed = []
    for step in _collects(flow):
        if step.slot not in slots:
            continue
        ok, value = named_value(step, text, entities, today)
        if ok and value != slots[step.slot or ""]:
            changed.append((step, value))
    return changed


def says_correction(text_norm: str, words: Sequence[str]) -> bool:
    """The message announces a correction ("不对", "改成", "actually", "I meant")."""
    return any(contains(text_norm, w) for w in words)
