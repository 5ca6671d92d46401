"""What every console route shares: the services, the clock, the caller's address, errors.

Errors leave the console API as ``{"message": "..."}`` with a 4xx status (never a 500 on bad
input); :class:`ApiError` carries the status and extra fields such as script errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bot.services import Services


class ErrorOut(BaseModel):
    """Every refusal of the console API (and its 422s besides validation detail)."""

    message: str = Field(description="What went wrong, for the person at the console")


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


#: The refusals any console route may answer, documented once for the OpenAPI page.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _error("Not signed in, or the session has ended"),
    403: _error("The role does not allow this, or the X-CSRF-Token header is missing or wrong"),
    404: _error("No such conversation, ticket, user or script"),
    409: _error("Not possible in the current state (e.g. the conversation is with someone else)"),
    429: _error("Too many failed logins; see Retry-After"),
}


class ApiError(Exception):
    """A refusal with an HTTP status; ``extra`` is merged into the JSON body."""

    def __init__(self, status: int, message: str, *, extra: Mapping[str, Any] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message = status, message
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})


async def api_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse({"message": exc.message, **exc.extra}, status_code=exc.status,
                        headers=exc.headers or None)


def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


def now_of(request: Request) -> datetime:
    """The app's clock (the pipeline's, so tests move both together), as aware UTC."""
    svc = services(request)
    clock = getattr(svc.pipeline, "clock", None)
    moment = clock() if clock is not None else datetime.now(UTC)
    return moment.astimezone(UTC)


def client_ip(request: Request) -> str | None:
    """The peer address. Forwarded headers are not trusted: a proxy in front should
    be configured in uvicorn (``--forwarded-allow-ips``), which rewrites the peer."""
    return request.client.host[:64] if request.client else None


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None
