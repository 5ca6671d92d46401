"""Business actions that flows call by name (``- action: quote_price``).

An action is a module-level function ``(ActionContext) -> ActionResult`` registered with
:func:`action`, declaring the slots it needs and sets so the validator can check scripts
that use it, and optionally a ``check`` that validates script data it depends on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flows.model import Bundle, Flow, Reply, Step
from nlu.base import Entity

CheckFn = Callable[[Bundle, Flow, Step], list[tuple[int, str, str]]]


@dataclass(slots=True)
class ActionContext:
    bundle: Bundle
    slots: Mapping[str, Any]
    lang: str
    text: str
    now: datetime
    tz: ZoneInfo
    customer_id: int | None
    conversation_id: int | None
    channel: str | None
    session: Any  # the turn's SQLAlchemy Connection (its transaction), or None offline
    args: Mapping[str, Any]
    display: Callable[[str], str]  # slot name -> its value as the customer should read it
    intent: str | None = None  # what the NLU made of this turn's message
    entities: tuple[Entity, ...] = ()


@dataclass(slots=True)
class ActionResult:
    slots: dict[str, Any] = field(default_factory=dict)
    replies: list[Reply] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


ActionFn = Callable[[ActionContext], ActionResult]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    func: ActionFn
    needs: tuple[str, ...] = ()
    sets: tuple[str, ...] = ()
    check: CheckFn | None = None


REGISTRY: dict[str, ActionSpec] = {}


def action(
    name: str, *, needs: tuple[str, ...] = (), sets: tuple[str, ...] = (),
    check: CheckFn | None = None,
) -> Callable[[ActionFn], ActionFn]:
    """Register ``func`` under ``name``; a second registration of the name is a bug."""

    def register(func: ActionFn) -> ActionFn:
        if name in REGISTRY and REGISTRY[name].func is not func:
            raise ValueError(f"action {name!r} is registered twice")
        REGISTRY[name] = ActionSpec(name, func, needs, sets, check)
        return func

    return register


def registry() -> dict[str, ActionSpec]:
    """All actions, after importing the built-in ones (every module in this package)."""
    global _LOADED
    if not _LOADED:
        import importlib
        import pkgutil

        for mod in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{mod.name}")  # registration side effect
        _LOADED = True
    return REGISTRY


_LOADED = False
