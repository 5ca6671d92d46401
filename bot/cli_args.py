"""Argument helpers shared by the ``careline`` subcommands."""

from __future__ import annotations

import time
from datetime import datetime
from typing import IO, TYPE_CHECKING
from zoneinfo import ZoneInfo

from pydantic import ValidationError

if TYPE_CHECKING:
    from bot.settings import Settings


def load_settings(**overrides: object) -> Settings:
    """The settings from the environment (and ``overrides``); a bad value exits with every
    offending ``CARELINE_*`` variable named."""
    from bot.settings import Settings

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = [f"  CARELINE_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}"
                 for e in exc.errors()]
        raise SystemExit("careline: invalid settings:\n" + "\n".join(lines)) from None


class UsageError(Exception):
    """A mistake on the command line or in the setup: printed, exit 2."""


def parse_now(raw: str | None, tz: ZoneInfo) -> datetime:
    """``--now ISO`` (a naive time is read in ``tz``), or the real time when not given."""
    if not raw:
        return datetime.now(tz)
    try:
        now = datetime.fromisoformat(raw)
    except ValueError:
        raise UsageError(f"--now {raw!r} is not an ISO time like 2026-12-01T09:00:00+08:00") from None
    return now if now.tzinfo else now.replace(tzinfo=tz)


class Progress:
    """``birthday: 3000 customers`` (``campaign x: 1500/10000 (15%)`` with a total), redrawn in
    place on a terminal, a line per scan and every 10% in a log file."""

    def __init__(self, out: IO[str]) -> None:
        self.out, self.tty = out, out.isatty()
        self._shown: tuple[str, int] = ("", -1)
        self._start, self._name = time.monotonic(), ""

    def __call__(self, name: str, done: int, total: int) -> None:
        if name != self._name:
            self.finish()
            self._name, self._start = name, time.monotonic()
        pct = done * 100 // total if total else -1
        line = f"{name}: {done}/{total} ({pct}%)" if total else f"{name}: {done} customers"
        if self.tty:
            rate = done / max(time.monotonic() - self._start, 1e-6)
            self.out.write(f"\r{line}, {rate:.0f}/s")
            self.out.flush()
        elif (name, pct // 10) != self._shown:
            self._shown = (name, pct // 10)
            print(line, file=self.out)

    def finish(self) -> None:
        if self.tty and self._name:
            self.out.write("\n")
            self._name = ""
