"""``/api/console/login``, ``/logout`` and ``/me``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from bot.console import auth, throttle
from bot.console.deps import ApiError, client_ip, now_of, services
from bot.console.roles import CurrentUser

router = APIRouter(tags=["console"])
BAD_LOGIN = "wrong username or password"


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


def _set_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(auth.COOKIE, value, max_age=auth.SESSION_HOURS * 3600, path="/",
                        httponly=True, samesite="strict", secure=request.url.scheme == "https")


@router.post("/login")
def login(body: LoginBody, request: Request, response: Response) -> dict[str, object]:
    """Sign in; sets the session cookie and returns the CSRF token for unsafe requests."""
    svc = services(request)
    now, ip = now_of(request), client_ip(request)
    secret = svc.settings.secret_key.get_secret_value()
    with svc.db.transaction() as conn:
        wait = throttle.retry_after(conn, body.username, ip, now=now)
        if wait is not None:
            raise ApiError(429, f"too many failed logins; try again in {wait} s",
                           headers={"Retry-After": str(wait)})
        user = auth.authenticate(conn, body.username, body.password)
        throttle.record(conn, body.username, ip, ok=user is not None, now=now)
        if user is not None:
            # A new session at every login; a session the browser still had is revoked.
            old = auth.token_of(request.cookies.get(auth.COOKIE), secret=secret)
            if old is not None:
                auth.revoke(conn, old, now=now)
            cookie, csrf_token = auth.start_session(conn, user, secret=secret, now=now)
    if user is None:  # raised after the commit, so the failure is counted
        raise ApiError(401, BAD_LOGIN)
    _set_cookie(request, response, cookie)
    return {"user": user.to_dict(), "csrf_token": csrf_token}


@router.post("/logout")
def logout(request: Request, response: Response,
           who: CurrentUser) -> dict[str, bool]:
    svc = services(request)
    token = auth.token_of(request.cookies.get(auth.COOKIE),
                          secret=svc.settings.secret_key.get_secret_value())
    if token is not None:
        with svc.db.transaction() as conn:
            auth.revoke(conn, token, now=now_of(request))
    response.delete_cookie(auth.COOKIE, path="/", httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")
    return {"ok": True}


@router.get("/me")
def me(who: CurrentUser) -> dict[str, object]:
    """The signed-in user and the session's CSRF token (the page reads it after a reload)."""
    return {"user": who.user.to_dict(), "csrf_token": who.csrf_token}
