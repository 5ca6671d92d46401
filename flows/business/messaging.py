"""The ``messaging:`` section: quiet hours, a daily cap, opt-out and opt-in.

Every key is optional; without the section the defaults below apply (21:00–09:00 quiet,
2 proactive messages per customer per local day). The scheduler applies them at dispatch
time (scheduler/hygiene.py); the ``subscription`` flow (flows/actions/subscription.py)
records a customer's opt-out in ``customers.profile["opted_out"]`` at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flows.hints import did_you_mean
from flows.sections import Problem, SectionRef, register_section
from storage import repo
from storage.conn import Tx

DEFAULT_TEXTS: dict[str, dict[str, str]] = {
    "opted_out": {
        "zh": "已为您退订关怀和营销消息，我们不会再主动给您发消息。如需恢复，回复“订阅”即可。",
        "en": "You're unsubscribed from care and promotional messages; we won't message you "
              "first again. Reply \"subscribe\" to opt back in."},
    "opted_in": {"zh": "已为您恢复订阅，您会继续收到服务提醒和关怀消息。回复“退订”可随时取消。",
                 "en": "You're subscribed again and will get reminders and care messages. "
                       "Reply \"unsubscribe\" any time to stop."},
    "already_out": {"zh": "您已经退订了，我们不会主动给您发消息。回复“订阅”可恢复。",
                    "en": "You're already unsubscribed. Reply \"subscribe\" to opt back in."},
    "already_in": {"zh": "您目前已是订阅状态，回复“退订”可取消。",
                   "en": "You're already subscribed. Reply \"unsubscribe\" to stop."},
    "sla_delay": {
        "zh": "非常抱歉，您的工单 {ticket_id} 处理时间超出了我们的承诺。主管已接手，会尽快联系您。",
        "en": "We're sorry: ticket {ticket_id} is taking longer than we promised. A supervisor "
              "has taken it over and will contact you shortly."},
}
DEFAULT_OPT_OUT = {"zh": ["退订", "取消订阅", "退订消息", "不要再发了"],
                   "en": ["/stop", "/unsubscribe", "unsubscribe", "stop", "stop messages",
                          "opt out"]}
DEFAULT_OPT_IN = {"zh": ["订阅", "恢复订阅", "重新订阅"],
                  "en": ["/subscribe", "subscribe", "resubscribe", "opt in"]}


@dataclass(frozen=True, slots=True)
class MessagingConfig:
    quiet_start: time | None = time(21, 0)  # None: no quiet hours
    quiet_end: time | None = time(9, 0)
    daily_cap: int = 2  # 0: no cap
    opt_out_words: Mapping[str, tuple[str, ...]] | None = None
    opt_in_words: Mapping[str, tuple[str, ...]] | None = None
    texts: Mapping[str, Mapping[str, str]] | None = None
    #: a customer's region -> IANA time zone, for customers whose profile names none
    region_timezones: Mapping[str, str] | None = None

    def text(self, key: str, lang: str, **values: Any) -> str:
        by_lang = (self.texts or {}).get(key) or DEFAULT_TEXTS[key]
        return (by_lang.get(lang) or by_lang.get("zh") or "").format(**values)

    def words(self, which: str) -> tuple[str, ...]:
        """Opt-out (``out``) or opt-in (``in``) words of both languages ("stop" counts in a
        Chinese chat too)."""
        table = self.opt_out_words if which == "out" else self.opt_in_words
        found = [w for code in ("zh", "en") for w in (table or {}).get(code, ())]
        return tuple(dict.fromkeys(found))


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def config_of(section: Mapping[str, Any] | None) -> MessagingConfig:
    """The typed section (defaults for every missing key)."""
    data = section or {}
    quiet = data.get("quiet_hours", {"start": "21:00", "end": "09:00"})
    start, end = ((None, None) if quiet == "off" or quiet is None
                  else (_hhmm(quiet["start"]), _hhmm(quiet["end"])))
    out = data.get("opt_out_words") or DEFAULT_OPT_OUT
    opt_in = data.get("opt_in_words") or DEFAULT_OPT_IN
    return MessagingConfig(
        quiet_start=start, quiet_end=end, daily_cap=int(data.get("daily_cap", 2)),
        opt_out_words={k: tuple(v) for k, v in out.items()},
        opt_in_words={k: tuple(v) for k, v in opt_in.items()},
        texts={**DEFAULT_TEXTS, **dict(data.get("texts") or {})},
        region_timezones=dict(data.get("region_timezones") or {}))


_last: tuple[Mapping[str, Any], MessagingConfig] | None = None


def live_config() -> MessagingConfig:
    """The live scripts' section (hot reloads apply), parsed once per bundle."""
    global _last
    from flows.business.proactive import live_section

    section = live_section("messaging")
    last = _last
    if last is not None and last[0] is section:
        return last[1]
    cfg = config_of(section)
    _last = (section, cfg)
    return cfg


def check_messaging(data: dict[str, Any], ref: SectionRef) -> list[Problem]:
    problems: list[Problem] = []
    quiet = data.get("quiet_hours")
    if isinstance(quiet, dict) and quiet.get("start") == quiet.get("end"):
        problems.append(Problem(["quiet_hours"], "quiet hours start and end at the same time",
                                "use `quiet_hours: off` to disable them"))
    out = {w.lower() for ws in (data.get("opt_out_words") or {}).values() for w in ws}
    both = out & {w.lower() for ws in (data.get("opt_in_words") or {}).values() for w in ws}
    if both:
        problems.append(Problem(["opt_in_words"], "words both opt out and opt in: "
                                + ", ".join(sorted(both)), "keep each word in one list"))
    for region, name in (data.get("region_timezones") or {}).items():
        if zone_named(name) is None:
            problems.append(Problem(["region_timezones", region], f"unknown time zone '{name}' "
                                    f"for region '{region}'", _zone_hint(name)))
    for key, text in (data.get("texts") or {}).items():
        allowed = {"ticket_id"} if key == "sla_delay" else set()
        for lang, body in text.items():
            try:
                body.format(**{k: "" for k in allowed})
            except (KeyError, IndexError, ValueError) as exc:
                problems.append(Problem(["texts", key, lang], f"text '{key}' ({lang}) has an "
                                        f"unknown placeholder {exc}",
                                        "allowed: " + (", ".join(sorted(allowed)) or "none")))
    return problems


def _zone_hint(name: str) -> str:
    return did_you_mean(name, available_timezones(),
                        fallback="use an IANA name such as Asia/Shanghai or Europe/London")


@lru_cache(maxsize=256)
def zone_named(name: str) -> ZoneInfo | None:
    """The IANA zone ``name``, or None for a name that is not one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_for(profile: Mapping[str, Any] | None, region: str | None, cfg: MessagingConfig,
             default: ZoneInfo) -> ZoneInfo:
    """A customer's local time zone: ``profile["timezone"]`` (IANA name), else their region's
    in ``region_timezones``, else ``default`` (CARELINE_TIMEZONE). A bad value in a profile
    must not stop delivery: the next choice applies."""
    for name in ((profile or {}).get("timezone"), (cfg.region_timezones or {}).get(region or "")):
        zone = zone_named(name) if isinstance(name, str) and name else None
        if zone is not None:
            return zone
    return default


SECTION = register_section("messaging", schema=Path(__file__).with_name("messaging.schema.json"),
                           check=check_messaging)


def is_opted_out(profile: Mapping[str, Any] | None) -> bool:
    return bool((profile or {}).get("opted_out"))


def set_opted_out(tx: Tx, customer_id: int, opted_out: bool, *, at: str) -> None:
    """Record the choice in the customer's profile (and when it was made)."""
    repo.set_profile(tx, customer_id, opted_out=opted_out, opted_out_changed_at=at)
