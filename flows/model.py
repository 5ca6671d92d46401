"""Typed, frozen objects a loaded script becomes. The runtime reads only these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LANGUAGES: tuple[str, ...] = ("zh", "en")
END = "end"  # a `next:` target that ends the flow


@dataclass(frozen=True, slots=True)
class Source:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Text:
    """One customer-facing text in every language."""

    by_lang: dict[str, str]

    def get(self, lang: str | None) -> str:
        if lang and lang in self.by_lang:
            return self.by_lang[lang]
        return self.by_lang.get("zh") or next(iter(self.by_lang.values()), "")


@dataclass(frozen=True, slots=True)
class Reply:
    """A message from the bot: text plus optional quick-reply buttons."""

    text: str
    buttons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "buttons": list(self.buttons)}


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: Text
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BranchCase:
    condition: str | None  # None = else
    target: str
    source: Source


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    kind: str  # say | collect | branch | action | goto | end
    source: Source
    next: str | None = None
    # say
    text: Text | None = None
    buttons: tuple[Text, ...] = ()
    # collect
    slot: str | None = None
    type: str = "text"
    ask: Text | None = None
    reask: Text | None = None
    choices: tuple[Choice, ...] = ()
    validate: dict[str, Any] = field(default_factory=dict)
    max_retries: int = 2
    on_fail: str | None = None
    entity: str | None = None  # fill from this NLU entity whenever a message names it
    # branch
    cases: tuple[BranchCase, ...] = ()
    # action
    action: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    # goto
    flow: str | None = None


@dataclass(frozen=True, slots=True)
class Triggers:
    intents: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    source: Source
    description: str = ""
    title: Text | None = None  # customer-facing name ("要继续刚才的「报价」吗？")
    triggers: Triggers = field(default_factory=Triggers)
    steps: tuple[Step, ...] = ()
    slots: tuple[str, ...] = ()  # declared extra slots (set by actions or carried by goto)
    interruptible: bool = True

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def index(self, step_id: str) -> int:
        return next(i for i, s in enumerate(self.steps) if s.id == step_id)

    def label_of(self, slot: str, value: Any, lang: str) -> str:
        """A choice slot shows its label in the customer's language, not the raw value."""
        for step in self.steps:
            if step.kind == "collect" and step.slot == slot and step.choices:
                for c in step.choices:
                    if c.value == value:
                        return c.label.get(lang)
        return str(value)


@dataclass(frozen=True, slots=True)
class FaqEntry:
    id: str
    question: Text
    answer: Text
    keywords: dict[str, tuple[str, ...]]
    source: Source


@dataclass(frozen=True, slots=True)
class Bundle:
    """Everything loaded from one scripts directory, validated together."""

    flows: dict[str, Flow]
    messages: dict[str, Text]
    sections: dict[str, dict[str, Any]]  # pricing, booking, survey, complaints, loyalty, ...
    faq: tuple[FaqEntry, ...]
    settings: dict[str, Any]
    fingerprint: str = ""
    section_sources: dict[str, Source] = field(default_factory=dict)

    @property
    def pricing(self) -> dict[str, Any]:
        return self.sections.get("pricing", {})

    def section(self, name: str) -> dict[str, Any]:
        """A business section's data (empty when the scripts do not define it)."""
        return self.sections.get(name, {})

    @property
    def fallback_flow(self) -> str:
        return str(self.settings.get("fallback_flow", "fallback"))

    @property
    def intent_threshold(self) -> float:
        return float(self.settings.get("intent_threshold", 0.5))

    def message(self, key: str, lang: str | None, **values: Any) -> str:
        text = self.messages[key].get(lang)
        return text.format(**values) if values else text
