"""Broken ``survey:`` and ``complaints:`` sections are rejected with file:line and a fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.loader import load_bundle

from .conftest import SHIPPED_FLOWS


def broken(tmp_path: Path, name: str, old: str, new: str) -> tuple[Path, list[str], list[str]]:
    directory = tmp_path / "scripts"
    shutil.copytree(SHIPPED_FLOWS, directory)
    path = directory / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = load_bundle(directory)
    return path, [str(e) for e in result.errors], [str(w) for w in result.warnings]


def line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in {path}")


@pytest.mark.parametrize(("old", "new", "at", "message"), [
    ("    voucher: {csat: [3], valid_days: 30, prefix: RS}",
     "    voucher: {csat: [3, 4], valid_days: 30, prefix: RS}", "voucher: {csat: [3, 4]",
     "CSAT 4 leads to both 'thanks' and 'voucher' — list each score under one outcome"),
    ("    recovery: {csat: [1, 2], ticket_class: experience, ticket_topic: quality}",
     "    recovery: {csat: [1], ticket_class: experience, ticket_topic: quality}",
     "recovery: {csat: [1]",
     "no outcome for CSAT 2 — add the score(s) to the csat list of thanks, voucher or recovery"),
    ("  delay_hours: 2\n", "  delay_hours: -2\n", "delay_hours: -2",
     "survey/delay_hours: -2 is less than the minimum of 0"),
    ("    thanks: {csat: [4, 5], points: 50}", "    thanks: {csat: [4, 6], points: 50}",
     "thanks: {csat: [4, 6]", "survey/outcomes/thanks/csat/1: 6 is greater than the maximum of 5"),
    # an unknown key is reported at the first key of the mapping that holds it
    ("  postpone_minutes: 30", "  postpone_minute: 30", "  flow: survey",
     "unknown key 'postpone_minute'"),
])
def test_broken_survey_section(tmp_path: Path, old: str, new: str, at: str, message: str) -> None:
    path, errors, _ = broken(tmp_path, "survey.yml", old, new)
    where = f"{path}:{line_of(path, at)}: "
    assert any(e.startswith(where) and message in e for e in errors), errors


@pytest.mark.parametrize(("old", "new", "at", "message"), [
    ("      reply_hours: 4\n      fix_hours: 48", "      reply_hours: 4\n      fix_hours: 3",
     "fix_hours: 3", "class 'experience' must be fixed (3 h) before it is even answered (4 h) "
                     "— make fix_hours at least reply_hours"),
    ("    lateness:\n      name: {zh: 迟到/未上门, en: lateness or no-show}\n      class: experience",
     "    lateness:\n      name: {zh: 迟到/未上门, en: lateness or no-show}\n      class: urgnet",
     "class: urgnet", "complaints/topics/lateness/class: 'urgnet' is not one of"),
    ("  default_topic: quality", "  default_topic: qualty", "default_topic: qualty",
     "default_topic 'qualty' is not a topic"),
    ("    reopened:\n", "    reopen:\n", "    acknowledged:",
     "unknown key 'reopen'"),
    ("        zh: 我们会在 {reply_due} 前回复您。\n",
     "        zh: 我们会在 {reply_due} 前回复您，{fix_due} 前解决。\n", "{fix_due} 前解决",
     "class 'suggestion' promises {fix_due} but has no fix_hours"),
])
def test_broken_complaints_section(tmp_path: Path, old: str, new: str, at: str,
                                   message: str) -> None:
    path, errors, _ = broken(tmp_path, "complaint.yml", old, new)
    where = f"{path}:{line_of(path, at)}: "
    assert any(e.startswith(where) and message in e for e in errors), errors


def test_a_keyword_under_two_topics_is_a_warning(tmp_path: Path) -> None:
    path, errors, warnings = broken(tmp_path, "complaint.yml", "zh: [态度, 不耐烦,",
                                    "zh: [态度, 磕坏, 不耐烦,")
    assert errors == []
    assert any("keyword '磕坏' is listed for topics 'damage' and 'attitude'" in w and
               w.startswith(f"{path}:") for w in warnings), warnings


def test_survey_flow_without_the_section_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "scripts"
    shutil.copytree(SHIPPED_FLOWS, directory)
    path = directory / "survey.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("survey:\n")] + text[text.index("flows:\n"):],
                    encoding="utf-8")
    errors = [str(e) for e in load_bundle(directory).errors]
    assert any(e.startswith(f"{path}:") and "action 'survey_record' needs a `survey:` section"
               in e for e in errors), errors
