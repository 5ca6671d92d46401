"""Where handoff meets the message pipeline: after NLU, before and after the flows.

Before the flows (:func:`before_flows`):
* every understood customer message updates ``conversations.sentiment/angry`` (the queue
  shows them) and the mood history in the snapshot;
* a conversation ``queued`` or with an ``agent`` never reaches the flows: the message is
  stored (its events) for the console; while queued a cancel word returns the customer to
  the bot, a request for a person or the first message gets the position, later ones get
  it at most once per ``notice_interval`` (the rest are silent); with an agent the bot is
  silent;
* otherwise an explicit request or a mood trigger queues the conversation at once.

After the flows (:func:`after_flows`): a ``handoff_requested`` event from any action (the
``human`` flow, an urgent complaint) or too many failed turns queues it — in the same
transaction as the turn's state, events and replies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, update

from bot.handoff import enqueue
from bot.handoff_queue import Handoff, load, place_of, place_text, set_columns
from bot.handoff_triggers import (
    MOOD_KEY,
    Trigger,
    active_flow_of,
    calm_down,
    failed_turns_trigger,
    is_cancel,
    is_request,
    mood_trigger,
    remember_mood,
)
from flows.business.handoff_config import HandoffConfig
from flows.model import Bundle, Reply
from nlu.base import ParseResult
from storage import repo
from storage.models import Conversation
from storage.repo import NewEvent

NOTICE_KEY = "handoff_notice_at"
_MOOD = update(Conversation).where(Conversation.id == bindparam("conv_id")).values(
    sentiment=bindparam("sentiment"), angry=bindparam("angry"))


@dataclass
class Routing:
    """What handoff made of one message; ``done``: the flows must not see it."""

    state: dict[str, Any]
    status: str
    lang: str
    done: bool = False
    replies: list[Reply] = field(default_factory=list)
    events: list[NewEvent] = field(default_factory=list)


def before_flows(conn: Connection, conv: repo.ConversationRow, text: str, parse: ParseResult,
                 lang: str, now: datetime, cfg: HandoffConfig, tz: ZoneInfo) -> Routing:
    state = dict(conv.state or {})
    sentiment = parse.sentiment
    conn.execute(_MOOD, {"conv_id": conv.id, "sentiment": round(float(sentiment.score), 3),
                         "angry": bool(sentiment.anger)})
    active = active_flow_of(state)
    # a complaint's words are its subject, not a mood
    calm = active in cfg.calm_flows or parse.intent.name in cfg.calm_intents
    mood = list(state.get(MOOD_KEY) or ()) if calm else remember_mood(state, sentiment, cfg)
    status = "bot" if conv.status == "closed" else conv.status
    routing = Routing(state, status, lang)
    if status == "agent":  # the agent sees the message in the console; the bot is silent
        routing.done = True
        return routing
    if status == "queued":
        _while_queued(conn, conv, routing, text, parse, mood, now, cfg, tz)
        return routing
    if is_request(text, parse.intent.name, cfg):
        trigger: Trigger | None = Trigger("asked", {})
    else:
        trigger = mood_trigger(mood, sentiment, cfg, calm=calm)
    if trigger is not None:
        _queue(conn, conv, routing, trigger, text, now, cfg, tz, requested=False)
        routing.done = True
    return routing


def after_flows(conn: Connection, conv: repo.ConversationRow, routing: Routing, text: str,
                events: list[tuple[str, dict[str, Any]]], bundle: Bundle, now: datetime,
                cfg: HandoffConfig, tz: ZoneInfo) -> None:
    """``routing.state`` is the runtime's new state; queue when the turn asks for it.

    A collect step with an ``on_fail`` is the script's own answer to not understanding
    ("no phone? we'll contact you here"): failed turns do not queue on that turn."""
    if any(t == "flow_ended" and d.get("flow") in cfg.calm_flows for t, d in events):
        routing.state[MOOD_KEY] = []  # the complaint is recorded: that mood is answered
    asked = [d for t, d in events if t == "handoff_requested"]
    handled = any(t == "collect_failed" and _has_on_fail(bundle, d) for t, d in events)
    trigger = (Trigger(str(asked[-1].get("reason") or "asked"), {}) if asked
               else None if handled else failed_turns_trigger(routing.state, cfg))
    if trigger is not None:
        _queue(conn, conv, routing, trigger, text, now, cfg, tz, requested=bool(asked))


def _queue(conn: Connection, conv: repo.ConversationRow, routing: Routing, trigger: Trigger,
           text: str, now: datetime, cfg: HandoffConfig, tz: ZoneInfo, *,
           requested: bool) -> None:
    h = _locked(conn, conv)
    queued = enqueue(conn, h, trigger.reason, now, cfg, tz, detail=trigger.detail,
                     lang=routing.lang)
    if not requested:  # an action's own handoff_requested event is already in the turn
        routing.events.append(NewEvent("handoff_requested", "system", {
            "reason": trigger.reason, "text": text[:200], **trigger.detail}))
    routing.events.extend(queued.events)
    calm_down(routing.state)
    routing.state[NOTICE_KEY] = None  # the customer's next message is acknowledged
    routing.status = "queued"
    if queued.text:
        routing.replies.append(Reply(queued.text))


def _while_queued(conn: Connection, conv: repo.ConversationRow, routing: Routing, text: str,
                  parse: ParseResult, mood: list[float], now: datetime, cfg: HandoffConfig,
                  tz: ZoneInfo) -> None:
    routing.done = True
    h = _locked(conn, conv)
    if is_cancel(text, cfg):
        set_columns(conn, h.id, now, status="bot", handoff_reason=None, priority=0,
                    queued_at=None, claimed_at=None, assigned_agent=None)
        calm_down(routing.state)
        routing.status = "bot"
        routing.events.append(NewEvent("handoff_cancelled", "customer", {
            "reason": h.reason, "waited_seconds": _waited(h, now)}))
        routing.replies.append(Reply(cfg.text("cancelled", routing.lang)))
        return
    trigger = mood_trigger(mood, parse.sentiment, cfg, calm=False)
    if trigger is not None and cfg.priority(trigger.reason) > h.priority:
        prio = cfg.priority(trigger.reason)
        set_columns(conn, h.id, now, priority=prio, handoff_reason=trigger.reason)
        routing.events.append(NewEvent("handoff_escalated", "system", {
            "reason": trigger.reason, "from_priority": h.priority, "priority": prio}))
        h = _locked(conn, conv)
    asked = is_request(text, parse.intent.name, cfg)
    last = routing.state.get(NOTICE_KEY)
    due = (last is None or h.queued_at is None
           or datetime.fromisoformat(str(last)) < h.queued_at
           or now - datetime.fromisoformat(str(last)) >= cfg.notice_interval)
    if asked or due:
        place = place_of(conn, h, cfg, now, tz)
        routing.replies.append(Reply(place_text(cfg, place, routing.lang, now, tz,
                                                key="position" if asked else "still_waiting")))
        routing.state[NOTICE_KEY] = now.isoformat()


def _has_on_fail(bundle: Bundle, data: dict[str, Any]) -> bool:
    flow = bundle.flows.get(str(data.get("flow")))
    step = flow.step(str(data.get("step"))) if flow is not None else None
    return step is not None and bool(step.on_fail)


def _locked(conn: Connection, conv: repo.ConversationRow) -> Handoff:
    h = load(conn, conv.id)  # the pipeline holds the row lock already
    if h is None:
        raise LookupError(f"conversation {conv.id} vanished")
    return h


def _waited(h: Handoff, now: datetime) -> float | None:
    return (now - h.queued_at).total_seconds() if h.queued_at else None
