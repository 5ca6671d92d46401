"""The ASGI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot import __version__, console, redact, telegram_webhook, wechat_webhook
from bot.api import bench_router, router
from bot.pipeline import Pipeline
from bot.services import Services, build_services
from bot.settings import Settings, get_settings
from bot.web_limits import WebLimits
from storage.types import utcnow

log = logging.getLogger(__name__)
#: tells ``careline serve --workers N``'s worker processes whether to run the scheduler
WORKER_SCHEDULER_ENV = "_CARELINE_WORKER_SCHEDULER"


def _describe(errors: list[dict[str, Any]]) -> str:
    parts = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        field = ".".join(loc) or "body"
        if err.get("type") == "json_invalid":
            parts.append("the body is not valid JSON")
        else:
            parts.append(f"field '{field}': {err.get('msg', 'invalid')}")
    return "; ".join(parts)


#: A webhook message stored and acknowledged but not processed this long after (the database
#: went away between the two) is processed by a periodic sweep, not only at the next start.
SWEEP_AFTER = timedelta(seconds=15)
SWEEP_EVERY = 10.0


def sweep_pending(pipeline: Pipeline) -> int:
    try:
        done = pipeline.resume_pending(received_before=utcnow() - SWEEP_AFTER)
    except OperationalError as exc:
        log.warning("stored messages not swept; the database is unavailable: %s", exc.orig)
        return 0
    if done:
        log.warning("processed %d stored message(s) left pending", done)
    return done


def create_app(settings: Settings | None = None, services: Services | None = None,
               *, scheduler: bool = False) -> FastAPI:
    settings = settings or get_settings()
    redact.install(settings)  # no phone number or secret in any log line, ours or the libraries'
    svc = services or build_services(settings, migrate=settings.database_url.startswith("sqlite"))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        console.startup(app)
        resumed = svc.pipeline.resume_pending()
        if resumed:
            log.warning("processed %d message(s) stored before the last stop", resumed)
        if settings.hot_reload:
            svc.scripts.start_watching(settings.reload_interval)
        dispatcher = worker = None
        if scheduler:
            from bot.delivery import ChannelSender
            from bot.proactive import FlowStarter
            from scheduler.delivery import DeliveryWorker
            from scheduler.dispatcher import recover, start_background

            recover(svc.db)
            # Scheduled flows (a survey 2 h after service) start in the conversation when due.
            starter = FlowStarter(svc.db, svc.scripts, tz=settings.tz, clock=svc.pipeline.clock,
                                  on_outbox=lambda: svc.pipeline.on_outbox())
            sender = ChannelSender(svc.channels, starter=starter)
            worker = DeliveryWorker(svc.db, sender, svc.channels).start()
            svc.pipeline.on_outbox = worker.wake
            dispatcher = start_background(svc.db, tz=settings.tz)
            dispatcher.add_job(sweep_pending, "interval", seconds=SWEEP_EVERY,
                               args=(svc.pipeline,), id="careline-inbound-sweep",
                               max_instances=1, coalesce=True)
        try:
            yield
        finally:
            console.shutdown(app)
            if dispatcher is not None:
                dispatcher.shutdown(wait=False)
            if worker is not None:
                worker.stop()
            svc.scripts.stop_watching()

    app = FastAPI(title="Careline", version=__version__, lifespan=lifespan,
                  description="Customer-care bot for home-service businesses.")
    app.state.services = svc
    app.state.web_limits = WebLimits.from_rates(  # per worker process: bot/web_limits.py
        settings.chat_rate_user, settings.chat_rate_ip, settings.inbox_rate_user,
        settings.inbox_rate_ip, parse_ip=settings.parse_rate_ip)
    app.include_router(router)
    # Always mounted: without their settings they answer 404 (DESIGN.md, section 3).
    app.include_router(telegram_webhook.router)
    app.include_router(wechat_webhook.router)
    if settings.bench_floor:
        app.include_router(bench_router)
    console.install(app)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        safe = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in errors]
        return JSONResponse(status_code=422, content={"detail": safe,
                                                      "message": _describe(errors)})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # FastAPI answers 400 when a JSON body is not UTF-8 or nests too deep for the parser;
        # that is a malformed body like any other: 422 with a message (README, POST /api/chat).
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError | RecursionError):
            return JSONResponse(status_code=422, content={
                "detail": [{"loc": ["body"], "msg": "the body is not UTF-8 JSON",
                            "type": "json_invalid"}],
                "message": "the body is not valid JSON"})
        return await http_exception_handler(request, exc)

    @app.exception_handler(OperationalError)
    async def _db_down(_: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", exc.orig)
        return JSONResponse(status_code=503, headers={"Retry-After": "5"},
                            content={"message": "temporarily unavailable, please retry"})

    return app


def worker_app() -> FastAPI:
    """The app of one ``careline serve --workers N`` process (uvicorn's factory): settings
    from the environment, migrations left to the parent, the scheduler as the parent said."""
    import os

    settings = get_settings()
    return create_app(settings, build_services(settings),
                      scheduler=os.environ.get(WORKER_SCHEDULER_ENV, "1") != "0")
