"""The app's route table, flattened: FastAPI keeps included routers nested, so iterating
``app.routes`` alone sees none of the console's routes."""

from __future__ import annotations

from typing import Any

from fastapi.routing import iter_route_contexts


def all_routes(app: Any) -> list[tuple[str, str]]:
    """(method, path) of every route; mounts (static files) appear with method "*"."""
    found: list[tuple[str, str]] = []
    for route in iter_route_contexts(app.routes):
        methods = sorted(set(route.methods or ()) - {"HEAD"}) or ["*"]
        found.extend((m, route.path) for m in methods)
    return found
