"""``careline telegram set-webhook|delete-webhook``: Telegram webhook registration."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.cli_args import load_settings


def register(sub: Any) -> None:
    tg = sub.add_parser("telegram", help="Telegram webhook registration")
    tsub = tg.add_subparsers(dest="telegram_command", metavar="ACTION", required=True)
    sp = tsub.add_parser("set-webhook", help="point Telegram at URL (https) with the secret token")
    sp.add_argument("url")
    sp.set_defaults(func=cmd_telegram)
    sp = tsub.add_parser("delete-webhook", help="stop webhook delivery (e.g. to use polling)")
    sp.set_defaults(func=cmd_telegram)


def cmd_telegram(args: argparse.Namespace) -> int:
    settings = load_settings()
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
