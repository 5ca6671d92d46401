"""The care calendar: scheduled care messages that are never lost or sent twice.

Rules live in the ``care:`` section (flows/scripts/care.yml, checked by care_config.py).
Every message is an outbox row with a due time, written in the transaction of the change
that caused it, keyed so that doing the same thing twice writes one row:

* booking rules (care_rules.py) follow the booking through the booking hooks below;
* birthdays, holidays, expiring points, win-back offers and campaigns are found by the
  daily scans (care_scans.py: :func:`flows.business.care_scans.run_daily`);
* :func:`flows.business.care_preview.preview` tells what a customer will receive.

Delivery, quiet hours, the daily cap and opt-outs are the dispatcher's business
(scheduler/), applied to every proactive row when it falls due.
"""

from __future__ import annotations

from pathlib import Path

from flows.business import booking
from flows.business.care_config import CareConfig, Rule, check_care, config_of
from flows.business.care_rules import on_cancelled, on_completed, schedule_booking
from flows.sections import register_section

SECTION = register_section("care", schema=Path(__file__).with_name("care.schema.json"),
                           check=check_care)

booking.subscribe(booking.ON_CREATED, schedule_booking)
booking.subscribe(booking.ON_RESCHEDULED, schedule_booking)
booking.subscribe(booking.ON_CANCELLED, on_cancelled)
booking.subscribe(booking.ON_COMPLETED, on_completed)

__all__ = ["SECTION", "CareConfig", "Rule", "config_of"]
