"""When the bot hands a conversation to a person: explicit requests, mood with hysteresis,
turns the bot did not understand, and the cancel words of a queued customer.

Pure functions over the NLU result, the conversation state snapshot and the ``handoff:``
section (flows/business/handoff_config.py); the pipeline applies what they decide.

Mood keeps a short history in the snapshot (``state["mood"]``: the last ``mood_window``
sentiment scores of customer messages). A trigger needs either one message flagged angry
at ``anger_score`` or below, or ``negative_count`` of the window at ``negative_score`` or
below *including this one* — so a single mild "不要" / "no" (neutral) never queues, and one
annoyed message among calm ones does not either. The history is cleared whenever the
conversation is queued or comes back to the bot, so the same mood does not fire twice.

On a *calm* turn — inside a ``calm_flows`` flow (complaint intake, survey) or a message
read as a ``calm_intents`` intent (a complaint, which starts the intake) — negative words
are the subject, not a mood: the message is not recorded, and only anger at
``calm_anger_score`` (fury: "气死我了！！！") skips the intake. When such a flow ends (the
complaint is on record) the history is cleared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flows.business.handoff_config import HandoffConfig
from flows.matching import contains, is_exactly, normalise
from nlu.base import Sentiment

MOOD_KEY = "mood"


@dataclass(frozen=True, slots=True)
class Trigger:
    reason: str  # one of handoff_config.REASONS
    detail: dict[str, Any]


def remember_mood(state: dict[str, Any], sentiment: Sentiment, cfg: HandoffConfig) -> list[float]:
    """Add this message's score to ``state["mood"]`` (kept to the window); returns it."""
    mood = [float(x) for x in state.get(MOOD_KEY) or ()]
    mood = [*mood, round(float(sentiment.score), 3)][-cfg.mood_window:]
    state[MOOD_KEY] = mood
    return mood


def mood_trigger(mood: list[float], sentiment: Sentiment, cfg: HandoffConfig, *,
                 calm: bool) -> Trigger | None:
    """Anger, or a run of negative messages (not on a calm turn, where anger must be
    stronger: ``calm_anger_score``)."""
    score = float(sentiment.score)
    if sentiment.anger and score <= (cfg.calm_anger_score if calm else cfg.anger_score):
        return Trigger("anger", {"score": round(score, 3)})
    if calm or score > cfg.negative_score:
        return None
    negative = sum(1 for s in mood if s <= cfg.negative_score)
    if negative >= cfg.negative_count:
        return Trigger("negative", {"score": round(score, 3), "recent": list(mood)})
    return None


def is_request(text: str, intent: str | None, cfg: HandoffConfig) -> bool:
    """The whole message is a request word ("转人工", "/human"), or it contains one and the
    NLU agrees it asks for a person ("我要转人工"; not "can your agent come on Tuesday")."""
    norm = normalise(text)
    if is_exactly(norm, cfg.request_words):
        return True
    return intent == "human" and any(contains(norm, w) for w in cfg.request_words)


def is_cancel(text: str, cfg: HandoffConfig) -> bool:
    return is_exactly(normalise(text), cfg.cancel_words)


def failed_turns_trigger(state: dict[str, Any], cfg: HandoffConfig) -> Trigger | None:
    failed = int(state.get("failed_turns") or 0)
    if cfg.failed_turns and failed >= cfg.failed_turns:
        return Trigger("failed_turns", {"failed_turns": failed})
    return None


def active_flow_of(state: dict[str, Any]) -> str | None:
    stack = state.get("stack") or []
    return str(stack[-1].get("flow")) if stack else None


def calm_down(state: dict[str, Any]) -> None:
    """Forget mood and failed turns (queued, cancelled or back from an agent)."""
    state[MOOD_KEY] = []
    state["failed_turns"] = 0
