"""The ``handoff:`` section: validated like every script section (file:line, a hint), typed,
and the time questions (open now? back when? a timeout in working minutes)."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.handoff_triggers import is_cancel, is_request, mood_trigger, remember_mood
from flows.business.handoff_config import config_of, shipped
from flows.loader import load_bundle
from nlu.base import Sentiment

from .conftest import SHIPPED_FLOWS, TZ


def test_the_shipped_section_loads() -> None:
    result = load_bundle(SHIPPED_FLOWS)
    assert result.bundle is not None
    cfg = config_of(result.bundle.section("handoff"))
    assert cfg == shipped()
    assert cfg.priority("urgent_complaint") > cfg.priority("vip") > cfg.priority("anger") \
        > cfg.priority("asked") > cfg.priority("failed_turns")
    assert cfg.priority("asked", vip=True) == cfg.priority("vip")
    assert cfg.claim_timeout == timedelta(minutes=3) and cfg.vip_tiers == {"gold", "diamond"}


def test_an_empty_section_means_the_shipped_one() -> None:
    assert config_of({}) is shipped()


def _broken(tmp_path: Path, old: str, new: str) -> list[str]:
    scripts = tmp_path / "scripts"
    shutil.copytree(SHIPPED_FLOWS, scripts)
    path = scripts / "handoff.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = load_bundle(scripts)
    return [str(e) for e in result.errors]


@pytest.mark.parametrize(("old", "new", "wanted"), [
    ("    failed_turns: 20\n", "", "no priority for reason 'failed_turns'"),
    ("第 {position} 位", "第 {place} 位", "text 'position' (zh) uses unknown {place}"),
    ('mon: "09:00-21:00"', 'mon: "21:00-09:00"', "mon: 21:00-09:00 ends before it starts"),
    ('mon: "09:00-21:00"', 'mon: "9am"', "working_hours"),
    ("claim_timeout_minutes: 3 ", "claim_timeout_minutes: 0 ", "claim_timeout_minutes"),
    ("negative_count: 2", "negative_count: 5", "negative_count is larger than mood_window"),
])
def test_mistakes_are_reported_with_file_and_line(tmp_path: Path, old: str, new: str,
                                                   wanted: str) -> None:
    errors = _broken(tmp_path, old, new)
    assert any(wanted in e and "handoff.yml:" in e for e in errors), errors


def test_opening_hours_holidays_and_the_back_label() -> None:
    cfg = shipped()
    wed_night = datetime(2026, 9, 30, 22, 0, tzinfo=TZ)
    assert not cfg.is_open(wed_night, TZ)
    back = cfg.next_open(wed_night, TZ)
    assert back == datetime(2026, 10, 3, 10, 0, tzinfo=TZ)  # Thu, Fri are holidays
    assert cfg.back_label(back, wed_night, TZ, "en") == "10:00 Saturday"
    assert cfg.back_label(back, wed_night, TZ, "zh") == "周六 10:00"
    sunday = datetime(2026, 11, 22, 19, 0, tzinfo=TZ)
    monday = cfg.next_open(sunday, TZ)
    assert monday == datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
    assert cfg.back_label(monday, sunday, TZ, "en") == "09:00 tomorrow"
    saturday = datetime(2026, 11, 21, 19, 0, tzinfo=TZ)
    assert cfg.back_label(cfg.next_open(saturday, TZ) or saturday, saturday - timedelta(days=1),
                          TZ, "en") == "10:00 Sunday"
    monday_10 = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
    assert cfg.is_open(monday_10, TZ) and cfg.next_open(monday_10, TZ) == monday_10


def test_the_timeout_counts_working_minutes_only() -> None:
    cfg = shipped()
    late = datetime(2026, 11, 23, 20, 59, tzinfo=TZ)  # one minute before closing
    assert cfg.working_deadline(late, timedelta(minutes=3), TZ) == \
        datetime(2026, 11, 24, 9, 2, tzinfo=TZ)
    night = datetime(2026, 11, 23, 23, 0, tzinfo=TZ)
    assert cfg.working_deadline(night, timedelta(minutes=3), TZ) == \
        datetime(2026, 11, 24, 9, 3, tzinfo=TZ)


@pytest.mark.parametrize(("scores", "anger", "reason"), [
    ([0.0], False, None),                 # "不要": neutral
    ([-0.3], False, None),                # mildly negative
    ([-0.5], False, None),                # one negative message
    ([-0.5, 0.0, 0.0, -0.5], False, None),  # two, but not within three
    ([-0.5, 0.0, -0.45], False, "negative"),
    ([-0.5], True, None),                 # "我要投诉": flagged, but only -0.5
    ([-0.93], True, "anger"),
])
def test_mood_hysteresis(scores: list[float], anger: bool, reason: str | None) -> None:
    cfg, state = shipped(), dict[str, Any]()
    found = None
    for i, score in enumerate(scores):
        sentiment = Sentiment("negative" if score < 0 else "neutral", score,
                              anger and i == len(scores) - 1)
        mood = remember_mood(state, sentiment, cfg)
        found = mood_trigger(mood, sentiment, cfg, calm=False)
    assert (found.reason if found else None) == reason
    assert len(state["mood"]) <= cfg.mood_window


def test_inside_a_calm_flow_only_anger_counts() -> None:
    cfg = shipped()
    negative = Sentiment("negative", -0.7)
    assert mood_trigger([-0.7, -0.7], negative, cfg, calm=True) is None
    assert mood_trigger([-0.7, -0.7], negative, cfg, calm=False) is not None
    assert mood_trigger([], Sentiment("negative", -0.9, True), cfg, calm=True) is not None


def test_request_and_cancel_words() -> None:
    cfg = shipped()
    assert is_request("转人工", "human", cfg) and is_request("/human", None, cfg)
    assert is_request("Agent!", "out_of_scope", cfg)
    assert is_request("我要找人工客服", "human", cfg)
    assert not is_request("我要找人工客服", "quote", cfg)  # the NLU disagrees: a word inside
    assert not is_request("the agent was late", "complain", cfg)
    assert is_cancel("算了吧", cfg) and is_cancel("Never mind.", cfg)
    assert not is_cancel("算了算价格", cfg)
