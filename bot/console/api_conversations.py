"""Reading: the queue, conversation lists, one conversation in full, canned replies, agents."""

from __future__ import annotations

import time
from typing import Any, Literal

from fastapi import APIRouter, Request

from bot import handoff
from bot.console import auth, queries
from bot.console.deps import ApiError, iso, now_of, services
from bot.console.roles import CurrentUser
from flows.business.loyalty_config import config_of
from flows.business.loyalty_profile import profile_summary
from storage import bookings as booking_store
from storage import tickets as ticket_store

router = APIRouter(tags=["console"])
Status = Literal["bot", "queued", "agent", "closed"]


@router.get("/queue")
def queue(request: Request, who: CurrentUser) -> dict[str, Any]:
    """Waiting conversations (priority, then longest wait), then those with agents; at most
    ``limit`` of each (``counts`` has the totals)."""
    started = time.perf_counter()
    svc = services(request)
    with svc.db.read() as s:
        items = queries.queue(s, who.user, now_of(request))
        counts = queries.queue_counts(s, who.user)
    return {"items": items, "counts": counts, "limit": queries.QUEUE_LIMIT,
            "server_ms": round((time.perf_counter() - started) * 1000, 2)}


@router.get("/conversations")
def conversations(request: Request, who: CurrentUser, status: Status | None = None,
                  mine: bool = False) -> dict[str, Any]:
    with services(request).db.read() as s:
        items = queries.conversations(s, who.user, now_of(request), status=status, mine=mine)
    return {"items": items}


def _loyalty(svc: Any) -> Any:
    section = svc.scripts.bundle.section("loyalty")
    try:
        return config_of(section) if section else None
    except (KeyError, TypeError, ValueError):  # the profile still shows, with stored figures
        return None


def _booking(b: booking_store.BookingRow) -> dict[str, Any]:
    return {"booking_id": b.public_id, "service": b.service, "day": b.day.isoformat(),
            "slot": b.slot, "status": b.status, "address": b.address, "total": b.total,
            "currency": b.currency, "eta_at": iso(b.eta_at), "status_note": b.status_note}


@router.get("/conversations/{conversation_id}")
def conversation(conversation_id: str, request: Request,
                 who: CurrentUser) -> dict[str, Any]:
    """History on every channel, NLU annotations (``nlu`` events), profile, bookings,
    tickets, notes and the reply window."""
    svc = services(request)
    now = now_of(request)
    with svc.db.read() as s:
        ref = queries.conv_ref(s, conversation_id)
        if ref is None:
            raise ApiError(404, f"no conversation {conversation_id!r}")
        if not queries.may_view(who.user, ref.status, ref.assigned_agent):
            raise ApiError(403, "this conversation is handled by another agent")
        conv = queries.conversation_row(s, ref.id, now)
        conv["window"] = handoff.window_of(s.connection(), ref.id, now)
        customer = profile_summary(s, ref.customer_id, now, _loyalty(svc))
        customer["name"] = conv["customer_name"]
        customer["identities"] = queries.identities(s, ref.customer_id)
        tickets = ticket_store.list_tickets(s, customer_id=ref.customer_id, limit=50)
        ids = queries.public_ids(s, {t.conversation_id for t in tickets if t.conversation_id})
        return {
            "conversation": conv,
            "customer": customer,
            "events": queries.history(s, ref.customer_id),
            "notes": queries.notes(s, ref.customer_id),
            "bookings": [_booking(b) for b in booking_store.list_for_customer(
                s, ref.customer_id, statuses=booking_store.STATUSES)],
            "tickets": [queries.ticket_dict(t, now, conversation=ids.get(t.conversation_id or 0))
                        for t in tickets],
        }


@router.get("/canned")
def canned(request: Request, _: CurrentUser) -> dict[str, Any]:
    """The FAQ of the live scripts, as canned replies (the bot and agents share them)."""
    faq = services(request).scripts.bundle.faq
    return {"items": [{"id": f.id, "question": dict(f.question.by_lang),
                       "answer": dict(f.answer.by_lang)} for f in faq]}


@router.get("/agents")
def agents(request: Request, _: CurrentUser) -> dict[str, Any]:
    """Active agents and supervisors: who a conversation can be transferred to."""
    with services(request).db.read() as s:
        users = auth.list_users(s)
    return {"items": [u.to_dict() for u in users
                      if u.active and u.role in ("agent", "supervisor")]}
