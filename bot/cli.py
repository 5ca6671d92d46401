"""The ``careline`` command line. Only this module turns errors into exit codes."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from bot import __version__, redact

DEMO_DB = "sqlite:///./careline-demo.db"
#: tells ``careline serve --workers N``'s worker processes whether to run the scheduler
WORKER_SCHEDULER_ENV = "_CARELINE_WORKER_SCHEDULER"


def _settings(**overrides: object):  # type: ignore[no-untyped-def]
    from bot.settings import Settings

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = [f"  CARELINE_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}"
                 for e in exc.errors()]
        raise SystemExit("careline: invalid settings:\n" + "\n".join(lines)) from None


def cmd_serve(args: argparse.Namespace, *, demo: bool = False) -> int:
    import uvicorn

    from bot.app import create_app
    from bot.services import ConfigError, build_services

    overrides: dict[str, object] = {}
    if demo and "CARELINE_DATABASE_URL" not in os.environ:
        overrides["database_url"] = DEMO_DB
    settings = _settings(**overrides)
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


def cmd_telegram(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings.telegram_token is None:
        print("careline: set CARELINE_TELEGRAM_TOKEN first", file=sys.stderr)
        return 2
    from bot.channels.telegram import TelegramChannel

    channel = TelegramChannel.from_settings(settings)
    try:
        if args.telegram_command == "set-webhook":
            if not args.url.startswith("https://"):
                print("careline: Telegram only calls https:// webhook URLs", file=sys.stderr)
                return 2
            ok = channel.set_webhook(args.url)
            secret = "with" if settings.telegram_secret else "WITHOUT"
            print(f"webhook {'set' if ok else 'NOT set'} to {args.url} ({secret} a secret token)")
        else:
            ok = channel.delete_webhook()
            print("webhook deleted" if ok else "webhook NOT deleted")
    except Exception as exc:  # the API's own message is the most useful thing to show
        print(f"careline: Telegram said: {exc}", file=sys.stderr)
        return 1
    finally:
        channel.close()
    return 0 if ok else 1


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.channels.base import InboundMessage
    from bot.services import build_services

    settings = _settings()
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


def cmd_flows_check(args: argparse.Namespace) -> int:
    from bot.settings import SHIPPED_FLOWS_DIR
    from flows.loader import load_bundle

    directory = Path(args.dir) if args.dir else Path(os.environ.get("CARELINE_FLOWS_DIR",
                                                                    SHIPPED_FLOWS_DIR))
    result = load_bundle(directory)
    for issue in [*result.errors, *result.warnings]:
        print(issue, file=sys.stderr if issue.severity == "error" else sys.stdout)
    if result.bundle is None:
        print(f"{len(result.errors)} error(s); nothing changed.", file=sys.stderr)
        return 1
    b = result.bundle
    print(f"OK: {len(b.flows)} flows, {len(b.faq)} FAQ entries, "
          f"{len(b.pricing.get('services', {}))} priced services in {directory}")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from bot.settings import SHIPPED_FLOWS_DIR
    from bot.transcripts import TranscriptRunner
    from nlu.builtin import default_nlu

    settings = _settings(hot_reload=False)
    default = SHIPPED_FLOWS_DIR.parent / "transcripts"
    path = Path(args.path) if args.path else default
    if not path.exists():
        print(f"careline: {path} does not exist", file=sys.stderr)
        return 2
    runner = TranscriptRunner(settings, default_nlu())
    files = failed = turns = 0
    try:
        for report in runner.run(path):
            files += 1
            turns += report.turns
            mark = "ok  " if report.ok else "FAIL"
            print(f"{mark} {report.file} ({report.name}, {report.turns} turns)")
            if report.error:
                print("  " + report.error)
            for failure in report.failures:
                print(str(failure))
            failed += not report.ok
    finally:
        runner.close()
    if files == 0:
        print(f"careline: no transcript files under {path}", file=sys.stderr)
        return 2
    print(f"{files - failed} passed, {failed} failed ({turns} turns)")
    return 1 if failed else 0


def cmd_nlu_parse(args: argparse.Namespace) -> int:
    from bot.services import ConfigError, make_nlu

    try:
        engine = make_nlu(_settings())
    except ConfigError as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(engine.parse(args.text).to_dict(), ensure_ascii=False, indent=2))
    getattr(engine, "close", lambda: None)()
    return 0


def cmd_nlu_export_rasa(args: argparse.Namespace) -> int:
    from bot.nlu_rasa_cli import run_export

    return run_export(Path(args.dir))


def cmd_nlu_import_rasa(args: argparse.Namespace) -> int:
    from bot.nlu_rasa_cli import run_import

    return run_import(Path(args.file), out=Path(args.out) if args.out else None, lang=args.lang,
                      overwrite=args.force)


def cmd_nlu_eval(args: argparse.Namespace) -> int:
    from bot.nlu_eval import run_eval

    return run_eval(args.dataset, seed=args.seed, json_out=Path(args.json) if args.json else None)


def cmd_nlu_train(args: argparse.Namespace) -> int:
    from bot.nlu_eval import run_train, run_train_anger

    if args.anger:
        return run_train_anger()
    return run_train(Path(args.data_dir) if args.data_dir else None)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from storage.migrate import current_revision, upgrade

    url = _settings().database_url
    upgrade(url)
    print(f"database at revision {current_revision(url)}")
    return 0


def cmd_run_due(args: argparse.Namespace) -> int:
    from bot.cli_args import UsageError, parse_now
    from bot.delivery import ChannelSender
    from bot.proactive import FlowStarter
    from bot.services import make_channels
    from flows.reload import BundleHolder
    from scheduler.dispatcher import DispatchReport, dispatch_due
    from scheduler.ratelimit import limiter_for
    from storage.db import Database

    settings = _settings()
    try:
        now = parse_now(args.now, settings.tz) if args.now else None
    except UsageError as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 2
    db = Database(settings.database_url)
    channels = make_channels(settings, db)
    starter = FlowStarter(db, BundleHolder(settings.flows_dir), tz=settings.tz,
                          clock=(lambda: now) if now else None)
    sender = ChannelSender(channels, starter=starter)
    total = DispatchReport()
    try:
        for name in channels:
            r = dispatch_due(db, sender, now=now, channels=[name],
                             limiter=limiter_for(name))
            for key in vars(total):
                setattr(total, key, getattr(total, key) + getattr(r, key))
        # rows for channels not configured here are recorded as skipped, with the reason
        r = dispatch_due(db, sender, now=now, exclude=list(channels))
        total.claimed += r.claimed
        total.skipped += r.skipped
    finally:
        for channel in channels.values():
            getattr(channel, "close", lambda: None)()
        db.dispose()
    print(f"claimed {total.claimed}: sent {total.sent}, retried {total.retried}, "
          f"failed {total.failed}, skipped {total.skipped}, deferred {total.deferred}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="careline",
        description="Careline — customer-care bot for home-service businesses "
                    "(WeChat, Telegram, web chat; Chinese and English).",
        epilog="Settings come from CARELINE_* environment variables or a .env file; "
               "see README.md.")
    p.add_argument("--version", action="version", version=f"careline {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

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

    flows = sub.add_parser("flows", help="flow and business scripts (pricing, booking, care ...)")
    fsub = flows.add_subparsers(dest="flows_command", metavar="ACTION", required=True)
    sp = fsub.add_parser("check", help="validate scripts; print file:line: errors, exit 1 if any")
    sp.add_argument("dir", nargs="?", help="scripts directory (default: CARELINE_FLOWS_DIR "
                                           "or the shipped scripts)")
    sp.set_defaults(func=cmd_flows_check)

    sp = sub.add_parser("test", help="run conversation transcripts (YAML) against the bot")
    sp.add_argument("path", nargs="?", help="file or directory (default: shipped transcripts)")
    sp.set_defaults(func=cmd_test)

    nlu = sub.add_parser("nlu", help="parse, train and evaluate the NLU; Rasa export and import")
    nsub = nlu.add_subparsers(dest="nlu_command", metavar="ACTION", required=True)
    sp = nsub.add_parser("parse", help="print the parse of TEXT as JSON (/model/parse shape)")
    sp.add_argument("text")
    sp.set_defaults(func=cmd_nlu_parse)
    sp = nsub.add_parser("eval", help="accuracy, macro-F1, per-class scores, confusion and a chart: "
                                      "own | banking77 | waimai | goemotions | FILE")
    sp.add_argument("dataset", help="own (held-out split of our data), banking77, waimai, "
                                    "goemotions (from CARELINE_EVALDATA_DIR or ../shared/evaldata), "
                                    "or a labelled file (CSV/TSV text,intent or our YAML)")
    sp.add_argument("--seed", type=int, default=0, help="split seed")
    sp.add_argument("--json", help="also write the report as JSON to this file")
    sp.set_defaults(func=cmd_nlu_eval)
    sp = nsub.add_parser("train", help="retrain the built-in engine, refresh its cache, report "
                                       "held-out accuracy per language")
    sp.add_argument("--data-dir", help="folder of intents_<lang>.yml (default: shipped data)")
    sp.add_argument("--anger", action="store_true",
                    help="instead retrain the English anger model on GoEmotions dev (from "
                         "CARELINE_EVALDATA_DIR or ../shared/evaldata), write "
                         "nlu/data/anger_en.json.gz and score it on GoEmotions test")
    sp.set_defaults(func=cmd_nlu_train)

    sp = nsub.add_parser("export-rasa", help="write our training data as a Rasa 3.x project in DIR")
    sp.add_argument("dir")
    sp.set_defaults(func=cmd_nlu_export_rasa)
    sp = nsub.add_parser("import-rasa", help="read Rasa NLU training data (YAML, Markdown or JSON; "
                                              "file or folder) into our format")
    sp.add_argument("file")
    sp.add_argument("--out", help="folder to write intents_<lang>.yml to (default: report only)")
    sp.add_argument("--lang", choices=["zh", "en"], help="language of every example")
    sp.add_argument("--force", action="store_true", help="overwrite existing files in --out")
    sp.set_defaults(func=cmd_nlu_import_rasa)

    tg = sub.add_parser("telegram", help="Telegram webhook registration")
    tsub = tg.add_subparsers(dest="telegram_command", metavar="ACTION", required=True)
    sp = tsub.add_parser("set-webhook", help="point Telegram at URL (https) with the secret token")
    sp.add_argument("url")
    sp.set_defaults(func=cmd_telegram)
    sp = tsub.add_parser("delete-webhook", help="stop webhook delivery (e.g. to use polling)")
    sp.set_defaults(func=cmd_telegram)

    db = sub.add_parser("db", help="database schema")
    dsub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    sp = dsub.add_parser("upgrade", help="apply migrations to CARELINE_DATABASE_URL")
    sp.set_defaults(func=cmd_db_upgrade)

    sch = sub.add_parser("scheduler", help="scheduled and outbox messages")
    ssub = sch.add_subparsers(dest="scheduler_command", metavar="ACTION", required=True)
    sp = ssub.add_parser("run-due", help="send every due outbox message once, then exit")
    sp.add_argument("--now", help="ISO time to treat as now (default: the real time)")
    sp.set_defaults(func=cmd_run_due)
    # Business records: each module adds its own commands.
    from bot import cli_bookings, cli_care, cli_loyalty, cli_report, cli_tickets, cli_users

    for module in (cli_bookings, cli_tickets, cli_loyalty, cli_care, cli_users, cli_report):
        module.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    serving = args.command in ("serve", "demo")
    logging.basicConfig(level=logging.INFO if serving else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("alembic", "apscheduler"):  # per-second job logs drown the useful lines
        logging.getLogger(noisy).setLevel(logging.WARNING)
    redact.install()  # phones and tokens in URLs; the app adds the configured secrets
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
