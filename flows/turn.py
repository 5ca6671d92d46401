"""What one turn gets and gives: the customer's message, who it is for, and the outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flows.model import Reply
from nlu.base import Entity


@dataclass(frozen=True, slots=True)
class Turn:
    text: str
    lang: str
    now: datetime
    intent: str | None = None
    confidence: float = 0.0
    entities: tuple[Entity, ...] = ()


@dataclass(slots=True)
class Env:
    """Who the turn is for; handed to actions."""

    tz: ZoneInfo
    customer_id: int | None = None
    conversation_id: int | None = None
    session: Any = None
    channel: str | None = None


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    understood: bool = True

    @property
    def active_flow(self) -> str | None:
        stack = self.state.get("stack") or []
        return str(stack[-1]["flow"]) if stack else None
