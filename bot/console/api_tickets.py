"""Tickets for supervisors and admins: SLA timers and status changes (agents see the
tickets of their own conversations in the conversation view)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from bot.console import auth, queries
from bot.console.deps import ApiError, now_of, services
from bot.console.roles import Supervisor
from flows.business import complaints
from flows.business.complaints import STATUSES, TicketError
from storage import tickets as store

router = APIRouter(tags=["console"])
Status = Literal["open", "acknowledged", "in_progress", "resolved", "closed"]
_SLA_ORDER = {"red": 0, "amber": 1, "green": 2, None: 3}


class StatusBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: Status
    outcome: str | None = Field(None, max_length=4000)
    note: str | None = Field(None, max_length=4000)


class ReopenBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(None, max_length=4000)


@router.get("/tickets")
def tickets(request: Request, _: Supervisor, status: Status | None = None,
            severity: str | None = None) -> dict[str, Any]:
    """Tickets with their running deadline: red past due, amber with < 25 % of the time
    left, green; the most urgent first."""
    now = now_of(request)
    with services(request).db.read() as s:
        found = store.list_tickets(s, statuses=[status] if status else None, limit=500)
        if severity:
            found = [t for t in found if t.ticket_class == severity]
        ids = queries.public_ids(s, {t.conversation_id for t in found if t.conversation_id})
    items = [queries.ticket_dict(t, now, conversation=ids.get(t.conversation_id or 0))
             for t in found]
    items.sort(key=lambda t: (_SLA_ORDER[t["sla"]], t["seconds_left"] or 0))
    return {"items": items, "statuses": list(STATUSES)}


def _change(request: Request, ticket_id: str, who: auth.SessionUser, to: str | None,
            body: StatusBody | ReopenBody) -> dict[str, Any]:
    svc = services(request)
    now = now_of(request)
    config = svc.scripts.bundle.section("complaints")
    actor = f"agent:{who.user.username}"
    try:
        with svc.db.transaction() as conn:
            if store.get_ticket(conn, ticket_id[:32]) is None:
                raise ApiError(404, f"no ticket {ticket_id!r}")
            if to is None:
                t = complaints.reopen(conn, ticket_id, actor, body.note, now=now, config=config)
            else:
                outcome = body.outcome if isinstance(body, StatusBody) else None
                t = complaints.change_status(conn, ticket_id, to, actor, body.note, outcome,
                                             now=now, config=config)
    except TicketError as exc:
        raise ApiError(409, str(exc)) from None
    svc.pipeline.on_outbox()  # the customer is told of the change through the outbox
    return {"ticket": queries.ticket_dict(t, now)}


@router.post("/tickets/{ticket_id}/status")
def change_status(ticket_id: str, body: StatusBody, request: Request,
                  who: Supervisor) -> dict[str, Any]:
    """Move a ticket (resolving needs ``outcome``: it is what the customer is told)."""
    return _change(request, ticket_id, who, body.to, body)


@router.post("/tickets/{ticket_id}/reopen")
def reopen(ticket_id: str, request: Request, who: Supervisor,
           body: ReopenBody | None = None) -> dict[str, Any]:
    return _change(request, ticket_id, who, None, body or ReopenBody(note=None))
