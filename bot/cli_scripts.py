"""``careline flows check|test``: check the YAML scripts, run conversation transcripts."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from bot.cli_args import load_settings


def register(sub: Any) -> None:
    flows = sub.add_parser("flows", help="flow and business scripts (pricing, booking, care ...)")
    fsub = flows.add_subparsers(dest="flows_command", metavar="ACTION", required=True)
    sp = fsub.add_parser("check", help="validate scripts; print file:line: errors, exit 1 if any")
    sp.add_argument("dir", nargs="?", help="scripts directory (default: CARELINE_FLOWS_DIR "
                                           "or the shipped scripts)")
    sp.set_defaults(func=cmd_flows_check)

    sp = sub.add_parser("test", help="run conversation transcripts (YAML) against the bot")
    sp.add_argument("path", nargs="?", help="file or directory (default: shipped transcripts)")
    sp.set_defaults(func=cmd_test)


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

    settings = load_settings(hot_reload=False)
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
