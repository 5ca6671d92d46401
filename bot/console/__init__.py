"""The agent / supervisor / admin console: JSON API under ``/api/console``, live updates
over SSE, the page at ``/console``.

    auth.py        argon2 passwords, signed session cookies (12 h), logout revokes
    csrf.py        X-CSRF-Token on every unsafe request
    throttle.py    login throttling in the database (works across worker processes)
    roles.py       current_user, require("agent" | "supervisor" | "admin")
    queries.py     the queue and conversation read queries
    api_*.py       the routes (api_dashboard: KPIs, drill-down, voice of the customer);
                   stream.py the SSE stream; pages.py the page and headers
    audit.py       the audit log of admin actions and supervisor reassignments

``install(app)`` adds all of it to the ASGI app (bot/app.py calls it).
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from bot.console import (
    api_actions,
    api_auth,
    api_conversations,
    api_dashboard,
    api_scripts,
    api_tickets,
    api_users,
    pages,
    stream,
)
from bot.console.deps import ERROR_RESPONSES, ApiError, api_error_handler

router = APIRouter(prefix="/api/console", responses=ERROR_RESPONSES)
for _module in (api_auth, api_conversations, api_actions, api_tickets, api_dashboard, api_users,
                api_scripts, stream):
    router.include_router(_module.router)


def install(app: FastAPI) -> None:
    """Mount the console API, stream, page and static files, and its error shape."""
    app.include_router(router)
    pages.mount(app)
    app.add_exception_handler(ApiError, api_error_handler)
    stream.hook_server_shutdown()


def startup(app: FastAPI) -> None:
    """Lets event streams run (again): the app's lifespan calls it on the way up."""
    stream.stop_event(app).clear()


def shutdown(app: FastAPI) -> None:
    """Ends open event streams (the app's lifespan calls it on the way down)."""
    stream.stop_event(app).set()


__all__ = ["install", "router", "shutdown", "startup"]
