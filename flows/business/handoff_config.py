"""The ``handoff:`` section as typed values, its semantic check, and working hours.

The JSON Schema (handoff.schema.json) says what each key may hold; this module checks what
a schema cannot (every reason has a priority, texts use only their placeholders, opening
hours end after they start) and answers the time questions: is the team working now, and
when are they back. Every number the handoff engine uses comes from here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flows.sections import Problem, SectionRef, register_section
from flows.templates import placeholders

#: Why a conversation is queued; the console shows them, priorities are set per reason.
REASONS = ("urgent_complaint", "anger", "negative", "asked", "failed_turns")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TEXT_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "position": frozenset({"position", "wait"}),
    "still_waiting": frozenset({"position", "wait"}),
    "outside_hours": frozenset({"back"}),
    "agent_joined": frozenset({"agent"}),
    "transferred": frozenset({"agent"}),
    "back_to_bot": frozenset(),
    "cancelled": frozenset(),
    "callback": frozenset({"ticket_id"}),
    "closed": frozenset(),
}
_WEEKDAY = {"zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
            "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}
SHIPPED = Path(__file__).resolve().parent.parent / "scripts" / "handoff.yml"


def _hours(spec: str | None) -> tuple[time, time] | None:
    if not spec:
        return None
    start, end = spec.split("-")
    h, m = (int(x) for x in end.split(":"))
    return time.fromisoformat(start), (time(23, 59, 59) if h == 24 else time(h, m))


def _words(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    return tuple(str(w) for ws in (data.get(key) or {}).values() for w in ws)


@dataclass(frozen=True, slots=True)
class HandoffConfig:
    request_words: tuple[str, ...]
    cancel_words: tuple[str, ...]
    anger_score: float
    negative_score: float
    negative_count: int
    mood_window: int
    calm_flows: frozenset[str]
    calm_intents: frozenset[str]
    calm_anger_score: float
    failed_turns: int
    priorities: Mapping[str, int]
    vip_tiers: frozenset[str]
    claim_timeout: timedelta
    notice_interval: timedelta
    average_handling_minutes: float
    hours: tuple[tuple[time, time] | None, ...]  # Monday first
    holidays: frozenset[date]
    callback_class: str
    callback_topic: str
    texts: Mapping[str, Any]

    def priority(self, reason: str, *, vip: bool = False) -> int:
        own = int(self.priorities.get(reason, 0))
        return max(own, int(self.priorities.get("vip", 0))) if vip else own

    def text(self, key: str, lang: str, **values: Any) -> str:
        by_lang: Mapping[str, str] = self.texts.get(key) or {}
        raw = by_lang.get(lang) or by_lang.get("zh") or ""
        return raw.format(**values) if values else raw

    def queued_text(self, reason: str, lang: str) -> str:
        by_lang: Mapping[str, str] = (self.texts.get("queued") or {}).get(reason) or {}
        return by_lang.get(lang) or by_lang.get("zh") or ""

    # -- working hours (local time in ``tz``) ------------------------------------------------

    def is_open(self, at: datetime, tz: ZoneInfo) -> bool:
        local = at.astimezone(tz)
        span = self._span(local.date())
        return span is not None and span[0] <= local.time() < span[1]

    def next_open(self, at: datetime, tz: ZoneInfo) -> datetime | None:
        """When agents are next at work at or after ``at`` (``at`` itself when open now);
        None when no opening hours are configured in the next four weeks."""
        local = at.astimezone(tz)
        for offset in range(29):
            day = local.date() + timedelta(days=offset)
            span = self._span(day)
            if span is None:
                continue
            start = datetime.combine(day, span[0], tzinfo=tz)
            end = datetime.combine(day, span[1], tzinfo=tz)
            if local < end:
                return max(start, local)
        return None

    def working_deadline(self, start: datetime, span: timedelta, tz: ZoneInfo) -> datetime | None:
        """When ``span`` of working time has passed since ``start`` (hours after closing
        and holidays do not count); None without opening hours in the next four weeks."""
        at: datetime | None = start
        for _ in range(60):
            at = self.next_open(at, tz) if at is not None else None
            if at is None:
                return None
            local = at.astimezone(tz)
            hours = self._span(local.date())
            assert hours is not None  # next_open only returns open times
            end = datetime.combine(local.date(), hours[1], tzinfo=tz)
            if at + span <= end:
                return at + span
            span -= end - at
            at = end
        return None

    def back_label(self, at: datetime, now: datetime, tz: ZoneInfo, lang: str) -> str:
        """"09:00 Monday" / "周一 09:00" (today / tomorrow by name) for the opening ``at``."""
        local, today = at.astimezone(tz), now.astimezone(tz).date()
        days = (local.date() - today).days
        if lang == "zh":
            day = {0: "今天", 1: "明天"}.get(days, _WEEKDAY["zh"][local.weekday()])
            return f"{day} {local:%H:%M}"
        day = {0: "today", 1: "tomorrow"}.get(days, _WEEKDAY["en"][local.weekday()])
        return f"{local:%H:%M} {day}"

    def _span(self, day: date) -> tuple[time, time] | None:
        return None if day in self.holidays else self.hours[day.weekday()]


def config_of(section: Mapping[str, Any]) -> HandoffConfig:
    """Typed values of a (validated) ``handoff:`` section; an empty one means the shipped."""
    if not section:
        return shipped()
    trig = section.get("triggers") or {}
    hours = section.get("working_hours") or {}
    ticket = section.get("callback_ticket") or {}
    return HandoffConfig(
        request_words=_words(trig, "request_words"),
        cancel_words=_words(section, "cancel_words"),
        anger_score=float(trig.get("anger_score", -0.6)),
        negative_score=float(trig.get("negative_score", -0.4)),
        negative_count=int(trig.get("negative_count", 2)),
        mood_window=int(trig.get("mood_window", 3)),
        calm_flows=frozenset(trig.get("calm_flows") or ()),
        calm_intents=frozenset(trig.get("calm_intents") or ()),
        calm_anger_score=float(trig.get("calm_anger_score", trig.get("anger_score", -0.6))),
        failed_turns=int(trig.get("failed_turns", 2)),
        priorities=dict(section.get("priorities") or {}),
        vip_tiers=frozenset(section.get("vip_tiers") or ()),
        claim_timeout=timedelta(minutes=float(section.get("claim_timeout_minutes", 3))),
        notice_interval=timedelta(minutes=float(section.get("notice_interval_minutes", 2))),
        average_handling_minutes=float(section.get("average_handling_minutes", 4)),
        hours=tuple(_hours(hours.get(d)) for d in DAYS),
        holidays=frozenset(date.fromisoformat(str(d)) for d in section.get("holidays") or ()),
        callback_class=str(ticket.get("class", "experience")),
        callback_topic=str(ticket.get("topic", "communication")),
        texts=dict(section.get("texts") or {}),
    )


_last: tuple[Mapping[str, Any], HandoffConfig] | None = None


def cached_config(section: Mapping[str, Any]) -> HandoffConfig:
    """``config_of`` for the hot path: parsed again only when the section object changes
    (a hot reload builds a new bundle)."""
    global _last
    last = _last
    if last is not None and last[0] is section:
        return last[1]
    cfg = config_of(section)
    _last = (section, cfg)
    return cfg


@cache
def shipped() -> HandoffConfig:
    """The shipped section: used when the scripts in use have no ``handoff:`` of their own."""
    from flows.yamlio import load_yaml, plain

    return config_of(plain(load_yaml(SHIPPED))["handoff"])


def default_tz() -> ZoneInfo:
    """CARELINE_TIMEZONE for code that runs without the app's settings (scheduler jobs)."""
    return ZoneInfo(os.environ.get("CARELINE_TIMEZONE") or "Asia/Shanghai")


# -- the check ------------------------------------------------------------------------------


def check_handoff(data: dict[str, Any], ref: SectionRef) -> list[Problem]:
    problems: list[Problem] = []
    priorities = data.get("priorities", {})
    for reason in (*REASONS, "vip"):
        if reason not in priorities:
            problems.append(Problem(["priorities"], f"no priority for reason '{reason}'",
                                    f"add `{reason}: <number>` (higher is served first)"))
    texts = data.get("texts", {})
    for reason in REASONS:
        if reason not in texts.get("queued", {}):
            problems.append(Problem(["texts", "queued"], f"no queued text for reason '{reason}'",
                                    "add a {zh, en} text (it may be \"\")"))
    for key, allowed in TEXT_PLACEHOLDERS.items():
        for lang, raw in (texts.get(key) or {}).items():
            unknown = placeholders(str(raw)) - allowed
            if unknown:
                problems.append(Problem(
                    ["texts", key, lang], f"text '{key}' ({lang}) uses unknown "
                    + ", ".join("{" + u + "}" for u in sorted(unknown)),
                    "it may use " + (", ".join("{" + a + "}" for a in sorted(allowed))
                                     or "no placeholders")))
    for day, spec in (data.get("working_hours") or {}).items():
        span = _hours(spec)
        if span is not None and span[1] <= span[0]:
            problems.append(Problem(["working_hours", day], f"{day}: {spec} ends before it "
                                    "starts", "write the opening time first, e.g. 09:00-18:00"))
    for i, raw in enumerate(data.get("holidays") or ()):
        try:
            date.fromisoformat(str(raw))
        except ValueError:
            problems.append(Problem(["holidays", i], f"holiday {raw!r} is not a date",
                                    "write YYYY-MM-DD"))
    trig = data.get("triggers") or {}
    if int(trig.get("negative_count", 2)) > int(trig.get("mood_window", 3)):
        problems.append(Problem(["triggers", "negative_count"],
                                "negative_count is larger than mood_window: the mood rule "
                                "can never fire", "make mood_window at least negative_count"))
    if not any((data.get("working_hours") or {}).values()):
        problems.append(Problem(["working_hours"], "no working hours on any day: the queue "
                                "never times out", "give at least one day hours", "warning"))
    return problems


SECTION = register_section("handoff", schema=Path(__file__).with_name("handoff.schema.json"),
                           check=check_handoff)
