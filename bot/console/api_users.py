"""Admin only: console users and the audit log. Every change is audited."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, func, select

from bot.console import audit, auth
from bot.console.deps import ApiError, now_of, services
from bot.console.roles import Admin
from storage.conn import Tx, conn_of
from storage.models_console import ConsoleUser
from storage.types import MAX_ID

router = APIRouter(tags=["console admin"])
Role = Literal["agent", "supervisor", "admin"]


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]+$",
                          description="stored in lower case")
    password: str = Field(min_length=auth.MIN_PASSWORD, max_length=1024)
    role: Role
    display_name: str | None = Field(None, max_length=128)


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
    active: bool | None = None
    password: str | None = Field(None, min_length=auth.MIN_PASSWORD, max_length=1024)
    display_name: str | None = Field(None, max_length=128)


def _user(tx: Tx, u: auth.User) -> dict[str, Any]:
    last = conn_of(tx).execute(select(ConsoleUser.last_login_at, ConsoleUser.created_at)
                      .where(ConsoleUser.id == u.id)).one()
    return {**u.to_dict(), "active": u.active,
            "last_login_at": last[0].isoformat() if last[0] else None,
            "created_at": last[1].isoformat() if last[1] else None}


@router.get("/users")
def list_users(request: Request, _: Admin) -> dict[str, Any]:
    with services(request).db.read() as s:
        return {"items": [_user(s, u) for u in auth.list_users(s)]}


@router.post("/users", status_code=201)
def add_user(body: NewUser, request: Request,
             who: Admin) -> dict[str, Any]:
    now = now_of(request)
    try:
        with services(request).db.transaction() as conn:
            user = auth.create_user(conn, body.username, body.password, body.role, now=now,
                                    display_name=body.display_name)
            audit.record(conn, request, who.user.username, "user.create", user.username,
                         {"role": user.role}, now=now)
            return {"user": _user(conn, user)}
    except auth.UserError as exc:
        status = 409 if "already exists" in str(exc) else 422
        raise ApiError(status, str(exc)) from None


def _admins_left(conn: Connection, without: int) -> int:
    u = ConsoleUser
    return int(conn.execute(select(func.count()).where(
        u.role == "admin", u.active.is_(True), u.id != without)).scalar_one())


@router.patch("/users/{username}")
def change_user(username: str, body: UserPatch, request: Request,
                who: Admin) -> dict[str, Any]:
    """Change role, enable/disable, set a new password (which signs the user out)."""
    now = now_of(request)
    try:
        with services(request).db.transaction() as conn:
            user = auth.get_user(conn, username[:64])
            if user is None:
                raise ApiError(404, f"no user {username!r}")
            demoted = body.role not in (None, "admin") or body.active is False
            if user.role == "admin" and demoted and _admins_left(conn, user.id) == 0:
                raise ApiError(409, "this is the last active admin; make another admin first")
            changed = auth.update_user(conn, user.username, now=now, role=body.role,
                                       active=body.active, password=body.password,
                                       display_name=body.display_name)
            details: dict[str, Any] = {k: v for k, v in (("role", body.role), ("active", body.active),
                                                         ("display_name", body.display_name))
                                       if v is not None}
            if body.password is not None:
                details["password"] = "changed"  # never the password itself
            audit.record(conn, request, who.user.username, "user.update", user.username,
                         details, now=now)
            return {"user": _user(conn, changed)}
    except auth.UserError as exc:
        raise ApiError(422, str(exc)) from None


@router.get("/audit")
def audit_log(request: Request, _: Admin, limit: int = Query(100, ge=1, le=1000),
              before: int | None = Query(None, ge=1, le=MAX_ID), actor: str | None = None,
              action: str | None = None) -> dict[str, Any]:
    """Newest first; page with ``before`` = the smallest id seen."""
    with services(request).db.read() as s:
        return {"items": audit.entries(s, limit=limit, before=before, actor=actor, action=action)}
