"""Argument helpers shared by the ``careline`` subcommands."""

from __future__ import annotations

import time
from collections.abc import Callable
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
    """How far a long job is, on ``out`` (the CLI's stderr): ``campaign x: 1500/10000 (15%)``,
    or ``birthday: 3000 customers`` when the total is not known.

    On a terminal one line is redrawn in place, with the rate (at most every 0.1 s, and at
    the end). Anywhere else — a log file, a pipe, CI — it prints milestones only: a job's
    first count, each ``every_pct`` per cent, its end, and otherwise a line at most every
    ``every_s`` seconds; the last count of a job that ends between milestones is printed
    when the next job starts or :meth:`finish` is called. ``show`` takes a caller-made line
    (a bar, say) and applies the same rules.
    """

    def __init__(self, out: IO[str], *, every_pct: int = 25, every_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.out, self.tty = out, bool(getattr(out, "isatty", lambda: False)())
        self.every_pct, self.every_s, self._clock = every_pct, every_s, clock
        self._name: str | None = None
        self._start = self._shown_at = 0.0
        self._mark: int | None = None  # the milestone last printed
        self._pending = ""  # a count not printed yet (log output)
        self._width = 0  # of the line drawn last (terminal)

    def __call__(self, name: str, done: int, total: int) -> None:
        line = (f"{name}: {done}/{total} ({done * 100 // total}%)" if total
                else f"{name}: {done} customers")
        self.show(name, done, total, line)

    def show(self, name: str, done: int, total: int, line: str) -> None:
        """``line`` for ``done`` of ``total`` (0: unknown) in job ``name``, as above."""
        now = self._clock()
        first = name != self._name
        if first:
            self.finish()
            self._name, self._start, self._mark = name, now, None
        end = bool(total) and done >= total
        if self.tty:
            elapsed = now - self._start
            text = f"{line}, {done / elapsed:.0f}/s" if elapsed >= 0.5 else line
            if first or end or now - self._shown_at >= 0.1:
                self._draw(text)
                self._shown_at, self._pending = now, ""
            else:
                self._pending = text
            return
        mark = done * 100 // total // self.every_pct if total else None
        if first or end or mark != self._mark or now - self._shown_at >= self.every_s:
            print(line, file=self.out, flush=True)
            self._mark, self._shown_at, self._pending = mark, now, ""
        else:
            self._pending = line

    def finish(self) -> None:
        """End the current job's output with its last count (and a newline on a terminal)."""
        if self.tty:
            if self._pending:
                self._draw(self._pending)
            if self._width:
                self.out.write("\n")
                self.out.flush()
        elif self._pending:
            print(self._pending, file=self.out, flush=True)
        self._name, self._pending, self._width = None, "", 0

    def _draw(self, text: str) -> None:
        self.out.write(f"\r{text.ljust(self._width)}")
        self.out.flush()
        self._width = len(text)
