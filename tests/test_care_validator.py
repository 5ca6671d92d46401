"""The ``care:`` section is checked with file:line errors and a hint (unknown placeholder,
offsets on the wrong side of the booking, empty segments, missing translations)."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from flows.business.care_config import check_care, config_of, parse_offset
from flows.loader import SCHEMA_PATH, load_bundle
from flows.sections import SectionRef, sections
from flows.yamlio import line_of, load_yaml, plain

from .conftest import SHIPPED_FLOWS
from .test_care_world import CARE_FILE

HEAD = """\
version: 1
care:
  rules:
"""


def problems(tmp_path: Path, rules: str) -> list[str]:
    """What the loader would report for a care.yml beside the shipped booking.yml."""
    shutil.copy(SHIPPED_FLOWS / "booking.yml", tmp_path / "booking.yml")
    path = tmp_path / "care.yml"
    path.write_text(HEAD + textwrap.indent(textwrap.dedent(rules), "    "), encoding="utf-8")
    return check_path(path)


def check_path(path: Path) -> list[str]:
    doc = load_yaml(path)
    data = plain(doc)["care"]
    spec = sections()["care"]
    assert spec.validator is not None
    found = [f"{path.name}:{line_of(doc, ['care', *e.absolute_path])}: {e.message}"
             for e in spec.validator.iter_errors(data)]
    if found:
        return found
    ref = SectionRef(str(path), lambda p: line_of(doc, ["care", *p]))
    return [f"{path.name}:{ref.line_of(p.path)}: {p.message} — {p.hint}"
            for p in check_care(data, ref)]


def test_the_shipped_calendar_is_valid() -> None:
    assert check_path(CARE_FILE) == []
    cfg = config_of(plain(load_yaml(CARE_FILE))["care"])
    assert {r.trigger for r in cfg.rules} == {"booking_before", "booking_after", "birthday",
                                             "holiday", "points_expiring", "winback", "campaign"}


def test_offsets() -> None:
    assert parse_offset("-3d").days == -3 and parse_offset("+72h").total_seconds() == 72 * 3600
    assert parse_offset("+1w").days == 7
    with pytest.raises(ValueError, match="bad offset"):
        parse_offset("3 days")


def test_an_unknown_placeholder_points_at_the_text(tmp_path: Path) -> None:
    assert problems(tmp_path, """\
        - id: reminder
          trigger: booking_before
          offset: "-3d"
          text:
            zh: "{name}您好，{booking_date} 见"
            en: "Hi {name}, see you on {date}"
        """) == ["care.yml:8: unknown placeholder {booking_date} in care rule 'reminder' "
                 "(booking_before) — did you mean 'booking_id'?"]


def test_a_missing_translation(tmp_path: Path) -> None:
    assert problems(tmp_path, """\
        - id: hello
          trigger: birthday
          text: {zh: "生日快乐"}
        """) == ["care.yml:6: care rule 'hello' has no en text — add `en:` under text (every "
                 "customer-facing text is in both languages)"]


def test_offsets_on_the_wrong_side_of_the_booking(tmp_path: Path) -> None:
    found = problems(tmp_path, """\
        - id: late
          trigger: booking_after
          offset: "-2d"
          text: {zh: 您好, en: Hi}
        - id: early
          trigger: booking_before
          offset: "+1d"
          text: {zh: 您好, en: Hi}
        - id: too_early
          trigger: booking_before
          offset: "-90d"
          services: [moving]
          text: {zh: 您好, en: Hi}
        """)
    assert found == [
        "care.yml:6: offset -2d of booking_after rule 'late' lands before the booking — use a "
        "positive offset ('+2d'), or trigger booking_before for a reminder",
        "care.yml:10: offset +1d of booking_before rule 'early' is after the booking starts — "
        "use '-1d', or trigger booking_after",
        "care.yml:14: offset -90d lands before the booking is made: bookings are taken at most "
        "60 days ahead, so this message would never be sent — use at most -60d"]


def test_a_campaign_for_an_empty_segment(tmp_path: Path) -> None:
    assert problems(tmp_path, """\
        - id: promo
          trigger: campaign
          send_at: "2026-12-20T10:00"
          segment: {tiers: [golden], services: [cleanin]}
          text: {zh: 优惠, en: Offer}
        """) == [
        "care.yml:7: no customer can have tier 'golden': the segment is empty — did you mean 'gold'?",
        "care.yml:7: unknown service 'cleanin': the segment is empty — did you mean 'cleaning'?"]


def test_settings_a_trigger_needs_and_unknown_holidays(tmp_path: Path) -> None:
    assert problems(tmp_path, """\
        - id: wb
          trigger: winback
          after_days: 90
          text: {zh: 回来吧, en: Come back}
        - id: newyear
          trigger: holiday
          holiday: spring_festivl
          text: {zh: 新年好, en: Happy new year}
        - id: twice
          trigger: birthday
          text: {zh: 生日快乐, en: Happy birthday}
        - id: twice
          trigger: birthday
          text: {zh: 生日快乐, en: Happy birthday}
        """) == [
        "care.yml:4: care rule 'wb' (winback) needs `offer_prefix` — see docs/care-calendar.md "
        "for each trigger's settings",
        "care.yml:4: care rule 'wb' (winback) needs `valid_days` — see docs/care-calendar.md "
        "for each trigger's settings",
        "care.yml:10: unknown holiday 'spring_festivl' — did you mean 'spring_festival'? (or a "
        "fixed date MM-DD)",
        "care.yml:15: care rule 'twice' is defined twice — give each rule its own id"]


def test_the_schema_rejects_a_bad_offset(tmp_path: Path) -> None:
    [error] = problems(tmp_path, """\
        - id: r
          trigger: booking_before
          offset: "3 days"
          text: {zh: 您好, en: Hi}
        """)
    assert error.startswith("care.yml:6: '3 days' does not match")


@pytest.mark.skipif('"care"' not in SCHEMA_PATH.read_text(encoding="utf-8"),
                    reason="the top-level script schema does not list `care:` yet")
def test_the_loader_reports_care_errors_with_file_and_line(tmp_path: Path) -> None:
    for path in SHIPPED_FLOWS.glob("*.yml"):
        shutil.copy(path, tmp_path / path.name)
    shutil.copy(CARE_FILE, tmp_path / "care.yml")
    assert load_bundle(tmp_path).ok
    text = (tmp_path / "care.yml").read_text(encoding="utf-8")
    (tmp_path / "care.yml").write_text(text.replace("{expires_on}", "{expiry}"), encoding="utf-8")
    result = load_bundle(tmp_path)
    assert not result.ok
    assert any("care.yml:" in str(e) and "{expiry}" in str(e) and "expires_on" in str(e)
               for e in result.errors), json.dumps([str(e) for e in result.errors])
