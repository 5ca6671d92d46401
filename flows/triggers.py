"""Which flow a message starts: a command first, then the longest keyword, then an intent."""

from __future__ import annotations

from typing import Any

from flows.matching import contains
from flows.model import Bundle

#: Intents too generic to start a flow in the middle of another one.
NO_SWITCH_INTENTS = frozenset({"affirm", "deny", "out_of_scope", "greet"})


def find_trigger(bundle: Bundle, norm: str, lang: str, intent: str | None, confidence: float,
                 *, exclude: str | None = None) -> tuple[str, str] | None:
    """(flow, how) for normalised text ``norm``; ``exclude`` is the flow already running."""
    flows = [f for f in bundle.flows.values() if f.name != exclude]
    if norm.startswith("/"):
        command = norm.split(" ", 1)[0].split("@", 1)[0]
        for f in flows:
            if command in (c.lower() for c in f.triggers.commands):
                return f.name, "command"
    best: tuple[int, str] | None = None
    for f in flows:
        for key, words in f.triggers.keywords.items():
            if key not in ("*", lang):
                continue
            for w in words:
                if contains(norm, w) and (best is None or len(w) > best[0]):
                    best = (len(w), f.name)
    if best:
        return best[1], "keyword"
    if intent and confidence >= bundle.intent_threshold:
        if exclude is not None and intent in NO_SWITCH_INTENTS:
            return None
        for f in flows:
            if intent in f.triggers.intents:
                return f.name, "intent"
    return None


def message_variants(bundle: Bundle, key: str) -> list[str]:
    """Every language's version of a system text (to recognise a tapped button)."""
    return list(bundle.messages[key].by_lang.values())


def expand_number(bundle: Bundle, state: dict[str, Any], text: str) -> str:
    """"2" after a reply with buttons means the second button, unless a number is asked for."""
    core = text.strip().rstrip(".。")
    buttons = state.get("last_buttons") or []
    if not core.isdecimal() or not 1 <= int(core) <= len(buttons):
        return text
    stack = state.get("stack") or []
    if stack:
        flow = bundle.flows.get(stack[-1].get("flow", ""))
        step = flow.step(stack[-1].get("step", "")) if flow else None
        if step is not None and step.kind == "collect" and step.type in ("int", "number"):
            return text
    return str(buttons[int(core) - 1])
