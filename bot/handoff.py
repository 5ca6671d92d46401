"""The handoff state machine: bot → queued → agent → bot, or closed (WeCom's states 1–4).

    bot ──request──▶ queued ──claim──▶ agent ──release──▶ bot
     ▲                 │  ╲                │ ╲
     └──cancel/timeout─┘   ╲──close──▶ closed ◀──close──┘   (a new message reopens as bot)

Every function takes the caller's Core ``Connection`` (its transaction) and an aware
``now``; the conversation row is locked first (``SELECT ... FOR UPDATE`` on PostgreSQL),
every transition updates the row's columns (status, assigned_agent, handoff_reason,
priority, queued_at, claimed_at) and appends conversation events — the console's live
stream reads them — and what the customer is told goes through the outbox on the
conversation's own channel, in the same transaction. The pipeline queues conversations
through :func:`enqueue` (bot/handoff_route.py); the timeout scan is scheduler/handoff_scan.py.

Errors are :class:`HandoffError` with a ``code``: not_found (404), not_queued,
already_claimed, bad_state (409), not_yours (403), unknown_agent (404/422).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from bot.handoff_queue import (
    Handoff,
    Place,
    customer_routing,
    load,
    place_of,
    queued_text,
    set_columns,
    tell,
)
from bot.handoff_triggers import calm_down
from flows.business.handoff_config import HandoffConfig, cached_config
from flows.business.proactive import live_section, schedule_flow
from storage import repo
from storage.models_console import ConsoleUser
from storage.repo import NewEvent

ERROR_CODES = ("not_found", "not_queued", "already_claimed", "not_yours", "bad_state",
               "unknown_agent")


class HandoffError(Exception):
    """A handoff action that cannot be done; ``code`` is one of :data:`ERROR_CODES`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def config() -> HandoffConfig:
    """The live ``handoff:`` section (the shipped one when the scripts have none)."""
    return cached_config(live_section("handoff"))


def _tz(tz: ZoneInfo | None) -> ZoneInfo:
    if tz is not None:
        return tz
    from bot.settings import get_settings

    return get_settings().tz


def _get(conn: Connection, conversation_id: int) -> Handoff:
    h = load(conn, conversation_id)
    if h is None:
        raise HandoffError("not_found", f"no conversation {conversation_id}")
    return h


def _key(h: Handoff, what: str) -> str:
    return f"handoff:{h.id}:{what}:{uuid.uuid4().hex[:16]}"


def agent_name(conn: Connection, username: str) -> str | None:
    """The display name of an active console user, or None when there is no such user."""
    row = conn.execute(select(ConsoleUser.display_name, ConsoleUser.username).where(
        ConsoleUser.username == username, ConsoleUser.active.is_(True))).first()
    return None if row is None else str(row[0] or row[1])


# -- queueing -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Queued:
    """The outcome of :func:`enqueue`: the events to store and the customer's text."""

    place: Place
    priority: int
    assigned_agent: str | None
    vip: bool
    events: list[NewEvent]
    text: str


def enqueue(conn: Connection, h: Handoff, reason: str, now: datetime, cfg: HandoffConfig,
            tz: ZoneInfo, *, priority: int | None = None, agent: str | None = None,
            detail: dict[str, Any] | None = None, lang: str | None = None) -> Queued:
    """bot → queued: set the row's columns and say where the customer stands. The caller
    stores ``events`` (the pipeline with the message's other events) and delivers ``text``."""
    vip, dedicated = customer_routing(conn, h.customer_id, cfg)
    prio = priority if priority is not None else cfg.priority(reason, vip=vip)
    assigned = agent or dedicated
    set_columns(conn, h.id, now, status="queued", handoff_reason=reason[:32], priority=prio,
                queued_at=now, claimed_at=None, assigned_agent=assigned)
    place = place_of(conn, (h.id, prio, now), cfg, now, tz)
    event = NewEvent("handoff_queued", "system", {
        "reason": reason, "priority": prio, "vip": vip, "assigned_agent": assigned,
        **place.data(), **(detail or {})})
    return Queued(place, prio, assigned, vip, [event],
                  queued_text(cfg, reason, place, lang or h.lang, now, tz))


def request_handoff(conn: Connection, conversation_id: int, reason: str, now: datetime, *,
                    priority: int | None = None, agent: str | None = None,
                    tz: ZoneInfo | None = None) -> None:
    """bot (or closed) → queued, telling the customer their place; a conversation already
    queued or with an agent is left as it is. ``agent`` routes it to that agent."""
    h = _get(conn, conversation_id)
    if h.status in ("queued", "agent"):
        return
    if agent is not None and agent_name(conn, agent) is None:
        raise HandoffError("unknown_agent", f"no active console user {agent!r}")
    queued = enqueue(conn, h, reason, now, config(), _tz(tz), priority=priority, agent=agent)
    repo.append_events(conn, h.row, [NewEvent("handoff_requested", "system", {"reason": reason}),
                                     *queued.events], ts=now)
    tell(conn, h, queued.text, now, key=_key(h, "queued"))


# -- agent actions --------------------------------------------------------------------------


def claim(conn: Connection, conversation_id: int, agent: str, now: datetime, *,
          force: bool = False) -> None:
    """queued → agent. A conversation routed to another agent (a VIP's dedicated agent)
    needs ``force`` (a supervisor). Claiming one's own claimed conversation is a no-op."""
    h = _get(conn, conversation_id)
    if h.status == "agent":
        if h.assigned_agent == agent:
            return
        raise HandoffError("already_claimed", f"already with {h.assigned_agent}")
    if h.status != "queued":
        raise HandoffError("not_queued", f"conversation is {h.status}, not queued")
    if h.assigned_agent and h.assigned_agent != agent and not force:
        raise HandoffError("not_yours", f"routed to {h.assigned_agent}")
    name = agent_name(conn, agent) or agent
    set_columns(conn, h.id, now, status="agent", assigned_agent=agent, claimed_at=now)
    waited = (now - h.queued_at).total_seconds() if h.queued_at else None
    repo.append_events(conn, h.row, [NewEvent("handoff_claimed", "agent", {
        "agent": agent, "agent_name": name, "waited_seconds": waited, "forced": force,
        "routed_to": h.assigned_agent})], ts=now)
    tell(conn, h, config().text("agent_joined", h.lang, agent=name), now,
         key=_key(h, "claimed"))


def _mine(h: Handoff, agent: str, force: bool) -> None:
    if h.status != "agent":
        raise HandoffError("bad_state", f"conversation is {h.status}, not with an agent")
    if h.assigned_agent != agent and not force:
        raise HandoffError("not_yours", f"conversation is with {h.assigned_agent}")


def window_of(conn: Connection, conversation_id: int, now: datetime) -> dict[str, Any]:
    """WeChat's 48-hour service window after the customer's last message (and its quota of
    service messages); other channels are always open."""
    h = load(conn, conversation_id, lock=False)
    if h is None:
        raise HandoffError("not_found", f"no conversation {conversation_id}")
    return _window(h, now)


def _window(h: Handoff, now: datetime) -> dict[str, Any]:
    return _window_and_reason(h, now)[0]


def _window_and_reason(h: Handoff, now: datetime) -> tuple[dict[str, Any], str | None]:
    if h.channel != "wechat":
        return {"channel": h.channel, "window_open": True, "window_expires_at": None}, None
    from bot.channels.wechat import WINDOW, WINDOW_QUOTA

    expires = h.last_inbound_at + WINDOW if h.last_inbound_at else None
    reason = ("outside_48h_window" if expires is None or now >= expires
              else "window_quota_used" if h.window_sent >= WINDOW_QUOTA else None)
    return ({"channel": h.channel, "window_open": reason is None,
             "window_expires_at": expires.isoformat() if expires else None}, reason)


def agent_reply(conn: Connection, conversation_id: int, agent: str, text: str, now: datetime, *,
                key: str | None = None, force: bool = False) -> dict[str, Any]:
    """Send the agent's ``text`` on the customer's channel (outbox, kind ``agent``). ``key``
    (e.g. a client-generated id) makes a repeated submit send once."""
    h = _get(conn, conversation_id)
    _mine(h, agent, force)
    text = text.strip()
    if not text:
        raise HandoffError("bad_state", "empty reply")
    window, skipped = _window_and_reason(h, now)
    tell(conn, h, text, now, key=f"agent:{h.id}:{key}" if key else _key(h, "agent"),
         kind="agent", actor="agent", extra={"agent": agent})
    return {"queued": True, "window_open": window["window_open"],
            "window_expires_at": window["window_expires_at"], "skipped_reason": skipped}


def transfer(conn: Connection, conversation_id: int, from_agent: str, to_agent: str,
             now: datetime, *, force: bool = False) -> None:
    """Give a conversation to another agent: one with an agent moves at once (the customer
    is told), a queued one is routed to ``to_agent`` for claiming."""
    h = _get(conn, conversation_id)
    if h.status == "queued":
        if h.assigned_agent and h.assigned_agent != from_agent and not force:
            raise HandoffError("not_yours", f"routed to {h.assigned_agent}")
    else:
        _mine(h, from_agent, force)
    name = agent_name(conn, to_agent)
    if name is None:
        raise HandoffError("unknown_agent", f"no active console user {to_agent!r}")
    values: dict[str, Any] = {"assigned_agent": to_agent}
    if h.status == "agent":
        values["claimed_at"] = now
    set_columns(conn, h.id, now, **values)
    repo.append_events(conn, h.row, [NewEvent("handoff_transferred", "agent", {
        "from": h.assigned_agent or from_agent, "to": to_agent, "to_name": name,
        "by": from_agent, "status": h.status})], ts=now)
    if h.status == "agent":
        tell(conn, h, config().text("transferred", h.lang, agent=name), now,
             key=_key(h, "transferred"))


def _back_to_bot(conn: Connection, h: Handoff, now: datetime, status: str = "bot") -> None:
    """Clear the handoff columns; the bot starts afresh (no half-finished flow, no mood)."""
    state = dict(h.state)
    state["stack"], state["resume_offer"] = [], None
    calm_down(state)
    set_columns(conn, h.id, now, status=status, state=state, handoff_reason=None,
                priority=0, queued_at=None, claimed_at=None, assigned_agent=None)


def release(conn: Connection, conversation_id: int, agent: str, now: datetime, *,
            start_survey: bool = False, force: bool = False) -> None:
    """agent → bot (a queued one too, e.g. handled elsewhere); the customer is told, and
    with ``start_survey`` the satisfaction survey starts now through the outbox."""
    h = _get(conn, conversation_id)
    if h.status == "queued":
        if h.assigned_agent and h.assigned_agent != agent and not force:
            raise HandoffError("not_yours", f"routed to {h.assigned_agent}")
    else:
        _mine(h, agent, force)
    _back_to_bot(conn, h, now)
    survey = None
    if start_survey:
        flow = str(live_section("survey").get("flow") or "survey")
        addr = schedule_flow(conn, h.customer_id, flow, {}, key=_key(h, "survey"), due_at=now,
                             ref=f"handoff:{h.public_id}")
        survey = flow if addr is not None else None
    repo.append_events(conn, h.row, [NewEvent("handoff_released", "agent", {
        "agent": agent, "from_status": h.status, "survey": survey})], ts=now)
    tell(conn, h, config().text("back_to_bot", h.lang), now, key=_key(h, "released"))


def close(conn: Connection, conversation_id: int, actor: str, now: datetime) -> None:
    """Any state → closed (closing a closed one does nothing). A customer who was queued or
    with an agent is told; their next message opens the conversation with the bot."""
    h = _get(conn, conversation_id)
    if h.status == "closed":
        return
    _back_to_bot(conn, h, now, status="closed")
    repo.append_events(conn, h.row, [NewEvent("handoff_closed", "agent", {
        "actor": actor, "from_status": h.status, "agent": h.assigned_agent})], ts=now)
    if h.status in ("queued", "agent"):
        tell(conn, h, config().text("closed", h.lang), now, key=_key(h, "closed"))
