"""A broken ``booking:`` section is rejected with file:line, what is wrong and how to fix it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.loader import load_bundle

from .conftest import SHIPPED_FLOWS


def check(tmp_path: Path, old: str, new: str, marker: str | None = None, nth: int = 1,
          ) -> tuple[list[str], list[str], str]:
    """Replace ``old`` by ``new`` in the shipped booking.yml; (errors, warnings, where) with
    ``where`` = "file:line" of the first line containing ``marker`` (default: ``new``)."""
    directory = tmp_path / "scripts"
    shutil.copytree(SHIPPED_FLOWS, directory)
    path = directory / "booking.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    needle = (marker or new).splitlines()[0].strip()
    line = [i for i, ln in enumerate(text.splitlines(), 1) if needle in ln][nth - 1]
    result = load_bundle(directory)
    return [str(e) for e in result.errors], [str(w) for w in result.warnings], f"{path}:{line}"


def test_the_shipped_booking_section_is_valid() -> None:
    result = load_bundle(SHIPPED_FLOWS)
    assert result.bundle is not None, [str(e) for e in result.errors]
    section = result.bundle.section("booking")
    assert set(section["services"]) == {"cleaning", "moving"}
    assert {"booking", "reschedule", "cancel_booking", "booking_status",
            "preferences"} <= set(result.bundle.flows)


@pytest.mark.parametrize(("old", "new", "marker", "expected"), [
    ("          crews: 3\n", "          crew: 3\n", "- id: morning",
     "unknown key 'crew' in booking/services/cleaning/slots/0 — allowed keys here: crews, "
     "crews_by_weekday, end, id, label, start"),
    ("          crews_by_weekday: {sat: 4, sun: 4}\n",
     "          crews_by_weekday: {saturday: 4}\n", None, "'saturday' is not one of"),
    ("      name: {zh: 保洁, en: Cleaning}\n", "      name: {zh: 保洁}\n", None,
     "booking/services/cleaning/name: 'en' is a required property — add the missing key"),
    ("    late_fee_pct: 20\n", "    late_fee_pct: 120\n", None,
     "booking/reschedule/late_fee_pct: 120 is greater than the maximum of 100"),
])
def test_schema_errors_name_the_line(tmp_path: Path, old: str, new: str, marker: str | None,
                                     expected: str) -> None:
    errors, _, where = check(tmp_path, old, new, marker)
    assert any(e.startswith(where + ": ") and expected in e for e in errors), (where, errors)


@pytest.mark.parametrize(("old", "new", "marker", "nth", "expected"), [
    ('          start: "08:00"\n', '          start: "8 am"\n', None, 1,
     "'8 am' is not a time of day — write it as \"HH:MM\" in quotes, 24-hour clock"),
    ('          end: "12:00"\n', '          end: "07:30"\n', None, 1,
     "slot 'morning' ends at 07:30, not after it starts (08:00) — make `end` later than "
     "`start` (slots cannot span midnight)"),
    ("        - id: afternoon\n          label: {zh: 下午, en: Afternoon}\n          start: \"13:00\"",
     "        - id: morning\n          label: {zh: 下午, en: Afternoon}\n          start: \"13:00\"",
     "- id: morning", 2,
     "time slot 'morning' of service 'cleaning' is defined twice — rename or remove one (the "
     "first is slot 1)"),
    ("    late: fee                              # later: fee (late_fee_pct of the price) or "
     "refuse\n    late_fee_pct: 20\n", "    late: fee\n", None, 1,
     "reschedule: `late: fee` needs `late_fee_pct` — add e.g. `late_fee_pct: 20` (percent of "
     "the price), or `late: refuse`"),
    ("      min_lead_hours: 3 ", "      min_lead_hours: 800 ", None, 1,
     "min_lead_hours 800 is not less than horizon_days (30 days = 720 h): no day can be "
     "booked — lower min_lead_hours or raise horizon_days"),
    ('  closed_dates: ["2027-02-06"]', '  closed_dates: ["2027-02-30"]', None, 1,
     "'2027-02-30' is not a date — write it as \"YYYY-MM-DD\""),
])
def test_semantic_errors_say_how_to_fix(tmp_path: Path, old: str, new: str, marker: str | None,
                                        nth: int, expected: str) -> None:
    errors, _, where = check(tmp_path, old, new, marker, nth)
    assert any(e.startswith(where + ": ") and expected in e for e in errors), (where, errors)


def test_a_service_without_crews_can_never_be_booked(tmp_path: Path) -> None:
    errors, _, where = check(tmp_path, "      horizon_days: 60\n",
                             "      horizon_days: 60\n      closed_weekdays: [mon, tue, wed, thu, "
                             "fri, sat, sun]\n", "name: {zh: 搬家")
    assert f"{where}: service 'moving' has no crew on any day, so it can never be booked — " \
        "give a slot `crews:` above 0 or open a weekday (closed_weekdays)" in errors


def test_overlapping_slots_are_a_warning(tmp_path: Path) -> None:
    errors, warnings, where = check(tmp_path, '          start: "13:00"\n',
                                    '          start: "11:00"\n')
    assert errors == []
    assert warnings == [f"{where}: warning: slot 'afternoon' overlaps slot 'morning' of service "
                        "'cleaning' — customers may be confused which one to pick; make the "
                        "times follow each other"]


def test_texts_unknown_key_and_unknown_placeholder(tmp_path: Path) -> None:
    errors, _, where = check(tmp_path, "  services:\n", "  texts:\n    ful: {zh: 满了, en: Full}\n"
                             "    full: {zh: '{day}满了', en: '{date} {slot} is full'}\n"
                             "  services:\n", "ful:")
    file, line = where.rsplit(":", 1)
    assert f"{where}: unknown booking text 'ful' — did you mean 'full'?" in errors
    assert f"{file}:{int(line) + 1}: text 'full' (zh) uses {{day}}, which this text does not " \
        "have — use only: {date}, {slot}" in errors


def test_a_flow_choice_must_be_a_slot_of_the_section(tmp_path: Path) -> None:
    errors, _, _ = check(tmp_path, "          - value: evening\n            zh: 晚上\n",
                         "          - value: night\n            zh: 晚上\n")
    text = (tmp_path / "scripts" / "booking.yml").read_text(encoding="utf-8").splitlines()
    ask_slot = next(i for i, ln in enumerate(text, 1) if "- id: ask_slot" in ln)
    path = tmp_path / "scripts" / "booking.yml"
    section = next(i for i, ln in enumerate(text, 1) if ln.startswith("  closed_dates:"))
    assert f"{path}:{ask_slot}: time slot 'night' offered by flow 'booking' is not a slot of " \
        f"any service — add it to a service's slots ({path}:{section}) or remove the choice" \
        in errors
    assert any(e.startswith(f"{path}:{ask_slot}: time slot 'evening' ({path}:{section}) is not among "
                            "the choices of flow 'booking'") for e in errors)
