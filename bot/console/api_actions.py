"""Acting on a conversation: claim, reply, note, transfer, release, close.

The state machine is bot/handoff.py; these routes decide who may call it, map its errors to
HTTP (not_found 404, not_yours 403, unknown_agent 422, anything else 409) and write the
audit log when a supervisor takes or moves another agent's conversation.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, insert

from bot import handoff
from bot.console import audit, auth, queries
from bot.console.deps import ApiError, now_of, services
from bot.console.roles import CurrentUser, at_least
from storage.models import ConversationEvent
from storage.models_console import AgentNote

router = APIRouter(tags=["console"])
_STATUS = {"not_found": 404, "not_yours": 403, "unknown_agent": 422}


class TextBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=4000)


class TransferBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str = Field(min_length=1, max_length=64)


class ReleaseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    survey: bool = False


def _ref(conn: Connection, public_id: str, who: auth.SessionUser) -> queries.ConvRef:
    ref = queries.conv_ref(conn, public_id)
    if ref is None:
        raise ApiError(404, f"no conversation {public_id!r}")
    if not queries.may_view(who.user, ref.status, ref.assigned_agent):
        raise ApiError(403, "this conversation is handled by another agent")
    return ref


def _force(ref: queries.ConvRef, who: auth.SessionUser) -> bool:
    """Whether acting needs a supervisor's override (someone else's conversation); an agent
    may act only on their own."""
    if ref.assigned_agent == who.user.username:
        return False
    if at_least(who.user, "supervisor"):
        return True
    if ref.assigned_agent is None:
        raise ApiError(409, "claim the conversation first")
    raise ApiError(403, "this conversation is handled by another agent")


def _reassigning(ref: queries.ConvRef, who: auth.SessionUser) -> bool:
    return ref.assigned_agent not in (None, who.user.username)


def _run(request: Request, public_id: str, who: auth.SessionUser, action: Any) -> Any:
    svc = services(request)
    try:
        with svc.db.transaction() as conn:
            result = action(conn, _ref(conn, public_id, who), now_of(request))
    except handoff.HandoffError as exc:
        raise ApiError(_STATUS.get(exc.code, 409), str(exc) or exc.code,
                       extra={"code": exc.code}) from None
    svc.pipeline.on_outbox()  # a reply or a goodbye waits in the outbox: wake the sender
    return result


@router.post("/conversations/{conversation_id}/claim")
def claim(conversation_id: str, request: Request,
          who: CurrentUser) -> dict[str, Any]:
    me = who.user.username

    def act(conn: Connection, ref: queries.ConvRef, now: Any) -> dict[str, Any]:
        if not _reassigning(ref, who):
            handoff.claim(conn, ref.id, me, now)
        elif not at_least(who.user, "supervisor"):
            raise ApiError(403, "this conversation is handled by another agent")
        else:  # a supervisor takes it over: from the queue (routed to someone) or an agent
            if ref.status == "agent":
                handoff.transfer(conn, ref.id, me, me, now, force=True)
            else:
                handoff.claim(conn, ref.id, me, now, force=True)
            audit.record(conn, request, me, "conversation.reassign", ref.public_id,
                         {"from": ref.assigned_agent, "to": me}, now=now)
        return {"ok": True, "conversation_id": ref.public_id, "assigned_agent": me}

    return _run(request, conversation_id, who, act)  # type: ignore[no-any-return]


@router.post("/conversations/{conversation_id}/reply")
def reply(conversation_id: str, body: TextBody, request: Request,
          who: CurrentUser) -> dict[str, Any]:
    """Send text to the customer on their channel (WeChat: only inside the 48 h window)."""
    def act(conn: Connection, ref: queries.ConvRef, now: Any) -> dict[str, Any]:
        if ref.assigned_agent != who.user.username or ref.status != "agent":
            raise ApiError(409, "claim the conversation before replying")
        return dict(handoff.agent_reply(conn, ref.id, who.user.username, body.text, now))

    return _run(request, conversation_id, who, act)  # type: ignore[no-any-return]


@router.post("/conversations/{conversation_id}/note")
def note(conversation_id: str, body: TextBody, request: Request,
         who: CurrentUser) -> dict[str, Any]:
    """An internal note: other agents see it, the customer never does."""
    me = who.user.username

    def act(conn: Connection, ref: queries.ConvRef, now: Any) -> dict[str, Any]:
        note_id = conn.execute(insert(AgentNote).values(
            conversation_id=ref.id, author=me, text=body.text, at=now)
            .returning(AgentNote.id)).scalar_one()
        conn.execute(insert(ConversationEvent).values(
            conversation_id=ref.id, customer_id=ref.customer_id, type="agent_note",
            actor="agent", ts=now, data={"note_id": note_id, "author": me, "text": body.text}))
        return {"ok": True, "note_id": note_id}

    return _run(request, conversation_id, who, act)  # type: ignore[no-any-return]


@router.post("/conversations/{conversation_id}/transfer")
def transfer(conversation_id: str, body: TransferBody, request: Request,
             who: CurrentUser) -> dict[str, Any]:
    me = who.user.username

    def act(conn: Connection, ref: queries.ConvRef, now: Any) -> dict[str, Any]:
        target = auth.get_user(conn, body.to)
        if target is None or not target.active or target.role not in ("agent", "supervisor"):
            raise ApiError(422, f"{body.to!r} is not an active agent or supervisor")
        handoff.transfer(conn, ref.id, me, target.username, now, force=_force(ref, who))
        if _reassigning(ref, who):
            audit.record(conn, request, me, "conversation.reassign", ref.public_id,
                         {"from": ref.assigned_agent, "to": target.username}, now=now)
        return {"ok": True, "assigned_agent": target.username}

    return _run(request, conversation_id, who, act)  # type: ignore[no-any-return]


@router.post("/conversations/{conversation_id}/release")
def release(conversation_id: str, body: ReleaseBody, request: Request,
            who: CurrentUser) -> dict[str, Any]:
    """Hand the conversation back to the bot, optionally starting the survey now."""
    me = who.user.username

    def act(conn: Connection, ref: queries.ConvRef, now: Any) -> dict[str, Any]:
        handoff.release(conn, ref.id, me, now, start_survey=body.survey, force=_force(ref, who))
        if _reassigning(ref, who):
            audit.record(conn, request, me, "conversation.release", ref.public_id,
                         {"agent": ref.assigned_agent, "survey": body.survey}, now=now)
        return {"ok": True, "status": "bot"}

    return _run(request, conversation_id, who, act)  # type: ignore[no-any-return]


@router.post("/conversations/{conversation_id}/close")
def close(conversation_id: str, request: Request,
          who: CurrentUser) -> dict[str, Any]:
    me = who.user.username

    def act(conn: Connection, ref: queries.ConvRef, now: Any) -> dict[str, Any]:
        _force(ref, who)
        handoff.close(conn, ref.id, me, now)
        if _reassigning(ref, who):
            audit.record(conn, request, me, "conversation.close", ref.public_id,
                         {"agent": ref.assigned_agent}, now=now)
        return {"ok": True, "status": "closed"}

    return _run(request, conversation_id, who, act)  # type: ignore[no-any-return]
