"""``careline demo|serve|chat``: run the bot — serve it over HTTP, or chat with it in the terminal."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from typing import Any

from bot import __version__
from bot.cli_args import load_settings

DEMO_DB = "sqlite:///./careline-demo.db"


def register(sub: Any) -> None:
    def serve_args(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--host", default="127.0.0.1")
        sp.add_argument("--port", type=int, default=8000)
        sp.add_argument("--no-scheduler", action="store_true",
                        help="do not run the outbox dispatcher in this process")
        sp.add_argument("--log-level", default="info",
                        choices=["critical", "error", "warning", "info", "debug"])

    sp = sub.add_parser("demo", help="serve the demo: SQLite with marked demo activity, shipped flows, "
                                     "web chat, console and dashboard on :8000")
    serve_args(sp)
    sp.set_defaults(func=lambda a: cmd_serve(a, demo=True))
    sp = sub.add_parser("serve", help="serve the production app (webhooks, API, scheduler)")
    serve_args(sp)
    sp.add_argument("--workers", type=int, default=1,
                    help="uvicorn worker processes (each with its own delivery worker unless "
                         "--no-scheduler; a worker that dies is restarted)")
    sp.add_argument("--telegram-polling", action="store_true",
                    help="fetch Telegram updates by long polling (no public URL needed)")
    sp.set_defaults(func=cmd_serve)
    sp = sub.add_parser("chat", help="chat with the bot in the terminal as a customer")
    sp.add_argument("--lang", choices=["zh", "en"], default="zh")
    sp.add_argument("--user", help="customer id to continue a conversation")
    sp.set_defaults(func=cmd_chat)


def cmd_serve(args: argparse.Namespace, *, demo: bool = False) -> int:
    import uvicorn

    from bot.app import WORKER_SCHEDULER_ENV, create_app
    from bot.services import ConfigError, build_services

    overrides: dict[str, object] = {}
    if demo and "CARELINE_DATABASE_URL" not in os.environ:
        overrides["database_url"] = DEMO_DB
    settings = load_settings(**overrides)
    try:
        services = build_services(settings, migrate=demo or settings.database_url.startswith(
            "sqlite"))
    except ConfigError as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 2
    poller = None
    if getattr(args, "workers", 1) < 1:
        print("careline: --workers must be at least 1", file=sys.stderr)
        return 2
    if getattr(args, "telegram_polling", False) and getattr(args, "workers", 1) > 1:
        print("careline: --telegram-polling needs a single worker (one poller per bot)",
              file=sys.stderr)
        return 2
    if getattr(args, "telegram_polling", False):
        if "telegram" not in services.channels:
            print("careline: --telegram-polling needs CARELINE_TELEGRAM_TOKEN", file=sys.stderr)
            return 2
        from bot.telegram_polling import start_polling

        poller = start_polling(services)
    logins: list[tuple[str, str, str]] = []
    seeded = None
    if demo:
        from bot.console_demo import seed_demo_users
        from bot.demo_data import seed

        logins = list(seed_demo_users(services.db))
        seeded = seed(services.db, tz=settings.tz)
    app = create_app(settings, services, scheduler=not args.no_scheduler)
    base = f"http://{args.host}:{args.port}"
    print(f"Careline {__version__} — database {settings.database_url}")
    print(f"  web chat:   {base}/chat")
    print(f"  console:    {base}/console")
    for username, password, role in logins:
        print(f"    demo login ({role}): {username} / {password}   — demo only, never in production")
    if seeded is not None:
        print(f"  dashboard:  {base}/console#/dashboard   (DEMO DATA 演示数据: generated customers "
              f"'演示·…' / 'Demo · …'; {seeded.days} new day(s) added in {seeded.seconds:.1f} s)")
    print(f"  API docs:   {base}/docs")
    print(f"  health:     {base}/healthz")
    print(f"  flows from: {settings.flows_dir} (hot reload {'on' if settings.hot_reload else 'off'})")
    workers = getattr(args, "workers", 1)
    try:
        if workers > 1:
            # Each worker process builds its own app (and, unless --no-scheduler, its own
            # delivery worker and scheduler); uvicorn restarts a worker that dies.
            services.close()
            os.environ[WORKER_SCHEDULER_ENV] = "0" if args.no_scheduler else "1"
            print(f"  workers:    {workers} processes")
            uvicorn.run("bot.app:worker_app", factory=True, workers=workers, host=args.host,
                        port=args.port, log_level=args.log_level,
                        access_log=args.log_level == "debug")
        else:
            uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                        access_log=args.log_level == "debug")
    finally:
        if poller is not None:
            poller.stop()
        services.close()
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.channels.base import InboundMessage
    from bot.services import build_services

    settings = load_settings()
    services = build_services(settings, migrate=settings.database_url.startswith("sqlite"))
    user = args.user or f"terminal-{os.getpid()}"
    hello = {"zh": "和 Careline 聊天（输入 /quit 退出）", "en": "Chat with Careline (/quit to exit)"}
    print(hello[args.lang])
    buttons: tuple[str, ...] = ()
    count = 0
    while True:
        try:
            text = input("you> ")
        except (EOFError, KeyboardInterrupt):
            print()
            break
        if text.strip() in ("/quit", "/exit"):
            break
        if text.strip().isdecimal() and buttons and 1 <= int(text.strip()) <= len(buttons):
            text = buttons[int(text.strip()) - 1]
        count += 1
        result = services.pipeline.handle(InboundMessage(
            channel="web", message_id=f"{user}-{count}-{datetime.now().timestamp()}",
            sender=user, text=text, lang_hint=args.lang))
        for reply in result.replies:
            print("bot> " + reply.text.replace("\n", "\n     "))
            buttons = reply.buttons
            for i, b in enumerate(reply.buttons, 1):
                print(f"     [{i}] {b}")
    services.close()
    return 0
