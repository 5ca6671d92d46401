"""Who may call what: ``current_user`` (a valid session, CSRF for unsafe methods) and
``require(role)``. Roles are ordered agent < supervisor < admin; a higher role may do
everything a lower one may. The role is read from the database on every request, so a
change applies at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from bot.console import auth, csrf
from bot.console.deps import ApiError, now_of, services

RANK = {"agent": 1, "supervisor": 2, "admin": 3}


def current_user(request: Request) -> auth.SessionUser:
    svc = services(request)
    token = auth.token_of(request.cookies.get(auth.COOKIE),
                          secret=svc.settings.secret_key.get_secret_value())
    if token is None:
        raise ApiError(401, "please log in")
    with svc.db.read() as s:
        who = auth.session_user(s, token, now=now_of(request))
    if who is None:
        raise ApiError(401, "your session has ended; please log in again")
    csrf.check(request, who.csrf_token)
    request.state.console_user = who
    return who


def at_least(user: auth.User, role: str) -> bool:
    return RANK.get(user.role, 0) >= RANK[role]


def require(role: str) -> Callable[..., auth.SessionUser]:
    """A dependency: the signed-in caller, who must have ``role`` or a higher one."""
    if role not in RANK:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(RANK)}")

    def dependency(who: Annotated[auth.SessionUser, Depends(current_user)]) -> auth.SessionUser:
        if not at_least(who.user, role):
            raise ApiError(403, f"this needs the {role} role")
        return who

    return dependency


#: Route parameter types: the signed-in caller, with at least that role.
CurrentUser = Annotated[auth.SessionUser, Depends(current_user)]
Supervisor = Annotated[auth.SessionUser, Depends(require("supervisor"))]
Admin = Annotated[auth.SessionUser, Depends(require("admin"))]
