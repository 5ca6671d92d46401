"""The ``careline`` command line: the parser, put together from one ``bot/cli_*.py`` module
per command group, and ``main``. Only the CLI modules turn errors into exit codes."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot import __version__, redact


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="careline",
        description="Careline — customer-care bot for home-service businesses "
                    "(WeChat, Telegram, web chat; Chinese and English).",
        epilog="Settings come from CARELINE_* environment variables or a .env file; "
               "see README.md.")
    p.add_argument("--version", action="version", version=f"careline {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    # Each module adds its own commands, in the order --help lists them.
    from bot import (
        cli_bookings,
        cli_care,
        cli_db,
        cli_loyalty,
        cli_nlu,
        cli_report,
        cli_scripts,
        cli_serve,
        cli_telegram,
        cli_tickets,
        cli_users,
    )

    for module in (cli_serve, cli_scripts, cli_nlu, cli_telegram, cli_db, cli_bookings,
                   cli_tickets, cli_loyalty, cli_care, cli_users, cli_report):
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
