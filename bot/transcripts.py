"""Conversation transcript tests: YAML turns in, replies, slots and stored events checked.

    name: quote in Chinese
    now: "2026-11-23T10:00:00+08:00"   # the clock for relative dates (default: real now)
    turns:
      - user: 我想搬家，两室一厅，下周六
        bot: /为您估算的价格/            # exact text, /regex/, or a list (one per reply)
        expect:
          slots: {service_type: moving, date: "2026-12-05"}
          events: [flow_started, quote_created]   # appear in this order in the turn
          flow: null                             # the active flow after the turn
          buttons: [常见问题, 转人工]              # buttons of the last reply
"""

from __future__ import annotations

import difflib
import re
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.channels.base import InboundMessage
from bot.pipeline import Pipeline
from bot.settings import Settings
from flows.reload import BundleHolder
from flows.yamlio import YamlSyntaxError, line_of, load_yaml, plain
from nlu.base import NLU
from storage.db import Database
from storage.migrate import upgrade
from storage.models import ConversationEvent


@dataclass
class Failure:
    file: str
    line: int
    turn: int
    user: str
    problems: list[str]

    def __str__(self) -> str:
        head = f"{self.file}:{self.line}: turn {self.turn}: user: {self.user}"
        return "\n".join([head, *("  " + p.replace("\n", "\n  ") for p in self.problems)])


@dataclass
class FileReport:
    file: str
    name: str
    turns: int = 0
    failures: list[Failure] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failures and self.error is None


def transcript_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*.y*ml") if p.suffix in (".yml", ".yaml"))


def _matches(expected: str, actual: str) -> bool:
    if len(expected) >= 2 and expected.startswith("/") and expected.endswith("/"):
        return re.search(expected[1:-1], actual, re.S) is not None
    return expected.strip() == actual.strip()


def _diff(expected: str, actual: str) -> str:
    lines = difflib.unified_diff(expected.splitlines(), actual.splitlines(), "expected",
                                 "actual", lineterm="", n=1)
    return "\n".join(lines) or f"- {expected}\n+ {actual}"


def _subsequence(wanted: list[str], got: list[str]) -> bool:
    it = iter(got)
    return all(any(w == g for g in it) for w in wanted)


class TranscriptRunner:
    """Drives the real pipeline (NLU -> flows -> storage) on a scratch SQLite database."""

    def __init__(self, settings: Settings, nlu: NLU, *, database_url: str | None = None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="careline-transcripts-")
        url = database_url or f"sqlite:///{self._tmp.name}/transcripts.db"
        upgrade(url)
        self.db = Database(url)
        self.settings = settings
        self.nlu = nlu
        self.scripts = BundleHolder(settings.flows_dir)

    def close(self) -> None:
        self.db.dispose()
        self._tmp.cleanup()

    def run_file(self, path: Path) -> FileReport:
        try:
            doc = load_yaml(path)
        except YamlSyntaxError as exc:
            return FileReport(str(path), path.stem, error=f"{path}:{exc.line}: {exc.message}")
        data = plain(doc) if doc is not None else {}
        report = FileReport(str(path), str(data.get("name", path.stem)))
        turns = data.get("turns")
        if not isinstance(turns, list) or not turns:
            report.error = f"{path}:1: a transcript needs a `turns:` list"
            return report
        now = (datetime.fromisoformat(str(data["now"])) if "now" in data
               else datetime.now(self.settings.tz))
        if now.tzinfo is None:
            now = now.replace(tzinfo=self.settings.tz)
        clock = _SteppingClock(now)
        pipeline = Pipeline(self.db, self.nlu, self.scripts, tz=self.settings.tz,
                            max_text_chars=self.settings.max_text_chars, clock=clock)
        user = f"{data.get('user', 'transcript')}-{uuid.uuid4().hex[:8]}"
        slots: dict[str, Any] = {}
        for i, turn in enumerate(turns, 1):
            report.turns += 1
            line = line_of(doc, ["turns", i - 1])
            problems = self._run_turn(pipeline, user, turn, slots, data.get("lang"))
            if problems:
                report.failures.append(Failure(str(path), line, i, str(turn.get("user")),
                                               problems))
            clock.tick()
        return report

    def _run_turn(self, pipeline: Pipeline, user: str, turn: dict[str, Any],
                  slots: dict[str, Any], lang: str | None) -> list[str]:
        if "user" not in turn:
            return ["each turn needs a `user:` line"]
        result = pipeline.handle(InboundMessage(channel="web", message_id=uuid.uuid4().hex,
                                                sender=user, text=str(turn["user"]),
                                                lang_hint=lang))
        events = self._events_of(result.inbound_id)
        for ev in events:
            if ev.type == "slot_set":
                slots[ev.data["slot"]] = ev.data["value"]
        problems: list[str] = []
        replies = [r.text for r in result.replies]
        if "bot" in turn:
            wanted = turn["bot"] if isinstance(turn["bot"], list) else [turn["bot"]]
            if len(wanted) > len(replies):
                problems.append(f"expected {len(wanted)} replies, got {len(replies)}:\n"
                                + "\n".join(f"+ {r}" for r in replies))
            for exp, act in zip(wanted, replies, strict=False):
                if not _matches(str(exp), act):
                    problems.append("reply differs:\n" + _diff(str(exp), act))
        if "bot_contains" in turn and not any(str(turn["bot_contains"]) in r for r in replies):
            problems.append(f"no reply contains {turn['bot_contains']!r}:\n"
                            + "\n".join(f"+ {r}" for r in replies))
        expect = turn.get("expect") or {}
        for name, value in (expect.get("slots") or expect.get("slot") or {}).items():
            if slots.get(name) != value:
                problems.append(f"slot {name}: expected {value!r}, got {slots.get(name)!r}")
        if "events" in expect:
            got = [e.type for e in events]
            if not _subsequence([str(e) for e in expect["events"]], got):
                problems.append(f"events: expected {expect['events']} in order, got {got}")
        if "flow" in expect and result.active_flow != expect["flow"]:
            problems.append(f"active flow: expected {expect['flow']!r}, got "
                            f"{result.active_flow!r}")
        if "buttons" in expect:
            got_buttons = list(result.replies[-1].buttons) if result.replies else []
            if got_buttons != list(expect["buttons"]):
                problems.append(f"buttons: expected {expect['buttons']}, got {got_buttons}")
        return problems

    def _events_of(self, inbound_id: int | None) -> list[ConversationEvent]:
        if inbound_id is None:
            return []
        with self.db.read() as s:
            return list(s.execute(select(ConversationEvent).where(
                ConversationEvent.inbound_id == inbound_id).order_by(ConversationEvent.id)
            ).scalars())

    def run(self, path: Path) -> Iterator[FileReport]:
        for file in transcript_files(path):
            yield self.run_file(file)


class _SteppingClock:
    """A fixed clock that moves 30 seconds per turn, like a real chat."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> None:
        self.now += timedelta(seconds=30)
