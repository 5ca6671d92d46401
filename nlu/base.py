"""The NLU interface and its result types (Rasa ``/model/parse`` shape)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

#: Intent names shared by NLU and flows (DESIGN.md, section 3).
CONTRACT_INTENTS: tuple[str, ...] = (
    "greet", "goodbye", "affirm", "deny", "quote", "book", "reschedule", "cancel",
    "booking_status", "complain", "feedback", "human", "points", "unsubscribe", "faq",
    "out_of_scope",
)


@dataclass(frozen=True, slots=True)
class IntentScore:
    name: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Entity:
    """One extracted value; ``start``/``end`` are character offsets into the text."""

    entity: str
    value: Any
    start: int
    end: int
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, "value": self.value, "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class Sentiment:
    label: str  # "negative" | "neutral" | "positive"
    score: float  # -1 .. 1
    anger: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "score": round(self.score, 3), "anger": self.anger}


@dataclass(frozen=True, slots=True)
class ParseResult:
    text: str
    intent: IntentScore
    intent_ranking: tuple[IntentScore, ...] = ()
    entities: tuple[Entity, ...] = ()
    sentiment: Sentiment = field(default_factory=lambda: Sentiment("neutral", 0.0))
    lang: str | None = None  # "zh" | "en" | None when the text carries no language signal

    def to_dict(self) -> dict[str, Any]:
        """The contract's ``/model/parse`` JSON shape (Rasa-compatible plus ``sentiment``)."""
        return {
            "text": self.text,
            "intent": {"name": self.intent.name, "confidence": round(self.intent.confidence, 4)},
            "intent_ranking": [
                {"name": i.name, "confidence": round(i.confidence, 4)} for i in self.intent_ranking
            ],
            "entities": [e.to_dict() for e in self.entities],
            "sentiment": self.sentiment.to_dict(),
            "lang": self.lang,
        }

    def first(self, entity: str) -> Entity | None:
        return next((e for e in self.entities if e.entity == entity), None)


class NLU(Protocol):
    """An NLU engine. ``now`` anchors relative dates ("明天", "next Saturday")."""

    def parse(self, text: str, *, now: datetime | None = None) -> ParseResult: ...
